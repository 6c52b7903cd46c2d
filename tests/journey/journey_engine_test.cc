// The journey engine end to end on a manual clock: a real SQLite store, the real
// profile service and segment engine; events go in through the commit path and the
// engine reads them back from the log, as `unisono serve` runs it.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <fstream>
#include <thread>

#include "channel/channel.h"
#include "journey/journey.h"
#include "support/test_support.h"

namespace unisono {
namespace {

namespace json = boost::json;
using testing::TempDir;

// Monday 2026-01-05 10:00 UTC (11:00 in Madrid).
const Timestamp kStart = ParseTimestamp("2026-01-05T10:00:00Z").value();

using testing::Identify;
using testing::Track;

// A store, the profile service, the segment engine hearing its commits and a journey
// engine reading the log; the journey engine can be restarted on the same store.
class World {
 public:
  explicit World(const std::string& dir, std::string policy = "{}")
      : dir_(dir), policy_(std::move(policy)), clock(kStart) {
    store = OpenSqliteStore(dir).value();
    ProfileServiceOptions o;
    o.on_committed = [this](const WriteBatch& b, const std::vector<uint8_t>& w) {
      if (SegmentEngine* e = hook.load()) e->OnCommitted(b, w);
    };
    profiles = ProfileService::Create(*store, clock, o).value();
    SegmentEngineOptions so;
    so.threads = 2;
    segments = SegmentEngine::Create(*store, clock, profiles.get(), so).value();
    hook = segments.get();
    DeliveryOptions d;
    d.data_dir = dir_;  // every message goes to the log connector's messages.jsonl
    d.dry_run = true;
    delivery = Delivery::Create(*store, clock, *profiles, nullptr, d).value();
    StartJourneys();
  }
  ~World() {
    journeys.reset();
    delivery.reset();
    profiles.reset();
    hook = nullptr;
  }
  void StartJourneys() {
    JourneyEngineOptions jo;
    jo.contact_policy_json = policy_;
    jo.on_queued = [this](const std::vector<OutboxMessage>& m) { delivery->Enqueue(m); };
    auto created = JourneyEngine::Create(*store, clock, *profiles, *segments, jo);
    ASSERT_TRUE(created.ok()) << created.status().message();
    journeys = std::move(created).value();
  }
  void RestartJourneys() {
    journeys.reset();
    StartJourneys();
  }
  void Send(std::vector<Event> events) {
    ASSERT_TRUE(profiles->SubmitAndWait(std::move(events)).ok());
  }
  // Lets every write land (segment changes, traits set by journeys) and runs the
  // journeys until nothing is left.
  void Settle() {
    for (int pass = 0; pass < 3; ++pass) {
      for (int i = 0; i < 200 && profiles->queued_events() > 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      ASSERT_TRUE(profiles->SubmitAndWait({}).ok());
      ASSERT_TRUE(journeys->RunUntilIdle().ok());
      ASSERT_TRUE(delivery->RunUntilIdle().ok());
    }
  }
  void Advance(Millis by) {
    clock.Advance(by);
    segments->RunDue();
    Settle();
  }
  int64_t Id(const std::string& user) { return profiles->FindBy("user_id", user)->record.id; }
  std::string Journey(const std::string& definition) {
    auto r = journeys->CreateJourney(definition);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? r->id : "";
  }
  std::string Segment(const std::string& name, const std::string& text) {
    SegmentSpec s;
    s.name = name;
    s.definition_text = text;
    auto r = segments->CreateSegment(s);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? r->id : "";
  }
  int64_t PendingWebhooks() {
    for (const ConnectorStats& c : delivery->stats()) {
      if (c.name == "webhook") return c.pending;
    }
    return -1;
  }
  // The log connector's lines.
  std::vector<json::object> Messages() {
    std::vector<json::object> out;
    std::ifstream in(dir_ + "/messages.jsonl");
    std::string line;
    while (std::getline(in, line)) out.push_back(json::parse(line).as_object());
    return out;
  }
  // "action:reason" of a profile's history, in order.
  std::vector<std::string> History(const std::string& user) {
    HistoryQuery q;
    q.profile_id = Id(user);
    q.limit = 1000;
    std::vector<std::string> out;
    for (const auto& h : journeys->History(q).value()) {
      out.push_back(h.action + (h.reason.empty() ? "" : ":" + h.reason));
    }
    return out;
  }
  bool HasHistory(const std::string& user, const std::string& entry) {
    auto h = History(user);
    return std::find(h.begin(), h.end(), entry) != h.end();
  }

  std::string dir_;
  std::string policy_;
  ManualClock clock;
  std::unique_ptr<Store> store;
  std::unique_ptr<ProfileService> profiles;
  std::unique_ptr<SegmentEngine> segments;
  std::atomic<SegmentEngine*> hook{nullptr};
  std::unique_ptr<Delivery> delivery;
  std::unique_ptr<JourneyEngine> journeys;
};

TEST(JourneyEngine, SegmentEntryStartsAJourneyThatWaitsBranchesAndSends) {
  TempDir dir;
  World w(dir.path());
  w.Segment("Cardiologists", "trait(specialty) = \"cardiology\"");
  w.Journey(R"J({"name": "Welcome cardiologists",
    "trigger": {"segment": "Cardiologists"},
    "steps": [
      {"id": "pause", "type": "wait", "duration": "2d"},
      {"id": "has-email", "type": "branch", "condition": "consent(email)", "else": "letter"},
      {"id": "mail", "type": "send", "content": "welcome-email", "channel": "email", "next": "end"},
      {"id": "letter", "type": "send", "content": "welcome-letter", "channel": "postal"},
      {"id": "end", "type": "exit"}]})J");
  w.Send({Identify("d1", {{"specialty", "\"cardiology\""}}, kStart),
          Identify("d2", {{"specialty", "\"cardiology\""}}, kStart),
          Identify("d3", {{"specialty", "\"oncology\""}}, kStart)});
  ASSERT_TRUE(w.profiles->SetConsent(w.Id("d1"), "email", true, "test").ok());
  w.Settle();
  EXPECT_TRUE(w.HasHistory("d1", "entered:trigger"));
  EXPECT_TRUE(w.HasHistory("d2", "entered:trigger"));
  EXPECT_TRUE(w.History("d3").empty());
  EXPECT_TRUE(w.Messages().empty()) << "nothing is sent before the wait ends";

