#include "support/test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace unisono::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "unisono-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

HttpClient::HttpClient(int port) : port_(port) { Connect(); }

HttpClient::~HttpClient() {
  if (fd_ >= 0) close(fd_);
}

void HttpClient::Connect() {
  if (fd_ >= 0) close(fd_);
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port_) + " failed");
  }
}

HttpResponse HttpClient::Send(const std::string& method, const std::string& target,
                              const std::string& body,
                              const std::map<std::string, std::string>& headers) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  for (int attempt = 0; attempt < 2; ++attempt) {
    size_t sent = 0;
    bool ok = true;
    while (sent < req.size()) {
      ssize_t n = ::send(fd_, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) {
        ok = false;
        break;
      }
      sent += static_cast<size_t>(n);
    }
    std::string buf;
    char chunk[65536];
    size_t header_end = std::string::npos;
    while (ok && header_end == std::string::npos) {
      ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) {
        ok = false;
        break;
      }
      buf.append(chunk, static_cast<size_t>(n));
      header_end = buf.find("\r\n\r\n");
    }
    if (!ok) {
      Connect();  // the server closed the keep-alive connection; retry once
      continue;
    }
    HttpResponse res;
    res.status = std::stoi(buf.substr(9, 3));
    size_t pos = buf.find("\r\n") + 2;
    while (pos < header_end) {
      size_t eol = buf.find("\r\n", pos);
      std::string line = buf.substr(pos, eol - pos);
      auto colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(c));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value[0] == ' ') value.erase(0, 1);
      res.headers[name] = value;
      pos = eol + 2;
    }
    size_t length =
        res.headers.count("content-length") ? std::stoul(res.headers["content-length"]) : 0;
    res.body = buf.substr(header_end + 4);
    while (res.body.size() < length) {
      ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      res.body.append(chunk, static_cast<size_t>(n));
    }
    if (res.headers["connection"] == "close") Connect();
    return res;
  }
  throw std::runtime_error("HTTP request failed twice");
}

HttpResponse HttpClient::Post(const std::string& target, const std::string& body,
                              const std::string& write_key) {
  std::map<std::string, std::string> h{{"Content-Type", "application/json"}};
  if (!write_key.empty()) h["Authorization"] = BasicAuth(write_key);
  return Send("POST", target, body, h);
}

std::string BasicAuth(const std::string& user) {
  static const char* kChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string in = user + ":", out;
  int val = 0, bits = -6;
  for (unsigned char c : in) {
    val = (val << 8) + c;
    bits += 8;
    while (bits >= 0) {
      out.push_back(kChars[(val >> bits) & 0x3F]);
      bits -= 6;
    }
  }
  if (bits > -6) out.push_back(kChars[((val << 8) >> (bits + 8)) & 0x3F]);
  while (out.size() % 4) out.push_back('=');
  return "Basic " + out;
}

std::string Gzip(const std::string& data) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

Event Track(const std::string& user, const std::string& name, const std::string& channel,
            Timestamp at, const std::string& properties) {
  static std::atomic<int> n{0};
  Event e;
  e.type = EventType::kTrack;
  e.message_id = "test-" + std::to_string(++n);
  e.user_id = user;
  e.identifiers = {{"user_id", user}};
  e.name = name;
  e.channel = channel;
  e.properties_json = properties;
  e.timestamp = e.original_timestamp = e.received_at = at;
  return e;
}

Event Identify(const std::string& user,
               const std::vector<std::pair<std::string, std::string>>& traits, Timestamp at) {
  Event e = Track(user, "", "unknown", at);
  e.type = EventType::kIdentify;
  for (const auto& [k, v] : traits) e.traits.push_back({k, v});
  return e;
}

int ListenOnLoopback(int* port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  listen(fd, 8);
  return fd;
}

HttpHook::HttpHook(std::vector<int> statuses) : statuses_(std::move(statuses)) {
  fd_ = ListenOnLoopback(&port_);
  thread_ = std::thread([this] { Serve(); });
}

HttpHook::~HttpHook() {
  shutdown(fd_, SHUT_RDWR);
  close(fd_);
  thread_.join();
}

std::vector<std::string> HttpHook::requests() {
  std::lock_guard lock(mu_);
  return requests_;
}

void HttpHook::Serve() {
  auto content_length = [](const std::string& r) -> size_t {
    std::string lower = r;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto at = lower.find("content-length: ");
    return at == std::string::npos ? 0 : std::stoul(r.substr(at + 16));
  };
  for (size_t i = 0;; ++i) {
    int c = accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos ||
           request.size() < request.find("\r\n\r\n") + 4 + content_length(request)) {
      ssize_t n = read(c, buf, sizeof(buf));
      if (n <= 0) break;
      request.append(buf, static_cast<size_t>(n));
    }
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
    }
    int status = i < statuses_.size() ? statuses_[i] : 200;
    std::string reply = "HTTP/1.1 " + std::to_string(status) +
                        " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    (void)!write(c, reply.data(), reply.size());
    close(c);
  }
}

}  // namespace unisono::testing
