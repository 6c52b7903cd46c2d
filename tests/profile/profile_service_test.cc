#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "profile/profile.h"
#include "support/test_support.h"

namespace unisono {
namespace {

using testing::TempDir;

Timestamp T(const char* iso) { return *ParseTimestamp(iso); }

Event Track(const std::string& id, std::vector<Identifier> ids, const char* when,
            const std::string& channel = "email") {
  Event e;
  e.type = EventType::kTrack;
  e.message_id = id;
  e.name = "Email Opened";
  e.channel = channel;
  e.timestamp = e.original_timestamp = e.received_at = T(when);
  e.identifiers = std::move(ids);
  for (auto& i : e.identifiers) {
    if (i.type == "user_id") e.user_id = i.value;
    if (i.type == "anonymous_id") e.anonymous_id = i.value;
  }
  return e;
}

Event Identify(const std::string& id, std::vector<Identifier> ids, const char* when,
               std::vector<JsonField> traits, std::vector<ConsentChange> consents = {}) {
  Event e = Track(id, std::move(ids), when, "unknown");
  e.type = EventType::kIdentify;
  e.name.clear();
  e.traits = std::move(traits);
  e.consents = std::move(consents);
  return e;
}

// The real SQLite store, watched: counts deferred commits and completed WAL syncs, so
// a test can see whether an acknowledgement came before the data was synced.
class WatchedStore final : public Store {
 public:
  explicit WatchedStore(std::unique_ptr<Store> real) : real_(std::move(real)) {}
  std::atomic<int64_t> deferred_commits{0};  // transactions committed, maybe not synced
  std::atomic<int64_t> durable{0};           // how many of them a finished sync covers