  w.Advance(std::chrono::hours(47));
  EXPECT_TRUE(w.Messages().empty());
  w.Advance(std::chrono::hours(1));
  auto messages = w.Messages();
  ASSERT_EQ(messages.size(), 2u);
  std::map<int64_t, std::pair<std::string, std::string>> by_profile;
  for (auto& m : messages) {
    by_profile[m["profile_id"].as_int64()] = {std::string(m["channel"].as_string()),
                                              std::string(m["content"].as_string())};
    EXPECT_EQ(m["time"].as_string(), FormatTimestamp(kStart + std::chrono::hours(48)));
  }
  using Sent = std::pair<std::string, std::string>;
  EXPECT_EQ(by_profile[w.Id("d1")], Sent("email", "welcome-email"));
  EXPECT_EQ(by_profile[w.Id("d2")], Sent("postal", "welcome-letter"));
  EXPECT_TRUE(w.HasHistory("d1", "branch:then"));
  EXPECT_TRUE(w.HasHistory("d2", "branch:else"));
  EXPECT_TRUE(w.HasHistory("d1", "exited:exit_step"));
  auto instances = w.journeys->Instances(w.Id("d1")).value();
  ASSERT_EQ(instances.size(), 1u);
  EXPECT_EQ(instances[0].state, "exited");
}

TEST(JourneyEngine, CapsHoldAcrossTwoJourneysAndTheHigherPriorityGoesFirst) {
  TempDir dir;
  World w(dir.path(), R"J({"caps": [{"max": 1, "window": "7d"}]})J");
  auto low = w.Journey(R"J({"name": "Newsletter", "priority": 1,
    "trigger": {"event": {"name": "Webinar Registered"}},
    "steps": [{"type": "send", "content": "news", "channel": "email"}]})J");
  auto high = w.Journey(R"J({"name": "Webinar reminder", "priority": 10,
    "trigger": {"event": {"name": "Webinar Registered"}},
    "steps": [{"type": "send", "content": "reminder", "channel": "email"}]})J");
  auto skip = w.Journey(R"J({"name": "Survey", "priority": 0, "when_blocked": "skip",
    "trigger": {"event": {"name": "Webinar Registered"}},
    "steps": [{"type": "send", "content": "survey", "channel": "email"}]})J");
  w.Send({Identify("d1", {}, kStart)});
  ASSERT_TRUE(w.profiles->SetConsent(w.Id("d1"), "email", true, "test").ok());
  w.Send({Track("d1", "Webinar Registered", "web", kStart)});
  w.Settle();
  auto messages = w.Messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["content"].as_string(), "reminder");
  EXPECT_TRUE(w.HasHistory("d1", "delayed:cap"));
  EXPECT_TRUE(w.HasHistory("d1", "skipped:cap"));

  // The cap frees up seven days after the first contact: the waiting one goes then.
  w.Advance(std::chrono::days(7) - Millis(1));
  EXPECT_EQ(w.Messages().size(), 1u);
  w.Advance(Millis(1));
  messages = w.Messages();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[1]["content"].as_string(), "news");
  EXPECT_EQ(w.journeys->Results(skip)->steps.at(0).reasons["skipped:cap"], 1);
  EXPECT_EQ(w.journeys->Results(low)->steps.at(0).reasons["delayed:cap"], 1);
  EXPECT_EQ(w.journeys->Results(low)->steps.at(0).actions["queued"], 1);
  EXPECT_EQ(w.journeys->Results(high)->steps.at(0).actions["queued"], 1);
}

