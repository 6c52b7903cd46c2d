// A reused libcurl handle for HTTP POSTs (webhooks and HTTP providers): one per
// connector, so its connections are kept alive between messages. Not thread-safe.
#pragma once

#include <atomic>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

typedef void CURL;

namespace unisono::channel {

// application/x-www-form-urlencoded: unreserved characters as they are, space as '+'.
std::string FormEncode(std::string_view s);

struct HttpAnswer {
  std::string transport_error;  // "" when an HTTP answer came back
  long status = 0;
  std::string body;  // at most 64 KiB are kept

  bool ok() const { return transport_error.empty() && status >= 200 && status < 300; }
  // Worth trying again: no answer, 429 or 5xx.
  bool transient() const { return !transport_error.empty() || status == 429 || status >= 500; }
  // "HTTP 400: {...}" or the transport error, for a dead letter's reason.
  std::string Describe() const;
};

class HttpPoster {
 public:
  HttpPoster();
  ~HttpPoster();
  // A transfer in progress gives up (a transport error) once `cancelled` is set.
  void Cancel() { cancelled_ = true; }
  void Resume() { cancelled_ = false; }
  HttpPoster(const HttpPoster&) = delete;
  HttpPoster& operator=(const HttpPoster&) = delete;

  // `headers` as "Name: value"; `basic_auth` "user:password" or "".
  HttpAnswer Post(const std::string& url, const std::string& body,
                  const std::vector<std::string>& headers, const std::string& basic_auth = {});

 private:
  CURL* curl_;
  std::atomic<bool> cancelled_ = false;
};

}  // namespace unisono::channel
