// The outbox worker with its file and webhook connectors, on a manual clock: the log's
// crash dedupe, webhook retries with backoff, rate limits, postal batches, rep tasks,
// consent at delivery, dead letters and retry, configuration errors, the store's outbox
// additions and their migration.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>

#include "delivery_world.h"

namespace unisono {
namespace {

namespace json = boost::json;
using testing::DeliveryWorld;
using testing::ReadFile;
using testing::Smtp;
using testing::TempDir;
using Hook = testing::HttpHook;

std::string HeaderOf(const std::string& request, const std::string& name) {
  auto at = request.find(name + ": ");
  if (at == std::string::npos) return {};
  at += name.size() + 2;
  return request.substr(at, request.find("\r\n", at) - at);
}

std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in(ReadFile(path));
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

const ConnectorStats& StatsOf(const std::vector<ConnectorStats>& all, const std::string& name) {
  for (const auto& s : all) {
    if (s.name == name) return s;
  }
  static const ConnectorStats kNone{"none"};
  ADD_FAILURE() << "no stats for " << name;
  return kNone;
}

TEST(Delivery, TheLogConnectorWritesEachPayloadOnceEvenAfterACrashBeforeTheMark) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  int64_t d1 = w.Profile("d1", {}, {});
  OutboxMessage first = w.Queue(d1, "call_center", "");
  OutboxMessage second = w.Queue(d1, "call_center", "");
  // A crash after the first was appended and synced, before its row was marked.
  std::ofstream(dir.path() + "/messages.jsonl") << first.payload_json << "\n";
  w.StartDelivery({});
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  auto lines = Lines(dir.path() + "/messages.jsonl");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], first.payload_json);
  EXPECT_EQ(lines[1], second.payload_json);
  EXPECT_EQ(w.Row(first.id)->state, "delivered");
  EXPECT_EQ(w.Row(second.id)->state, "delivered");
  EXPECT_EQ(StatsOf(w.delivery->stats(), "log").delivered, 2);
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(Lines(dir.path() + "/messages.jsonl").size(), 2u) << "nothing is written twice";
}

TEST(Delivery, ALogLineCutShortByACrashIsCutOffAndWrittenAgainWhole) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  int64_t d1 = w.Profile("d1", {}, {});
  OutboxMessage m = w.Queue(d1, "call_center", "");
  std::ofstream(dir.path() + "/messages.jsonl") << m.payload_json.substr(0, 30);
  w.StartDelivery({});
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  auto lines = Lines(dir.path() + "/messages.jsonl");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], m.payload_json);
  EXPECT_NO_THROW(json::parse(lines[0]));
}

TEST(Delivery, MessagesQueuedWhileRunningAreDeliveredByTheWorkers) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  int64_t d1 = w.Profile("d1", {}, {});
  w.StartDelivery({});
  w.delivery->Start();
  OutboxMessage m = w.Queue(d1, "call_center", "");
  w.delivery->Enqueue({m});  // the hook may hear a message twice; it goes once
  EXPECT_TRUE(testing::Eventually([&] { return w.Row(m.id)->state == "delivered"; }));
  w.delivery->Stop();
  EXPECT_EQ(Lines(dir.path() + "/messages.jsonl").size(), 1u);
}