TEST(JourneyEngine, AContactOnAnotherChannelOutsideUnisonoCounts) {
  TempDir dir;
  World w(dir.path(), R"J({"min_gap": "2d"})J");
  w.Journey(R"J({"name": "Follow-up",
    "trigger": {"event": {"name": "Sample Requested"}},
    "steps": [{"type": "send", "content": "samples", "channel": "email"}]})J");
  w.Send({Identify("d1", {}, kStart)});
  ASSERT_TRUE(w.profiles->SetConsent(w.Id("d1"), "email", true, "test").ok());
  // The rep saw the doctor yesterday; the visit arrives as an event like any other.
  w.Send({Track("d1", "Rep Visit", "rep_visit", kStart - std::chrono::days(1))});
  w.Send({Track("d1", "Sample Requested", "web", kStart)});
  w.Settle();
  EXPECT_TRUE(w.Messages().empty());
  EXPECT_TRUE(w.HasHistory("d1", "delayed:min_gap"));
  w.Advance(std::chrono::days(1));
  ASSERT_EQ(w.Messages().size(), 1u);
}

TEST(JourneyEngine, QuietHoursInTheProfilesTimeZoneHoldASendUntilMorning) {
  TempDir dir;
  World w(dir.path(), R"J({"quiet_hours": {"start": "21:00", "end": "08:00"}})J");
  w.Journey(R"J({"name": "Order confirmation",
    "trigger": {"event": {"name": "Order Completed"}},
    "steps": [{"type": "send", "content": "thanks", "channel": "sms"}]})J");
  w.Send({Identify("d1", {{"timezone", "\"Europe/Madrid\""}}, kStart)});
  ASSERT_TRUE(w.profiles->SetConsent(w.Id("d1"), "sms", true, "test").ok());
  // 21:30 UTC is 22:30 in Madrid in January: quiet until 08:00 Madrid, 07:00 UTC.
  w.clock.Set(ParseTimestamp("2026-01-05T21:30:00Z").value());
  w.Send({Track("d1", "Order Completed", "ecommerce", w.clock.Now())});
  w.Settle();
  EXPECT_TRUE(w.Messages().empty());
  EXPECT_TRUE(w.HasHistory("d1", "delayed:quiet_hours"));
  w.Advance(std::chrono::minutes(9 * 60 + 29));  // 06:59 UTC
  EXPECT_TRUE(w.Messages().empty());
  w.Advance(std::chrono::minutes(1));
  auto messages = w.Messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["time"].as_string(), "2026-01-06T07:00:00.000Z");
}

