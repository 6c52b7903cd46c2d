// Issue 6 end to end, with real parts wired as `unisono serve` wires them: content is
// created and approved over HTTP, a journey sends it, a local SMTP server (Debian's
// python3-aiosmtpd) receives the mail, its open pixel and a link are requested over
// HTTP, the profile shows both events and a segment on opens takes the profile in, the
// one-click unsubscribe refuses the consent and the journey's next send is skipped. The
// mail is read with Python's email package, a MIME parser independent of ours.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "channel/delivery_world.h"
#include "content/content.h"
#include "journey/journey.h"
#include "server/server.h"
#include "support/test_support.h"

namespace unisono {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using testing::HttpClient;
using testing::TempDir;

const Timestamp kStart = ParseTimestamp("2026-03-02T09:00:00.000Z").value();
constexpr const char* kPython = "/usr/bin/python3";  // Debian's

// Parses a received message with Python's email package, an independent MIME reader:
// its headers, whether it is multipart/alternative, and each part decoded.
json::object ParseMime(const std::string& raw) {
  const std::string file =
      (fs::temp_directory_path() / ("unisono_mail_" + std::to_string(getpid()) + ".eml")).string();
  std::ofstream(file, std::ios::binary) << raw;
  const char* script =
      "import email, email.policy, json, sys\n"
      "m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)\n"
      "out = {'headers': {k: str(v) for k, v in m.items()}, 'type': m.get_content_type(),\n"
      "       'defects': [str(d) for d in m.defects], 'parts': {}}\n"
      "for p in m.walk():\n"
      "    if not p.is_multipart():\n"
      "        out['parts'][p.get_content_type()] = p.get_content()\n"
      "print(json.dumps(out))\n";
  const std::string script_file =
      (fs::temp_directory_path() / ("unisono_parse_mime_" + std::to_string(getpid()) + ".py"))
          .string();
  std::ofstream(script_file) << script;
  FILE* p =
      popen((std::string(kPython) + " '" + script_file + "' '" + file + "' 2>&1").c_str(), "r");
  std::string text;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) text.append(buf, n);
  pclose(p);
  boost::system::error_code ec;
  json::value v = json::parse(text.substr(std::min(text.find('{'), text.size())), ec);
  EXPECT_FALSE(ec) << text;
  return ec ? json::object{} : v.as_object();
}

// The quoted URL in `html` that contains `part`.
std::string UrlWith(const std::string& html, const std::string& part) {
  size_t at = html.find(part);
  if (at == std::string::npos) return "";
  size_t start = html.rfind('"', at) + 1;
  return html.substr(start, html.find('"', at) - start);
}

std::string PathOf(const std::string& url) {
  size_t scheme = url.find("://");
  return url.substr(url.find('/', scheme + 3));
}

class DeliveryEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenSqliteStore(dir_.path()).value();
    ProfileServiceOptions po;
    po.on_committed = [this](const WriteBatch& b, const std::vector<uint8_t>& w) {
      if (SegmentEngine* e = segment_hook_.load()) e->OnCommitted(b, w);
    };
    profiles_ = ProfileService::Create(*store_, clock_, po).value();
    segments_ = SegmentEngine::Create(*store_, clock_, profiles_.get(), {}).value();
    segment_hook_ = segments_.get();
    content_ = ContentLibrary::Create(*store_, clock_, {}).value();

    ServerOptions o;
    o.port = 0;
    o.threads = 2;
    o.write_keys = {"test-key"};
    DeliveryOptions d;
    d.data_dir = dir_.path();
    SmtpOptions smtp;
    smtp.url = smtp_.url();
    smtp.from = "Cardiozen <news@cardiozen.example>";
    d.smtp = smtp;
    delivery_ = Delivery::Create(*store_, clock_, *profiles_, content_.get(), d).value();
    JourneyEngineOptions jo;
    jo.content = content_.get();
    jo.on_queued = [this](const std::vector<OutboxMessage>& m) { delivery_->Enqueue(m); };
    journeys_ = JourneyEngine::Create(*store_, clock_, *profiles_, *segments_, jo).value();

    ServerDeps deps{*profiles_, catalog_, clock_, nullptr, store_.get()};
    deps.segments = segments_.get();
    deps.journeys = journeys_.get();
    deps.content = content_.get();
    deps.delivery = delivery_.get();
    server_ = Server::Start(o, deps).value();
    delivery_->SetPublicUrl("http://127.0.0.1:" + std::to_string(server_->port()));
    client_ = std::make_unique<HttpClient>(server_->port());
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    journeys_.reset();
    delivery_.reset();
    profiles_.reset();
    segment_hook_ = nullptr;
  }

  testing::HttpResponse Call(const std::string& method, const std::string& target,
                             const std::string& body = "",
                             std::map<std::string, std::string> headers = {}) {
    headers.emplace("Content-Type", "application/json");
    return client_->Send(method, target, body, headers);
  }
  json::object Ok(const testing::HttpResponse& r, int status = 200) {
    EXPECT_EQ(r.status, status) << r.body;
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    return ec || !v.is_object() ? json::object{} : v.as_object();
  }
  // Lets segment changes land, then runs journeys and delivery until nothing is left.
  void Settle() {
    for (int pass = 0; pass < 3; ++pass) {
      for (int i = 0; i < 400 && profiles_->queued_events() > 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      ASSERT_TRUE(journeys_->RunUntilIdle().ok());
      ASSERT_TRUE(delivery_->RunUntilIdle().ok());
    }
  }

  TempDir dir_;
  testing::SmtpSink smtp_{testing::FreePort()};
  ManualClock clock_{kStart};
  ChannelCatalog catalog_ = ChannelCatalog::Builtin();
  std::unique_ptr<Store> store_;
  std::atomic<SegmentEngine*> segment_hook_{nullptr};
  std::unique_ptr<ProfileService> profiles_;
  std::unique_ptr<SegmentEngine> segments_;
  std::unique_ptr<ContentLibrary> content_;
  std::unique_ptr<Delivery> delivery_;
  std::unique_ptr<JourneyEngine> journeys_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<HttpClient> client_;
};

constexpr const char* kContent = R"({
  "id": "cardiozen-launch",
  "name": "Cardiozen launch",
  "channels": ["email"],
  "core": {"product": "cardiozen", "claim": "lowers blood pressure in 4 weeks",
           "call_to_action": "order your samples", "tone": "professional"},
  "defaults": {"last_name": "colleague"},
  "renditions": {
    "email": {
      "subject": "Dr. {{last_name}}, Cardiozen lowers blood pressure in 4 weeks",
      "html": "<html><body><p>Dear Dr. {{last_name}},</p><p>Cardiozen lowers blood pressure in 4 weeks.</p><p><a href=\"https://cardiozen.example/samples?from=email\">Order your samples</a></p><p><a href=\"{{unsubscribe_url}}\">Unsubscribe</a></p></body></html>",
      "text": "Dear Dr. {{last_name}},\nCardiozen lowers blood pressure in 4 weeks.\nOrder your samples: https://cardiozen.example/samples?from=email\nUnsubscribe: {{unsubscribe_url}}\n"
    }
  }
})";