  Result<std::unique_ptr<WriteTransaction>> BeginWrite() override {
    auto tx = real_->BeginWrite();
    if (!tx.ok()) return tx.status();
    return std::unique_ptr<WriteTransaction>(new Tx(std::move(tx).value(), *this));
  }
  Status Sync() override {
    int64_t covered = deferred_commits.load();
    Status s = real_->Sync();
    if (s.ok()) {
      int64_t seen = durable.load();
      while (seen < covered && !durable.compare_exchange_weak(seen, covered)) {
      }
    }
    return s;
  }
  Status ScanIdentifiers(const std::function<void(const IdentifierRecord&)>& fn) override {
    return real_->ScanIdentifiers(fn);
  }
  Result<int64_t> MaxProfileId() override { return real_->MaxProfileId(); }
  Result<std::optional<int64_t>> FindProfileId(const std::string& t,
                                               const std::string& v) override {
    return real_->FindProfileId(t, v);
  }
  Result<int64_t> ResolveProfileId(int64_t id) override { return real_->ResolveProfileId(id); }
  Result<ProfileRecord> LoadProfile(int64_t id, ProfileParts parts) override {
    return real_->LoadProfile(id, parts);
  }
  Result<TimelinePage> Timeline(const TimelineQuery& q) override { return real_->Timeline(q); }
  Status ScanEventsByProfile(std::optional<Timestamp> since, std::optional<Timestamp> until,
                             const std::function<bool(const Event&)>& fn) override {
    return real_->ScanEventsByProfile(since, until, fn);
  }
  Result<StoreStats> Stats() override { return real_->Stats(); }
  Result<bool> IsEmpty() override { return real_->IsEmpty(); }
  Result<std::optional<std::string>> GetSetting(const std::string& k) override {
    return real_->GetSetting(k);
  }
  Status PutSetting(const std::string& k, const std::string& v) override {
    return real_->PutSetting(k, v);
  }
  Status ScanTraits(
      const std::function<void(int64_t, const std::string&, const StoredTrait&)>& fn) override {
    return real_->ScanTraits(fn);
  }
  Status ScanConsents(const std::function<void(const ConsentRecord&)>& fn) override {
    return real_->ScanConsents(fn);
  }
  Status ScanCosts(const std::function<void(const CostRecord&)>& fn) override {
    return real_->ScanCosts(fn);
  }
  Status PutDefinition(const DefinitionRecord& r) override { return real_->PutDefinition(r); }
  Status DeleteDefinition(const std::string& k, const std::string& id) override {
    return real_->DeleteDefinition(k, id);
  }
  Result<std::vector<DefinitionRecord>> ListDefinitions(const std::string& k) override {
    return real_->ListDefinitions(k);
  }
  Status AppendListChanges(const std::vector<ListChange>& c) override {
    return real_->AppendListChanges(c);
  }
  Status ScanListChanges(const std::string& id,
                         const std::function<void(const ListChange&)>& fn) override {
    return real_->ScanListChanges(id, fn);
  }
  Status ScanEventsAfter(int64_t after, int64_t limit,
                         const std::function<void(int64_t, const Event&)>& fn) override {
    return real_->ScanEventsAfter(after, limit, fn);
  }
  Result<int64_t> MaxEventSeq() override { return real_->MaxEventSeq(); }
  Status ApplyJourneyWrite(const JourneyWrite& w) override { return real_->ApplyJourneyWrite(w); }
  Status ScanJourneyInstances(
      bool active, int64_t profile,
      const std::function<void(const JourneyInstanceRecord&)>& fn) override {
    return real_->ScanJourneyInstances(active, profile, fn);
  }
  Result<std::vector<JourneyHistoryRecord>> JourneyHistory(const HistoryQuery& q) override {
    return real_->JourneyHistory(q);
  }
  Status CountJourneyHistory(const std::string& id,
                             const std::function<void(int, const std::string&, const std::string&,
                                                      const std::string&, int64_t)>& fn) override {
    return real_->CountJourneyHistory(id, fn);
  }
  Status ScanOutbox(std::optional<Timestamp> since,
                    const std::function<void(const OutboxMessage&)>& fn) override {
    return real_->ScanOutbox(since, fn);
  }
  Status UpdateOutbox(const std::vector<OutboxMessage>& m) override {
    return real_->UpdateOutbox(m);
  }
  Result<std::optional<OutboxMessage>> GetOutboxMessage(int64_t id) override {
    return real_->GetOutboxMessage(id);
  }
  Result<std::optional<OutboxMessage>> FindOutboxByProviderId(const std::string& id) override {
    return real_->FindOutboxByProviderId(id);
  }
  Status ScanOutboxByState(const std::string& state,
                           const std::function<void(const OutboxMessage&)>& fn) override {
    return real_->ScanOutboxByState(state, fn);
  }
  Result<std::vector<TaskRecord>> ListTasks(const std::string& rep,
                                            const std::string& state) override {
    return real_->ListTasks(rep, state);
  }
  Result<std::optional<TaskRecord>> GetTask(int64_t id) override { return real_->GetTask(id); }
  Result<JourneyIds> MaxJourneyIds() override { return real_->MaxJourneyIds(); }

 private:
  class Tx final : public WriteTransaction {
   public:
    Tx(std::unique_ptr<WriteTransaction> real, WatchedStore& store)
        : real_(std::move(real)), store_(store) {}
    Result<WriteResult> Write(const WriteBatch& b) override { return real_->Write(b); }
    Result<bool> HasMessageId(const std::string& id) override { return real_->HasMessageId(id); }
    Status Commit() override { return real_->Commit(); }
    Status CommitDeferred() override {
      Status s = real_->CommitDeferred();
      store_.deferred_commits++;
      return s;
    }