TEST(JourneyEngine, AnOptOutStopsTheNextSend) {
  TempDir dir;
  World w(dir.path());
  w.Journey(R"J({"name": "Onboarding",
    "trigger": {"event": {"name": "Signed Up"}},
    "steps": [{"type": "send", "content": "day-0", "channel": "email"},
              {"type": "wait", "duration": "1d"},
              {"type": "send", "content": "day-1", "channel": "email"}]})J");
  w.Send({Identify("d1", {}, kStart)});
  ASSERT_TRUE(w.profiles->SetConsent(w.Id("d1"), "email", true, "test").ok());
  w.Send({Track("d1", "Signed Up", "web", kStart)});
  w.Settle();
  ASSERT_EQ(w.Messages().size(), 1u);
  ASSERT_TRUE(w.profiles->SetConsent(w.Id("d1"), "email", false, "unsubscribe link").ok());
  w.Advance(std::chrono::days(1));
  EXPECT_EQ(w.Messages().size(), 1u);
  EXPECT_TRUE(w.HasHistory("d1", "skipped:no_consent"));
  EXPECT_TRUE(w.HasHistory("d1", "completed"));
}

TEST(JourneyEngine, ARestartInTheMiddleLosesNoStepAndRunsNoneTwice) {
  TempDir dir;
  World w(dir.path());
  auto id = w.Journey(R"J({"name": "Two touches",
    "trigger": {"event": {"name": "Signed Up"}},
    "steps": [{"type": "send", "content": "first", "channel": "email"},
              {"type": "wait", "duration": "3d"},
              {"type": "send", "content": "second", "channel": "email"}]})J");
  w.Send({Identify("d1", {}, kStart), Identify("d2", {}, kStart)});
  for (const char* u : {"d1", "d2"}) {
    ASSERT_TRUE(w.profiles->SetConsent(w.Id(u), "email", true, "test").ok());
  }
  w.Send({Track("d1", "Signed Up", "web", kStart)});
  w.Settle();
  ASSERT_EQ(w.Messages().size(), 1u);

  // Down for a while: d2 signs up meanwhile, and d1's wait ends while nobody runs it.
  w.journeys.reset();
  w.Send({Track("d2", "Signed Up", "web", kStart + std::chrono::hours(1))});
  w.clock.Advance(std::chrono::days(4));
  w.StartJourneys();
  w.Settle();
  auto messages = w.Messages();
  ASSERT_EQ(messages.size(), 3u);  // d1: first, second; d2: first
  std::map<std::string, int> count;
  for (auto& m : messages) {
    count[std::to_string(m["profile_id"].as_int64()) + ":" +
          std::string(m["content"].as_string())]++;
  }
  EXPECT_EQ(count[std::to_string(w.Id("d1")) + ":first"], 1);
  EXPECT_EQ(count[std::to_string(w.Id("d1")) + ":second"], 1);
  EXPECT_EQ(count[std::to_string(w.Id("d2")) + ":first"], 1);

  // Another restart with nothing due changes nothing.
  w.RestartJourneys();
  w.Settle();
  EXPECT_EQ(w.Messages().size(), 3u);
  EXPECT_EQ(w.journeys->Results(id)->completed, 1);
  EXPECT_EQ(w.journeys->Results(id)->active, 1);
}

TEST(JourneyEngine, ARepActivationStartsAFollowUpAndCreatesATask) {
  TempDir dir;
  World w(dir.path());
  auto id = w.Journey(R"J({"name": "After the visit",
    "trigger": {"rep_activation": true},
    "goal": {"name": "Prescription Written"},
    "steps": [{"type": "send", "content": "visit-summary", "channel": "email"},
              {"type": "task", "title": "Call back about samples", "due": "2d",
               "talking_points": ["new dosage", "samples"]},
              {"id": "wait-call", "type": "wait", "until_event": {"name": "Task Completed"},
               "timeout": "7d", "timeout_next": "reminder"},
              {"type": "send", "content": "thanks-for-the-call", "channel": "email",
               "next": "done"},
              {"id": "reminder", "type": "send", "content": "reminder", "channel": "email"},
              {"id": "done", "type": "wait", "duration": "30d"}]})J");
  w.Send({Identify("d1", {{"owner_rep", "\"rep-7\""}}, kStart)});
  ASSERT_TRUE(w.profiles->SetConsent(w.Id("d1"), "email", true, "test").ok());
  w.Settle();

  RepVisit other{"rep-8", w.Id("d1"), "", id, std::nullopt};
  EXPECT_EQ(w.journeys->RecordVisit(other).status().code(), StatusCode::kPermissionDenied);
  RepVisit visit{"rep-7", w.Id("d1"), "asked about the new dosage", id, std::nullopt};
  ASSERT_TRUE(w.journeys->RecordVisit(visit).ok());
  w.Settle();
  auto messages = w.Messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["content"].as_string(), "visit-summary");
  auto tasks = w.journeys->Tasks("rep-7", "open").value();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].title, "Call back about samples");
  EXPECT_EQ(tasks[0].due_at, kStart + std::chrono::days(2));
  EXPECT_EQ(tasks[0].talking_points_json, R"(["new dosage","samples"])");

  w.clock.Advance(std::chrono::days(1));
  auto done = w.journeys->CompleteTask(tasks[0].id, "rep-7", "will prescribe");
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(w.journeys->CompleteTask(tasks[0].id, "rep-7", "").status().code(),
            StatusCode::kFailedPrecondition);
  w.Settle();
  messages = w.Messages();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[1]["content"].as_string(), "thanks-for-the-call");
  EXPECT_TRUE(w.journeys->Tasks("rep-7", "open")->empty());

  // The goal ends it as converted.
  w.Send({Track("d1", "Prescription Written", "unknown", w.clock.Now())});
  w.Settle();
  EXPECT_EQ(w.journeys->Results(id)->converted, 1);
  EXPECT_EQ(w.journeys->Results(id)->active, 0);
}

