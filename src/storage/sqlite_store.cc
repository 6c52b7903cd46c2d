// The embedded backend: one SQLite file in WAL mode. One writer connection (serialised
// by write_mutex_), a pool of reader connections that WAL lets run beside it.
// Durability: the writer runs with synchronous=NORMAL, so COMMIT appends to the WAL
// without waiting for the disk, and Sync() fdatasyncs the WAL file itself. Commit()
// does both; CommitDeferred() lets the ingest pipeline sync one group while it
// writes the next. SQLite syncs the WAL before every checkpoint, so frames never
// leave the WAL undurably. The writer checkpoints every 16 MB of WAL itself: a
// checkpoint it runs always completes, so the WAL restarts from its beginning and is
// overwritten rather than grown, which keeps fdatasync free of metadata journaling.
// (A background checkpointer racing the writer never completed: the WAL grew to
// hundreds of MB and WAL syncs queued behind the database fsync for up to a second.)
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "storage/internal/definitions.h"
#include "storage/internal/journeys.h"
#include "storage/internal/migrations.h"
#include "storage/internal/sqlite_db.h"
#include "storage/storage.h"

namespace unisono {
namespace {

using sqlite::Db;
using sqlite::Stmt;

constexpr const char* kEventColumns =
    "seq, message_id, profile_id, type, name, channel, timestamp, original_timestamp, sent_at, "
    "received_at, user_id, anonymous_id, previous_id, group_id, campaign, communication, "
    "product, touchpoint, rep_id, stage, cost_minor, value_minor, currency, properties, traits, "
    "context, source";

std::optional<int64_t> OptInt(const Stmt& s, int col) {
  if (s.IsNull(col)) return std::nullopt;
  return s.Int(col);
}

Event ReadEvent(const Stmt& s) {
  Event e;
  e.message_id = s.Text(1);
  e.profile_id = s.Int(2);
  e.type = ParseEventType(s.Text(3)).value_or(EventType::kTrack);
  e.name = s.Text(4);
  e.channel = s.Text(5);
  e.timestamp = FromMillis(s.Int(6));
  e.original_timestamp = FromMillis(s.Int(7));
  if (auto v = OptInt(s, 8)) e.sent_at = FromMillis(*v);
  e.received_at = FromMillis(s.Int(9));
  e.user_id = s.Text(10);
  e.anonymous_id = s.Text(11);
  e.previous_id = s.Text(12);
  e.group_id = s.Text(13);
  e.campaign = s.Text(14);
  e.communication = s.Text(15);
  e.product = s.Text(16);
  e.touchpoint = s.Text(17);
  e.rep_id = s.Text(18);
  e.stage = s.Text(19);
  e.cost_minor = OptInt(s, 20);
  e.value_minor = OptInt(s, 21);
  e.currency = s.Text(22);
  e.properties_json = s.Text(23);
  e.traits_json = s.Text(24);
  e.context_json = s.Text(25);
  e.source = s.Text(26);
  return e;
}

// Prepared statements of the writer connection, made once.
struct WriterStatements {
  explicit WriterStatements(sqlite3* db)
      : insert_profile(db, "INSERT INTO profiles(id, created_at) VALUES(?1, ?2)"),
        insert_merge(db,
                     "INSERT INTO merges(from_profile, into_profile, at, reason) "
                     "VALUES(?1, ?2, ?3, ?4)"),
        mark_merged(db, "UPDATE profiles SET merged_into = ?2 WHERE id = ?1 OR merged_into = ?1"),
        move_identifiers(db, "UPDATE identifiers SET profile_id = ?2 WHERE profile_id = ?1"),
        move_events(db, "UPDATE events SET profile_id = ?2 WHERE profile_id = ?1"),
        move_consents(db, "UPDATE consents SET profile_id = ?2 WHERE profile_id = ?1"),
        merge_traits(db,
                     "INSERT INTO traits(profile_id, key, value, updated_at) "
                     "SELECT ?2, key, value, updated_at FROM traits WHERE profile_id = ?1 "
                     "ON CONFLICT(profile_id, key) DO UPDATE SET value = excluded.value, "
                     "updated_at = excluded.updated_at "
                     "WHERE excluded.updated_at > traits.updated_at"),
        delete_traits(db, "DELETE FROM traits WHERE profile_id = ?1"),
        upsert_identifier(db,
                          "INSERT INTO identifiers(type, value, profile_id, first_seen) "
                          "VALUES(?1, ?2, ?3, ?4) ON CONFLICT(type, value) DO UPDATE SET "
                          "profile_id = excluded.profile_id"),
        insert_event(db,
                     "INSERT OR IGNORE INTO events(message_id, profile_id, type, name, channel, "
                     "timestamp, original_timestamp, sent_at, received_at, user_id, "
                     "anonymous_id, previous_id, group_id, campaign, communication, product, "
                     "touchpoint, rep_id, stage, cost_minor, value_minor, currency, properties, "
                     "traits, context, source) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                     "?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, "
                     "?26)"),
        upsert_trait(db,
                     "INSERT INTO traits(profile_id, key, value, updated_at) "
                     "VALUES(?1, ?2, ?3, ?4) ON CONFLICT(profile_id, key) DO UPDATE SET "
                     "value = excluded.value, updated_at = excluded.updated_at "
                     "WHERE excluded.updated_at >= traits.updated_at"),
        insert_consent(db,
                       "INSERT INTO consents(profile_id, channel, granted, source, at) "
                       "VALUES(?1, ?2, ?3, ?4, ?5)"),
        insert_cost(db,
                    "INSERT INTO costs(channel, campaign, period_start, period_end, "
                    "amount_minor, currency, source) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
        upsert_setting(db,
                       "INSERT INTO settings(key, value) VALUES(?1, ?2) "
                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
        has_message(db, "SELECT 1 FROM events WHERE message_id = ?1"),
        begin(db, "BEGIN IMMEDIATE"),
        commit(db, "COMMIT"),
        rollback(db, "ROLLBACK") {}

  Stmt insert_profile, insert_merge, mark_merged, move_identifiers, move_events, move_consents,
      merge_traits, delete_traits, upsert_identifier, insert_event, upsert_trait, insert_consent,
      insert_cost, upsert_setting, has_message, begin, commit, rollback;
};

class SqliteStore;

// The WAL file, kept open to fdatasync it; reopened if SQLite ever recreates it.
class WalSyncer {
 public:
  explicit WalSyncer(std::string path) : path_(std::move(path)) {}
  ~WalSyncer() {
    if (fd_ >= 0) close(fd_);
  }
  Status Sync() {
    std::lock_guard<std::mutex> lock(mu_);
    struct stat on_disk {};
    if (stat(path_.c_str(), &on_disk) != 0) {
      return Status::Ok();  // no WAL: everything was checkpointed into the synced database
    }
    struct stat open_file {};
    if (fd_ < 0 || fstat(fd_, &open_file) != 0 || open_file.st_ino != on_disk.st_ino) {
      if (fd_ >= 0) close(fd_);
      fd_ = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) return Status::Unavailable("cannot open " + path_ + " to sync it");
    }
    if (fdatasync(fd_) != 0) {
      return Status::Unavailable("fdatasync " + path_ + " failed: " + std::strerror(errno));
    }
    return Status::Ok();
  }

 private:
  std::mutex mu_;
  std::string path_;
  int fd_ = -1;
};

class SqliteWriteTransaction final : public WriteTransaction {
 public:
  SqliteWriteTransaction(std::unique_lock<std::mutex> lock, Db& db, WriterStatements& st,
                         WalSyncer& wal)
      : lock_(std::move(lock)), db_(db), st_(st), wal_(wal) {}
  ~SqliteWriteTransaction() override {
    if (!done_) st_.rollback.Run();
  }