   private:
    std::unique_ptr<WriteTransaction> real_;
    WatchedStore& store_;
  };
  std::unique_ptr<Store> real_;
};

TEST(ProfileServiceDurability, EveryAcknowledgementFollowsASyncOfItsCommit) {
  TempDir dir;
  WatchedStore store(std::move(OpenSqliteStore(dir.path())).value());
  ManualClock clock(*ParseTimestamp("2026-06-01T00:00:00Z"));
  auto service = std::move(ProfileService::Create(store, clock, {})).value();
  std::atomic<int> early{0}, acked{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::promise<void> done;
        Event e;
        e.message_id = "d" + std::to_string(t) + "-" + std::to_string(i);
        e.name = "x";
        e.channel = "web";
        e.identifiers = {{"user_id", "u" + std::to_string(t)}};
        // This event's commit comes after every commit counted now, so a sync
        // covering it must cover at least one more.
        int64_t before = store.deferred_commits.load();
        service->Submit({e}, [&, before](const Result<IngestResult>& r) {
          if (!r.ok() || store.durable.load() < before + 1) early++;
          acked++;
          done.set_value();
        });
        done.get_future().wait();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(acked.load(), 200);
  EXPECT_EQ(early.load(), 0);
  EXPECT_GE(store.deferred_commits.load(), 1);
}

class ProfileServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(); }
  void Start() {
    service_.reset();
    store_.reset();
    store_ = std::move(OpenSqliteStore(dir_.path())).value();
    service_ = std::move(ProfileService::Create(*store_, clock_, {})).value();
  }
  TempDir dir_;
  ManualClock clock_{T("2026-06-01T00:00:00Z")};
  std::unique_ptr<Store> store_;
  std::unique_ptr<ProfileService> service_;
};

TEST_F(ProfileServiceTest, UnifiesWebEmailAndVisitIntoOneProfile) {
  ASSERT_TRUE(service_
                  ->SubmitAndWait(
                      {Track("w1", {{"anonymous_id", "anon-1"}}, "2026-05-01T10:00:00Z", "web")})
                  .ok());
  ASSERT_TRUE(
      service_
          ->SubmitAndWait({Identify(
              "i1", {{"user_id", "u1"}, {"anonymous_id", "anon-1"}, {"email", " Ana@Example.com"}},
              "2026-05-02T10:00:00Z",
              {{"specialty", "\"cardiology\""}, {"owner_rep", "\"rep-07\""}}, {{"email", true}})})
          .ok());
  ASSERT_TRUE(service_
                  ->SubmitAndWait({Track("v1", {{"email", "ana@example.com"}},
                                         "2026-05-03T10:00:00Z", "rep_visit")})
                  .ok());
  auto p = service_->FindBy("email", "ANA@example.com ");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->record.event_count, 3);
  EXPECT_EQ(p->record.channel_counts["web"], 1);
  EXPECT_EQ(p->record.channel_counts["rep_visit"], 1);
  EXPECT_EQ(p->owner_rep, "rep-07");
  EXPECT_EQ(p->record.traits["specialty"].value_json, "\"cardiology\"");
  ASSERT_TRUE(p->consent.count("email"));
  EXPECT_TRUE(p->consent["email"].granted);
  EXPECT_EQ(FormatTimestamp(*p->record.first_seen), "2026-05-01T10:00:00.000Z");
  auto by_anon = service_->FindBy("anonymous_id", "anon-1");
  ASSERT_TRUE(by_anon.ok());
  EXPECT_EQ(by_anon->record.id, p->record.id);
}

TEST_F(ProfileServiceTest, MergedProfileIsFoundUnderTheSurvivorAfterRestart) {
  ASSERT_TRUE(service_->SubmitAndWait({Track("a", {{"email", "ana@x.com"}}, "2026-05-01")}).ok());
  ASSERT_TRUE(service_->SubmitAndWait({Track("b", {{"user_id", "u1"}}, "2026-05-02")}).ok());
  auto email_profile = service_->FindBy("email", "ana@x.com")->record.id;
  auto user_profile = service_->FindBy("user_id", "u1")->record.id;
  ASSERT_NE(email_profile, user_profile);
  ASSERT_TRUE(
      service_
          ->SubmitAndWait({Track("c", {{"user_id", "u1"}, {"email", "ana@x.com"}}, "2026-05-03")})
          .ok());
  Start();  // the identity graph is rebuilt from the store
  auto merged = service_->Get(user_profile);
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->record.id, email_profile);
  EXPECT_EQ(merged->record.event_count, 3);
  EXPECT_EQ(merged->record.merged_from, std::vector<int64_t>{user_profile});
  // New events for either identifier land on the survivor.
  ASSERT_TRUE(service_->SubmitAndWait({Track("d", {{"user_id", "u1"}}, "2026-05-04")}).ok());
  EXPECT_EQ(service_->Get(email_profile)->record.event_count, 4);
}