TEST(JourneyEngine, BestChannelPicksTheBestResponsePerCostAndCountsCheaperMoves) {
  TempDir dir;
  World w(dir.path());
  auto id = w.Journey(R"J({"name": "Reactivation",
    "trigger": {"event": {"name": "Reactivate"}},
    "steps": [{"type": "send", "content": "we-miss-you", "channel": "best_channel",
               "channels": ["sms", "email", "whatsapp"]}]})J");
  w.Send({Identify("d1", {}, kStart), Identify("d2", {}, kStart)});
  for (const char* u : {"d1", "d2"}) {
    for (const char* c : {"sms", "email"}) {
      ASSERT_TRUE(w.profiles->SetConsent(w.Id(u), c, true, "test").ok());
    }
  }
  // d1 answers emails; d2 answers only SMS.
  w.Send({Track("d1", "Email Opened", "email", kStart - std::chrono::days(2)),
          Track("d1", "SMS Replied", "sms", kStart - std::chrono::days(3)),
          Track("d2", "SMS Replied", "sms", kStart - std::chrono::days(2))});
  w.Send(
      {Track("d1", "Reactivate", "unknown", kStart), Track("d2", "Reactivate", "unknown", kStart)});
  w.Settle();
  std::map<int64_t, std::string> channel;
  for (auto& m : w.Messages()) channel[m["profile_id"].as_int64()] = m["channel"].as_string();
  EXPECT_EQ(channel[w.Id("d1")], "email");
  EXPECT_EQ(channel[w.Id("d2")], "sms");
  auto results = w.journeys->Results(id).value();
  EXPECT_EQ(results.best_channel["email"], 1);
  EXPECT_EQ(results.best_channel["sms"], 1);
  // d1: a single-channel plan would have used SMS (first allowed); email costs less and
  // engages at least as well.
  EXPECT_EQ(results.moved_cheaper, 1);
}

TEST(JourneyEngine, EditingARunningJourneyMakesANewVersionAndRunningOnesFinishTheirs) {
  TempDir dir;
  World w(dir.path());
  auto id = w.Journey(R"J({"name": "Nurture",
    "trigger": {"event": {"name": "Signed Up"}},
    "steps": [{"type": "wait", "duration": "1d"},
              {"type": "send", "content": "v1-content", "channel": "email"}]})J");
  w.Send({Identify("d1", {}, kStart), Identify("d2", {}, kStart)});
  for (const char* u : {"d1", "d2"}) {
    ASSERT_TRUE(w.profiles->SetConsent(w.Id(u), "email", true, "test").ok());
  }
  w.Send({Track("d1", "Signed Up", "web", kStart)});
  w.Settle();
  auto edited = w.journeys->UpdateJourney(id, R"J({"name": "Nurture",
    "trigger": {"event": {"name": "Signed Up"}},
    "steps": [{"type": "wait", "duration": "1d"},
              {"type": "send", "content": "v2-content", "channel": "email"}]})J");
  ASSERT_TRUE(edited.ok()) << edited.status().message();
  EXPECT_EQ(edited->version, 2);
  w.Send({Track("d2", "Signed Up", "web", w.clock.Now())});
  w.Settle();
  w.Advance(std::chrono::days(1));
  std::map<int64_t, std::string> content;
  for (auto& m : w.Messages()) {
    content[m["profile_id"].as_int64()] = m["content"].as_string();
    EXPECT_EQ(m["version"].as_int64(), m["content"].as_string() == "v1-content" ? 1 : 2);
  }
  EXPECT_EQ(content[w.Id("d1")], "v1-content");
  EXPECT_EQ(content[w.Id("d2")], "v2-content");
}