  Result<WriteResult> Write(const WriteBatch& b) override;
  Result<bool> HasMessageId(const std::string& message_id) override {
    st_.has_message.Bind(1, message_id);
    auto row = st_.has_message.Step();
    st_.has_message.Reset();
    return row;
  }
  Status Commit() override {
    if (Status s = CommitDeferred(); !s.ok()) return s;
    return wal_.Sync();
  }
  Status CommitDeferred() override {
    done_ = true;
    if (Status s = st_.commit.Run(); !s.ok()) {
      st_.rollback.Run();
      return s;
    }
    return Status::Ok();
  }

 private:
  Status WriteMerge(const MergeRecord& m);
  Result<bool> WriteEvent(const Event& e);

  std::unique_lock<std::mutex> lock_;
  Db& db_;
  WriterStatements& st_;
  WalSyncer& wal_;
  bool done_ = false;
};

Status SqliteWriteTransaction::WriteMerge(const MergeRecord& m) {
  int64_t from = m.from_profile, into = m.into_profile;
  if (Status s = st_.insert_merge.Bind(1, from)
                     .Bind(2, into)
                     .Bind(3, ToMillis(m.at))
                     .Bind(4, std::string_view(m.reason))
                     .Run();
      !s.ok()) {
    return s;
  }
  for (Stmt* s : {&st_.mark_merged, &st_.move_identifiers, &st_.move_events, &st_.move_consents,
                  &st_.merge_traits}) {
    if (Status r = s->Bind(1, from).Bind(2, into).Run(); !r.ok()) return r;
  }
  return st_.delete_traits.Bind(1, from).Run();
}

// The event outlives the statement's run, so its strings are bound without a copy.
Result<bool> SqliteWriteTransaction::WriteEvent(const Event& e) {
  Stmt& s = st_.insert_event;
  s.BindUnowned(1, e.message_id)
      .Bind(2, e.profile_id)
      .Bind(3, std::string_view(EventTypeName(e.type)))
      .BindUnownedText(4, e.name)
      .BindUnowned(5, e.channel)
      .Bind(6, ToMillis(e.timestamp))
      .Bind(7, ToMillis(e.original_timestamp));
  if (e.sent_at) s.Bind(8, ToMillis(*e.sent_at));
  s.Bind(9, ToMillis(e.received_at))
      .BindUnownedText(10, e.user_id)
      .BindUnownedText(11, e.anonymous_id)
      .BindUnownedText(12, e.previous_id)
      .BindUnownedText(13, e.group_id)
      .BindUnownedText(14, e.campaign)
      .BindUnownedText(15, e.communication)
      .BindUnownedText(16, e.product)
      .BindUnownedText(17, e.touchpoint)
      .BindUnownedText(18, e.rep_id)
      .BindUnownedText(19, e.stage)
      .BindOptional(20, e.cost_minor)
      .BindOptional(21, e.value_minor)
      .BindUnownedText(22, e.currency)
      .BindUnowned(23, e.properties_json)
      .BindUnowned(24, e.traits_json)
      .BindUnowned(25, e.context_json)
      .BindUnowned(26, e.source);
  if (Status st = s.Run(); !st.ok()) return st;
  return sqlite3_changes(db_.get()) > 0;
}

Result<WriteResult> SqliteWriteTransaction::Write(const WriteBatch& b) {
  WriteResult result;
  for (const auto& p : b.profiles) {
    if (Status s = st_.insert_profile.Bind(1, p.id).Bind(2, ToMillis(p.created_at)).Run();
        !s.ok()) {
      return s;
    }
  }
  for (const auto& m : b.merges) {
    if (Status s = WriteMerge(m); !s.ok()) return s;
  }
  for (const auto& i : b.identifiers) {
    Status s = st_.upsert_identifier.Bind(1, std::string_view(i.type))
                   .Bind(2, std::string_view(i.value))
                   .Bind(3, i.profile_id)
                   .Bind(4, ToMillis(i.first_seen))
                   .Run();
    if (!s.ok()) return s;
  }
  for (const auto& e : b.events) {
    auto written = WriteEvent(e);
    if (!written.ok()) return written.status();
    (*written ? result.events_written : result.duplicates)++;
    result.written.push_back(*written ? 1 : 0);
  }
  for (const auto& t : b.traits) {
    Status s = st_.upsert_trait.Bind(1, t.profile_id)
                   .Bind(2, std::string_view(t.key))
                   .Bind(3, std::string_view(t.value_json))
                   .Bind(4, ToMillis(t.at))
                   .Run();
    if (!s.ok()) return s;
  }
  for (const auto& c : b.consents) {
    Status s = st_.insert_consent.Bind(1, c.profile_id)
                   .Bind(2, std::string_view(c.channel))
                   .Bind(3, int64_t{c.granted})
                   .Bind(4, std::string_view(c.source))
                   .Bind(5, ToMillis(c.at))
                   .Run();
    if (!s.ok()) return s;
  }
  for (const auto& c : b.costs) {
    Status s = st_.insert_cost.Bind(1, std::string_view(c.channel))
                   .BindText(2, c.campaign)
                   .Bind(3, ToMillis(c.period_start))
                   .Bind(4, ToMillis(c.period_end))
                   .Bind(5, c.amount_minor)
                   .Bind(6, std::string_view(c.currency))
                   .Bind(7, std::string_view(c.source))
                   .Run();
    if (!s.ok()) return s;
  }
  for (const auto& [key, value] : b.settings) {
    Status s =
        st_.upsert_setting.Bind(1, std::string_view(key)).Bind(2, std::string_view(value)).Run();
    if (!s.ok()) return s;
  }
  return result;
}

#define UNISONO_READER(r)               \
  Reader r(*this);                      \
  if (Status s_ = r.Open(); !s_.ok()) { \
    return s_;                          \
  }

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, Db writer, int lock_fd, bool read_only)
      : path_(std::move(path)),
        writer_(std::move(writer)),
        lock_fd_(lock_fd),
        read_only_(read_only),
        wal_(path_ + "-wal") {
    if (!read_only_) {
      statements_ = std::make_unique<WriterStatements>(writer_.get());
    }
  }
  ~SqliteStore() override {
    statements_.reset();
    if (lock_fd_ >= 0) close(lock_fd_);
  }

