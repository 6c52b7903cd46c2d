// The ingest log on real files: what was appended comes back on reopen, exactly once
// past the indexed position; a torn tail and a recycled file's stale records are never
// replayed; damage before the tail stops the start with a clear message.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "storage/storage.h"
#include "support/test_support.h"

namespace unisono {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

Event FullEvent(int n) {
  Event e;
  e.type = n % 2 ? EventType::kIdentify : EventType::kTrack;
  e.message_id = "m" + std::to_string(n);
  e.user_id = "u" + std::to_string(n);
  e.anonymous_id = "a" + std::to_string(n);
  e.previous_id = "p";
  e.group_id = "g";
  e.name = "Order Completed";
  e.channel = "email";
  e.timestamp = *ParseTimestamp("2026-03-04T05:06:07.089Z") + Millis(n);
  e.original_timestamp = e.timestamp - Millis(5);
  if (n % 2) e.sent_at = e.timestamp + Millis(7);
  e.received_at = e.timestamp + Millis(9);
  e.campaign = "spring";
  e.communication = "c1";
  e.product = "cardiozen";
  e.touchpoint = "detailing";
  e.rep_id = "rep_1";
  e.stage = "aware";
  e.cost_minor = n % 3 ? std::optional<int64_t>(-125) : std::nullopt;
  e.value_minor = 99'999'999'999;
  e.currency = "EUR";
  e.properties_json = R"({"total":12.5,"note":"caf\u00e9 ñ"})";
  e.traits_json = R"({"email":"X@Y.com"})";
  e.context_json = "{}";
  e.traits = {{"email", "\"x@y.com\""}, {"plan", "null"}};
  e.identifiers = {{"user_id", e.user_id}, {"email", "x@y.com"}};
  e.consents = {{"email", true}, {"sms", false}};
  e.source = "http";
  e.profile_id = n;
  return e;
}

void ExpectSame(const Event& a, const Event& b) {
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.message_id, b.message_id);
  EXPECT_EQ(a.user_id, b.user_id);
  EXPECT_EQ(a.anonymous_id, b.anonymous_id);
  EXPECT_EQ(a.previous_id, b.previous_id);
  EXPECT_EQ(a.group_id, b.group_id);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.channel, b.channel);
  EXPECT_EQ(a.timestamp, b.timestamp);
  EXPECT_EQ(a.original_timestamp, b.original_timestamp);
  EXPECT_EQ(a.sent_at, b.sent_at);
  EXPECT_EQ(a.received_at, b.received_at);
  EXPECT_EQ(a.campaign, b.campaign);
  EXPECT_EQ(a.communication, b.communication);
  EXPECT_EQ(a.product, b.product);
  EXPECT_EQ(a.touchpoint, b.touchpoint);
  EXPECT_EQ(a.rep_id, b.rep_id);
  EXPECT_EQ(a.stage, b.stage);
  EXPECT_EQ(a.cost_minor, b.cost_minor);
  EXPECT_EQ(a.value_minor, b.value_minor);
  EXPECT_EQ(a.currency, b.currency);
  EXPECT_EQ(a.properties_json, b.properties_json);
  EXPECT_EQ(a.traits_json, b.traits_json);
  EXPECT_EQ(a.context_json, b.context_json);
  ASSERT_EQ(a.traits.size(), b.traits.size());
  for (size_t i = 0; i < a.traits.size(); ++i) {
    EXPECT_EQ(a.traits[i].key, b.traits[i].key);
    EXPECT_EQ(a.traits[i].json, b.traits[i].json);
  }
  ASSERT_EQ(a.identifiers.size(), b.identifiers.size());
  for (size_t i = 0; i < a.identifiers.size(); ++i) {
    EXPECT_EQ(a.identifiers[i].type, b.identifiers[i].type);
    EXPECT_EQ(a.identifiers[i].value, b.identifiers[i].value);
  }
  ASSERT_EQ(a.consents.size(), b.consents.size());
  for (size_t i = 0; i < a.consents.size(); ++i) {
    EXPECT_EQ(a.consents[i].channel, b.consents[i].channel);
    EXPECT_EQ(a.consents[i].granted, b.consents[i].granted);
  }
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.profile_id, b.profile_id);
}

struct Replayed {
  std::vector<IngestLog::Record> records;
  Result<std::unique_ptr<IngestLog>> Open(const std::string& dir, int64_t after) {
    records.clear();
    return IngestLog::Open(
        dir, after,
        [&](IngestLog::Record r) {
          records.push_back(std::move(r));
          return Status::Ok();
        },
        [] { return Status::Ok(); });
  }
};

