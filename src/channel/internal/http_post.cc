#include "channel/internal/http_post.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>

namespace unisono::channel {

std::string FormEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}
namespace {

constexpr size_t kMaxBody = 64 * 1024;

size_t Collect(char* data, size_t size, size_t n, void* out) {
  auto* body = static_cast<std::string*>(out);
  size_t room = kMaxBody - std::min(kMaxBody, body->size());
  body->append(data, std::min(room, size * n));
  return size * n;
}

int AbortWhenCancelled(void* cancelled, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<std::atomic<bool>*>(cancelled)->load() ? 1 : 0;
}

}  // namespace

std::string HttpAnswer::Describe() const {
  if (!transport_error.empty()) return transport_error;
  std::string text = "HTTP " + std::to_string(status);
  if (!body.empty()) text += ": " + body.substr(0, 300);
  return text;
}

HttpPoster::HttpPoster() : curl_(curl_easy_init()) {}

HttpPoster::~HttpPoster() {
  if (curl_) curl_easy_cleanup(curl_);
}

HttpAnswer HttpPoster::Post(const std::string& url, const std::string& body,
                            const std::vector<std::string>& headers,
                            const std::string& basic_auth) {
  HttpAnswer answer;
  if (!curl_) {
    answer.transport_error = "cannot start an HTTP client";
    return answer;
  }
  curl_slist* list = nullptr;
  for (const std::string& h : headers) list = curl_slist_append(list, h.c_str());
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl_, CURLOPT_POST, 1L);
  curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 15000L);
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &answer.body);
  curl_easy_setopt(curl_, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl_, CURLOPT_XFERINFOFUNCTION, AbortWhenCancelled);
  curl_easy_setopt(curl_, CURLOPT_XFERINFODATA, &cancelled_);
  if (basic_auth.empty()) {
    curl_easy_setopt(curl_, CURLOPT_USERPWD, nullptr);
    curl_easy_setopt(curl_, CURLOPT_HTTPAUTH, CURLAUTH_NONE);
  } else {
    curl_easy_setopt(curl_, CURLOPT_USERPWD, basic_auth.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
  }
  CURLcode rc = curl_easy_perform(curl_);
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &answer.status);
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, nullptr);
  curl_slist_free_all(list);
  if (rc != CURLE_OK) {
    answer.transport_error = curl_easy_strerror(rc);
    if (error[0]) answer.transport_error += std::string(": ") + error;
  }
  return answer;
}

}  // namespace unisono::channel
