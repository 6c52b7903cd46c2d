// The delivery tests' world: a real SQLite store, the profile service, an approved
// content item, a manual clock; real outside parts (aiosmtpd as the SMTP server, a
// Python stub as the SMS provider) run as child processes on loopback.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "channel/channel.h"
#include "support/test_support.h"

namespace unisono::testing {

// Monday 2026-01-05 10:00 UTC.
inline const Timestamp kDeliveryStart = ParseTimestamp("2026-01-05T10:00:00Z").value();

// A child process, terminated (SIGTERM, then SIGKILL) and reaped on destruction.
class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

 private:
  int pid_ = -1;
};

// A loopback port nobody listens on right now.
inline int FreePort();
// Waits (up to 30 s) until something accepts connections on the port.
inline bool WaitForPort(int port);
// Waits (up to 30 s) until `done` holds, checking every 20 ms.
inline bool Eventually(const std::function<bool()>& done);

inline std::string ChannelTestFile(const std::string& name);  // tests/channel/<name>

// aiosmtpd saving each message under its own directory.
class SmtpSink {
 public:
  struct Options {
    std::string user, password;       // AUTH required when set
    std::vector<std::string> refuse;  // recipients answered with 550
  };
  SmtpSink(int port, Options options);
  explicit SmtpSink(int port) : SmtpSink(port, Options{}) {}
  int port() const { return port_; }
  std::string url(const std::string& userinfo = "") const;
  // The raw messages received so far, in order.
  std::vector<std::string> Messages() const;
  // The envelope of message n (0-based): {"mail_from", "rcpt_tos", "login"} as JSON text.
  std::string Envelope(size_t n) const;

 private:
  int port_;
  TempDir dir_;
  std::unique_ptr<ChildProcess> process_;
};

// tests/channel/provider_stub.py on a free port.
class ProviderStub {
 public:
  explicit ProviderStub(std::vector<std::string> flags = {});
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/messages"; }
  // Every request so far: {"method","path","headers","body","form"} objects as JSON text.
  std::vector<std::string> Requests() const;
  // Overrides the answer's status from now on (0: back to the flags).
  void AnswerWith(int status);

 private:
  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// A parsed email: unfolded headers and the decoded text and HTML parts.
struct ParsedMail {
  std::map<std::string, std::string> headers;  // lower-case names
  std::string text, html;
  std::vector<std::string> raw_lines;  // the message's lines without CRLF
  bool crlf_only = true;               // every line ended with CRLF
};
inline ParsedMail ParseMail(const std::string& raw);
inline std::string DecodeQuotedPrintable(const std::string& text);

inline SmtpOptions Smtp(const std::string& url, const std::string& from) {
  SmtpOptions o;
  o.url = url;
  o.from = from;
  return o;
}

// The content item the delivery tests send: email (non-ASCII subject), sms, whatsapp,
// postal; approved.
inline std::string DeliveryContentDefinition();

class DeliveryWorld {
 public:
  explicit DeliveryWorld(const std::string& dir);
  ~DeliveryWorld();

  // A profile with traits (JSON values) and granted consents; returns its id.
  int64_t Profile(const std::string& user,
                  const std::vector<std::pair<std::string, std::string>>& traits,
                  const std::vector<std::string>& consents);
  // Writes a pending outbox message as the journey engine would and returns it.
  OutboxMessage Queue(int64_t profile, const std::string& channel, const std::string& content,
                      int content_version = 0);
  // Creates the delivery with `options` (data_dir and public_url filled in).
  void StartDelivery(DeliveryOptions options);
  std::optional<OutboxMessage> Row(int64_t id);
  // The profile's events, oldest first.
  std::vector<Event> Events(int64_t profile);
  // Lets the profile service's queue land.
  void Flush();

  std::string dir;
  ManualClock clock{kDeliveryStart};
  std::unique_ptr<Store> store;
  std::unique_ptr<ProfileService> profiles;
  std::unique_ptr<ContentLibrary> content;
  std::string content_id;
  int content_version = 0;
  std::unique_ptr<Delivery> delivery;

 private:
  int64_t next_message_ = 1;
};

// ---- implementation (header-only: the test glob compiles *_test.cc files only) ----

inline ChildProcess::ChildProcess(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives a test that crashed
    execv(args[0], args.data());
    _exit(127);
  }
}