  Result<std::unique_ptr<WriteTransaction>> BeginWrite() override {
    if (read_only_) return Status::FailedPrecondition("the store was opened read-only");
    std::unique_lock<std::mutex> lock(write_mutex_);
    if (Status s = statements_->begin.Run(); !s.ok()) return s;
    return std::unique_ptr<WriteTransaction>(
        new SqliteWriteTransaction(std::move(lock), writer_, *statements_, wal_));
  }
  Status Sync() override { return wal_.Sync(); }

  Status ScanIdentifiers(const std::function<void(const IdentifierRecord&)>& fn) override;
  Result<int64_t> MaxProfileId() override;
  Result<std::optional<int64_t>> FindProfileId(const std::string& type,
                                               const std::string& value) override;
  Result<int64_t> ResolveProfileId(int64_t id) override;
  Result<ProfileRecord> LoadProfile(int64_t id, ProfileParts parts) override;
  Result<TimelinePage> Timeline(const TimelineQuery& q) override;
  Status ScanEventsByProfile(std::optional<Timestamp> since, std::optional<Timestamp> until,
                             const std::function<bool(const Event&)>& fn) override;
  Result<StoreStats> Stats() override;
  Result<bool> IsEmpty() override;
  Result<std::optional<std::string>> GetSetting(const std::string& key) override;
  Status PutSetting(const std::string& key, const std::string& value) override;