// A log at DIR/log holding `n` one-event records (seqs 1..n); returns its path.
std::string WriteLog(const TempDir& dir, int n) {
  std::string path = dir.path() + "/log";
  Replayed r;
  auto log = r.Open(path, 0);
  EXPECT_TRUE(log.ok()) << log.status().message();
  for (int i = 1; i <= n; ++i) {
    std::vector<Event> events{FullEvent(i)};
    EXPECT_TRUE((*log)->Append({&events}).ok());
  }
  return path;
}

std::vector<fs::path> LogFiles(const std::string& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (!name.starts_with("spare-") && name.ends_with(".log")) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(IngestLog, EveryFieldSurvivesAndReplayIsInOrderPastTheIndexedSeq) {
  TempDir dir;
  std::string path = dir.path() + "/log";
  {
    Replayed r;
    auto log = r.Open(path, 0);
    ASSERT_TRUE(log.ok()) << log.status().message();
    std::vector<Event> a{FullEvent(1), FullEvent(2)}, b{FullEvent(3)}, c{};
    auto first = (*log)->Append({&a, &b, &c});
    ASSERT_TRUE(first.ok()) << first.status().message();
    EXPECT_EQ(*first, 1);
    EXPECT_EQ((*log)->last_seq(), 3);
    std::vector<Event> d{FullEvent(4)};
    EXPECT_EQ(*(*log)->Append({&d}), 4);
  }
  Replayed all;
  auto log = all.Open(path, 0);
  ASSERT_TRUE(log.ok()) << log.status().message();
  ASSERT_EQ(all.records.size(), 4u);
  EXPECT_EQ(all.records[0].seq, 1);
  ASSERT_EQ(all.records[0].events.size(), 2u);
  ExpectSame(all.records[0].events[0], FullEvent(1));
  ExpectSame(all.records[0].events[1], FullEvent(2));
  ExpectSame(all.records[1].events[0], FullEvent(3));
  EXPECT_TRUE(all.records[2].events.empty());
  EXPECT_EQ(all.records[3].seq, 4);
  EXPECT_EQ((*log)->open_report().records, 4);
  EXPECT_EQ((*log)->open_report().events, 4);
  // Replayed files are gone after a successful replay; seqs go on.
  std::vector<Event> e{FullEvent(5)};
  EXPECT_EQ(*(*log)->Append({&e}), 5);
  log->reset();
  Replayed past;
  ASSERT_TRUE(past.Open(path, 4).ok());
  ASSERT_EQ(past.records.size(), 1u);
  EXPECT_EQ(past.records[0].seq, 5);
}

TEST(IngestLog, OnlyRecordsBeyondTheIndexedSeqAreReplayed) {
  TempDir dir;
  std::string path = WriteLog(dir, 5);
  Replayed r;
  auto log = r.Open(path, 3);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0].seq, 4);
  EXPECT_EQ(r.records[1].seq, 5);
  EXPECT_EQ((*log)->last_seq(), 5);
}

// A second process replaying (and recycling) the files under a running writer could
// hide acknowledged records from the next start: one opener at a time.
TEST(IngestLog, OneProcessAtATime) {
  TempDir dir;
  std::string path = WriteLog(dir, 2);
  Replayed first, second;
  auto log = first.Open(path, 0);  // replays 1..2; the next start needs only what follows
  ASSERT_TRUE(log.ok()) << log.status().message();
  std::vector<Event> events{FullEvent(3)};
  ASSERT_TRUE((*log)->Append({&events}).ok());
  auto again = second.Open(path, 2);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(again.status().message().find("in use by another unisono process"), std::string::npos);
  EXPECT_TRUE(second.records.empty()) << "nothing replayed by the refused opener";
  EXPECT_EQ(LogFiles(path).size(), 1u) << "the writer's file is left where it is";
  log->reset();
  auto after = second.Open(path, 2);
  ASSERT_TRUE(after.ok()) << after.status().message();
  ASSERT_EQ(second.records.size(), 1u);
  EXPECT_EQ(second.records[0].seq, 3);
}

// What a writer pointed at another log place must not abandon: log files, not spares.
TEST(IngestLog, HoldsLogFilesSeesLogFilesNotSpares) {
  TempDir dir;
  EXPECT_FALSE(IngestLog::HoldsLogFiles(dir.path() + "/none"));
  std::string path = WriteLog(dir, 2);
  EXPECT_TRUE(IngestLog::HoldsLogFiles(path));
  Replayed r;
  auto log = r.Open(path, 2);  // nothing to replay: the files become spares
  ASSERT_TRUE(log.ok());
  EXPECT_FALSE(IngestLog::HoldsLogFiles(path));
}