inline ChildProcess::~ChildProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  for (int i = 0; i < 250; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

inline int FreePort() {
  int port = 0;
  close(ListenOnLoopback(&port));
  return port;
}

inline bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 1500; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

inline bool WaitForPort(int port) {
  return Eventually([port] {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    return ok;
  });
}

inline std::string ChannelTestFile(const std::string& name) {
  return std::string(UNISONO_TEST_DATA_DIR) + "/channel/" + name;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline SmtpSink::SmtpSink(int port, Options options) : port_(port) {
  std::vector<std::string> argv = {"/usr/bin/python3", ChannelTestFile("smtp_sink.py"),
                                   std::to_string(port), dir_.path()};
  if (!options.user.empty()) {
    argv.insert(argv.end(), {"--user", options.user, "--password", options.password});
  }
  if (!options.refuse.empty()) {
    argv.push_back("--refuse");
    argv.insert(argv.end(), options.refuse.begin(), options.refuse.end());
  }
  process_ = std::make_unique<ChildProcess>(argv);
  EXPECT_TRUE(WaitForPort(port)) << "aiosmtpd did not start on port " << port;
}

inline std::string SmtpSink::url(const std::string& userinfo) const {
  return "smtp://" + (userinfo.empty() ? "" : userinfo + "@") +
         "127.0.0.1:" + std::to_string(port_);
}

inline std::vector<std::string> SmtpSink::Messages() const {
  std::vector<std::string> out;
  for (int n = 1;; ++n) {
    std::string path = dir_.path() + "/" + std::to_string(n) + ".eml";
    if (!std::filesystem::exists(path)) return out;
    out.push_back(ReadFile(path));
  }
}

inline std::string SmtpSink::Envelope(size_t n) const {
  return ReadFile(dir_.path() + "/" + std::to_string(n + 1) + ".json");
}

inline ProviderStub::ProviderStub(std::vector<std::string> flags) {
  std::vector<std::string> argv = {"/usr/bin/python3",    ChannelTestFile("provider_stub.py"),
                                   dir_.path() + "/port", dir_.path() + "/requests.jsonl",
                                   "--control",           dir_.path() + "/control"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  process_ = std::make_unique<ChildProcess>(argv);
  EXPECT_TRUE(Eventually([&] { return std::filesystem::exists(dir_.path() + "/port"); }))
      << "the provider stub did not start";
  port_ = std::atoi(ReadFile(dir_.path() + "/port").c_str());
}

inline std::vector<std::string> ProviderStub::Requests() const {
  std::vector<std::string> out;
  std::istringstream in(ReadFile(dir_.path() + "/requests.jsonl"));
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

inline void ProviderStub::AnswerWith(int status) {
  const std::string control = dir_.path() + "/control";
  if (status == 0) {
    std::filesystem::remove(control);
    return;
  }
  std::ofstream(control + ".tmp") << status;
  std::filesystem::rename(control + ".tmp", control);
}

inline std::string DecodeQuotedPrintable(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') {
      out += text[i];
    } else if (i + 2 < text.size() && text[i + 1] == '\r' && text[i + 2] == '\n') {
      i += 2;  // soft break
    } else if (i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    }
  }
  // Hard breaks back to the text's own newlines.
  std::string plain;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '\r' && i + 1 < out.size() && out[i + 1] == '\n') continue;
    plain += out[i];
  }
  return plain;
}

inline ParsedMail ParseMail(const std::string& raw) {
  ParsedMail mail;
  size_t at = 0;
  while (at < raw.size()) {
    size_t end = raw.find('\n', at);
    if (end == std::string::npos) end = raw.size();
    std::string line = raw.substr(at, end - at);
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    } else if (end < raw.size()) {
      mail.crlf_only = false;
    }
    mail.raw_lines.push_back(line);
    at = end + 1;
  }
  size_t i = 0;
  std::string last;
  for (; i < mail.raw_lines.size() && !mail.raw_lines[i].empty(); ++i) {
    const std::string& line = mail.raw_lines[i];
    if ((line[0] == ' ' || line[0] == '\t') && !last.empty()) {
      mail.headers[last] += line;  // unfold
      continue;
    }
    auto colon = line.find(':');
    last = ToLower(line.substr(0, colon));
    mail.headers[last] = Trim(line.substr(colon + 1));
  }
  // The parts: "Content-Type: text/..." headers, a blank line, the body up to the boundary.
  std::string body_type = mail.headers["content-type"];
  auto part_of = [&](size_t from, std::string_view type) -> std::string {
    std::string part;
    for (size_t j = from; j < mail.raw_lines.size(); ++j) {
      if (mail.raw_lines[j].starts_with("--")) break;
      part += mail.raw_lines[j] + "\r\n";
    }
    (void)type;
    return DecodeQuotedPrintable(part);
  };
  for (size_t j = i; j < mail.raw_lines.size(); ++j) {
    const std::string& line = mail.raw_lines[j];
    bool text = line.starts_with("Content-Type: text/plain");
    bool html = line.starts_with("Content-Type: text/html");
    if (!text && !html) continue;
    size_t blank = j;
    while (blank < mail.raw_lines.size() && !mail.raw_lines[blank].empty()) ++blank;
    std::string decoded = part_of(blank + 1, line);
    while (!decoded.empty() && decoded.back() == '\n') decoded.pop_back();
    (text ? mail.text : mail.html) = decoded;
  }
  if (!body_type.starts_with("multipart/") && mail.text.empty() && mail.html.empty()) {
    std::string decoded = part_of(i + 1, body_type);
    while (!decoded.empty() && decoded.back() == '\n') decoded.pop_back();
    (body_type.starts_with("text/html") ? mail.html : mail.text) = decoded;
  }
  return mail;
}

