// The segment engine against a real SQLite store and the real profile service: events
// go in through the commit path, time moves on a manual clock.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <set>

#include "demo/demo.h"
#include "segment/segment.h"
#include "support/test_support.h"

namespace unisono {
namespace {

using testing::TempDir;

const Timestamp kStart = ParseTimestamp("2026-01-01T00:00:00Z").value();

using testing::Identify;
using testing::Track;

// A store, a profile service and a segment engine hearing its commits.
class World {
 public:
  explicit World(const std::string& dir, Timestamp now = kStart) : clock(now) {
    store = OpenSqliteStore(dir).value();
    ProfileServiceOptions o;
    o.on_committed = [this](const WriteBatch& b, const std::vector<uint8_t>& w) {
      if (SegmentEngine* e = hook.load()) e->OnCommitted(b, w);
    };
    profiles = ProfileService::Create(*store, clock, o).value();
    SegmentEngineOptions so;
    so.threads = 2;
    engine = SegmentEngine::Create(*store, clock, profiles.get(), so).value();
    hook = engine.get();
  }
  ~World() {
    profiles.reset();  // drains
    hook = nullptr;
  }
  void Send(std::vector<Event> events) {
    ASSERT_TRUE(profiles->SubmitAndWait(std::move(events)).ok());
  }
  int64_t Id(const std::string& user) { return profiles->FindBy("user_id", user)->record.id; }
  std::string Create(const std::string& name, const std::string& text) {
    SegmentSpec s;
    s.name = name;
    s.definition_text = text;
    auto r = engine->CreateSegment(s);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? r->id : "";
  }
  std::set<int64_t> Members(const std::string& id) {
    auto page = engine->Members(id, "", 1'000'000).value();
    return {page.profile_ids.begin(), page.profile_ids.end()};
  }
  bool In(const std::string& seg, const std::string& user) { return Members(seg).count(Id(user)); }
  // Segment events written so far on a profile (they arrive asynchronously).
  std::vector<std::string> SegmentEvents(const std::string& user) {
    for (int i = 0; i < 100 && profiles->queued_events() > 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    profiles->SubmitAndWait({});  // a barrier behind anything queued
    TimelineQuery q;
    q.profile_id = Id(user);
    q.limit = 1000;
    std::vector<std::string> out;
    for (const auto& e : profiles->Timeline(q)->items) {
      if (e.source == "segment") out.push_back(e.name);
    }
    std::reverse(out.begin(), out.end());
    return out;
  }

  ManualClock clock;
  std::unique_ptr<Store> store;
  std::unique_ptr<ProfileService> profiles;
  std::unique_ptr<SegmentEngine> engine;
  std::atomic<SegmentEngine*> hook{nullptr};
};

TEST(SegmentEngine, AnEventPutsTheProfileInTheSegmentAtOnce) {
  TempDir dir;
  World w(dir.path());
  w.Send({Identify("u1", {{"specialty", "\"cardiology\""}}, kStart)});
  std::string seg = w.Create("cardio openers",
                             "trait(specialty) = \"cardiology\" and "
                             "count(track \"Email Opened\" within 30d) >= 2");
  EXPECT_FALSE(w.In(seg, "u1"));
  w.Send({Track("u1", "Email Opened", "email", kStart)});
  EXPECT_FALSE(w.In(seg, "u1"));
  w.Send({Track("u1", "Email Opened", "email", kStart + Millis(1000))});
  EXPECT_FALSE(w.In(seg, "u1")) << "an event stamped in the future counts from its time on";
  w.clock.Advance(Millis(1000));
  w.engine->RunDue();
  EXPECT_TRUE(w.In(seg, "u1"));
  EXPECT_EQ(w.SegmentEvents("u1"), std::vector<std::string>{"segment_entered"});
}

TEST(SegmentEngine, AWithinWindowExpiresWhenTheClockPassesIt) {
  TempDir dir;
  World w(dir.path());
  w.Send({Track("u1", "Rep Visit", "rep_visit", kStart)});
  std::string seg = w.Create("visited", "exists(track \"Rep Visit\" within 30d)");
  EXPECT_TRUE(w.In(seg, "u1"));
  w.clock.Advance(std::chrono::days(30) - Millis(1));
  EXPECT_EQ(w.engine->RunDue(), 0u);
  EXPECT_TRUE(w.In(seg, "u1"));
  w.clock.Advance(Millis(1));
  EXPECT_EQ(w.engine->RunDue(), 1u);
  EXPECT_FALSE(w.In(seg, "u1"));
  EXPECT_EQ(w.SegmentEvents("u1"), (std::vector<std::string>{"segment_entered", "segment_exited"}));
}

TEST(SegmentEngine, ABetweenWindowEntersLateAndLeavesLater) {
  TempDir dir;
  World w(dir.path());
  w.Send({Track("u1", "Order Completed", "ecommerce", kStart)});
  std::string seg =
      w.Create("ordered a while ago", "exists(track \"Order Completed\" between 90d and 30d ago)");
  EXPECT_FALSE(w.In(seg, "u1"));
  w.clock.Advance(std::chrono::days(30));
  w.engine->RunDue();
  EXPECT_TRUE(w.In(seg, "u1"));
  w.clock.Advance(std::chrono::days(59));
  w.engine->RunDue();
  EXPECT_TRUE(w.In(seg, "u1"));
  w.clock.Advance(std::chrono::days(1));
  w.engine->RunDue();
  EXPECT_FALSE(w.In(seg, "u1"));
}

TEST(SegmentEngine, EveryOperatorAndAggregateAnswersAsComputedByHand) {
  TempDir dir;
  World w(dir.path());
  auto order = [&](int64_t cents, const std::string& product, Timestamp at) {
    Event e = Track("u1", "Order Completed", "ecommerce", at);
    e.value_minor = cents;
    e.product = product;
    e.properties_json =
        "{\"packs\":" + std::to_string(cents / 1000) + ",\"product\":\"" + product + "\"}";
    return e;
  };
  w.Send({Identify("u1",
                   {{"specialty", "\"cardiology\""},
                    {"age", "52"},
                    {"joined", "\"2020-05-01\""},
                    {"tags", "[\"kol\",\"speaker\"]"},
                    {"verified", "true"}},
                   kStart - std::chrono::days(400)),
          order(10000, "cardiozen", kStart - std::chrono::days(50)),
          order(30000, "glucobal", kStart - std::chrono::days(20)),
          order(20000, "cardiozen", kStart - std::chrono::days(10))});
  struct Case {
    const char* text;
    bool expected;
  };
  const Case cases[] = {
      {"trait(specialty) = \"cardiology\"", true},
      {"trait(specialty) != \"cardiology\"", false},
      {"trait(specialty) in (\"oncology\", \"cardiology\")", true},
      {"trait(specialty) contains \"cardio\"", true},
      {"trait(specialty) < \"d\"", true},
      {"trait(age) > 50 and trait(age) <= 52", true},
      {"trait(age) >= 53", false},
      {"trait(joined) < 2021-01-01", true},
      {"trait(joined) > 2021-01-01", false},
      {"trait(tags) contains \"speaker\"", true},
      {"trait(verified) = true", true},
      {"trait(missing) exists", false},
      {"not trait(missing) exists", true},
      {"trait(missing) = null", true},
      {"count(track \"Order Completed\") = 3", true},
      {"count(track \"Order Completed\" within 30d) = 2", true},
      {"count(track \"Order Completed\" between 60d and 15d ago) = 2", true},
      {"count(track \"Order Completed\" since 2025-12-01) = 2", true},
      {"count(track \"Order Completed\" until 2025-12-01) = 1", true},
      {"count(track \"Order Completed\" on ecommerce where product = \"cardiozen\") = 2", true},
      {"count(track where packs >= 20) = 2", true},
      {"count(on email) = 0", true},
      {"sum(value, track \"Order Completed\") = 600", true},
      {"min(value, track \"Order Completed\") = 100", true},
      {"max(value, track \"Order Completed\") = 300", true},
      {"avg(value, track \"Order Completed\") = 200", true},
      {"first(product, track \"Order Completed\") = \"cardiozen\"", true},
      {"last(product, track \"Order Completed\" where value > 250) = \"glucobal\"", true},
      {"most_frequent(product, track \"Order Completed\") = \"cardiozen\"", true},
      {"days_since(track \"Order Completed\") = 10", true},
      {"last(track \"Order Completed\") < 5d ago", true},
      {"last(track \"Order Completed\") < 15d ago", false},
      {"first(track \"Order Completed\") < 2025-11-15", true},
      {"not exists(track \"Rep Visit\")", true},
      {"consent(email)", false},
      {"computed(relationship_stage) = \"loyal\"", true},  // 3 orders in a year
      {"computed(journey_stage) = \"purchase\"", true},
      {"(trait(age) > 60 or trait(specialty) = \"cardiology\") and not consent(sms)", true},
  };
  for (const auto& c : cases) {
    SegmentSpec spec;
    spec.definition_text = c.text;
    auto preview = w.engine->Preview(spec, 10);
    ASSERT_TRUE(preview.ok()) << c.text << ": " << preview.status().message();
    EXPECT_EQ(preview->count, c.expected ? 1 : 0) << c.text;
  }
}

TEST(SegmentEngine, ConsentChangesMembershipAsSoonAsItIsSet) {
  TempDir dir;
  World w(dir.path());
  w.Send({Track("u1", "Email Opened", "email", kStart)});
  std::string seg = w.Create("emailable", "consent(email)");
  EXPECT_FALSE(w.In(seg, "u1"));
  ASSERT_TRUE(w.profiles->SetConsent(w.Id("u1"), "email", true, "api").ok());
  EXPECT_TRUE(w.In(seg, "u1"));
  ASSERT_TRUE(w.profiles->SetConsent(w.Id("u1"), "email", false, "api").ok());
  EXPECT_FALSE(w.In(seg, "u1"));
}

TEST(SegmentEngine, MembershipOfAnotherSegmentFollowsItInTheSameEvent) {
  TempDir dir;
  World w(dir.path());
  std::string openers = w.Create("openers", "exists(track \"Email Opened\")");
  std::string hot = w.Create("hot openers", "segment(\"openers\") and trait(potential) = \"high\"");
  auto info = w.engine->GetSegment(hot).value();
  EXPECT_EQ(info.definition_text, "segment(" + openers + ") and trait(potential) = \"high\"");
  w.Send({Identify("u1", {{"potential", "\"high\""}}, kStart),
          Track("u1", "Email Opened", "email", kStart)});
  EXPECT_TRUE(w.In(hot, "u1"));
}

TEST(SegmentEngine, RejectsCircularSegmentsAndKeepsTheOldDefinition) {
  TempDir dir;
  World w(dir.path());
  std::string a = w.Create("a", "exists(track \"X\")");
  std::string b = w.Create("b", "segment(" + a + ")");
  SegmentSpec edit;
  edit.definition_text = "segment(" + b + ")";
  auto r = w.engine->UpdateSegment(a, edit);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("refer to itself"), std::string::npos);
  edit.definition_text = "segment(" + a + ") or exists(track \"Y\")";
  EXPECT_FALSE(w.engine->UpdateSegment(a, edit).ok());
  EXPECT_EQ(w.engine->GetSegment(a)->definition_text, "exists(track \"X\")");
  EXPECT_EQ(w.engine->GetSegment(a)->version, 1);
  auto del = w.engine->DeleteSegment(a);
  EXPECT_EQ(del.code(), StatusCode::kFailedPrecondition);
}

TEST(SegmentEngine, EditingADefinitionMakesANewVersionAndReevaluates) {
  TempDir dir;
  World w(dir.path());
  w.Send({Track("u1", "Email Opened", "email", kStart),
          Track("u2", "Rep Visit", "rep_visit", kStart)});
  std::string seg = w.Create("s", "exists(track \"Email Opened\")");
  EXPECT_EQ(w.Members(seg), std::set<int64_t>{w.Id("u1")});
  SegmentSpec edit;
  edit.definition_text = "exists(track \"Rep Visit\")";
  auto info = w.engine->UpdateSegment(seg, edit).value();
  EXPECT_EQ(info.version, 2);
  EXPECT_EQ(w.Members(seg), std::set<int64_t>{w.Id("u2")});
  EXPECT_EQ(w.SegmentEvents("u1"), (std::vector<std::string>{"segment_entered", "segment_exited"}));
}

TEST(SegmentEngine, ManualListKeepsWhoWhenAndWhyAndChecksTheRep) {
  TempDir dir;
  World w(dir.path());
  w.Send({Identify("u1", {{"owner_rep", "\"rep-01\""}}, kStart),
          Identify("u2", {{"owner_rep", "\"rep-02\""}}, kStart)});
  SegmentSpec spec;
  spec.name = "my key doctors";
  spec.kind = "manual";
  spec.owner_rep = "rep-01";
  std::string list = w.engine->CreateSegment(spec)->id;
  ListEdit edit;
  edit.actor = "ana";
  edit.reason = "met at congress";
  edit.rep_id = "rep-01";
  edit.profile_ids = {w.Id("u1"), w.Id("u2")};
  auto denied = w.engine->EditList(list, edit);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(w.Members(list).empty());  // nothing half-stored
  EXPECT_TRUE(w.engine->ListChanges(list)->empty());

  edit.profile_ids = {w.Id("u1")};
  auto added = w.engine->EditList(list, edit).value();
  EXPECT_EQ(added.changed, 1);
  EXPECT_EQ(w.engine->EditList(list, edit)->unchanged, 1);
  ListEdit removal{{w.Id("u1")}, false, "luis", "retired", ""};
  EXPECT_EQ(w.engine->EditList(list, removal)->changed, 1);
  auto changes = w.engine->ListChanges(list).value();
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_TRUE(changes[0].added);
  EXPECT_EQ(changes[0].actor, "ana (rep rep-01)");
  EXPECT_EQ(changes[0].reason, "met at congress");
  EXPECT_EQ(changes[0].at, kStart);
  EXPECT_FALSE(changes[1].added);
  EXPECT_EQ(changes[1].actor, "luis");
  EXPECT_EQ(w.SegmentEvents("u1"), (std::vector<std::string>{"segment_entered", "segment_exited"}));
  ListEdit unknown{{999}, true, "ana", "", ""};
  EXPECT_EQ(w.engine->EditList(list, unknown).status().code(), StatusCode::kNotFound);
}

TEST(SegmentEngine, ComputedTraitsAreDefinedAndUsedInSegments) {
  TempDir dir;
  World w(dir.path());
  w.Send({Track("u1", "Order Completed", "ecommerce", kStart - std::chrono::days(5)),
          Track("u1", "Order Completed", "ecommerce", kStart - std::chrono::days(100))});
  ComputedTraitInfo t;
  t.name = "orders_90d";
  t.definition_text = "count(track \"Order Completed\" within 90d)";
  ASSERT_TRUE(w.engine->PutComputedTrait(t).ok());
  std::string seg = w.Create("repeat buyers", "computed(orders_90d) >= 1");
  EXPECT_TRUE(w.In(seg, "u1"));
  auto view = w.engine->ForProfile(w.Id("u1")).value();
  bool shown = false;
  for (const auto& [name, value] : view.computed) shown |= name == "orders_90d" && value == "1";
  EXPECT_TRUE(shown);
  EXPECT_EQ(w.engine->DeleteComputedTrait("orders_90d").code(), StatusCode::kFailedPrecondition);
  t.name = "relationship_stage";
  EXPECT_FALSE(w.engine->PutComputedTrait(t).ok());
}

TEST(SegmentEngine, RelationshipStageMovesFromNewToActiveToAtRiskToLapsed) {
  TempDir dir;
  World w(dir.path());
  w.Send({Track("u1", "Email Opened", "email", kStart)});
  auto stage = [&] {
    auto view = w.engine->ForProfile(w.Id("u1")).value();
    for (const auto& [name, value] : view.computed) {
      if (name == "relationship_stage") return value;
    }
    return std::string();
  };
  std::string seg = w.Create("at risk", "computed(relationship_stage) = \"at_risk\"");
  EXPECT_EQ(stage(), "\"new\"");
  w.clock.Advance(std::chrono::days(31));
  EXPECT_EQ(stage(), "\"active\"");
  w.clock.Advance(std::chrono::days(29));
  w.engine->RunDue();
  EXPECT_EQ(stage(), "\"at_risk\"");
  EXPECT_TRUE(w.In(seg, "u1"));
  w.clock.Advance(std::chrono::days(120));
  w.engine->RunDue();
  EXPECT_EQ(stage(), "\"lapsed\"");
  EXPECT_FALSE(w.In(seg, "u1"));
}

TEST(SegmentEngine, MembershipsSurviveARestartWithoutRepeatingEvents) {
  TempDir dir;
  std::string seg;
  {
    World w(dir.path());
    w.Send({Track("u1", "Rep Visit", "rep_visit", kStart)});
    seg = w.Create("visited", "exists(track \"Rep Visit\" within 30d)");
    EXPECT_EQ(w.SegmentEvents("u1").size(), 1u);
  }
  {
    World w(dir.path(), kStart + std::chrono::days(1));
    w.engine->StartScheduler(Millis(3'600'000));
    EXPECT_TRUE(w.In(seg, "u1"));
    EXPECT_EQ(w.SegmentEvents("u1").size(), 1u);
  }
  {
    // Down while the window closed: the exit is written on start.
    World w(dir.path(), kStart + std::chrono::days(40));
    w.engine->StartScheduler(Millis(3'600'000));
    EXPECT_FALSE(w.In(seg, "u1"));
    EXPECT_EQ(w.SegmentEvents("u1"),
              (std::vector<std::string>{"segment_entered", "segment_exited"}));
  }
}

TEST(SegmentEngine, MergedProfilesKeepTheirListMembershipOnTheSurvivor) {
  TempDir dir;
  World w(dir.path());
  Event anon = Track("", "Page Viewed", "web", kStart);
  anon.identifiers = {{"anonymous_id", "a-1"}};
  anon.type = EventType::kPage;
  w.Send({anon, Track("u1", "Email Opened", "email", kStart)});
  int64_t anon_id = w.profiles->FindBy("anonymous_id", "a-1")->record.id;
  SegmentSpec spec;
  spec.name = "list";
  spec.kind = "manual";
  std::string list = w.engine->CreateSegment(spec)->id;
  ASSERT_TRUE(w.engine->EditList(list, {{anon_id}, true, "ana", "", ""}).ok());
  std::string web = w.Create("web and email", "exists(page) and exists(track \"Email Opened\")");
  EXPECT_TRUE(w.Members(web).empty());
  Event link = Track("u1", "Signed In", "web", kStart + Millis(5));
  link.identifiers.push_back({"anonymous_id", "a-1"});
  w.Send({link});
  int64_t survivor = w.Id("u1");
  EXPECT_EQ(w.Members(web), std::set<int64_t>{survivor});
  EXPECT_EQ(w.Members(list), std::set<int64_t>{survivor});
}

// Random events, traits and consent fed one group at a time with the clock moving,
// against a fresh engine that evaluates everything in one batch from the same store.
TEST(SegmentEngine, IncrementalEvaluationEqualsBatchOnRandomData) {
  TempDir dir;
  const std::vector<std::string> definitions = {
      "count(track \"Email Opened\" within 30d) >= 2",
      "exists(track \"Rep Visit\" between 60d and 10d ago) and not consent(email)",
      "trait(specialty) in (\"cardiology\", \"oncology\") or sum(value, track \"Order "
      "Completed\" within 90d) > 100",
      "last(track on rep_visit) < 20d ago",
      "most_frequent(channel, track within 60d) = \"email\"",
      "computed(relationship_stage) in (\"at_risk\", \"lapsed\")",
      "segment(\"s0\") and not segment(\"s1\")",
      "days_since(track \"Order Completed\") > 15 and consent(sms)",
      "computed(engagement_score.email) > 0.3",
  };
  std::mt19937 rng(7);
  const char* names[] = {"Email Opened", "Email Sent", "Rep Visit", "Order Completed",
                         "Webinar Attended"};
  const char* channels[] = {"email", "email", "rep_visit", "ecommerce", "webinar"};
  const char* specialties[] = {"\"cardiology\"", "\"oncology\"", "\"pediatrics\""};
  std::vector<std::string> ids;
  {
    World live(dir.path());
    for (size_t i = 0; i < definitions.size(); ++i) {
      ids.push_back(live.Create("s" + std::to_string(i), definitions[i]));
    }
    for (int round = 0; round < 60; ++round) {
      std::vector<Event> group;
      for (int k = 0; k < 20; ++k) {
        std::string user = "u" + std::to_string(rng() % 80);
        Timestamp at = live.clock.Now() - std::chrono::hours(rng() % 2000);
        int which = static_cast<int>(rng() % 5);
        Event e = Track(user, names[which], channels[which], at);
        if (which == 3) e.value_minor = 1000 + rng() % 20000;
        if (rng() % 7 == 0) {
          e = Identify(user, {{"specialty", specialties[rng() % 3]}}, at);
          e.consents = {{rng() % 2 ? "email" : "sms", rng() % 2 == 0}};
        }
        group.push_back(std::move(e));
      }
      live.Send(std::move(group));
      live.clock.Advance(std::chrono::hours(rng() % 72));
      live.engine->RunDue();
    }
    live.clock.Advance(std::chrono::days(20));
    live.engine->RunDue();
    Timestamp now = live.clock.Now();
    live.profiles->SubmitAndWait({});  // segment events written so far are in the store
    std::vector<std::set<int64_t>> incremental;
    for (const auto& id : ids) incremental.push_back(live.Members(id));

    // The same store, evaluated from scratch at the same time.
    ManualClock clock(now);
    SegmentEngineOptions options;
    options.write_events = false;
    auto batch = SegmentEngine::Create(*live.store, clock, nullptr, options).value();
    size_t nonempty = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      auto page = batch->Members(ids[i], "", 1'000'000).value();
      std::set<int64_t> fresh(page.profile_ids.begin(), page.profile_ids.end());
      EXPECT_EQ(incremental[i], fresh) << definitions[i];
      nonempty += !fresh.empty() && fresh.size() < 80;
    }
    EXPECT_GE(nonempty, definitions.size() - 2) << "the random data should split most segments";
  }
}

// The demo population's own events, replayed in time order through the commit path in
// small groups with the clock following them, against a fresh batch evaluation.
TEST(SegmentEngine, IncrementalEqualsBatchOnReplayedDemoData) {
  TempDir demo_dir, live_dir;
  {
    auto store = OpenSqliteStore(demo_dir.path()).value();
    SystemClock clock;
    auto profiles = ProfileService::Create(*store, clock, {}).value();
    DemoOptions demo;
    demo.profiles = 120;
    demo.seed = std::random_device{}() % 1000;  // a different population each run
    SCOPED_TRACE("demo seed " + std::to_string(demo.seed));
    ASSERT_TRUE(LoadDemo(*profiles, demo).ok());
  }
  std::vector<Event> events;
  {
    SqliteOptions read;
    read.read_only = true;
    read.exclusive = false;
    auto store = OpenSqliteStore(demo_dir.path(), read).value();
    ASSERT_TRUE(store
                    ->ScanEventsByProfile(std::nullopt, std::nullopt,
                                          [&](const Event& e) {
                                            events.push_back(e);
                                            return true;
                                          })
                    .ok());
  }
  // Replay needs the identifiers back: user_id, or the anonymous id of early browsing.
  for (auto& e : events) {
    e.identifiers.clear();
    if (!e.user_id.empty()) e.identifiers.push_back({"user_id", e.user_id});
    if (!e.anonymous_id.empty()) e.identifiers.push_back({"anonymous_id", e.anonymous_id});
    e.profile_id = 0;
  }
  std::erase_if(events, [](const Event& e) { return e.identifiers.empty(); });
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.timestamp < b.timestamp; });
  const std::vector<std::string> definitions = {
      "trait(specialty) in (\"cardiology\", \"general_practice\") and "
      "count(track \"Email Opened\" within 90d) >= 1",
      "not exists(track \"Rep Visit\" within 45d) and trait(potential) in (\"high\", \"medium\")",
      "sum(value, track \"Order Completed\" within 90d) > 100 or consent(whatsapp)",
      "computed(relationship_stage) != \"lapsed\" and "
      "days_since(track \"Prescription Written\") <= 60",
      "computed(preferred_channel) exists and not consent(email)",
  };
  World live(live_dir.path(), events.front().timestamp);
  std::vector<std::string> ids;
  for (size_t i = 0; i < definitions.size(); ++i) {
    ids.push_back(live.Create("d" + std::to_string(i), definitions[i]));
  }
  for (size_t i = 0; i < events.size(); i += 50) {
    std::vector<Event> group(events.begin() + i, events.begin() + std::min(events.size(), i + 50));
    Timestamp last = group.back().timestamp;
    if (last > live.clock.Now()) live.clock.Set(last);
    live.engine->RunDue();
    live.Send(std::move(group));
  }
  live.profiles->SubmitAndWait({});
  std::vector<std::set<int64_t>> incremental;
  for (const auto& id : ids) incremental.push_back(live.Members(id));
  ManualClock clock(live.clock.Now());
  SegmentEngineOptions options;
  options.write_events = false;
  auto batch = SegmentEngine::Create(*live.store, clock, nullptr, options).value();
  size_t nonempty = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto page = batch->Members(ids[i], "", 1'000'000).value();
    std::set<int64_t> fresh(page.profile_ids.begin(), page.profile_ids.end());
    EXPECT_EQ(incremental[i], fresh) << definitions[i];
    nonempty += !fresh.empty();
  }
  EXPECT_GE(nonempty, 3u);
}

}  // namespace
}  // namespace unisono