TEST(JourneyEngine, EntryRulesOnceAndOncePerPeriod) {
  TempDir dir;
  World w(dir.path());
  auto once = w.Journey(R"J({"name": "Once", "entry": {"mode": "once"},
    "trigger": {"event": {"name": "Visit"}}, "steps": [{"type": "exit"}]})J");
  auto weekly = w.Journey(R"J({"name": "Weekly",
    "entry": {"mode": "once_per_period", "period": "7d"},
    "trigger": {"event": {"name": "Visit"}}, "steps": [{"type": "exit"}]})J");
  auto always = w.Journey(R"J({"name": "Always",
    "trigger": {"event": {"name": "Visit"}}, "steps": [{"type": "exit"}]})J");
  w.Send({Identify("d1", {}, kStart)});
  for (int day : {0, 1, 8}) {
    w.clock.Set(kStart + std::chrono::days(day));
    w.Send({Track("d1", "Visit", "web", w.clock.Now())});
    w.Settle();
  }
  EXPECT_EQ(w.journeys->Results(once)->entered, 1);
  EXPECT_EQ(w.journeys->Results(weekly)->entered, 2);
  EXPECT_EQ(w.journeys->Results(always)->entered, 3);
}

TEST(JourneyEngine, SplitsAreStableAndHoldoutsExit) {
  TempDir dir;
  World w(dir.path());
  auto id = w.Journey(R"J({"name": "A/B",
    "trigger": {"event": {"name": "Go"}},
    "steps": [{"type": "split", "paths": [{"name": "a", "percent": 50, "next": "send-a"},
                                           {"name": "b", "percent": 30, "next": "send-b"}],
               "holdout": 20},
              {"id": "send-a", "type": "exit"},
              {"id": "send-b", "type": "exit"}]})J");
  std::vector<Event> people;
  for (int i = 0; i < 400; ++i) people.push_back(Identify("p" + std::to_string(i), {}, kStart));
  w.Send(people);
  std::vector<Event> go;
  for (int i = 0; i < 400; ++i) go.push_back(Track("p" + std::to_string(i), "Go", "web", kStart));
  w.Send(go);
  w.Settle();
  auto r = w.journeys->Results(id).value();
  EXPECT_EQ(r.entered, 400);
  auto split = std::find_if(r.steps.begin(), r.steps.end(),
                            [](const JourneyStepResults& s) { return s.type == "split"; });
  ASSERT_NE(split, r.steps.end());
  int64_t a = split->reasons["split:a"], b = split->reasons["split:b"],
          hold = split->reasons["split:holdout"];
  EXPECT_EQ(a + b + hold, 400);
  EXPECT_NEAR(a, 200, 45);
  EXPECT_NEAR(b, 120, 40);
  EXPECT_NEAR(hold, 80, 30);
  EXPECT_EQ(r.exited, 400);
}

TEST(JourneyEngine, BadDefinitionsAreRefusedWithTheirPointerAndNothingIsStored) {
  TempDir dir;
  World w(dir.path());
  auto missing_segment = w.journeys->CreateJourney(R"J({"name": "x",
    "trigger": {"segment": "no such segment"}, "steps": [{"type": "exit"}]})J");
  EXPECT_EQ(missing_segment.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing_segment.status().message().find("/trigger/segment"), std::string::npos);
  auto bad_condition = w.journeys->CreateJourney(R"J({"name": "x",
    "trigger": {"event": {"name": "Go"}},
    "steps": [{"type": "branch", "condition": "count(track \"x\" >= 1"}]})J");
  EXPECT_FALSE(bad_condition.ok());
  EXPECT_NE(bad_condition.status().message().find("/steps/0/condition"), std::string::npos)
      << bad_condition.status().message();
  EXPECT_TRUE(w.journeys->ListJourneys().empty());
  w.RestartJourneys();
  EXPECT_TRUE(w.journeys->ListJourneys().empty());
}

}  // namespace
}  // namespace unisono