TEST(Delivery, AWebhookRetriesWithBackoffAndTheSameIdempotencyKey) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  Hook hook({500});
  int64_t d1 = w.Profile("d1", {}, {});
  w.StartDelivery({});
  OutboxMessage m = w.Queue(d1, "webhook", hook.url());
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  ASSERT_EQ(hook.requests().size(), 1u);
  auto row = w.Row(m.id);
  EXPECT_EQ(row->state, "pending") << "a failed delivery waits to retry";
  EXPECT_EQ(row->attempts, 1);
  EXPECT_EQ(row->last_error, "HTTP 500");
  ASSERT_TRUE(row->next_attempt_at);
  EXPECT_EQ(*row->next_attempt_at, w.clock.Now() + std::chrono::seconds(1));
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(hook.requests().size(), 1u) << "not before its time";
  w.clock.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  auto requests = hook.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(HeaderOf(requests[0], "Idempotency-Key"), m.idempotency_key);
  EXPECT_EQ(HeaderOf(requests[1], "Idempotency-Key"), m.idempotency_key);
  EXPECT_NE(requests[1].find(m.payload_json), std::string::npos) << "the payload is the body";
  EXPECT_EQ(w.Row(m.id)->state, "delivered");
  EXPECT_EQ(StatsOf(w.delivery->stats(), "webhook").retried, 1);
  w.clock.Advance(std::chrono::hours(1));
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(hook.requests().size(), 2u) << "delivered once, never again";
}

TEST(Delivery, BackoffDoublesAndTheMessageIsDeadAfterMaxAttempts) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  Hook hook({500, 500, 500, 500});
  int64_t d1 = w.Profile("d1", {}, {});
  DeliveryOptions o;
  o.webhook.max_attempts = 3;
  o.webhook.backoff = std::chrono::seconds(10);
  w.StartDelivery(o);
  OutboxMessage m = w.Queue(d1, "webhook", hook.url());
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(*w.Row(m.id)->next_attempt_at, w.clock.Now() + std::chrono::seconds(10));
  w.clock.Advance(std::chrono::seconds(10));
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(*w.Row(m.id)->next_attempt_at, w.clock.Now() + std::chrono::seconds(20));
  w.clock.Advance(std::chrono::seconds(19));
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(hook.requests().size(), 2u);
  w.clock.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  auto row = w.Row(m.id);
  EXPECT_EQ(row->state, "dead");
  EXPECT_EQ(row->attempts, 3);
  EXPECT_EQ(row->last_error, "gave up after 3 attempts: HTTP 500");
  auto dead = w.delivery->DeadLetters();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].message.id, m.id);
  EXPECT_EQ(dead[0].connector, "webhook");
  EXPECT_EQ(dead[0].reason, row->last_error);
  EXPECT_EQ(StatsOf(w.delivery->stats(), "webhook").dead, 1);
}

TEST(Delivery, ARateLimitLetsTwoMessagesGoPerSecondOfTheClock) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  Hook hook({});
  int64_t d1 = w.Profile("d1", {}, {});
  DeliveryOptions o;
  o.webhook.rate_per_second = 2;
  w.StartDelivery(o);
  for (int i = 0; i < 5; ++i) w.Queue(d1, "webhook", hook.url());
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(hook.requests().size(), 2u);
  EXPECT_EQ(StatsOf(w.delivery->stats(), "webhook").pending, 3);
  w.clock.Advance(std::chrono::milliseconds(499));
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(hook.requests().size(), 2u) << "half a second buys less than one more";
  w.clock.Advance(std::chrono::milliseconds(501));
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(hook.requests().size(), 4u);
  w.clock.Advance(std::chrono::seconds(10));
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(hook.requests().size(), 5u);
  EXPECT_EQ(StatsOf(w.delivery->stats(), "webhook").delivered, 5);
}

TEST(Delivery, RepChannelsAreDeliveredAsTheirTasksAlreadyExist) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  int64_t d1 = w.Profile("d1", {}, {});
  w.StartDelivery({});
  OutboxMessage m = w.Queue(d1, "rep_visit", w.content_id);
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(w.Row(m.id)->state, "delivered");
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/messages.jsonl"));
  EXPECT_EQ(StatsOf(w.delivery->stats(), "task").delivered, 1);
}