TEST(IngestLog, ATornTailIsCutAndWhatCameBeforeItIsKept) {
  for (int cut : {1, 9, 17, 40}) {
    TempDir dir;
    std::string path = WriteLog(dir, 3);
    auto file = LogFiles(path).back();
    auto size = fs::file_size(file);
    fs::resize_file(file, size - cut);  // the last record loses its end
    Replayed r;
    auto log = r.Open(path, 0);
    ASSERT_TRUE(log.ok()) << log.status().message();
    ASSERT_EQ(r.records.size(), 2u) << "cut " << cut;
    EXPECT_GT((*log)->open_report().cut_bytes, 0u);
    // The torn record's seq is used again: it was never acknowledged.
    std::vector<Event> e{FullEvent(9)};
    EXPECT_EQ(*(*log)->Append({&e}), 3);
  }
}

TEST(IngestLog, AFlippedByteInTheLastRecordFailsItsChecksum) {
  TempDir dir;
  std::string path = WriteLog(dir, 2);
  auto file = LogFiles(path).back();
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(file) - 3));
    f.put('\x7f');
  }
  Replayed r;
  ASSERT_TRUE(r.Open(path, 0).ok());
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].seq, 1);
}

TEST(IngestLog, RecycledFilesNeverReplayTheirEarlierRecords) {
  TempDir dir;
  std::string path = dir.path() + "/log";
  Replayed r;
  auto log = r.Open(path, 0);
  ASSERT_TRUE(log.ok());
  // Fill more than one 8 MiB file with ~100 KB records, release, and keep going.
  std::vector<Event> big{FullEvent(1)};
  big[0].properties_json = std::string(100'000, 'x');
  int64_t last = 0;
  for (int i = 0; i < 400; ++i) {
    last = *(*log)->Append({&big});
    ASSERT_TRUE((*log)->Release(last).ok());
  }
  std::vector<Event> small{FullEvent(2)};
  last = *(*log)->Append({&small});
  log->reset();
  bool has_spare = false;
  for (const auto& e : fs::directory_iterator(path)) {
    has_spare |= e.path().filename().string().starts_with("spare-");
  }
  EXPECT_TRUE(has_spare) << "released files should be kept for reuse";
  // Indexed up to the second-to-last record: only the last one comes back, though
  // the reused files still hold older records past their new ends.
  Replayed again;
  auto reopened = again.Open(path, last - 1);
  ASSERT_TRUE(reopened.ok()) << reopened.status().message();
  ASSERT_EQ(again.records.size(), 1u);
  EXPECT_EQ(again.records[0].seq, last);
  ExpectSame(again.records[0].events[0], FullEvent(2));
}

TEST(IngestLog, DamageBeforeTheNewestFileStopsTheStartAndKeepsTheFiles) {
  TempDir dir;
  std::string path = dir.path() + "/log";
  {
    Replayed r;
    auto log = r.Open(path, 0);
    std::vector<Event> big{FullEvent(1)};
    big[0].properties_json = std::string(3'000'000, 'y');
    for (int i = 0; i < 4; ++i) ASSERT_TRUE((*log)->Append({&big}).ok());  // 2 files
  }
  auto files = LogFiles(path);
  ASSERT_EQ(files.size(), 2u);
  fs::resize_file(files[0], fs::file_size(files[0]) - 100);
  Replayed r;
  auto log = r.Open(path, 0);
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("damaged"), std::string::npos) << log.status().message();
  EXPECT_NE(log.status().message().find("move the directory"), std::string::npos);
  EXPECT_EQ(LogFiles(path).size(), 2u);
}

TEST(IngestLog, AFailedReplayKeepsEveryFile) {
  TempDir dir;
  std::string path = WriteLog(dir, 3);
  auto failing = IngestLog::Open(
      path, 0,
      [](IngestLog::Record r) { return r.seq == 2 ? Status::Internal("disk full") : Status::Ok(); },
      [] { return Status::Ok(); });
  ASSERT_FALSE(failing.ok());
  EXPECT_EQ(failing.status().message(), "disk full");
  auto not_durable = IngestLog::Open(
      path, 0, [](IngestLog::Record) { return Status::Ok(); },
      [] { return Status::Internal("store sync failed"); });
  ASSERT_FALSE(not_durable.ok());
  Replayed r;
  ASSERT_TRUE(r.Open(path, 0).ok());
  EXPECT_EQ(r.records.size(), 3u);
}

}  // namespace
}  // namespace unisono
