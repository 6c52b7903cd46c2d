// The world the HTTP API tests share: a SQLite store in a temporary directory, the
// profile service over it, the built-in channel catalog, a manual clock, and the real
// server on an ephemeral loopback port with one keep-alive client. A test adds what it
// needs (content, engines) to the deps before StartServer.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>

#include "server/server.h"
#include "support/test_support.h"

namespace unisono::testing {

class ApiWorld : public ::testing::Test {
 protected:
  explicit ApiWorld(Timestamp start = *ParseTimestamp("2026-06-01T12:00:00Z")) : clock_(start) {}

  void OpenStore() { store_ = std::move(OpenSqliteStore(dir_.path())).value(); }
  void OpenProfiles(ProfileServiceOptions options = {}) {
    profiles_ = std::move(ProfileService::Create(*store_, clock_, options)).value();
  }
  // The deps every server here has; a test sets the optional ones on the copy.
  ServerDeps Deps() { return ServerDeps{*profiles_, catalog_, clock_, nullptr, store_.get()}; }
  void StartServer(const ServerDeps& deps, std::vector<std::string> write_keys = {"test-key"}) {
    ServerOptions o;
    o.port = 0;
    o.threads = 2;
    o.write_keys = std::move(write_keys);
    auto server = Server::Start(o, deps);
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(server).value();
    client_ = std::make_unique<HttpClient>(server_->port());
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    profiles_.reset();
  }

  // A JSON request, as `user` (the X-Unisono-User header) when given.
  HttpResponse Send(const std::string& method, const std::string& target,
                    const std::string& body = "", const std::string& user = "") {
    std::map<std::string, std::string> headers{{"Content-Type", "application/json"}};
    if (!user.empty()) headers["X-Unisono-User"] = user;
    return client_->Send(method, target, body, headers);
  }
  static boost::json::object Body(const HttpResponse& r) {
    return boost::json::parse(r.body).as_object();
  }
  static boost::json::object Error(const HttpResponse& r) {
    return Body(r).at("error").as_object();
  }

  TempDir dir_;
  ManualClock clock_;
  ChannelCatalog catalog_ = ChannelCatalog::Builtin();
  std::unique_ptr<Store> store_;
  std::unique_ptr<ProfileService> profiles_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<HttpClient> client_;
};

}  // namespace unisono::testing