  Status ScanTraits(
      const std::function<void(int64_t, const std::string&, const StoredTrait&)>& fn) override {
    UNISONO_READER(r);
    return sqlite::ScanTraits(r.get(), fn);
  }
  Status ScanConsents(const std::function<void(const ConsentRecord&)>& fn) override {
    UNISONO_READER(r);
    return sqlite::ScanConsents(r.get(), fn);
  }
  Status ScanCosts(const std::function<void(const CostRecord&)>& fn) override {
    UNISONO_READER(r);
    return sqlite::ScanCosts(r.get(), fn);
  }
  Status PutDefinition(const DefinitionRecord& record) override {
    return Written([&] { return sqlite::PutDefinition(writer_.get(), record); });
  }
  Status DeleteDefinition(const std::string& kind, const std::string& id) override {
    return Written([&] { return sqlite::DeleteDefinition(writer_.get(), kind, id); });
  }
  Result<std::vector<DefinitionRecord>> ListDefinitions(const std::string& kind) override {
    UNISONO_READER(r);
    return sqlite::ListDefinitions(r.get(), kind);
  }
  Status AppendListChanges(const std::vector<ListChange>& changes) override {
    return Written([&] { return sqlite::AppendListChanges(writer_.get(), changes); });
  }
  Status ScanListChanges(const std::string& list_id,
                         const std::function<void(const ListChange&)>& fn) override {
    UNISONO_READER(r);
    return sqlite::ScanListChanges(r.get(), list_id, fn);
  }

