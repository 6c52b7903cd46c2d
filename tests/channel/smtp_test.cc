// Email through a real SMTP server (aiosmtpd on loopback): the message as received,
// retries, consent at delivery, permanent refusals, bounces reported back, and a silent
// SMTP server that must not hold up SMS.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

#include "channel/internal/mime.h"
#include "delivery_world.h"

namespace unisono {
namespace {

namespace json = boost::json;
using testing::DeliveryWorld;
using testing::FreePort;
using testing::ParseMail;
using testing::Smtp;
using testing::SmtpSink;
using testing::TempDir;

constexpr const char* kFrom = "Pharma Ñews <news@pharma.example>";

DeliveryOptions WithSmtp(const std::string& url) {
  DeliveryOptions o;
  o.smtp = Smtp(url, kFrom);
  return o;
}

int64_t Doctor(DeliveryWorld& w, const std::string& user, const std::string& email) {
  return w.Profile(user, {{"email", "\"" + email + "\""}, {"last_name", "\"Müller\""}}, {"email"});
}

int CountEvents(DeliveryWorld& w, int64_t profile, const std::string& name) {
  int n = 0;
  for (const Event& e : w.Events(profile)) n += e.name == name;
  return n;
}

TEST(SmtpDelivery, AnEmailArrivesPersonalisedWithTrackedLinksAndOneClickUnsubscribe) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  SmtpSink sink(FreePort(), {"unisono", "s3cr@t:x", {}});
  int64_t d1 = Doctor(w, "d1", "d1@example.com");
  // The password's '@' and ':' travel URL-encoded and are decoded for AUTH.
  w.StartDelivery(WithSmtp(sink.url("unisono:s3cr%40t%3Ax")));
  OutboxMessage m = w.Queue(d1, "email", w.content_id, w.content_version);
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  auto row = w.Row(m.id);
  ASSERT_EQ(row->state, "delivered") << row->last_error;
  auto received = sink.Messages();
  ASSERT_EQ(received.size(), 1u);

  auto envelope = json::parse(sink.Envelope(0)).as_object();
  EXPECT_EQ(envelope["mail_from"], "news@pharma.example");
  EXPECT_EQ(envelope["rcpt_tos"], json::array{"d1@example.com"});
  EXPECT_EQ(envelope["login"], "unisono");

  auto mail = ParseMail(received[0]);
  EXPECT_TRUE(mail.crlf_only);
  EXPECT_EQ(mail.headers["to"], "d1@example.com");
  EXPECT_TRUE(mail.headers["from"].ends_with("<news@pharma.example>"));
  EXPECT_TRUE(mail.headers["subject"].starts_with("=?UTF-8?B?")) << "non-ASCII subject";
  EXPECT_TRUE(std::regex_match(
      mail.headers["date"],
      std::regex(
          R"((Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000)")))
      << mail.headers["date"];
  EXPECT_EQ(mail.headers["date"], "Mon, 05 Jan 2026 10:00:00 +0000") << "the injected clock";
  EXPECT_TRUE(std::regex_match(mail.headers["message-id"], std::regex(R"(<[^<>@\s]+@[^<>@\s]+>)")));
  EXPECT_EQ(mail.headers["message-id"], channel::MessageIdFor(m.idempotency_key, kFrom));
  EXPECT_TRUE(std::regex_match(mail.headers["list-unsubscribe"],
                               std::regex(R"(<https://t\.example\.com/t/u/[A-Za-z0-9_.-]+>)")))
      << mail.headers["list-unsubscribe"];
  EXPECT_EQ(mail.headers["list-unsubscribe-post"], "List-Unsubscribe=One-Click");
  for (const std::string& line : mail.raw_lines) EXPECT_LE(line.size(), 998u);

  EXPECT_NE(mail.text.find("Dear Dr. Müller, Cardiozen lowers blood pressure"), std::string::npos)
      << mail.text;
  EXPECT_NE(mail.html.find("Dear Dr. Müller, Cardiozen lowers blood pressure"), std::string::npos)
      << mail.html;
  EXPECT_EQ(mail.html.find("https://example.com/samples"), std::string::npos)
      << "links go through the click redirect";
  EXPECT_NE(mail.html.find("https://t.example.com/t/c/"), std::string::npos);
  EXPECT_NE(mail.html.find("https://t.example.com/t/o/"), std::string::npos) << "open pixel";
  const std::string unsubscribe =
      mail.headers["list-unsubscribe"].substr(1, mail.headers["list-unsubscribe"].size() - 2);
  EXPECT_NE(mail.html.find("href=\"" + unsubscribe + "\""), std::string::npos)
      << "the unsubscribe link in the body is the header's, not a click redirect";
  EXPECT_NE(mail.text.find("Unsubscribe: " + unsubscribe), std::string::npos);

