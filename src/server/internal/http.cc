// Beast HTTP/1.1 transport: one io_context per thread, connections spread round-robin,
// keep-alive, header-first reads so the body limit depends on the route. All of the
// Beast/Asio code of unisono lives in this file (it costs seconds to compile).
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "server/internal/metrics.h"
#include "server/internal/router.h"

namespace unisono {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Counts requests between "read" and "response written", so Stop can drain them.
class InFlight {
 public:
  void Begin() {
    std::lock_guard<std::mutex> lock(mu_);
    ++n_;
  }
  void End() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--n_ == 0) cv_.notify_all();
  }
  bool WaitIdle(Millis grace) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, grace, [&] { return n_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int n_ = 0;
};

// One keep-alive connection. A plain socket, not beast::tcp_stream, whose per-operation
// timers cost a timer-queue update and a timerfd syscall on every read and write:
// one timer per connection enforces the idle limit lazily instead.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, http::Router& router, InFlight& in_flight,
          const std::atomic<bool>& draining)
      : socket_(std::move(socket)),
        idle_timer_(socket_.get_executor()),
        router_(router),
        in_flight_(in_flight),
        draining_(draining) {}

  void Start() {
    beast::error_code ec;
    socket_.non_blocking(true, ec);  // for the direct write in Write()
    ReadHeader();
    WatchIdle();
  }

 private:
  static constexpr std::chrono::seconds kIdleLimit{60};
  static constexpr size_t kReadChunk = 16 * 1024;

  // A request must be read and answered within kIdleLimit of the moment its read began.
  void WatchIdle() {
    idle_timer_.expires_at(deadline_);
    idle_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || !self->socket_.is_open()) return;
      if (std::chrono::steady_clock::now() >= self->deadline_) {
        beast::error_code ignored;
        self->socket_.close(ignored);  // cancels the pending read or write
        return;
      }
      self->WatchIdle();
    });
  }

  // A new request: parse what the buffer already holds (a pipelined request), read
  // only when the parser needs more.
  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    header_seen_ = false;
    deadline_ = std::chrono::steady_clock::now() + kIdleLimit;
    Parse();
  }

  // Reads straight into the connection's buffer, a whole small request per read.
  // (Beast's composed reads start at 512 bytes and post a handler per step.)
  void ReadMore() {
    socket_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->Close();
                              self->buffer_.commit(n);
                              self->Parse();
                            });
  }

  void Parse() {
    while (true) {
      if (buffer_.size() == 0) return ReadMore();
      beast::error_code ec;
      size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == bhttp::error::need_more) return ReadMore();
      if (ec == bhttp::error::body_limit) {
        http::Response r = http::JsonError(Status::TooLarge(
            "the body is over this endpoint's limit (500 KB for /v1/batch, 32 KB per event)"));
        keep_alive_ = false;
        return Write(std::move(r));
      }
      if (ec) return Close();
      if (parser_->is_header_done() && !header_seen_) {
        // The body limit depends on the route.
        header_seen_ = true;
        in_flight_.Begin();
        request_open_ = true;
        auto& h = parser_->get();
        parser_->body_limit(
            router_.BodyLimit(std::string_view(h.target().data(), h.target().size())));
      }
      if (parser_->is_done()) return OnRequest();
      if (used == 0) return ReadMore();
    }
  }

  void OnRequest() {
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    http::Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    req.authorization = std::string(msg[bhttp::field::authorization]);
    req.content_encoding = std::string(msg[bhttp::field::content_encoding]);
    req.content_type = std::string(msg[bhttp::field::content_type]);
    req.user_agent = std::string(msg[bhttp::field::user_agent]);
    req.user = std::string(msg["X-Unisono-User"]);
    req.body = std::move(msg.body());
    router_.Handle(std::move(req), [self = shared_from_this()](http::Response r) {
      // May run on the commit thread: hop back onto this connection's executor.
      net::post(self->socket_.get_executor(),
                [self, r = std::move(r)]() mutable { self->Write(std::move(r)); });
    });
  }

  // The response head is written by hand: Beast's serializer costs more than the rest
  // of a small request together.
  void Write(http::Response r) {
    const bool keep_alive = keep_alive_ && !draining_;
    head_.clear();
    head_ += version_ == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    head_ += std::to_string(r.status);
    head_ += ' ';
    auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(r.status));
    head_.append(reason.data(), reason.size());
    head_ += "\r\nServer: unisono\r\n";
    if (!r.content_type.empty()) head_ += "Content-Type: " + r.content_type + "\r\n";
    for (const auto& [k, v] : r.headers) head_ += k + ": " + v + "\r\n";
    // No length on 1xx, 204 and 304, which never have a body.
    if (r.status >= 200 && r.status != 204 && r.status != 304) {
      head_ += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    } else {
      r.body.clear();
    }
    if (!keep_alive && version_ != 10) head_ += "Connection: close\r\n";
    if (keep_alive && version_ == 10) head_ += "Connection: keep-alive\r\n";
    head_ += "\r\n";
    body_ = std::move(r.body);
    // A small response fits the socket's send buffer: write it now, and wait for the
    // socket only for what did not fit.
    std::array<net::const_buffer, 2> buffers{net::buffer(head_), net::buffer(body_)};
    beast::error_code ec;
    size_t sent = socket_.write_some(buffers, ec);
    if (ec == net::error::would_block || ec == net::error::try_again) {
      ec = {};
      sent = 0;
    }
    if (ec || sent == head_.size() + body_.size()) return OnWrite(ec, keep_alive);
    head_ += body_;
    head_.erase(0, sent);
    net::async_write(socket_, net::buffer(head_),
                     [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                       self->OnWrite(ec, keep_alive);
                     });
  }

  void OnWrite(beast::error_code ec, bool keep_alive) {
    if (request_open_) {
      request_open_ = false;
      in_flight_.End();
    }
    if (ec || !keep_alive) return Close();
    ReadHeader();
  }

  void Close() {
    if (request_open_) {
      request_open_ = false;
      in_flight_.End();
    }
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    idle_timer_.cancel();
  }

  tcp::socket socket_;
  net::steady_timer idle_timer_;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::now() + kIdleLimit;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string head_;
  std::string body_;
  http::Router& router_;
  InFlight& in_flight_;
  const std::atomic<bool>& draining_;
  bool keep_alive_ = true;
  bool request_open_ = false;
  bool header_seen_ = false;
  unsigned version_ = 11;
};

}  // namespace

