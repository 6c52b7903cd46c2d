// Delivery throughput against what the same transport does with nothing of unisono's
// work around it, on the same machine, in the same run, runs alternated:
//   1. email: N outbox messages, each rendered from an approved content item for its own
//      profile (consent checked, links tracked, MIME composed), sent to a local aiosmtpd
//      and marked in the outbox; baseline: libcurl sending one pre-built message N times
//      over one reused SMTP connection to the same server.
//   2. sms: N outbox messages through the HTTP provider connector to the stub provider
//      (tests/channel/provider_stub.py); baseline: plain libcurl POSTs of the same form
//      bodies over one reused connection.
// Medians of --runs runs of each.
//   build/bench/delivery_bench [--messages N] [--runs R] [--data DIR]
#include <curl/curl.h>
#include <fmt/core.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "channel/channel.h"
#include "channel/internal/http_post.h"
#include "channel/internal/mime.h"

using namespace unisono;
using bench::Die;
using bench::Must;
using bench::Seconds;
using bench::Steady;

namespace {

const Timestamp kStart = ParseTimestamp("2026-03-02T09:00:00Z").value();

struct Options {
  int64_t messages = 5000;
  int runs = 3;
  std::string data = "delivery-bench-data";
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], v = argv[i + 1];
    if (flag == "--messages") {
      o.messages = std::stoll(v);
    } else if (flag == "--runs") {
      o.runs = std::stoi(v);
    } else if (flag == "--data") {
      o.data = v;
    } else {
      Die("unknown flag " + flag + " (--messages N --runs R --data DIR)");
    }
  }
  return o;
}

// A helper process (aiosmtpd, the provider stub), stopped with SIGTERM.
class Child {
 public:
  explicit Child(std::vector<std::string> argv) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      execv(args[0], args.data());
      _exit(127);
    }
  }
  ~Child() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }

 private:
  pid_t pid_;
};

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

void WaitFor(const std::function<bool()>& ready, const char* what) {
  for (int i = 0; i < 1000; ++i) {
    if (ready()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Die(std::string(what) + " did not start");
}

bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

constexpr const char* kContent = R"json({
  "name": "Cardiozen launch",
  "channels": ["email", "sms"],
  "core": {"product": "cardiozen", "claim": "lowers blood pressure in 4 weeks",
           "call_to_action": "order your samples", "tone": "professional"},
  "defaults": {"title": "Dr.", "last_name": "Doctor"},
  "renditions": {
    "email": {
      "subject": "Cardiozen lowers blood pressure in 4 weeks, {{title}} {{last_name}}",
      "html": "<html><body><h1>Cardiozen</h1><p>Dear {{title}} {{last_name}},</p><p>Cardiozen lowers blood pressure in 4 weeks in patients with stage 1 hypertension, with one tablet a day and no dose titration. In the CARDIO-4 study, 71% of patients reached their target within four weeks.</p><p><a href=\"https://example.com/cardiozen/study\">Read the study</a> or <a href=\"https://example.com/cardiozen/samples\">order your samples</a> for your practice in {{city}}.</p><p>Kind regards,<br>The Cardiozen team</p><p style=\"font-size:small\"><a href=\"{{unsubscribe_url}}\">Unsubscribe</a></p></body></html>",
      "text": "Dear {{title}} {{last_name}},\n\nCardiozen lowers blood pressure in 4 weeks in patients with stage 1 hypertension, with one tablet a day and no dose titration. In the CARDIO-4 study, 71% of patients reached their target within four weeks.\n\nRead the study: https://example.com/cardiozen/study\nOrder your samples for your practice in {{city}}: https://example.com/cardiozen/samples\n\nUnsubscribe: {{unsubscribe_url}}"
    },
    "sms": {"text": "{{title}} {{last_name}}: Cardiozen lowers blood pressure in 4 weeks. Order your samples at https://example.com/s"}
  }
})json";