namespace unisono {
namespace {

TEST(JourneyEngine, ScheduledJourneysEnrolTheSegmentEveryPeriod) {
  TempDir dir;
  World w(dir.path());
  w.Segment("Cardiologists", "trait(specialty) = \"cardiology\"");
  auto id = w.Journey(R"J({"name": "Weekly digest",
    "trigger": {"schedule": {"segment": "Cardiologists", "every": "7d"}},
    "steps": [{"type": "wait", "duration": "1h"}]})J");
  w.Send({Identify("d1", {{"specialty", "\"cardiology\""}}, kStart),
          Identify("d2", {{"specialty", "\"oncology\""}}, kStart)});
  w.Settle();
  EXPECT_EQ(w.journeys->Results(id)->entered, 1);
  w.Advance(std::chrono::days(7) - Millis(1));
  EXPECT_EQ(w.journeys->Results(id)->entered, 1);
  w.Advance(Millis(1));
  EXPECT_EQ(w.journeys->Results(id)->entered, 2);
  EXPECT_TRUE(w.History("d2").empty());
}

TEST(JourneyEngine, WaitsUntilATimeOfDayInTheProfilesTimeZone) {
  TempDir dir;
  World w(dir.path());
  w.Journey(R"J({"name": "Morning",
    "trigger": {"event": {"name": "Go"}},
    "steps": [{"type": "wait", "until_time": "09:00"},
              {"type": "send", "content": "morning", "channel": "postal"}]})J");
  w.Send({Identify("d1", {{"timezone", "\"America/New_York\""}}, kStart)});
  // 10:00 UTC is 05:00 in New York: 09:00 there is 14:00 UTC the same day.
  w.Send({Track("d1", "Go", "web", kStart)});
  w.Settle();
  w.Advance(std::chrono::hours(4) - Millis(1));
  EXPECT_TRUE(w.Messages().empty());
  w.Advance(Millis(1));
  auto messages = w.Messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["time"].as_string(), "2026-01-05T14:00:00.000Z");
}

TEST(JourneyEngine, AWaitForAnEventTimesOutToItsOwnBranch) {
  TempDir dir;
  World w(dir.path());
  w.Journey(R"J({"name": "Did they open?",
    "trigger": {"event": {"name": "Go"}},
    "steps": [{"type": "wait", "until_event": {"name": "Email Opened"}, "timeout": "3d",
               "timeout_next": "nudge"},
              {"type": "send", "content": "thanks", "channel": "postal", "next": "end"},
              {"id": "nudge", "type": "send", "content": "nudge", "channel": "postal"},
              {"id": "end", "type": "exit"}]})J");
  w.Send({Identify("d1", {}, kStart), Identify("d2", {}, kStart)});
  w.Send({Track("d1", "Go", "web", kStart), Track("d2", "Go", "web", kStart)});
  // An open from before the wait began does not count.
  w.Send({Track("d2", "Email Opened", "email", kStart - std::chrono::days(1))});
  w.Settle();
  w.clock.Advance(std::chrono::days(1));
  w.Send({Track("d1", "Email Opened", "email", w.clock.Now())});
  w.Settle();
  w.Advance(std::chrono::days(2));
  std::map<int64_t, std::string> content;
  for (auto& m : w.Messages()) content[m["profile_id"].as_int64()] = m["content"].as_string();
  EXPECT_EQ(content[w.Id("d1")], "thanks");
  EXPECT_EQ(content[w.Id("d2")], "nudge");
  EXPECT_TRUE(w.HasHistory("d2", "timeout"));
}