TEST(Delivery, PostalLettersGoToOneCsvPerDayOnce) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  int64_t d1 = w.Profile("d1",
                         {{"first_name", "\"Ana\""},
                          {"last_name", "\"García, MD\""},
                          {"address", "{\"street\": \"Calle Mayor 1\", \"city\": \"Madrid\"}"}},
                         {});
  int64_t d2 = w.Profile("d2", {}, {});
  w.StartDelivery({});
  OutboxMessage letter = w.Queue(d1, "postal", w.content_id, w.content_version);
  OutboxMessage nowhere = w.Queue(d2, "postal", w.content_id, w.content_version);
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  const std::string path = dir.path() + "/postal/2026-01-05.csv";
  const std::string csv = ReadFile(path);
  EXPECT_TRUE(csv.starts_with("message_id,key,profile_id,name,address,letter\r\n"));
  EXPECT_NE(csv.find(std::to_string(letter.id) + "," + letter.idempotency_key + "," +
                     ProfileIdString(d1) + ",\"Ana García, MD\",\"Calle Mayor 1, Madrid\",\"" +
                     "Dear Dr. García, MD,\nCardiozen lowers blood pressure in 4 weeks."),
            std::string::npos)
      << csv;
  EXPECT_EQ(w.Row(letter.id)->state, "delivered");
  EXPECT_EQ(w.Row(nowhere.id)->state, "dead");
  EXPECT_EQ(w.Row(nowhere.id)->last_error,
            "profile " + ProfileIdString(d2) + " has no address trait");

  // Marked pending again as after a crash before the mark: the day's file already has it.
  OutboxMessage again = *w.Row(letter.id);
  again.state = "pending";
  ASSERT_TRUE(w.store->UpdateOutbox({again}).ok());
  w.delivery.reset();
  w.StartDelivery({});
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(ReadFile(path), csv) << "the letter is printed once";
  EXPECT_EQ(w.Row(letter.id)->state, "delivered");
}

TEST(Delivery, AnOptOutAfterQueueingStopsTheMessageOnAnyChannel) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  int64_t d1 = w.Profile("d1", {}, {"call_center"});
  w.StartDelivery({});
  OutboxMessage m = w.Queue(d1, "call_center", "");
  ASSERT_TRUE(w.profiles->SetConsent(d1, "call_center", false, "api").ok());
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  auto row = w.Row(m.id);
  EXPECT_EQ(row->state, "dead");
  EXPECT_EQ(row->last_error,
            "no consent for call_center at delivery (unsubscribed after queueing)");
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/messages.jsonl")) << "never sent";
}

TEST(Delivery, ChannelsWithoutAConnectorWaitPendingAndAreCounted) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  int64_t d1 = w.Profile("d1", {{"email", "\"d1@example.com\""}}, {"email"});
  DeliveryOptions o;
  o.log_connector = false;
  w.StartDelivery(o);
  OutboxMessage email = w.Queue(d1, "email", w.content_id, w.content_version);
  OutboxMessage other = w.Queue(d1, "call_center", "");
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(w.Row(email.id)->state, "pending");
  EXPECT_EQ(w.Row(other.id)->state, "pending");
  EXPECT_EQ(w.Row(email.id)->attempts, 0) << "not an attempt: nothing could carry it";
  auto stats = w.delivery->stats();
  EXPECT_FALSE(StatsOf(stats, "smtp").configured);
  EXPECT_EQ(StatsOf(stats, "smtp").pending, 1);
  EXPECT_FALSE(StatsOf(stats, "log").configured);
  EXPECT_EQ(StatsOf(stats, "log").pending, 1);
  EXPECT_TRUE(StatsOf(stats, "webhook").configured);
  // Configured later (a restart with the log connector on): it goes.
  w.delivery.reset();
  w.StartDelivery({});
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(w.Row(other.id)->state, "delivered");
}