  Status ScanEventsAfter(int64_t after_seq, int64_t limit,
                         const std::function<void(int64_t, const Event&)>& fn) override;
  Result<int64_t> MaxEventSeq() override;

  Status ApplyJourneyWrite(const JourneyWrite& write) override {
    return Written([&] { return sqlite::WriteJourneyState(writer_.get(), write); });
  }
  Status ScanJourneyInstances(
      bool active_only, int64_t profile_id,
      const std::function<void(const JourneyInstanceRecord&)>& fn) override {
    UNISONO_READER(r);
    return sqlite::ScanJourneyInstances(r.get(), active_only, profile_id, fn);
  }
  Result<std::vector<JourneyHistoryRecord>> JourneyHistory(const HistoryQuery& query) override {
    UNISONO_READER(r);
    return sqlite::JourneyHistory(r.get(), query);
  }
  Status CountJourneyHistory(const std::string& journey_id,
                             const std::function<void(int, const std::string&, const std::string&,
                                                      const std::string&, int64_t)>& fn) override {
    UNISONO_READER(r);
    return sqlite::CountJourneyHistory(r.get(), journey_id, fn);
  }
  Status ScanOutbox(std::optional<Timestamp> since,
                    const std::function<void(const OutboxMessage&)>& fn) override {
    UNISONO_READER(r);
    return sqlite::ScanOutbox(r.get(), since, fn);
  }
  Status UpdateOutbox(const std::vector<OutboxMessage>& messages) override {
    return Written([&] { return sqlite::UpdateOutbox(writer_.get(), messages); });
  }
  Result<std::optional<OutboxMessage>> GetOutboxMessage(int64_t id) override {
    UNISONO_READER(r);
    return sqlite::GetOutboxMessage(r.get(), id);
  }
  Result<std::optional<OutboxMessage>> FindOutboxByProviderId(
      const std::string& provider_message_id) override {
    UNISONO_READER(r);
    return sqlite::FindOutboxByProviderId(r.get(), provider_message_id);
  }
  Status ScanOutboxByState(const std::string& state,
                           const std::function<void(const OutboxMessage&)>& fn) override {
    UNISONO_READER(r);
    return sqlite::ScanOutboxByState(r.get(), state, fn);
  }
  Result<std::vector<TaskRecord>> ListTasks(const std::string& rep_id,
                                            const std::string& state) override {
    UNISONO_READER(r);
    return sqlite::ListTasks(r.get(), rep_id, state);
  }
  Result<std::optional<TaskRecord>> GetTask(int64_t id) override {
    UNISONO_READER(r);
    return sqlite::GetTask(r.get(), id);
  }
  Result<JourneyIds> MaxJourneyIds() override {
    UNISONO_READER(r);
    return sqlite::MaxJourneyIds(r.get());
  }

 private:
  // A reader connection borrowed from the pool for one call.
  class Reader {
   public:
    explicit Reader(SqliteStore& store) : store_(store) {
      std::lock_guard<std::mutex> lock(store_.pool_mutex_);
      if (!store_.idle_readers_.empty()) {
        db_ = std::move(store_.idle_readers_.back());
        store_.idle_readers_.pop_back();
      }
    }
    ~Reader() {
      if (!db_.get()) return;
      std::lock_guard<std::mutex> lock(store_.pool_mutex_);
      store_.idle_readers_.push_back(std::move(db_));
    }
    Status Open() {
      if (db_.get()) return Status::Ok();
      auto db = Db::Open(store_.path_, false);
      if (!db.ok()) return db.status();
      db_ = std::move(db).value();
      return db_.Exec("PRAGMA query_only = 1");
    }
    sqlite3* get() { return db_.get(); }

   private:
    SqliteStore& store_;
    Db db_;
  };