class Server::Impl {
 public:
  Impl(ServerOptions options, ServerDeps deps)
      : options_(std::move(options)),
        metrics_(deps.metrics ? deps.metrics : MakeMetrics()),
        router_(options_, deps, *metrics_) {
    int n =
        options_.threads > 0 ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
    for (int i = 0; i < n; ++i) contexts_.push_back(std::make_unique<net::io_context>(1));
  }

  Status Listen(ServerDeps& deps) {
    beast::error_code ec;
    auto address = net::ip::make_address(options_.host, ec);
    if (ec) {
      return Status::InvalidArgument("--host '" + options_.host + "' is not an IP address");
    }
    acceptor_.emplace(*contexts_[0]);
    tcp::endpoint endpoint(address, options_.port);
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::Unavailable("cannot listen on " + options_.host + ":" +
                                 std::to_string(options_.port) + ": " + ec.message() +
                                 " (is another server running? try --port 0)");
    }
    port_ = acceptor_->local_endpoint().port();
    Accept();
    for (auto& ctx : contexts_) {
      guards_.emplace_back(net::make_work_guard(*ctx));
      threads_.emplace_back([&ctx = *ctx] {
        pthread_setname_np(pthread_self(), "unisono-http");
        ctx.run();
      });
    }
    return Status::Ok();
  }

  void Stop(Millis grace) {
    if (stopped_.exchange(true)) return;
    draining_ = true;
    net::post(*contexts_[0], [this] {
      beast::error_code ignored;
      acceptor_->close(ignored);
    });
    if (!in_flight_.WaitIdle(grace)) {
      spdlog::warn("requests still in flight after {} ms; closing anyway", grace.count());
    }
    for (auto& g : guards_) g.reset();
    for (auto& ctx : contexts_) ctx->stop();
    for (auto& t : threads_) t.join();
  }

  uint16_t port() const { return port_; }

 private:
  void Accept() {
    auto& ctx = *contexts_[next_context_++ % contexts_.size()];
    acceptor_->async_accept(ctx, [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec != net::error::operation_aborted) spdlog::warn("accept: {}", ec.message());
        if (!draining_) Accept();
        return;
      }
      socket.set_option(tcp::no_delay(true));
      std::make_shared<Session>(std::move(socket), router_, in_flight_, draining_)->Start();
      Accept();
    });
  }

  ServerOptions options_;
  std::shared_ptr<http::Metrics> metrics_;
  http::Router router_;
  std::vector<std::unique_ptr<net::io_context>> contexts_;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
  std::optional<tcp::acceptor> acceptor_;
  size_t next_context_ = 0;
  uint16_t port_ = 0;
  InFlight in_flight_;
  std::atomic<bool> draining_{false};
  std::atomic<bool> stopped_{false};
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { impl_->Stop(Millis(5000)); }

Result<std::unique_ptr<Server>> Server::Start(ServerOptions options, ServerDeps deps) {
  if (options.write_keys.empty()) {
    return Status::InvalidArgument("the server needs at least one write key");
  }
  auto impl = std::make_unique<Impl>(std::move(options), deps);
  if (Status s = impl->Listen(deps); !s.ok()) return s;
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const { return impl_->port(); }
void Server::Stop(Millis grace) { impl_->Stop(grace); }

}  // namespace unisono