TEST(Delivery, ADryRunLogsEveryChannelButWebhooksAndSendsNothing) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  Hook hook({});
  testing::SmtpSink sink(testing::FreePort());
  int64_t d1 = w.Profile("d1", {{"email", "\"d1@example.com\""}}, {"email"});
  DeliveryOptions o;
  o.dry_run = true;
  o.smtp = Smtp(sink.url(), "news@example.com");
  w.StartDelivery(o);
  OutboxMessage email = w.Queue(d1, "email", w.content_id, w.content_version);
  OutboxMessage broken = w.Queue(d1, "email", "not-even-content", 1);
  OutboxMessage letter = w.Queue(d1, "postal", w.content_id, w.content_version);
  OutboxMessage visit = w.Queue(d1, "rep_visit", "");
  OutboxMessage hooked = w.Queue(d1, "webhook", hook.url());
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  auto lines = Lines(dir.path() + "/messages.jsonl");
  ASSERT_EQ(lines.size(), 3u);
  // Each line is the payload plus what the customer would have read.
  json::object first = json::parse(lines[0]).as_object();
  EXPECT_EQ(first["key"], email.idempotency_key.c_str());
  json::object& rendered = first["rendered"].as_object();
  EXPECT_EQ(rendered["rendition"], "email");
  EXPECT_EQ(rendered["subject"], "Cardiozen lowers blood pressure in 4 weeks — für Doctor");
  EXPECT_NE(json::serialize(rendered["text"]).find("Dear Dr. Doctor"), std::string::npos);
  json::object second = json::parse(lines[1]).as_object();
  EXPECT_EQ(second["key"], letter.idempotency_key.c_str());
  EXPECT_EQ(second["rendered"].as_object()["rendition"], "postal");
  EXPECT_EQ(lines[2], visit.payload_json) << "no rendition fits a content-less visit";
  EXPECT_TRUE(sink.Messages().empty());
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/postal"));
  EXPECT_EQ(hook.requests().size(), 1u) << "webhooks are calls between systems: they go";
  for (const auto& m : {email, letter, visit, hooked}) EXPECT_EQ(w.Row(m.id)->state, "delivered");
  // Content that cannot be rendered would fail for real too.
  EXPECT_EQ(w.Row(broken.id)->state, "dead");
  EXPECT_NE(w.Row(broken.id)->last_error.find("not-even-content"), std::string::npos)
      << w.Row(broken.id)->last_error;
  EXPECT_EQ(StatsOf(w.delivery->stats(), "log").delivered, 3);
}

TEST(Delivery, RetryPutsADeadMessageBackAndRefusesAnyOther) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  Hook hook({500});
  int64_t d1 = w.Profile("d1", {}, {});
  DeliveryOptions o;
  o.webhook.max_attempts = 1;
  w.StartDelivery(o);
  OutboxMessage m = w.Queue(d1, "webhook", hook.url());
  OutboxMessage ok = w.Queue(d1, "call_center", "");
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  ASSERT_EQ(w.Row(m.id)->state, "dead");
  EXPECT_EQ(w.delivery->Retry(999).code(), StatusCode::kNotFound);
  Status not_dead = w.delivery->Retry(ok.id);
  EXPECT_EQ(not_dead.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(not_dead.message(), "message " + std::to_string(ok.id) +
                                    " is delivered; only dead messages can be retried");
  ASSERT_TRUE(w.delivery->Retry(m.id).ok());
  EXPECT_EQ(w.Row(m.id)->state, "pending");
  EXPECT_TRUE(w.delivery->DeadLetters().empty());
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(w.Row(m.id)->state, "delivered");
  EXPECT_EQ(hook.requests().size(), 2u);
  EXPECT_EQ(w.delivery->Retry(m.id).code(), StatusCode::kFailedPrecondition);
}