  // Runs one write outside the event pipeline in its own transaction and makes it durable.
  template <typename Fn>
  Status Written(Fn&& write) {
    if (read_only_) return Status::FailedPrecondition("the store was opened read-only");
    std::lock_guard<std::mutex> lock(write_mutex_);
    if (Status s = writer_.Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
    if (Status s = write(); !s.ok()) {
      writer_.Exec("ROLLBACK");
      return s;
    }
    if (Status s = writer_.Exec("COMMIT"); !s.ok()) {
      writer_.Exec("ROLLBACK");
      return s;
    }
    return wal_.Sync();
  }

  std::string path_;
  Db writer_;
  int lock_fd_;
  bool read_only_;
  WalSyncer wal_;
  std::unique_ptr<WriterStatements> statements_;
  std::mutex write_mutex_;
  std::mutex pool_mutex_;
  std::vector<Db> idle_readers_;
};

Status SqliteStore::ScanIdentifiers(const std::function<void(const IdentifierRecord&)>& fn) {
  UNISONO_READER(r);
  Stmt s(r.get(), "SELECT type, value, profile_id, first_seen FROM identifiers");
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    fn(IdentifierRecord{s.Text(0), s.Text(1), s.Int(2), FromMillis(s.Int(3))});
  }
  return Status::Ok();
}

Result<int64_t> SqliteStore::MaxProfileId() {
  UNISONO_READER(r);
  Stmt s(r.get(), "SELECT coalesce(max(id), 0) FROM profiles");
  auto row = s.Step();
  if (!row.ok()) return row.status();
  return s.Int(0);
}

Result<std::optional<int64_t>> SqliteStore::FindProfileId(const std::string& type,
                                                          const std::string& value) {
  UNISONO_READER(r);
  Stmt s(r.get(), "SELECT profile_id FROM identifiers WHERE type = ?1 AND value = ?2");
  s.Bind(1, std::string_view(type)).Bind(2, std::string_view(value));
  auto row = s.Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<int64_t>();
  return std::optional<int64_t>(s.Int(0));
}

Result<int64_t> SqliteStore::ResolveProfileId(int64_t id) {
  UNISONO_READER(r);
  Stmt s(r.get(), "SELECT merged_into FROM profiles WHERE id = ?1");
  for (int hops = 0; hops < 64; ++hops) {
    s.Bind(1, id);
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::NotFound("no profile " + ProfileIdString(id));
    bool merged = !s.IsNull(0);
    int64_t next = s.Int(0);
    s.Reset();
    if (!merged) return id;
    id = next;
  }
  return Status::Internal("merge chain too long at " + ProfileIdString(id));
}

Result<ProfileRecord> SqliteStore::LoadProfile(int64_t id, ProfileParts parts) {
  UNISONO_READER(r);
  ProfileRecord p;
  // One read transaction, so the parts agree with each other.
  sqlite3_exec(r.get(), "BEGIN", nullptr, nullptr, nullptr);
  struct EndRead {
    sqlite3* db;
    ~EndRead() { sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr); }
  } end_read{r.get()};

  Stmt prof(r.get(), "SELECT id, created_at FROM profiles WHERE id = ?1 AND merged_into IS NULL");
  prof.Bind(1, id);
  auto row = prof.Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("no profile " + ProfileIdString(id));
  p.id = prof.Int(0);
  p.created_at = FromMillis(prof.Int(1));

  Stmt traits(r.get(), "SELECT key, value, updated_at FROM traits WHERE profile_id = ?1");
  traits.Bind(1, id);
  while (*traits.Step()) {
    p.traits[traits.Text(0)] = StoredTrait{traits.Text(1), FromMillis(traits.Int(2))};
  }
  Stmt consents(r.get(),
                "SELECT channel, granted, source, at FROM consents WHERE profile_id = ?1 "
                "ORDER BY at, id");
  consents.Bind(1, id);
  while (*consents.Step()) {
    p.consent_history.push_back({id, consents.Text(0), consents.Int(1) != 0, consents.Text(2),
                                 FromMillis(consents.Int(3))});
  }
  if (parts == ProfileParts::kTraitsAndConsent) return p;
  Stmt ids(r.get(),
           "SELECT type, value, first_seen FROM identifiers WHERE profile_id = ?1 "
           "ORDER BY type, first_seen, value");
  ids.Bind(1, id);
  while (*ids.Step()) {
    p.identifiers.push_back({ids.Text(0), ids.Text(1), id, FromMillis(ids.Int(2))});
  }
  Stmt counts(r.get(),
              "SELECT channel, count(*), min(timestamp), max(timestamp) FROM events "
              "WHERE profile_id = ?1 GROUP BY channel");
  counts.Bind(1, id);
  while (*counts.Step()) {
    p.channel_counts[counts.Text(0)] = counts.Int(1);
    p.event_count += counts.Int(1);
    Timestamp first = FromMillis(counts.Int(2)), last = FromMillis(counts.Int(3));
    if (!p.first_seen || first < *p.first_seen) p.first_seen = first;
    if (!p.last_seen || last > *p.last_seen) p.last_seen = last;
  }
  Stmt merged(r.get(), "SELECT id FROM profiles WHERE merged_into = ?1 ORDER BY id");
  merged.Bind(1, id);
  while (*merged.Step()) p.merged_from.push_back(merged.Int(0));
  return p;
}