// The store, N profiles with email and sms consent, an approved content item.
struct World {
  explicit World(const Options& o) : clock(kStart) {
    store = Must(OpenSqliteStore(o.data), "open store");
    profiles = Must(ProfileService::Create(*store, clock, {}), "profile service");
    int64_t next = 0;
    Must(profiles
             ->ImportAll([&](std::vector<Event>& events, std::vector<CostRecord>&) {
               for (; next < o.messages && events.size() < 10'000; ++next) {
                 Event e;
                 e.type = EventType::kIdentify;
                 e.message_id = "id-" + std::to_string(next);
                 e.user_id = "doc-" + std::to_string(next);
                 e.identifiers = {{"user_id", e.user_id}};
                 e.channel = "unknown";
                 e.timestamp = e.original_timestamp = e.received_at = kStart;
                 e.traits = {{"email", "\"doc" + std::to_string(next) + "@example.com\""},
                             {"phone", "\"+3460000" + std::to_string(1000 + next % 9000) + "\""},
                             {"last_name", "\"Müller-" + std::to_string(next) + "\""},
                             {"city", "\"Sevilla\""}};
                 e.consents = {{"email", true}, {"sms", true}};
                 events.push_back(std::move(e));
               }
               return next < o.messages;
             })
             .status(),
         "import profiles");
    content = Must(ContentLibrary::Create(*store, clock, {}), "content library");
    content_id = Must(content->CreateItem(kContent, "author"), "content").id;
    Must(content->Submit(content_id, "author").status(), "submit");
    content_version = Must(content->Approve(content_id, "reviewer"), "approve").approved_version;
    for (int64_t i = 0; i < o.messages; ++i) {
      profile_ids.push_back(
          Must(profiles->FindBy("user_id", "doc-" + std::to_string(i)), "profile").record.id);
    }
  }

  // N pending messages on `channel`, one per profile, in one transaction.
  std::vector<OutboxMessage> Queue(const std::string& channel) {
    JourneyWrite w;
    for (int64_t profile : profile_ids) {
      OutboxMessage m;
      m.id = ++next_message;
      m.idempotency_key = "bench:" + std::to_string(m.id);
      m.profile_id = profile;
      m.journey_id = "journey_1";
      m.step = "send";
      m.channel = channel;
      m.content = content_id;
      m.created_at = clock.Now();
      m.payload_json = "{\"message_id\":" + std::to_string(m.id) + ",\"key\":\"" +
                       m.idempotency_key + "\",\"content\":\"" + content_id +
                       "\",\"content_version\":" + std::to_string(content_version) +
                       ",\"content_variant\":\"\",\"channel\":\"" + channel + "\"}";
      w.outbox.push_back(std::move(m));
    }
    Must(store->ApplyJourneyWrite(w), "queue");
    return w.outbox;
  }

  // Sends everything queued through a fresh Delivery; seconds, and how many went.
  std::pair<double, int64_t> Deliver(const DeliveryOptions& options, int64_t first_id) {
    auto delivery =
        Must(Delivery::Create(*store, clock, *profiles, content.get(), options), "delivery");
    auto t0 = Steady::now();
    Must(delivery->RunUntilIdle(), "deliver");
    double seconds = Seconds(Steady::now() - t0);
    int64_t delivered = 0;
    for (int64_t id = first_id; id <= next_message; ++id) {
      auto m = Must(store->GetOutboxMessage(id), "read outbox");
      if (m && m->state == "delivered") ++delivered;
    }
    return {seconds, delivered};
  }

  ManualClock clock;
  std::unique_ptr<Store> store;
  std::unique_ptr<ProfileService> profiles;
  std::unique_ptr<ContentLibrary> content;
  std::string content_id;
  int content_version = 0;
  std::vector<int64_t> profile_ids;
  int64_t next_message = 0;
};

SmtpOptions Smtp(const std::string& url, const std::string& from) {
  SmtpOptions o;
  o.url = url;
  o.from = from;
  return o;
}