  auto events = w.Events(d1);
  ASSERT_EQ(CountEvents(w, d1, "email_delivered"), 1);
  for (const Event& e : events) {
    if (e.name != "email_delivered") continue;
    EXPECT_EQ(e.channel, "email");
    auto props = json::parse(e.properties_json).as_object();
    EXPECT_EQ(props["message_id"], m.id);
    EXPECT_EQ(props["journey"], "journey_1");
    EXPECT_EQ(props["content"].as_string(), w.content_id);
  }
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(sink.Messages().size(), 1u) << "sent once";
}

TEST(SmtpDelivery, AServerDownIsRetriedWithBackoffAndTheMessageGoesWhenItIsBack) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  const int port = FreePort();
  int64_t d1 = Doctor(w, "d1", "d1@example.com");
  w.StartDelivery(WithSmtp("smtp://127.0.0.1:" + std::to_string(port)));
  OutboxMessage m = w.Queue(d1, "email", w.content_id, w.content_version);
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  auto row = w.Row(m.id);
  EXPECT_EQ(row->state, "pending");
  EXPECT_EQ(row->attempts, 1);
  EXPECT_TRUE(row->last_error.starts_with("SMTP: ")) << row->last_error;
  EXPECT_EQ(*row->next_attempt_at, w.clock.Now() + std::chrono::seconds(1));

  SmtpSink sink(port);
  w.clock.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(w.Row(m.id)->state, "delivered");
  EXPECT_EQ(w.Row(m.id)->attempts, 2);
  ASSERT_EQ(sink.Messages().size(), 1u);
  EXPECT_EQ(ParseMail(sink.Messages()[0]).headers["message-id"],
            channel::MessageIdFor(m.idempotency_key, kFrom));
}

TEST(SmtpDelivery, AMessageSentAgainAfterACrashBeforeTheMarkKeepsItsMessageId) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  SmtpSink sink(FreePort());
  int64_t d1 = Doctor(w, "d1", "d1@example.com");
  w.StartDelivery(WithSmtp(sink.url()));
  OutboxMessage m = w.Queue(d1, "email", w.content_id, w.content_version);
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  // The server accepted it; the mark was lost in a crash: at-least-once, the same id.
  OutboxMessage lost = *w.Row(m.id);
  lost.state = "pending";
  ASSERT_TRUE(w.store->UpdateOutbox({lost}).ok());
  w.delivery.reset();
  w.clock.Advance(std::chrono::minutes(1));
  w.StartDelivery(WithSmtp(sink.url()));
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  auto received = sink.Messages();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(ParseMail(received[0]).headers["message-id"],
            ParseMail(received[1]).headers["message-id"])
      << "receivers can tell it is the same message";
  EXPECT_EQ(CountEvents(w, d1, "email_delivered"), 1) << "recorded once";
}

TEST(SmtpDelivery, ConsentWithdrawnAfterQueueingMeansNothingIsSent) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  SmtpSink sink(FreePort());
  int64_t d1 = Doctor(w, "d1", "d1@example.com");
  w.StartDelivery(WithSmtp(sink.url()));
  OutboxMessage m = w.Queue(d1, "email", w.content_id, w.content_version);
  ASSERT_TRUE(w.profiles->SetConsent(d1, "email", false, "api").ok());
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  auto row = w.Row(m.id);
  EXPECT_EQ(row->state, "dead");
  EXPECT_EQ(row->last_error, "no consent for email at delivery (unsubscribed after queueing)");
  EXPECT_TRUE(sink.Messages().empty());
  EXPECT_EQ(CountEvents(w, d1, "email_delivered"), 0);
}

