#include "cli/http_client.h"

#include <curl/curl.h>

#include <boost/json.hpp>
#include <cctype>
#include <iostream>

namespace unisono::cli {

namespace {

size_t AppendBody(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// Without this a refused connection would read "Couldn't connect to server".
Status TransportError(CURLcode code, const std::string& server, const char* detail) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return Status::Unavailable("no server answers at " + server +
                                 "; start one with `unisono serve` or pass --server URL");
    case CURLE_OPERATION_TIMEDOUT:
      return Status::Unavailable("the server at " + server + " did not answer in time");
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Status::InvalidArgument("--server must be a URL like http://127.0.0.1:8080, not '" +
                                     server + "'");
    default:
      return Status::Unavailable("talking to " + server + ": " +
                                 (detail && *detail ? detail : curl_easy_strerror(code)));
  }
}

}  // namespace

HttpClient::HttpClient(std::string server) : server_(std::move(server)), curl_(nullptr) {
  while (!server_.empty() && server_.back() == '/') server_.pop_back();
  // Not thread-safe in libcurl before 7.84; a function-local static runs it exactly once.
  static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (initialised) curl_ = curl_easy_init();
}

HttpClient::~HttpClient() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

Result<HttpResponse> HttpClient::Get(const std::string& path) {
  return Send("GET", path, nullptr, "");
}
Result<HttpResponse> HttpClient::Post(const std::string& path, const std::string& body,
                                      const std::string& content_type) {
  return Send("POST", path, &body, content_type);
}
Result<HttpResponse> HttpClient::Put(const std::string& path, const std::string& body,
                                     const std::string& content_type) {
  return Send("PUT", path, &body, content_type);
}
Result<HttpResponse> HttpClient::Delete(const std::string& path) {
  return Send("DELETE", path, nullptr, "");
}

Result<HttpResponse> HttpClient::Send(const char* method, const std::string& path,
                                      const std::string* body, const std::string& content_type) {
  CURL* curl = static_cast<CURL*>(curl_);
  if (!curl) return Status::Internal("libcurl could not be initialised");
  curl_easy_reset(curl);
  HttpResponse response;
  std::string url = server_ + path;
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  // Creating a segment evaluates it over every profile: give the server time.
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 600'000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
  curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json, text/csv");
  if (body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    headers = curl_slist_append(headers, ("Content-Type: " + content_type).c_str());
  } else if (std::string_view(method) == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (code != CURLE_OK) return TransportError(code, server_, error);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  char* type = nullptr;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
  if (type) response.content_type = type;
  return response;
}

std::string UrlEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Status ResponseError(const HttpResponse& response) {
  StatusCode code = response.status == 404   ? StatusCode::kNotFound
                    : response.status == 409 ? StatusCode::kAlreadyExists
                    : response.status < 500  ? StatusCode::kInvalidArgument
                                             : StatusCode::kUnavailable;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(response.body, ec);
  const boost::json::object* error = nullptr;
  if (!ec && v.is_object()) {
    if (const auto* e = v.as_object().if_contains("error"); e && e->is_object()) {
      error = &e->as_object();
    }
  }
  if (!error) {
    std::string start = response.body.substr(0, 200);
    return Status(code, "the server answered HTTP " + std::to_string(response.status) +
                            (start.empty() ? "" : ": " + start));
  }
  auto text = [&](const char* key) {
    const auto* f = error->if_contains(key);
    return f && f->is_string() ? std::string(f->as_string()) : std::string();
  };
  Status status(code, text("message"));
  if (std::string field = text("field"); !field.empty()) status.WithField(field);
  if (const auto* i = error->if_contains("index"); i && i->is_int64()) {
    status.WithIndex(static_cast<int>(i->as_int64()));
  }
  return status;
}

Result<boost::json::value> JsonBody(const Result<HttpResponse>& response) {
  if (!response.ok()) return response.status();
  if (response->status < 200 || response->status >= 300) return ResponseError(response.value());
  if (response->body.empty()) return boost::json::value(nullptr);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(response->body, ec);
  if (ec) {
    return Status::Internal("the server's answer is not JSON: " + response->body.substr(0, 200));
  }
  return v;
}

std::string Describe(const Status& status) {
  std::string out = status.message();
  std::string where;
  if (!status.field().empty()) where = "field " + status.field();
  if (status.index()) {
    where += std::string(where.empty() ? "" : ", ") + "index " + std::to_string(*status.index());
  }
  return where.empty() ? out : out + " (" + where + ")";
}

int UsageError(std::string_view command, const std::string& message) {
  std::cerr << "unisono " << command << ": " << message << "\n";
  return 2;
}

int ServerError(std::string_view command, const Status& status) {
  std::cerr << "unisono " << command << ": " << Describe(status) << "\n";
  return 1;
}

std::string MemberText(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  if (!v || v->is_null()) return "";
  if (v->is_string()) return std::string(v->as_string());
  return boost::json::serialize(*v);
}

}  // namespace unisono::cli