TEST(JourneyEngine, SuppressedProfilesAreSkippedAndSetTraitWritesTheProfile) {
  TempDir dir;
  World w(dir.path(), R"J({"suppression_segments": ["Do not contact"]})J");
  SegmentSpec manual;
  manual.name = "Do not contact";
  manual.kind = "manual";
  auto list = w.segments->CreateSegment(manual);
  ASSERT_TRUE(list.ok()) << list.status().message();
  w.Journey(R"J({"name": "Tag and mail",
    "trigger": {"event": {"name": "Go"}},
    "steps": [{"type": "set_trait", "trait": "nurtured", "value": true},
              {"type": "send", "content": "hello", "channel": "postal"}]})J");
  w.Send({Identify("d1", {}, kStart), Identify("d2", {}, kStart)});
  ListEdit edit;
  edit.profile_ids = {w.Id("d2")};
  edit.actor = "compliance";
  ASSERT_TRUE(w.segments->EditList(list->id, edit).ok());
  w.Send({Track("d1", "Go", "web", kStart), Track("d2", "Go", "web", kStart)});
  w.Settle();
  auto messages = w.Messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["profile_id"].as_int64(), w.Id("d1"));
  EXPECT_TRUE(w.HasHistory("d2", "skipped:suppressed"));
  auto profile = w.profiles->Get(w.Id("d1")).value();
  bool tagged = false;
  for (const auto& [key, trait] : profile.record.traits) {
    tagged |= key == "nurtured" && trait.value_json == "true";
  }
  EXPECT_TRUE(tagged);
}

TEST(JourneyEngine, ATrackedVisitWithActivateJourneyStartsTheFollowUp) {
  TempDir dir;
  World w(dir.path());
  auto id = w.Journey(R"J({"name": "After the visit", "trigger": {"rep_activation": true},
    "steps": [{"type": "send", "content": "summary", "channel": "postal"}]})J");
  w.Send({Identify("d1", {}, kStart)});
  w.Send({Track("d1", "Rep Visit", "rep_visit", kStart,
                "{\"activate_journey\": \"" + id + "\", \"notes\": \"from the CRM\"}")});
  w.Settle();
  ASSERT_EQ(w.Messages().size(), 1u);
  EXPECT_EQ(w.journeys->Results(id)->entered, 1);
}

}  // namespace
}  // namespace unisono

namespace unisono {
namespace {

using Hook = testing::HttpHook;

TEST(JourneyEngine, AWebhookRetriesWithBackoffAndTheSameIdempotencyKey) {
  TempDir dir;
  World w(dir.path());
  Hook hook({500});
  w.Journey(R"J({"name": "Tell the CRM", "trigger": {"event": {"name": "Go"}},
    "steps": [{"type": "webhook", "url": ")J" +
            hook.url() + R"J("}]})J");
  w.Send({Identify("d1", {}, kStart)});
  w.Send({Track("d1", "Go", "web", kStart)});
  w.Settle();
  ASSERT_EQ(hook.requests().size(), 1u);
  EXPECT_NE(hook.requests()[0].find("\"journey\":\"journey_1\""), std::string::npos);
  EXPECT_EQ(w.PendingWebhooks(), 1) << "a failed delivery waits to retry";
  w.Advance(std::chrono::seconds(2));
  auto requests = hook.requests();
  ASSERT_EQ(requests.size(), 2u);
  auto key = [](const std::string& r) {
    auto at = r.find("Idempotency-Key: ");
    return r.substr(at, r.find("\r\n", at) - at);
  };
  EXPECT_EQ(key(requests[0]), key(requests[1]));
  EXPECT_EQ(w.PendingWebhooks(), 0);
  w.Advance(std::chrono::hours(1));
  EXPECT_EQ(hook.requests().size(), 2u) << "delivered once, never again";
}

}  // namespace
}  // namespace unisono

namespace unisono {
namespace {

TEST(JourneyEngine, EventsReadBeforeAJourneyExistedNeverTriggerItAfterARestart) {
  TempDir dir;
  World w(dir.path());
  w.Send({Identify("d1", {}, kStart)});
  w.Settle();  // the first round saves its checkpoint
  w.Send({Track("d1", "Go", "web", kStart)});
  w.Settle();  // read within the second, changed nothing: its checkpoint is not saved yet
  auto id = w.Journey(R"J({"name": "Late", "trigger": {"event": {"name": "Go"}},
    "steps": [{"type": "exit"}]})J");
  w.RestartJourneys();
  w.Settle();
  EXPECT_EQ(w.journeys->Results(id)->entered, 0);
  w.Send({Track("d1", "Go", "web", kStart + Millis(1))});
  w.Settle();
  EXPECT_EQ(w.journeys->Results(id)->entered, 1);
}

}  // namespace
}  // namespace unisono