TEST(SmtpDelivery, WhatCannotBeSentIsDeadWithItsReasonAndTheRestGoes) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  SmtpSink sink(FreePort(), {"", "", {"gone@example.com"}});
  int64_t refused = Doctor(w, "d1", "gone@example.com");
  int64_t no_email = w.Profile("d2", {}, {"email"});
  int64_t fine = Doctor(w, "d3", "d3@example.com");
  w.StartDelivery(WithSmtp(sink.url()));
  OutboxMessage a = w.Queue(refused, "email", w.content_id, w.content_version);
  OutboxMessage b = w.Queue(no_email, "email", w.content_id, w.content_version);
  OutboxMessage c = w.Queue(fine, "email", "no-such-content", 1);
  OutboxMessage d = w.Queue(fine, "email", w.content_id, w.content_version);
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(w.Row(a.id)->state, "dead") << "a 5xx is the server's final word";
  EXPECT_EQ(w.Row(a.id)->attempts, 1);
  EXPECT_NE(w.Row(a.id)->last_error.find("550"), std::string::npos) << w.Row(a.id)->last_error;
  EXPECT_EQ(w.Row(b.id)->state, "dead");
  EXPECT_EQ(w.Row(b.id)->last_error,
            "profile " + ProfileIdString(no_email) + " has no email trait");
  EXPECT_EQ(w.Row(c.id)->state, "dead");
  EXPECT_TRUE(w.Row(c.id)->last_error.starts_with("cannot render content 'no-such-content' v1"))
      << w.Row(c.id)->last_error;
  EXPECT_EQ(w.Row(d.id)->state, "delivered");
  EXPECT_EQ(sink.Messages().size(), 1u);
  EXPECT_EQ(w.delivery->DeadLetters().size(), 3u);
}

TEST(SmtpDelivery, AnEmailQueuedBeforeSmtpWasConfiguredGoesOnceItIs) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  SmtpSink sink(FreePort());
  int64_t d1 = Doctor(w, "d1", "d1@example.com");
  w.StartDelivery({});
  OutboxMessage m = w.Queue(d1, "email", w.content_id, w.content_version);
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(w.Row(m.id)->state, "pending");
  w.delivery.reset();
  w.StartDelivery(WithSmtp(sink.url()));
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(w.Row(m.id)->state, "delivered");
  EXPECT_EQ(sink.Messages().size(), 1u);
}

TEST(SmtpDelivery, ABounceReportedLaterBecomesAnEventOnTheProfile) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  SmtpSink sink(FreePort());
  int64_t d1 = Doctor(w, "d1", "d1@example.com");
  w.StartDelivery(WithSmtp(sink.url()));
  OutboxMessage m = w.Queue(d1, "email", w.content_id, w.content_version);
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  ProviderReport bounce{"smtp", std::to_string(m.id), "bounced", "5.1.1 mailbox unknown"};
  ASSERT_TRUE(w.delivery->Report(bounce).ok());
  ASSERT_TRUE(w.delivery->Report(bounce).ok()) << "a repeated report is acknowledged";
  EXPECT_EQ(CountEvents(w, d1, "message_bounced"), 1);
  EXPECT_EQ(w.delivery->Report({"smtp", "12345", "bounced", ""}).code(), StatusCode::kNotFound);
  EXPECT_EQ(w.delivery->Report({"smtp", "abc", "bounced", ""}).code(),
            StatusCode::kInvalidArgument);
}

// Accepts connections and never says a word: an SMTP server that hangs.
class SilentServer {
 public:
  SilentServer() { fd_ = testing::ListenOnLoopback(&port_); }
  ~SilentServer() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(SmtpDelivery, AHangingSmtpServerNeverHoldsUpSms) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  SilentServer silent;
  testing::ProviderStub provider;
  int64_t d1 = w.Profile("d1", {{"email", "\"d1@example.com\""}, {"phone", "\"+34611111111\""}},
                         {"email", "sms"});
  DeliveryOptions o = WithSmtp("smtp://127.0.0.1:" + std::to_string(silent.port()));
  o.sms = HttpProviderOptions{};
  o.sms->url = provider.url();
  w.StartDelivery(o);
  w.delivery->Start();
  OutboxMessage email = w.Queue(d1, "email", w.content_id, w.content_version);
  OutboxMessage sms = w.Queue(d1, "sms", w.content_id, w.content_version);
  EXPECT_TRUE(testing::Eventually([&] { return w.Row(sms.id)->state == "delivered"; }));
  EXPECT_EQ(w.Row(email.id)->state, "pending") << "still waiting for the server's greeting";
  EXPECT_EQ(w.Row(email.id)->attempts, 0);
  w.delivery->Stop();  // gives up on the silent server instead of waiting for its timeout
  EXPECT_EQ(w.Row(email.id)->state, "pending");
  EXPECT_EQ(provider.Requests().size(), 1u);
}

}  // namespace
}  // namespace unisono