TEST_F(DeliveryEndToEnd, AJourneyEmailIsReceivedOpenedClickedAndUnsubscribed) {
  ASSERT_GT(smtp_.port(), 0);
  // A doctor with an email address and consent, through the Segment API.
  auto identified = client_->Post("/v1/identify", R"({"userId": "dr-ruiz", "traits": {
      "email": "ruiz@hospital.example", "last_name": "Ruiz Ñúñez",
      "consent": {"email": true}}})");
  ASSERT_EQ(identified.status, 200) << identified.body;
  std::string profile = Ok(Call("GET", "/v1/profiles?user_id=dr-ruiz"))["id"].as_string().c_str();

  // Content is created, checked, submitted by one person and approved by another.
  auto created = Ok(Call("POST", "/v1/content", kContent), 201);
  ASSERT_EQ(created["state"], "draft");
  ASSERT_TRUE(created["problems"].as_array().empty()) << json::serialize(created["problems"]);
  Ok(Call("POST", "/v1/content/cardiozen-launch/submit", R"({"by": "marta"})"));
  auto approved = Ok(Call("POST", "/v1/content/cardiozen-launch/approve", R"({"by": "luis"})"));
  ASSERT_EQ(approved["state"], "approved");

  // A segment of everyone who opened an email, and the journey: email now, again in 2 days.
  Ok(Call("POST", "/v1/segments",
          R"J({"name": "Openers", "definition": "exists(track \"email_opened\" within 30d)"})J"),
     201);
  Ok(Call("POST", "/v1/journeys",
          R"({"name": "Launch", "trigger": {"event": {"name": "Webinar Registered"}},
      "steps": [{"id": "first", "type": "send", "channel": "email", "content": "cardiozen-launch"},
                {"id": "pause", "type": "wait", "duration": "2d"},
                {"id": "again", "type": "send", "channel": "email", "content": "cardiozen-launch"}]})"),
     201);
  ASSERT_EQ(client_
                ->Post("/v1/track", R"({"userId": "dr-ruiz", "event": "Webinar Registered",
      "context": {"channel": "webinar"}})")
                .status,
            200);
  Settle();

  // The SMTP server got one well-formed, personalised message.
  auto mails = smtp_.Messages();
  ASSERT_EQ(mails.size(), 1u);
  json::object mime = ParseMime(mails[0]);
  ASSERT_FALSE(mime.empty());
  EXPECT_TRUE(mime["defects"].as_array().empty()) << json::serialize(mime["defects"]);
  EXPECT_EQ(mime["type"], "multipart/alternative");
  json::object& headers = mime["headers"].as_object();
  EXPECT_EQ(headers["Subject"], "Dr. Ruiz Ñúñez, Cardiozen lowers blood pressure in 4 weeks");
  EXPECT_EQ(headers["To"], "ruiz@hospital.example");
  EXPECT_NE(json::serialize(headers["From"]).find("news@cardiozen.example"), std::string::npos);
  ASSERT_TRUE(headers.contains("Date"));
  ASSERT_TRUE(headers.contains("Message-ID"));
  EXPECT_NE(json::serialize(headers["Message-ID"]).find("@cardiozen.example>"), std::string::npos);
  EXPECT_EQ(headers["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click");
  std::string list_unsubscribe = headers["List-Unsubscribe"].as_string().c_str();
  ASSERT_NE(list_unsubscribe.find("/t/u/"), std::string::npos);
  json::object& parts = mime["parts"].as_object();
  ASSERT_TRUE(parts.contains("text/plain"));
  ASSERT_TRUE(parts.contains("text/html"));
  std::string html = parts["text/html"].as_string().c_str();
  std::string text = parts["text/plain"].as_string().c_str();
  EXPECT_NE(text.find("Dear Dr. Ruiz Ñúñez,"), std::string::npos) << text;
  EXPECT_NE(html.find("Dear Dr. Ruiz Ñúñez,"), std::string::npos) << html;
  // Links go through signed click redirects; the open pixel is in the html.
  EXPECT_EQ(html.find("href=\"https://cardiozen.example"), std::string::npos) << html;
  std::string pixel = UrlWith(html, "/t/o/");
  std::string click = UrlWith(html, "/t/c/");
  ASSERT_NE(pixel.find("/t/o/"), std::string::npos) << html;
  ASSERT_NE(click.find("/t/c/"), std::string::npos) << html;

  auto opened = Call("GET", PathOf(pixel), "", {{"User-Agent", "Thunderbird"}});
  EXPECT_EQ(opened.status, 200);
  EXPECT_EQ(opened.headers["content-type"], "image/gif");
  auto clicked = Call("GET", PathOf(click));
  EXPECT_EQ(clicked.status, 302);
  EXPECT_EQ(clicked.headers["location"], "https://cardiozen.example/samples?from=email");
  // A pixel with a token that is not valid still shows an image, and counts nothing.
  auto bogus_pixel = Call("GET", "/t/o/not-a-token.gif");
  EXPECT_EQ(bogus_pixel.status, 200);
  EXPECT_EQ(bogus_pixel.headers["content-type"], "image/gif");
  // A tampered link is refused and records nothing.
  std::string forged = PathOf(click);
  forged[forged.size() - 3] = forged[forged.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Call("GET", forged).status, 404);

  Settle();
  auto timeline = Ok(Call("GET", "/v1/profiles/" + profile + "/timeline?limit=100"));
  std::map<std::string, int> names;
  for (const auto& e : timeline["items"].as_array()) {
    if (const json::value* name = e.as_object().if_contains("event")) {
      names[name->as_string().c_str()]++;
    }
  }
  EXPECT_EQ(names["email_opened"], 1) << json::serialize(timeline);
  EXPECT_EQ(names["link_clicked"], 1);
  EXPECT_EQ(names["email_delivered"], 1);
  auto memberships = Ok(Call("GET", "/v1/profiles/" + profile + "/segments"));
  EXPECT_NE(json::serialize(memberships).find("Openers"), std::string::npos)
      << json::serialize(memberships);

  // A forged unsubscribe changes nothing; a GET only shows the page (link scanners).
  EXPECT_EQ(client_->Send("POST", "/t/u/forged.token", "List-Unsubscribe=One-Click", {}).status,
            404);
  std::string unsubscribe_path = PathOf(list_unsubscribe.substr(1, list_unsubscribe.find('>') - 1));
  auto page = client_->Send("GET", unsubscribe_path, "", {});
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<form method=\"post\""), std::string::npos);
  EXPECT_EQ(Ok(Call("GET", "/v1/profiles/" + profile))["consent"]
                .as_object()["email"]
                .as_object()["granted"],
            true);
  // One-click unsubscribe (RFC 8058): a POST with List-Unsubscribe=One-Click.
  std::string unsubscribe = list_unsubscribe.substr(1, list_unsubscribe.find('>') - 1);
  auto done = client_->Send("POST", PathOf(unsubscribe), "List-Unsubscribe=One-Click",
                            {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(done.status, 200) << done.body;
  auto after = Ok(Call("GET", "/v1/profiles/" + profile));
  EXPECT_EQ(after["consent"].as_object()["email"].as_object()["granted"], false)
      << json::serialize(after["consent"]);

  // Two days later the journey's second send is skipped for want of consent.
  clock_.Advance(std::chrono::hours(49));
  Settle();
  EXPECT_EQ(smtp_.Messages().size(), 1u);
  auto history = journeys_->History(HistoryQuery{});
  ASSERT_TRUE(history.ok());
  bool skipped = false;
  for (const auto& h : *history) {
    skipped |= h.step == "again" && h.action == "skipped" && h.reason == "no_consent";
  }
  EXPECT_TRUE(skipped);
}

TEST_F(DeliveryEndToEnd, ContentThatIsNotApprovedIsNeverSent) {
  ASSERT_EQ(client_
                ->Post("/v1/identify", R"({"userId": "dr-gil", "traits": {
      "email": "gil@hospital.example", "consent": {"email": true}}})")
                .status,
            200);
  Ok(Call("POST", "/v1/content", kContent), 201);  // a draft
  Ok(Call("POST", "/v1/journeys", R"({"name": "Early", "trigger": {"event": {"name": "Go"}},
      "steps": [{"id": "mail", "type": "send", "channel": "email", "content": "cardiozen-launch"}]})"),
     201);
  // A journey may not name content that does not exist.
  auto unknown =
      Call("POST", "/v1/journeys", R"({"name": "Typo", "trigger": {"event": {"name": "Go"}},
      "steps": [{"type": "send", "channel": "email", "content": "cardiozen-lunch"}]})");
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_NE(unknown.body.find("cardiozen-lunch"), std::string::npos);
  ASSERT_EQ(client_->Post("/v1/track", R"({"userId": "dr-gil", "event": "Go"})").status, 200);
  Settle();
  EXPECT_TRUE(smtp_.Messages().empty());
  auto history = journeys_->History(HistoryQuery{});
  ASSERT_TRUE(history.ok());
  bool skipped = false;
  for (const auto& h : *history) {
    skipped |= h.step == "mail" && h.action == "skipped" && h.reason == "content_not_approved";
  }
  EXPECT_TRUE(skipped);
}

}  // namespace
}  // namespace unisono