TEST_F(ProfileServiceTest, ReportsDuplicatesAndStoresThemOnce) {
  auto first = service_->SubmitAndWait({Track("m1", {{"user_id", "u"}}, "2026-05-01")});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->accepted, 1u);
  auto again = service_->SubmitAndWait({Track("m1", {{"user_id", "u"}}, "2026-05-01"),
                                        Track("m2", {{"user_id", "u"}}, "2026-05-01")});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->accepted, 1u);
  EXPECT_EQ(again->duplicates, 1u);
  EXPECT_EQ(store_->Stats()->events, 2);
}

TEST_F(ProfileServiceTest, ConcurrentSubmissionsShareGroupCommitsAndAllLand) {
  constexpr int kThreads = 8, kPerThread = 200;
  std::atomic<int> acked{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto r = service_->SubmitAndWait(
            {Track(id, {{"user_id", "user-" + std::to_string(i % 50)}}, "2026-05-01")});
        if (r.ok() && r->accepted == 1) acked++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(acked.load(), kThreads * kPerThread);
  EXPECT_EQ(store_->Stats()->events, kThreads * kPerThread);
  EXPECT_EQ(store_->Stats()->profiles, 50);
}

TEST_F(ProfileServiceTest, ImportIsAllOrNothingAndLeavesIdentityConsistent) {
  int chunk = 0;
  auto failed = service_->ImportAll(
      [&](std::vector<Event>& events, std::vector<CostRecord>&) -> Result<bool> {
        if (chunk++ == 0) {
          events.push_back(Track("imp-1", {{"crm_id", "CRM-1"}}, "2026-05-01", "rep_visit"));
          return true;
        }
        return Status::InvalidArgument("line 7: bad row");
      });
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("line 7"), std::string::npos);
  EXPECT_EQ(store_->Stats()->events, 0);
  EXPECT_EQ(store_->Stats()->profiles, 0);
  // The identity graph forgot the rolled-back profile: the id is free and consistent.
  ASSERT_TRUE(service_->SubmitAndWait({Track("x", {{"crm_id", "CRM-1"}}, "2026-05-02")}).ok());
  auto p = service_->FindBy("crm_id", "CRM-1");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->record.event_count, 1);
}