size_t ReadFrom(char* buffer, size_t size, size_t n, void* user) {
  auto* source = static_cast<std::pair<const std::string*, size_t>*>(user);
  size_t count = std::min(size * n, source->first->size() - source->second);
  std::memcpy(buffer, source->first->data() + source->second, count);
  source->second += count;
  return count;
}

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

// The baseline: one pre-built message sent N times over one reused connection.
double CurlSmtp(const std::string& url, const std::string& message, int64_t n) {
  CURL* curl = curl_easy_init();
  auto t0 = Steady::now();
  for (int64_t i = 0; i < n; ++i) {
    curl_slist* rcpt =
        curl_slist_append(nullptr, ("<doc" + std::to_string(i) + "@example.com>").c_str());
    std::pair<const std::string*, size_t> source{&message, 0};
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, "<news@pharma.example>");
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadFrom);
    curl_easy_setopt(curl, CURLOPT_READDATA, &source);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
    curl_easy_setopt(curl, CURLOPT_USE_SSL, long{CURLUSESSL_TRY});
    CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(rcpt);
    if (rc != CURLE_OK) Die(std::string("baseline smtp: ") + curl_easy_strerror(rc));
  }
  double seconds = Seconds(Steady::now() - t0);
  curl_easy_cleanup(curl);
  return seconds;
}