Result<TimelinePage> SqliteStore::Timeline(const TimelineQuery& q) {
  UNISONO_READER(r);
  int64_t cursor_ts = INT64_MAX, cursor_seq = INT64_MAX;
  if (!q.cursor.empty()) {
    auto dot = q.cursor.find('.');
    try {
      if (dot == std::string::npos) throw std::invalid_argument("cursor");
      cursor_ts = std::stoll(q.cursor.substr(0, dot));
      cursor_seq = std::stoll(q.cursor.substr(dot + 1));
    } catch (const std::exception&) {
      return Status::InvalidArgument("cursor '" + q.cursor +
                                     "' is not one this server returned; start without it");
    }
  }
  std::string sql = std::string("SELECT ") + kEventColumns +
                    " FROM events WHERE profile_id = ?1 AND (timestamp < ?2 OR "
                    "(timestamp = ?2 AND seq < ?3)) AND timestamp >= ?4 AND timestamp < ?5";
  if (!q.channel.empty()) sql += " AND channel = ?6";
  sql += " ORDER BY timestamp DESC, seq DESC LIMIT ?7";
  Stmt s(r.get(), sql);
  s.Bind(1, q.profile_id).Bind(2, cursor_ts).Bind(3, cursor_seq);
  s.Bind(4, q.since ? ToMillis(*q.since) : INT64_MIN);
  s.Bind(5, q.until ? ToMillis(*q.until) : INT64_MAX);
  if (!q.channel.empty()) s.Bind(6, std::string_view(q.channel));
  s.Bind(7, int64_t{q.limit} + 1);
  TimelinePage page;
  int64_t last_ts = 0, last_seq = 0;
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (static_cast<int>(page.items.size()) == q.limit) {
      page.next_cursor = std::to_string(last_ts) + "." + std::to_string(last_seq);
      break;
    }
    page.items.push_back(ReadEvent(s));
    last_ts = s.Int(6);
    last_seq = s.Int(0);
  }
  return page;
}

Status SqliteStore::ScanEventsByProfile(std::optional<Timestamp> since,
                                        std::optional<Timestamp> until,
                                        const std::function<bool(const Event&)>& fn) {
  UNISONO_READER(r);
  // The (profile_id, timestamp) index gives the order without sorting the log.
  Stmt s(r.get(), std::string("SELECT ") + kEventColumns +
                      " FROM events WHERE timestamp >= ?1 AND timestamp < ?2 "
                      "ORDER BY profile_id, timestamp, seq");
  s.Bind(1, since ? ToMillis(*since) : INT64_MIN).Bind(2, until ? ToMillis(*until) : INT64_MAX);
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row || !fn(ReadEvent(s))) break;
  }
  return Status::Ok();
}

Status SqliteStore::ScanEventsAfter(int64_t after_seq, int64_t limit,
                                    const std::function<void(int64_t, const Event&)>& fn) {
  UNISONO_READER(r);
  Stmt s(r.get(), std::string("SELECT ") + kEventColumns +
                      " FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2");
  s.Bind(1, after_seq).Bind(2, limit);
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    fn(s.Int(0), ReadEvent(s));
  }
}

Result<int64_t> SqliteStore::MaxEventSeq() {
  UNISONO_READER(r);
  Stmt s(r.get(), "SELECT coalesce(max(seq), 0) FROM events");
  auto row = s.Step();
  if (!row.ok()) return row.status();
  return s.Int(0);
}