TEST_F(ProfileServiceTest, EventWithOnlyAnInvalidIdentifierIsRejected) {
  auto r = service_->SubmitAndWait({Track("bad", {{"email", "not-an-email"}}, "2026-05-01")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("not an email"), std::string::npos);
  EXPECT_EQ(store_->Stats()->events, 0);
}

TEST_F(ProfileServiceTest, ConsentHistoryKeepsEveryChangeAndTheLatestWins) {
  ASSERT_TRUE(
      service_
          ->SubmitAndWait({Identify("i", {{"user_id", "u"}}, "2026-05-01", {}, {{"sms", true}})})
          .ok());
  int64_t id = service_->FindBy("user_id", "u")->record.id;
  ASSERT_TRUE(service_->SetConsent(id, "sms", false, "call_center").ok());
  auto p = service_->Get(id);
  ASSERT_EQ(p->record.consent_history.size(), 2u);
  EXPECT_FALSE(p->consent["sms"].granted);
  EXPECT_EQ(p->consent["sms"].source, "call_center");
  EXPECT_EQ(p->consent["sms"].at, clock_.Now());
}

TEST_F(ProfileServiceTest, UnknownProfilesAndIdentifiersAreNotFound) {
  EXPECT_EQ(service_->Get(12345).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(service_->FindBy("email", "nobody@x.com").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(service_->FindBy("email", "garbage").status().code(), StatusCode::kInvalidArgument);
}

// Append: acknowledged once in the ingest log, indexed right after, replayed exactly
// once after a crash between the two.
class ProfileServiceLogTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(); }
  void Start(std::chrono::milliseconds gather = ProfileServiceOptions{}.index_gather) {
    service_.reset();
    store_.reset();
    store_ = std::move(OpenSqliteStore(dir_.path())).value();
    ProfileServiceOptions o;
    o.ingest_log_dir = log_dir_;
    o.index_gather = gather;
    o.on_indexed = [this](size_t accepted, size_t duplicates) {
      indexed_ += accepted;
      duplicates_ += duplicates;
    };
    auto service = ProfileService::Create(*store_, clock_, o);
    ASSERT_TRUE(service.ok()) << service.status().message();
    service_ = std::move(service).value();
  }
  Result<IngestResult> AppendAndWait(std::vector<Event> events) {
    std::promise<Result<IngestResult>> acked;
    service_->Append(std::move(events), [&](const Result<IngestResult>& r) { acked.set_value(r); });
    return acked.get_future().get();
  }
  Profile Get(const std::string& user) {
    auto p = service_->FindBy("user_id", user);
    EXPECT_TRUE(p.ok()) << p.status().message();
    return p.ok() ? *p : Profile{};
  }

  TempDir dir_;
  std::string log_dir_ = dir_.path() + "/ingest-log";
  ManualClock clock_{T("2026-06-01T00:00:00Z")};
  std::unique_ptr<Store> store_;
  std::unique_ptr<ProfileService> service_;
  std::atomic<size_t> indexed_{0}, duplicates_{0};
};

TEST_F(ProfileServiceLogTest, AcknowledgedEventsAreVisibleAfterWaitVisible) {
  for (int i = 0; i < 20; ++i) {
    auto r = AppendAndWait(
        {Track("t" + std::to_string(i), {{"user_id", "u1"}}, "2026-05-01T10:00:00Z")});
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->accepted, 1u);
  }
  auto r = AppendAndWait({Identify("i1", {{"user_id", "u1"}}, "2026-05-02T10:00:00Z",
                                   {{"specialty", "\"cardiology\""}}, {{"email", true}}),
                          Track("t0", {{"user_id", "u1"}}, "2026-05-01T10:00:00Z")});
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(service_->WaitVisible());
  Profile p = Get("u1");
  EXPECT_EQ(p.record.event_count, 21);  // the repeated t0 is a duplicate
  EXPECT_TRUE(p.consent["email"].granted);
  EXPECT_EQ(p.record.traits.at("specialty").value_json, "\"cardiology\"");
  // Indexing reports what it found; the position is recorded with the data.
  service_.reset();  // drains
  EXPECT_EQ(indexed_.load(), 21u);
  EXPECT_EQ(duplicates_.load(), 1u);
  EXPECT_EQ(store_->GetSetting("ingest_log_seq")->value_or(""), "21");
}

// Indexing gathers logged events for a while; a reader waiting for them cuts that
// short, so reads do not pay for the gather.
TEST_F(ProfileServiceLogTest, AWaitingReaderEndsTheGather) {
  Start(std::chrono::minutes(10));
  for (int i = 0; i < 3; ++i) {
    // The first event after a pause is committed at once; later ones gather.
    auto r = AppendAndWait(
        {Track("g" + std::to_string(i), {{"user_id", "g1"}}, "2026-05-01T10:00:00Z")});
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_TRUE(service_->WaitVisible(std::chrono::seconds(5))) << "read " << i;
    EXPECT_EQ(Get("g1").record.event_count, i + 1);
  }
}

