// Test helpers: a fresh temporary directory per test, and a minimal blocking HTTP/1.1
// client for talking to the real server over loopback.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/core.h"

namespace unisono::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// One keep-alive connection to 127.0.0.1:port.
class HttpClient {
 public:
  explicit HttpClient(int port);
  ~HttpClient();
  HttpResponse Send(const std::string& method, const std::string& target, const std::string& body,
                    const std::map<std::string, std::string>& headers = {});
  HttpResponse Post(const std::string& target, const std::string& body,
                    const std::string& write_key = "test-key");

 private:
  void Connect();
  int port_;
  int fd_ = -1;
};

std::string BasicAuth(const std::string& user);

// Events as a client sends them for `user` (identified by user_id), with a fresh
// message id each: a track event, and an identify call setting traits (JSON values).
Event Track(const std::string& user, const std::string& name, const std::string& channel,
            Timestamp at, const std::string& properties = "{}");
Event Identify(const std::string& user,
               const std::vector<std::pair<std::string, std::string>>& traits, Timestamp at);
std::string Gzip(const std::string& data);

}  // namespace unisono::testing