Result<StoreStats> SqliteStore::Stats() {
  UNISONO_READER(r);
  Stmt s(r.get(),
         "SELECT (SELECT coalesce(max(seq), 0) FROM events), "
         "(SELECT count(*) FROM profiles WHERE merged_into IS NULL), "
         "(SELECT count(*) FROM identifiers), (SELECT count(*) FROM merges)");
  auto row = s.Step();
  if (!row.ok()) return row.status();
  return StoreStats{s.Int(0), s.Int(1), s.Int(2), s.Int(3)};
}

Result<bool> SqliteStore::IsEmpty() {
  UNISONO_READER(r);
  Stmt s(r.get(), "SELECT NOT EXISTS(SELECT 1 FROM events)");
  auto row = s.Step();
  if (!row.ok()) return row.status();
  return s.Int(0) != 0;
}

Result<std::optional<std::string>> SqliteStore::GetSetting(const std::string& key) {
  UNISONO_READER(r);
  Stmt s(r.get(), "SELECT value FROM settings WHERE key = ?1");
  s.Bind(1, std::string_view(key));
  auto row = s.Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(s.Text(0));
}

Status SqliteStore::PutSetting(const std::string& key, const std::string& value) {
  if (read_only_) return Status::FailedPrecondition("the store was opened read-only");
  std::lock_guard<std::mutex> lock(write_mutex_);
  Stmt s(writer_.get(),
         "INSERT INTO settings(key, value) VALUES(?1, ?2) "
         "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  if (Status r = s.Bind(1, std::string_view(key)).Bind(2, std::string_view(value)).Run(); !r.ok()) {
    return r;
  }
  return wal_.Sync();
}

}  // namespace

Result<WriteResult> Store::Apply(const WriteBatch& batch) {
  auto tx = BeginWrite();
  if (!tx.ok()) return tx.status();
  auto result = (*tx)->Write(batch);
  if (!result.ok()) return result.status();
  if (Status s = (*tx)->Commit(); !s.ok()) return s;
  return result;
}

int SqliteSchemaVersion() { return sqlite::LatestSchemaVersion(); }

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& data_dir,
                                               const SqliteOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string path = (fs::path(data_dir) / "unisono.db").string();
  if (options.read_only) {
    if (!fs::exists(path)) {
      return Status::NotFound("no store in '" + data_dir + "'; start `unisono serve --data " +
                              data_dir + "` or load demo data with `unisono demo --data " +
                              data_dir + "`");
    }
  } else {
    fs::create_directories(data_dir, ec);
    if (ec) {
      return Status::Unavailable("cannot create data directory '" + data_dir +
                                 "': " + ec.message());
    }
  }
  int lock_fd = -1;
  if (options.exclusive && !options.read_only) {
    std::string lock_path = (fs::path(data_dir) / "unisono.lock").string();
    lock_fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
      if (lock_fd >= 0) close(lock_fd);
      return Status::FailedPrecondition(
          "another unisono process (a server, an import or a demo load) is writing to '" +
          data_dir + "'; stop it first, or send the data to the running server over HTTP");
    }
  }
  auto db = sqlite::Db::Open(path, false);
  if (!db.ok()) {
    if (lock_fd >= 0) close(lock_fd);
    return db.status();
  }
  const char* pragmas = options.read_only
                            ? "PRAGMA query_only = 1;"
                            : "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                              "PRAGMA cache_size = -8192; PRAGMA temp_store = MEMORY; "
                              "PRAGMA wal_autocheckpoint = 4000; "
                              "PRAGMA journal_size_limit = 67108864;";
  if (Status s = db->Exec(pragmas); !s.ok()) {
    if (lock_fd >= 0) close(lock_fd);
    return s;
  }
  if (!options.read_only) {
    if (Status s = sqlite::Migrate(*db); !s.ok()) {
      if (lock_fd >= 0) close(lock_fd);
      return s;
    }
  }
  if (!options.read_only) {
    // The database and WAL files may be new: make their directory entries durable.
    int dir_fd = open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
      fsync(dir_fd);
      close(dir_fd);
    }
  }
  return std::unique_ptr<Store>(
      new SqliteStore(path, std::move(db).value(), lock_fd, options.read_only));
}

}  // namespace unisono
