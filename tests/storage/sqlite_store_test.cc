#include <gtest/gtest.h>
#include <sqlite3.h>

#include "storage/storage.h"
#include "support/test_support.h"

namespace unisono {
namespace {

using testing::TempDir;

Timestamp T(const char* iso) { return *ParseTimestamp(iso); }

Event MakeEvent(const std::string& message_id, int64_t profile, Timestamp when,
                const std::string& channel = "email") {
  Event e;
  e.message_id = message_id;
  e.profile_id = profile;
  e.name = "Email Opened";
  e.channel = channel;
  e.timestamp = e.original_timestamp = e.received_at = when;
  e.source = "test";
  return e;
}

std::unique_ptr<Store> Open(const std::string& dir) {
  auto store = OpenSqliteStore(dir);
  EXPECT_TRUE(store.ok()) << store.status().message();
  return std::move(store).value();
}

TEST(SqliteStore, DuplicateMessageIdsAreStoredOnce) {
  TempDir dir;
  auto store = Open(dir.path());
  WriteBatch b;
  b.profiles.push_back({1, T("2026-01-01")});
  b.events.push_back(MakeEvent("m1", 1, T("2026-01-01T10:00:00Z")));
  b.events.push_back(MakeEvent("m1", 1, T("2026-01-01T10:00:00Z")));
  auto r = store->Apply(b);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->events_written, 1u);
  EXPECT_EQ(r->duplicates, 1u);
  WriteBatch again;
  again.events.push_back(MakeEvent("m1", 1, T("2026-01-01T10:00:00Z")));
  EXPECT_EQ(store->Apply(again)->duplicates, 1u);
  EXPECT_EQ(store->Stats()->events, 1);
}

TEST(SqliteStore, SurvivesReopenAndRefusesASecondWriter) {
  TempDir dir;
  {
    auto store = Open(dir.path());
    WriteBatch b;
    b.profiles.push_back({1, T("2026-01-01")});
    b.identifiers.push_back({"email", "ana@example.com", 1, T("2026-01-01")});
    b.events.push_back(MakeEvent("m1", 1, T("2026-01-01T10:00:00Z")));
    ASSERT_TRUE(store->Apply(b).ok());
    auto second = OpenSqliteStore(dir.path());
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  }
  auto store = Open(dir.path());
  EXPECT_EQ(**store->FindProfileId("email", "ana@example.com"), 1);
  EXPECT_EQ(store->Stats()->events, 1);
}

TEST(SqliteStore, LatestTraitByEventTimeWinsWhateverTheArrivalOrder) {
  TempDir dir;
  auto store = Open(dir.path());
  WriteBatch b;
  b.profiles.push_back({1, T("2026-01-01")});
  b.traits.push_back({1, "specialty", "\"cardiology\"", T("2026-03-01")});
  ASSERT_TRUE(store->Apply(b).ok());
  WriteBatch late;  // arrives later, happened earlier
  late.traits.push_back({1, "specialty", "\"oncology\"", T("2026-02-01")});
  ASSERT_TRUE(store->Apply(late).ok());
  EXPECT_EQ(store->LoadProfile(1)->traits["specialty"].value_json, "\"cardiology\"");
  WriteBatch newer;
  newer.traits.push_back({1, "specialty", "\"endocrinology\"", T("2026-04-01")});
  ASSERT_TRUE(store->Apply(newer).ok());
  EXPECT_EQ(store->LoadProfile(1)->traits["specialty"].value_json, "\"endocrinology\"");
}

TEST(SqliteStore, MergeMovesEventsIdentifiersTraitsAndConsentToTheSurvivor) {
  TempDir dir;
  auto store = Open(dir.path());
  WriteBatch b;
  b.profiles = {{1, T("2026-01-01")}, {2, T("2026-01-02")}};
  b.identifiers = {{"anonymous_id", "a1", 1, T("2026-01-01")},
                   {"user_id", "u1", 2, T("2026-01-02")}};
  b.events = {MakeEvent("m1", 1, T("2026-01-01T10:00:00Z"), "web"),
              MakeEvent("m2", 2, T("2026-01-02T10:00:00Z"), "email")};
  b.traits = {{1, "name", "\"Ana\"", T("2026-01-01")},
              {2, "name", "\"Ana M.\"", T("2026-01-02")},
              {2, "city", "\"Madrid\"", T("2026-01-02")}};
  b.consents = {{2, "email", true, "identify", T("2026-01-02")}};
  ASSERT_TRUE(store->Apply(b).ok());
  WriteBatch m;
  m.merges.push_back({2, 1, T("2026-01-03"), "test"});
  ASSERT_TRUE(store->Apply(m).ok());

  auto p = store->LoadProfile(1);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->event_count, 2);
  EXPECT_EQ(p->channel_counts["web"], 1);
  EXPECT_EQ(p->channel_counts["email"], 1);
  EXPECT_EQ(p->identifiers.size(), 2u);
  EXPECT_EQ(p->traits["name"].value_json, "\"Ana M.\"");
  EXPECT_EQ(p->traits["city"].value_json, "\"Madrid\"");
  ASSERT_EQ(p->consent_history.size(), 1u);
  EXPECT_EQ(p->merged_from, std::vector<int64_t>{2});
  EXPECT_EQ(*store->ResolveProfileId(2), 1);
  EXPECT_EQ(store->LoadProfile(2).status().code(), StatusCode::kNotFound);