TEST(Delivery, BadConnectorOptionsAreRefusedAtStartNamingTheOption) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  auto create = [&](DeliveryOptions o) {
    o.data_dir = dir.path();
    return Delivery::Create(*w.store, w.clock, *w.profiles, w.content.get(), o).status();
  };
  DeliveryOptions bad_url;
  bad_url.smtp = Smtp("http://mail.example.com", "news@example.com");
  Status s = create(bad_url);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "smtp.url");
  EXPECT_NE(s.message().find("smtp://"), std::string::npos) << s.message();
  DeliveryOptions bad_from;
  bad_from.smtp = Smtp("smtp://127.0.0.1:25", "News");
  EXPECT_EQ(create(bad_from).field(), "smtp.from");
  DeliveryOptions bad_format;
  bad_format.sms = HttpProviderOptions{};
  bad_format.sms->url = "http://127.0.0.1:1/sms";
  bad_format.sms->body_format = "xml";
  EXPECT_EQ(create(bad_format).field(), "sms.body_format");
  DeliveryOptions bad_template;
  bad_template.whatsapp = HttpProviderOptions{};
  bad_template.whatsapp->url = "https://wa.example.com/send";
  bad_template.whatsapp->fields["Body"] = "{{body";
  EXPECT_EQ(create(bad_template).field(), "whatsapp.fields.Body");
  DeliveryOptions bad_attempts;
  bad_attempts.webhook.max_attempts = 0;
  EXPECT_EQ(create(bad_attempts).field(), "webhook.max_attempts");
  DeliveryOptions no_dir;
  EXPECT_EQ(Delivery::Create(*w.store, w.clock, *w.profiles, nullptr, no_dir).status().field(),
            "data_dir");
}

TEST(Delivery, TheTrackingSecretIsMadeOnceAndKeptInTheStore) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  w.StartDelivery({});
  auto secret = w.store->GetSetting("tracking_secret").value();
  ASSERT_TRUE(secret);
  EXPECT_EQ(secret->size(), 64u);
  EXPECT_EQ(secret->find_first_not_of("0123456789abcdef"), std::string::npos);
  w.delivery.reset();
  w.StartDelivery({});
  EXPECT_EQ(w.store->GetSetting("tracking_secret").value(), secret);
}

TEST(OutboxStore, ProviderIdsAreKeptAndFound) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  int64_t d1 = w.Profile("d1", {}, {});
  OutboxMessage a = w.Queue(d1, "sms", "");
  OutboxMessage b = w.Queue(d1, "sms", "");
  a.state = "delivered";
  a.attempts = 1;
  a.provider_message_id = "SM17";
  b.state = "dead";
  b.last_error = "refused";
  ASSERT_TRUE(w.store->UpdateOutbox({a, b}).ok());
  auto found = w.store->FindOutboxByProviderId("SM17").value();
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, a.id);
  EXPECT_EQ(found->provider_message_id, "SM17");
  EXPECT_FALSE(w.store->FindOutboxByProviderId("").value()) << "an empty id matches nothing";
  EXPECT_FALSE(w.store->FindOutboxByProviderId("SM18").value());
  EXPECT_FALSE(w.store->GetOutboxMessage(99).value());
  std::vector<int64_t> dead;
  ASSERT_TRUE(
      w.store->ScanOutboxByState("dead", [&](const OutboxMessage& m) { dead.push_back(m.id); })
          .ok());
  EXPECT_EQ(dead, std::vector<int64_t>{b.id});
}

TEST(OutboxStore, AStoreOfTheJourneysSchemaIsMigratedWithItsMessages) {
  TempDir dir;
  {
    DeliveryWorld w(dir.path());
    int64_t d1 = w.Profile("d1", {}, {});
    w.Queue(d1, "sms", "");
  }
  {
    // Back to schema 3, as the journeys release wrote it.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir.path() + "/unisono.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "DROP INDEX outbox_by_provider_id; "
                           "ALTER TABLE outbox DROP COLUMN provider_message_id; "
                           "PRAGMA user_version = 3;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  auto store = OpenSqliteStore(dir.path());
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto m = (*store)->GetOutboxMessage(1).value();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->channel, "sms");
  EXPECT_EQ(m->provider_message_id, "");
  m->provider_message_id = "SM1";
  ASSERT_TRUE((*store)->UpdateOutbox({*m}).ok());
  EXPECT_TRUE((*store)->FindOutboxByProviderId("SM1").value());
  EXPECT_EQ(SqliteSchemaVersion(), 4);
}

}  // namespace
}  // namespace unisono