inline std::string DeliveryContentDefinition() {
  return R"json({
  "name": "Cardiozen launch",
  "channels": ["email", "sms", "whatsapp", "postal"],
  "core": {"product": "cardiozen", "claim": "lowers blood pressure in 4 weeks",
           "call_to_action": "order your samples", "tone": "professional"},
  "defaults": {"title": "Dr.", "last_name": "Doctor"},
  "renditions": {
    "email": {
      "subject": "Cardiozen lowers blood pressure in 4 weeks — für {{last_name}}",
      "html": "<html><body><p>Dear {{title}} {{last_name}}, Cardiozen lowers blood pressure in 4 weeks.</p><p><a href=\"https://example.com/samples?c=1&amp;d=2\">Order your samples</a></p><p><a href=\"{{unsubscribe_url}}\">Unsubscribe</a></p></body></html>",
      "text": "Dear {{title}} {{last_name}}, Cardiozen lowers blood pressure in 4 weeks. Order your samples: https://example.com/samples\nUnsubscribe: {{unsubscribe_url}}"
    },
    "sms": {"text": "{{title}} {{last_name}}: Cardiozen lowers blood pressure in 4 weeks. Order your samples at https://example.com/s"},
    "whatsapp": {"template": "cardiozen_launch_v1", "parameters": ["{{last_name}}"],
                 "text": "Cardiozen lowers blood pressure in 4 weeks. Reply YES to order your samples."},
    "postal": {"text": "Dear {{title}} {{last_name}},\nCardiozen lowers blood pressure in 4 weeks.\nOrder your samples, with the card enclosed."}
  }
})json";
}

inline DeliveryWorld::DeliveryWorld(const std::string& d) : dir(d) {
  store = OpenSqliteStore(dir).value();
  profiles = ProfileService::Create(*store, clock, {}).value();
  auto library = ContentLibrary::Create(*store, clock, ContentOptions{});
  EXPECT_TRUE(library.ok()) << library.status().message();
  content = std::move(library).value();
  auto item = content->CreateItem(DeliveryContentDefinition(), "author");
  EXPECT_TRUE(item.ok()) << item.status().message();
  if (!item.ok()) return;
  content_id = item->id;
  auto submitted = content->Submit(content_id, "author");
  EXPECT_TRUE(submitted.ok()) << submitted.status().message();
  auto approved = content->Approve(content_id, "reviewer");
  EXPECT_TRUE(approved.ok()) << approved.status().message();
  if (approved.ok()) content_version = approved->approved_version;
}

inline DeliveryWorld::~DeliveryWorld() {
  delivery.reset();
  profiles.reset();
}

inline int64_t DeliveryWorld::Profile(
    const std::string& user, const std::vector<std::pair<std::string, std::string>>& traits,
    const std::vector<std::string>& consents) {
  auto written = profiles->SubmitAndWait({Identify(user, traits, clock.Now())});
  EXPECT_TRUE(written.ok()) << written.status().message();
  int64_t id = profiles->FindBy("user_id", user)->record.id;
  for (const std::string& channel : consents) {
    EXPECT_TRUE(profiles->SetConsent(id, channel, true, "api").ok());
  }
  return id;
}

inline OutboxMessage DeliveryWorld::Queue(int64_t profile, const std::string& channel,
                                          const std::string& content_item, int version) {
  OutboxMessage m;
  m.id = next_message_++;
  m.idempotency_key = "j1:s" + std::to_string(m.id) + ":" + std::to_string(ToMillis(clock.Now()));
  m.instance_id = m.id;
  m.profile_id = profile;
  m.journey_id = "journey_1";
  m.step = "s" + std::to_string(m.id);
  m.channel = channel;
  m.content = content_item;
  m.created_at = clock.Now();
  boost::json::object payload{{"message_id", m.id},         {"key", m.idempotency_key},
                              {"profile_id", profile},      {"journey", m.journey_id},
                              {"channel", channel},         {"content", content_item},
                              {"content_version", version}, {"content_variant", ""}};
  m.payload_json = boost::json::serialize(payload);
  JourneyWrite w;
  w.outbox.push_back(m);
  EXPECT_TRUE(store->ApplyJourneyWrite(w).ok());
  if (delivery) delivery->Enqueue({m});
  return m;
}

inline void DeliveryWorld::StartDelivery(DeliveryOptions options) {
  options.data_dir = dir;
  options.public_url = "https://t.example.com";
  auto created = Delivery::Create(*store, clock, *profiles, content.get(), std::move(options));
  ASSERT_TRUE(created.ok()) << created.status().message();
  delivery = std::move(created).value();
}

inline std::optional<OutboxMessage> DeliveryWorld::Row(int64_t id) {
  return store->GetOutboxMessage(id).value();
}

inline void DeliveryWorld::Flush() { ASSERT_TRUE(profiles->SubmitAndWait({}).ok()); }

inline std::vector<Event> DeliveryWorld::Events(int64_t profile) {
  Flush();
  TimelineQuery q;
  q.profile_id = profile;
  q.limit = 1000;
  auto page = store->Timeline(q).value();
  std::vector<Event> out(page.items.rbegin(), page.items.rend());
  return out;
}

}  // namespace unisono::testing
