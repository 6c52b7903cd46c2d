// cli: a small blocking HTTP client over libcurl for the commands that talk to a running
// server (`unisono segment`, `unisono apply`), and the decoding of the server's error
// bodies. One HttpClient per thread; libcurl's global state is set up once, on first use.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "core/core.h"

namespace unisono::cli {

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string content_type;
};

class HttpClient {
 public:
  // `server` is the base URL, e.g. "http://127.0.0.1:8080" (a trailing '/' is ignored).
  explicit HttpClient(std::string server);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `path` starts with '/' and may carry a query. A transport failure (no server at
  // the address, timeout) is an Unavailable status naming the server; any HTTP status,
  // 4xx and 5xx included, is a response.
  Result<HttpResponse> Get(const std::string& path);
  Result<HttpResponse> Post(const std::string& path, const std::string& body,
                            const std::string& content_type = "application/json");
  Result<HttpResponse> Put(const std::string& path, const std::string& body,
                           const std::string& content_type = "application/json");
  Result<HttpResponse> Delete(const std::string& path);

  const std::string& server() const { return server_; }

 private:
  Result<HttpResponse> Send(const char* method, const std::string& path, const std::string* body,
                            const std::string& content_type);

  std::string server_;
  void* curl_;  // CURL*, kept for connection reuse across calls
};

// Percent-encodes a path segment or query value ("High value" -> "High%20value").
std::string UrlEscape(std::string_view s);

// The Status a non-2xx response describes: the server's {"error": {"code", "message",
// "field", "index"}} when the body is one, else the HTTP status and the body's start.
Status ResponseError(const HttpResponse& response);

// The JSON body of a 2xx response (null when empty); for any other answer its
// ResponseError, and a transport failure as it came.
Result<boost::json::value> JsonBody(const Result<HttpResponse>& response);

// "message (field f, index i)": a Status for people, with where the problem is.
std::string Describe(const Status& status);

// How the server clients fail: "unisono COMMAND: ..." on stderr, exit 2 for a bad
// command line, 1 for what the server reports.
int UsageError(std::string_view command, const std::string& message);
int ServerError(std::string_view command, const Status& status);

// A member as text: strings as they are, other values as JSON, "" when missing or null.
std::string MemberText(const boost::json::object& o, const char* key);

}  // namespace unisono::cli