// The baseline: the same form bodies POSTed over one reused connection.
double CurlPosts(const std::string& url, const std::vector<std::string>& bodies) {
  CURL* curl = curl_easy_init();
  auto t0 = Steady::now();
  for (size_t i = 0; i < bodies.size(); ++i) {
    curl_slist* headers =
        curl_slist_append(nullptr, "Content-Type: application/x-www-form-urlencoded");
    headers = curl_slist_append(headers, "Accept: application/json");
    headers = curl_slist_append(headers, ("Idempotency-Key: bench:" + std::to_string(i)).c_str());
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, bodies[i].c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK || status != 200) Die("baseline post failed");
  }
  double seconds = Seconds(Steady::now() - t0);
  curl_easy_cleanup(curl);
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  unisono::bench::program = "delivery_bench";
  const Options o = ParseOptions(argc, argv);
  std::filesystem::remove_all(o.data);
  std::filesystem::create_directories(o.data + "/store");
  std::filesystem::create_directories(o.data + "/smtp");
  std::filesystem::create_directories(o.data + "/provider");
  const std::string helpers = std::string(UNISONO_TESTS_DIR) + "/channel/";

  fmt::print("delivery_bench: {} messages per run, {} runs each, alternated\n", o.messages, o.runs);
  Options store_options = o;
  store_options.data = o.data + "/store";
  auto t_setup = Steady::now();
  World world(store_options);
  fmt::print("  {} profiles and an approved content item in {:.1f} s\n", o.messages,
             Seconds(Steady::now() - t_setup));

  const int smtp_port = FreePort();
  auto smtp = std::make_unique<Child>(
      std::vector<std::string>{"/usr/bin/python3", helpers + "smtp_sink.py",
                               std::to_string(smtp_port), o.data + "/smtp", "--discard"});
  WaitFor([&] { return Accepts(smtp_port); }, "aiosmtpd");
  const std::string port_file = o.data + "/provider/port";
  Child provider({"/usr/bin/python3", helpers + "provider_stub.py", port_file,
                  o.data + "/provider/requests.jsonl"});
  WaitFor([&] { return std::filesystem::exists(port_file); }, "the provider stub");
  const std::string provider_url = "http://127.0.0.1:" + ReadFile(port_file) + "/messages";
  const std::string smtp_url = "smtp://127.0.0.1:" + std::to_string(smtp_port);

  // One message as unisono composes it, for the SMTP baseline.
  RenderInput input;
  input.traits_json = R"({"last_name": "Müller-1", "city": "Sevilla"})";
  input.extra["unsubscribe_url"] = "http://127.0.0.1:8080/t/u/" + std::string(80, 'x');
  RenderedMessage rendered =
      Must(world.content->Render({world.content_id, world.content_version, ""}, "email", input),
           "render");
  channel::MailMessage mail{"Pharma news <news@pharma.example>",
                            "doc1@example.com",
                            rendered.subject,
                            rendered.text,
                            rendered.html,
                            "bench:1",
                            input.extra["unsubscribe_url"],
                            kStart};
  const std::string prebuilt = channel::ComposeMime(mail);
  RenderedMessage sms_text = Must(
      world.content->Render({world.content_id, world.content_version, ""}, "sms", input), "sms");
  std::vector<std::string> bodies;
  for (int64_t i = 0; i < o.messages; ++i) {
    bodies.push_back("To=" + channel::FormEncode("+3460000" + std::to_string(1000 + i % 9000)) +
                     "&From=" + channel::FormEncode("+34600000000") +
                     "&Body=" + channel::FormEncode(sms_text.text) + "&StatusCallback=" +
                     channel::FormEncode("http://127.0.0.1:8080/v1/delivery/callbacks/sms"));
  }

  DeliveryOptions email_options;
  email_options.data_dir = store_options.data;
  email_options.smtp = Smtp(smtp_url, "Pharma news <news@pharma.example>");
  DeliveryOptions sms_options;
  sms_options.data_dir = store_options.data;
  sms_options.sms = HttpProviderOptions{};
  sms_options.sms->url = provider_url;
  sms_options.sms->from = "+34600000000";

  std::vector<double> email_rate, email_base, sms_rate, sms_base;
  for (int run = 1; run <= o.runs; ++run) {
    int64_t first = world.next_message + 1;
    world.Queue("email");
    auto [seconds, delivered] = world.Deliver(email_options, first);
    if (delivered != o.messages) Die(fmt::format("email run {}: {} delivered", run, delivered));
    email_rate.push_back(o.messages / seconds);
    double base = CurlSmtp(smtp_url, prebuilt, o.messages);
    email_base.push_back(o.messages / base);
    fmt::print("  run {} email: unisono {:>7.0f} msg/s   libcurl alone {:>7.0f} msg/s\n", run,
               email_rate.back(), email_base.back());

    first = world.next_message + 1;
    world.Queue("sms");
    auto [sms_seconds, sms_delivered] = world.Deliver(sms_options, first);
    if (sms_delivered != o.messages)
      Die(fmt::format("sms run {}: {} delivered", run, sms_delivered));
    sms_rate.push_back(o.messages / sms_seconds);
    double sms_baseline = CurlPosts(provider_url, bodies);
    sms_base.push_back(o.messages / sms_baseline);
    fmt::print("  run {} sms:   unisono {:>7.0f} msg/s   libcurl alone {:>7.0f} msg/s\n", run,
               sms_rate.back(), sms_base.back());
  }
  smtp.reset();  // writes its count
  const int64_t received = std::stoll("0" + ReadFile(o.data + "/smtp/count"));
  const int64_t expected = 2 * o.runs * o.messages;
  if (received != expected) {
    Die(fmt::format("the SMTP server received {} messages, expected {}", received, expected));
  }
  fmt::print("  aiosmtpd received all {} messages\n\n", received);

  const double e = Median(email_rate), eb = Median(email_base);
  const double s = Median(sms_rate), sb = Median(sms_base);
  fmt::print("| measure (median of {} runs, {} messages each) | unisono | baseline | ratio |\n",
             o.runs, o.messages);
  fmt::print("| --- | --- | --- | --- |\n");
  fmt::print(
      "| email rendered, tracked, sent to aiosmtpd, marked | {:.0f} msg/s | {:.0f} msg/s "
      "(libcurl, one pre-built message, one connection) | {:.2f} |\n",
      e, eb, e / eb);
  fmt::print(
      "| sms through the provider connector to the stub, marked | {:.0f} msg/s | {:.0f} "
      "msg/s (libcurl POSTs of the same forms, one connection) | {:.2f} |\n",
      s, sb, s / sb);
  return 0;
}