  // What a sender reads: the same traits and consent, without the activity.
  auto lean = store->LoadProfile(1, ProfileParts::kTraitsAndConsent);
  ASSERT_TRUE(lean.ok());
  EXPECT_EQ(lean->traits["name"].value_json, "\"Ana M.\"");
  EXPECT_EQ(lean->traits["city"].value_json, "\"Madrid\"");
  ASSERT_EQ(lean->consent_history.size(), 1u);
  EXPECT_TRUE(lean->consent_history[0].granted);
  EXPECT_EQ(lean->event_count, 0);
  EXPECT_TRUE(lean->identifiers.empty());
  EXPECT_EQ(store->LoadProfile(2, ProfileParts::kTraitsAndConsent).status().code(),
            StatusCode::kNotFound);
}

TEST(SqliteStore, TimelinePagesNewestFirstWithFilters) {
  TempDir dir;
  auto store = Open(dir.path());
  WriteBatch b;
  b.profiles.push_back({1, T("2026-01-01")});
  for (int i = 0; i < 25; ++i) {
    b.events.push_back(MakeEvent("m" + std::to_string(i), 1, T("2026-01-10") + std::chrono::days(i),
                                 i % 2 ? "web" : "email"));
  }
  // Two events at the same instant must both appear exactly once across pages.
  b.events.push_back(MakeEvent("same-a", 1, T("2026-01-20T00:00:00Z")));
  ASSERT_TRUE(store->Apply(b).ok());
  TimelineQuery q;
  q.profile_id = 1;
  q.limit = 10;
  std::vector<std::string> seen;
  for (int page = 0; page < 10; ++page) {
    auto r = store->Timeline(q);
    ASSERT_TRUE(r.ok());
    for (auto& e : r->items) seen.push_back(e.message_id);
    if (r->next_cursor.empty()) break;
    q.cursor = r->next_cursor;
  }
  ASSERT_EQ(seen.size(), 26u);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());

  TimelineQuery web;
  web.profile_id = 1;
  web.channel = "web";
  web.since = T("2026-01-20");
  auto w = store->Timeline(web);
  ASSERT_TRUE(w.ok());
  for (auto& e : w->items) {
    EXPECT_EQ(e.channel, "web");
    EXPECT_GE(e.timestamp, T("2026-01-20"));
  }
  EXPECT_EQ(w->items.size(), 7u);  // odd offsets 11, 13, ..., 23: Jan 21 .. Feb 2
  TimelineQuery bad;
  bad.profile_id = 1;
  bad.cursor = "garbage";
  EXPECT_EQ(store->Timeline(bad).status().code(), StatusCode::kInvalidArgument);
}

TEST(SqliteStore, FailedWriteLeavesNothingBehind) {
  TempDir dir;
  auto store = Open(dir.path());
  WriteBatch b;
  b.profiles = {{1, T("2026-01-01")}, {1, T("2026-01-01")}};  // duplicate primary key
  b.events.push_back(MakeEvent("m1", 1, T("2026-01-01T10:00:00Z")));
  EXPECT_FALSE(store->Apply(b).ok());
  EXPECT_EQ(store->Stats()->events, 0);
  EXPECT_EQ(*store->MaxProfileId(), 0);
}

TEST(SqliteStore, RefusesAStoreFromANewerVersion) {
  TempDir dir;
  { auto store = Open(dir.path()); }
  sqlite3* db;
  ASSERT_EQ(sqlite3_open((dir.path() + "/unisono.db").c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto store = OpenSqliteStore(dir.path());
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("newer"), std::string::npos);
}

TEST(SqliteStore, SettingsPersist) {
  TempDir dir;
  {
    auto store = Open(dir.path());
    EXPECT_FALSE(store->GetSetting("write_key")->has_value());
    ASSERT_TRUE(store->PutSetting("write_key", "k1").ok());
  }
  EXPECT_EQ(**Open(dir.path())->GetSetting("write_key"), "k1");
}

}  // namespace
}  // namespace unisono
