// Requests and responses as plain values, and the routing table. Nothing here
// depends on Beast, so handlers compile quickly and can be tested without sockets.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "server/internal/metrics.h"
#include "server/server.h"

namespace unisono::http {

struct Request {
  std::string method;  // "GET"
  std::string target;  // "/v1/profiles?email=a%40b.com"
  std::string authorization;
  std::string content_encoding;
  std::string content_type;
  std::string user_agent;
  std::string user;  // X-Unisono-User: who acts (content approval)
  std::string body;
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

using Reply = std::function<void(Response)>;

Response JsonError(const Status& status);
int HttpStatusFor(StatusCode code);

// Routes a request to its handler; the handler calls `reply` exactly once, maybe
// later from another thread (ingest replies after the group commit).
class Router {
 public:
  Router(ServerOptions options, ServerDeps deps, Metrics& metrics);
  ~Router();
  void Handle(Request request, Reply reply);
  // Body size a request to `target` may have, decided before the body is read.
  size_t BodyLimit(std::string_view target) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace unisono::http