TEST_F(ProfileServiceLogTest, ConcurrentAppendsAreAllAcknowledgedAndIndexedOnce) {
  std::atomic<int> acked{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::future<void>> waits;
      for (int i = 0; i < 200; ++i) {
        auto done = std::make_shared<std::promise<void>>();
        waits.push_back(done->get_future());
        std::string user = "u" + std::to_string(i % 7);
        service_->Append({Track("c" + std::to_string(t) + "-" + std::to_string(i),
                                {{"user_id", user}}, "2026-05-01T10:00:00Z")},
                         [&, done](const Result<IngestResult>& r) {
                           (r.ok() ? acked : failed)++;
                           done->set_value();
                         });
      }
      for (auto& w : waits) w.wait();
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(acked.load(), 800);
  EXPECT_EQ(failed.load(), 0);
  ASSERT_TRUE(service_->WaitVisible());
  EXPECT_EQ(store_->Stats()->events, 800);
  service_.reset();
  // One record per submission, every one indexed: the position is the last seq.
  EXPECT_EQ(store_->GetSetting("ingest_log_seq")->value_or(""), "800");
  EXPECT_EQ(indexed_.load(), 800u);
}

TEST_F(ProfileServiceLogTest, InvalidEventsAreRefusedAtOnceAndNeverLogged) {
  auto r = AppendAndWait({Track("ok", {{"user_id", "u1"}}, "2026-05-01T10:00:00Z"),
                          Track("bad", {}, "2026-05-01T10:00:00Z")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().index(), 1);
  Start();
  EXPECT_EQ(service_->FindBy("user_id", "u1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Stats()->events, 0);
}

TEST_F(ProfileServiceLogTest, LoggedButUnindexedEventsAreIndexedOnceAtTheNextStart) {
  ASSERT_TRUE(AppendAndWait({Identify("i1", {{"user_id", "u1"}}, "2026-05-01T10:00:00Z", {},
                                      {{"sms", true}})})
                  .ok());
  service_.reset();
  store_.reset();
  // A server acknowledged these and died before indexing them: they are only in the
  // log, past the position the store recorded (1).
  {
    auto log = IngestLog::Open(
        log_dir_, 1, [](IngestLog::Record) { return Status::Ok(); }, [] { return Status::Ok(); });
    ASSERT_TRUE(log.ok()) << log.status().message();
    std::vector<Event> a{Track("t1", {{"user_id", "u1"}}, "2026-05-02T10:00:00Z")};
    // Logged events are already normalised (Append prepares them before logging).
    std::vector<Event> b{Identify("i2", {{"user_id", "u1"}, {"email", "ana@example.com"}},
                                  "2026-05-03T10:00:00Z", {}, {{"email", true}}),
                         Track("t2", {{"user_id", "u2"}}, "2026-05-03T11:00:00Z")};
    auto first = (*log)->Append({&a, &b});
    ASSERT_TRUE(first.ok()) << first.status().message();
    EXPECT_EQ(*first, 2);
  }
  Start();
  Profile p = Get("u1");
  EXPECT_EQ(p.record.event_count, 3);
  EXPECT_EQ(p.record.consent_history.size(), 2u);
  auto by_email = service_->FindBy("email", "Ana@Example.com");
  ASSERT_TRUE(by_email.ok()) << by_email.status().message();
  EXPECT_EQ(by_email->record.id, p.record.id);
  EXPECT_EQ(Get("u2").record.event_count, 1);
  EXPECT_EQ(store_->GetSetting("ingest_log_seq")->value_or(""), "3");
  // A second start replays nothing: no event, trait or consent row twice.
  Start();
  p = Get("u1");
  EXPECT_EQ(p.record.event_count, 3);
  EXPECT_EQ(p.record.consent_history.size(), 2u);
  EXPECT_EQ(store_->Stats()->events, 4);
  // And new appends continue the sequence.
  ASSERT_TRUE(AppendAndWait({Track("t3", {{"user_id", "u2"}}, "2026-05-04T10:00:00Z")}).ok());
  service_.reset();
  EXPECT_EQ(store_->GetSetting("ingest_log_seq")->value_or(""), "4");
}

}  // namespace
}  // namespace unisono
