// Test helpers: a fresh temporary directory per test, and a minimal blocking HTTP/1.1
// client for talking to the real server over loopback.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <thread>
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

// A socket listening on 127.0.0.1 at a free port; the port goes to `port`.
int ListenOnLoopback(int* port);

// A loopback HTTP endpoint answering each request with the next status of `statuses`
// (then 200), keeping what it received: a webhook receiver.
class HttpHook {
 public:
  explicit HttpHook(std::vector<int> statuses);
  ~HttpHook();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::vector<std::string> requests();

 private:
  void Serve();
  int fd_ = -1;
  int port_ = 0;
  std::vector<int> statuses_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> requests_;
};

// Events as a client sends them for `user` (identified by user_id), with a fresh
// message id each: a track event, and an identify call setting traits (JSON values).
Event Track(const std::string& user, const std::string& name, const std::string& channel,
            Timestamp at, const std::string& properties = "{}");
Event Identify(const std::string& user,
               const std::vector<std::pair<std::string, std::string>>& traits, Timestamp at);
std::string Gzip(const std::string& data);

}  // namespace unisono::testing
