// storage: the Store interface — the durable event log (source of truth), the identity
// tables, profile traits and consent history, costs and settings — and its backends.
// SQL lives only in the backends. A Store is thread-safe: any number of readers, and
// one WriteTransaction at a time (BeginWrite blocks while another is open).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/core.h"

namespace unisono {

struct NewProfile {
  int64_t id = 0;
  Timestamp created_at{};
};

struct IdentifierRecord {
  std::string type;
  std::string value;
  int64_t profile_id = 0;
  Timestamp first_seen{};
};

// `from_profile` was folded into `into_profile` (the older one survives).
struct MergeRecord {
  int64_t from_profile = 0;
  int64_t into_profile = 0;
  Timestamp at{};
  std::string reason;  // e.g. "alias", "identifier email shared"
};

struct TraitUpdate {
  int64_t profile_id = 0;
  std::string key;
  std::string value_json;
  Timestamp at{};  // event time: the latest by event time wins
};

struct ConsentRecord {
  int64_t profile_id = 0;
  std::string channel;
  bool granted = false;
  std::string source;  // "identify", "api", "csv:..."
  Timestamp at{};
};

struct CostRecord {
  std::string channel;
  std::string campaign;
  Timestamp period_start{};
  Timestamp period_end{};
  int64_t amount_minor = 0;
  std::string currency = "EUR";
  std::string source;
};

// Everything one group commit writes, applied in member order. Events whose
// message_id is already stored are skipped (and counted), never written twice.
struct WriteBatch {
  std::vector<NewProfile> profiles;
  std::vector<MergeRecord> merges;
  std::vector<IdentifierRecord> identifiers;  // new or re-pointed identifiers
  std::vector<Event> events;
  std::vector<TraitUpdate> traits;
  std::vector<ConsentRecord> consents;
  std::vector<CostRecord> costs;
  // Settings written in the same transaction (the ingest log position indexed).
  std::vector<std::pair<std::string, std::string>> settings;

  bool empty() const {
    return profiles.empty() && merges.empty() && identifiers.empty() && events.empty() &&
           traits.empty() && consents.empty() && costs.empty() && settings.empty();
  }
};

struct WriteResult {
  size_t events_written = 0;
  size_t duplicates = 0;
  std::vector<uint8_t> written;  // per event of the batch: 1 stored, 0 duplicate
};

class WriteTransaction {
 public:
  virtual ~WriteTransaction() = default;  // rolls back unless committed
  virtual Result<WriteResult> Write(const WriteBatch& batch) = 0;
  // True when an event with this message id is stored or written in this transaction.
  virtual Result<bool> HasMessageId(const std::string& message_id) = 0;
  // Durable when it returns ok.
  virtual Status Commit() = 0;
  // Visible to readers when it returns ok, durable after the next Store::Sync(). Lets
  // a pipeline write the next transaction while the disk catches up with this one.
  virtual Status CommitDeferred() = 0;
};

struct StoredTrait {
  std::string value_json;
  Timestamp updated_at{};
};

struct ProfileRecord {
  int64_t id = 0;
  Timestamp created_at{};
  std::vector<IdentifierRecord> identifiers;
  std::map<std::string, StoredTrait> traits;
  std::vector<ConsentRecord> consent_history;  // oldest first
  std::map<std::string, int64_t> channel_counts;
  int64_t event_count = 0;
  std::optional<Timestamp> first_seen;
  std::optional<Timestamp> last_seen;
  std::vector<int64_t> merged_from;
};

struct TimelineQuery {
  int64_t profile_id = 0;
  std::string channel;  // empty: all channels
  std::optional<Timestamp> since;
  std::optional<Timestamp> until;
  std::string cursor;  // from a previous page
  int limit = 50;
};

struct TimelinePage {
  std::vector<Event> items;  // newest first
  std::string next_cursor;   // empty on the last page
};

enum class ProfileParts { kAll, kTraitsAndConsent };

struct StoreStats {
  int64_t events = 0;
  int64_t profiles = 0;
  int64_t identifiers = 0;
  int64_t merges = 0;
};

// A saved definition (a segment, a computed trait, later journeys and content): its
// body is the owning module's JSON; the store only keeps it.
struct DefinitionRecord {
  std::string kind;  // "segment", "computed_trait"
  std::string id;
  std::string body_json;
  Timestamp updated_at{};
};

// One hand-made change to a manual list, kept forever as its audit trail.
struct ListChange {
  int64_t seq = 0;  // set by the store
  std::string list_id;
  int64_t profile_id = 0;
  bool added = true;
  std::string actor;  // who: a user, a rep id, "csv:<file>"
  std::string reason;
  Timestamp at{};
};

// Journeys' durable state: one row per instance (a profile walking one version of a
// journey), its timer in due_at.
struct JourneyInstanceRecord {
  int64_t id = 0;  // assigned by the journey engine
  std::string journey_id;
  int version = 1;
  int64_t profile_id = 0;
  std::string state = "active";  // active | converted | completed | exited
  int step = 0;                  // index into the version's steps
  std::string variant;           // the split path taken, if any
  Timestamp entered_at{};
  Timestamp step_entered_at{};
  Timestamp updated_at{};
  std::optional<Timestamp> due_at;  // the timer: a wait's end, a delayed send, a timeout
  bool awaiting = false;            // waiting for an event (due_at is its timeout)
  int64_t trigger_seq = 0;          // the event that started it (0: API or schedule)
};

// One decision of a journey about a profile: entered, step, branch, queued, delayed,
// skipped, task, trait, webhook, goal, exited, completed.
struct JourneyHistoryRecord {
  int64_t seq = 0;  // set by the store
  int64_t instance_id = 0;
  int64_t profile_id = 0;
  std::string journey_id;
  int version = 1;
  std::string step;  // step id ("" for the journey as a whole)
  std::string action;
  std::string reason;  // a short key: "consent", "cap", "quiet_hours", "holdout", "b", ...
  std::string detail_json = "{}";
  Timestamp at{};
};

// A message to deliver, written in the same transaction as the step that sends it.
struct OutboxMessage {
  int64_t id = 0;  // assigned by the journey engine
  std::string idempotency_key;
  int64_t instance_id = 0;
  int64_t profile_id = 0;
  std::string journey_id;
  int version = 1;
  std::string step;
  std::string channel;
  std::string content;
  std::string payload_json = "{}";
  std::string state = "pending";  // pending | delivered | dead
  int attempts = 0;
  Timestamp created_at{};
  std::optional<Timestamp> next_attempt_at;
  std::string last_error;
  std::string provider_message_id;  // the SMS/WhatsApp provider's id, for its callbacks
};

struct TaskRecord {
  int64_t id = 0;  // assigned by the journey engine
  std::string rep_id;
  int64_t profile_id = 0;
  int64_t instance_id = 0;  // 0: not from a journey
  std::string journey_id;
  std::string title;
  std::string talking_points_json = "[]";
  Timestamp created_at{};
  Timestamp due_at{};
  std::string state = "open";  // open | done
  std::optional<Timestamp> completed_at;
  std::string completed_by;
  std::string notes;
};

// Everything one round of the journey engine changed: written in one transaction, with
// the engine's checkpoint in the event log.
struct JourneyWrite {
  std::vector<JourneyInstanceRecord> instances;  // insert or replace by id
  std::vector<JourneyHistoryRecord> history;
  std::vector<OutboxMessage> outbox;  // new messages
  std::vector<TaskRecord> tasks;      // insert or replace by id
  std::optional<int64_t> checkpoint_seq;
  std::vector<std::pair<std::string, std::string>> settings;  // key, value
};

struct HistoryQuery {
  int64_t profile_id = 0;  // 0: any
  std::string journey_id;  // "": any
  int64_t after_seq = 0;
  int limit = 100;
};

class Store {
 public:
  virtual ~Store() = default;

  virtual Result<std::unique_ptr<WriteTransaction>> BeginWrite() = 0;
  // One transaction: BeginWrite, Write, Commit.
  Result<WriteResult> Apply(const WriteBatch& batch);
  // Makes every transaction committed so far durable. Safe beside a writer.
  virtual Status Sync() = 0;

  virtual Status ScanIdentifiers(const std::function<void(const IdentifierRecord&)>& fn) = 0;
  virtual Result<int64_t> MaxProfileId() = 0;
  virtual Result<std::optional<int64_t>> FindProfileId(const std::string& type,
                                                       const std::string& value) = 0;
  // Follows the merge chain: the id a merged profile lives on under now.
  virtual Result<int64_t> ResolveProfileId(int64_t id) = 0;
  // `parts` kTraitsAndConsent skips identifiers, activity counts and merges: what a
  // sender needs before each message, without scanning the profile's events.
  virtual Result<ProfileRecord> LoadProfile(int64_t id,
                                            ProfileParts parts = ProfileParts::kAll) = 0;
  virtual Result<TimelinePage> Timeline(const TimelineQuery& query) = 0;
  // Every event in [since, until), ordered by profile, then time: how analytics
  // reads the log. `fn` returns false to stop early.
  virtual Status ScanEventsByProfile(std::optional<Timestamp> since, std::optional<Timestamp> until,
                                     const std::function<bool(const Event&)>& fn) = 0;
  virtual Result<StoreStats> Stats() = 0;
  virtual Result<bool> IsEmpty() = 0;

  // Current traits and the whole consent history (oldest first), of every profile: how
  // in-memory evaluators load at start.
  virtual Status ScanTraits(const std::function<void(int64_t profile_id, const std::string& key,
                                                     const StoredTrait&)>& fn) = 0;
  virtual Status ScanConsents(const std::function<void(const ConsentRecord&)>& fn) = 0;

  // Every cost record (imported campaign and period costs), oldest period first.
  virtual Status ScanCosts(const std::function<void(const CostRecord&)>& fn) = 0;

  // Definitions, durable when the call returns. Put replaces one with the same id.
  virtual Status PutDefinition(const DefinitionRecord& record) = 0;
  virtual Status DeleteDefinition(const std::string& kind, const std::string& id) = 0;
  virtual Result<std::vector<DefinitionRecord>> ListDefinitions(const std::string& kind) = 0;

  // Manual lists: appended all or nothing, durable when the call returns.
  virtual Status AppendListChanges(const std::vector<ListChange>& changes) = 0;
  // In order of seq; an empty list id scans every list.
  virtual Status ScanListChanges(const std::string& list_id,
                                 const std::function<void(const ListChange&)>& fn) = 0;

  // The event log in commit order: events with seq > after_seq, at most `limit`; `fn`
  // gets each with its seq. How the journey engine follows the log exactly once.
  virtual Status ScanEventsAfter(int64_t after_seq, int64_t limit,
                                 const std::function<void(int64_t seq, const Event&)>& fn) = 0;
  virtual Result<int64_t> MaxEventSeq() = 0;

  // Journeys. ApplyJourneyWrite is one durable transaction.
  virtual Status ApplyJourneyWrite(const JourneyWrite& write) = 0;
  // Instances in id order: every one, or only active ones, of one profile or all (0).
  virtual Status ScanJourneyInstances(
      bool active_only, int64_t profile_id,
      const std::function<void(const JourneyInstanceRecord&)>& fn) = 0;
  virtual Result<std::vector<JourneyHistoryRecord>> JourneyHistory(const HistoryQuery& query) = 0;
  // Counts of history actions per journey version and step: journey reports.
  virtual Status CountJourneyHistory(
      const std::string& journey_id,
      const std::function<void(int version, const std::string& step, const std::string& action,
                               const std::string& reason, int64_t count)>& fn) = 0;
  // Outbox messages in id order: pending ones (state "pending"), or those created at or
  // after `since` (any state) when given.
  virtual Status ScanOutbox(std::optional<Timestamp> since,
                            const std::function<void(const OutboxMessage&)>& fn) = 0;
  // Records delivery attempts: each message's new state, attempts, next attempt,
  // error and provider id, in one transaction.
  virtual Status UpdateOutbox(const std::vector<OutboxMessage>& messages) = 0;
  virtual Result<std::optional<OutboxMessage>> GetOutboxMessage(int64_t id) = 0;
  // The message a provider's delivery callback is about ("" never matches).
  virtual Result<std::optional<OutboxMessage>> FindOutboxByProviderId(
      const std::string& provider_message_id) = 0;
  // Outbox messages in one state ("pending", "delivered", "dead"), in id order.
  virtual Status ScanOutboxByState(const std::string& state,
                                   const std::function<void(const OutboxMessage&)>& fn) = 0;
  virtual Result<std::vector<TaskRecord>> ListTasks(const std::string& rep_id,
                                                    const std::string& state) = 0;
  virtual Result<std::optional<TaskRecord>> GetTask(int64_t id) = 0;
  // Largest ids used so far by instances, outbox messages and tasks.
  struct JourneyIds {
    int64_t instance = 0;
    int64_t message = 0;
    int64_t task = 0;
  };
  virtual Result<JourneyIds> MaxJourneyIds() = 0;

  virtual Result<std::optional<std::string>> GetSetting(const std::string& key) = 0;
  virtual Status PutSetting(const std::string& key, const std::string& value) = 0;
};

// The ingest log: an append-only file of event submissions, durable once Append
// returns (it fdatasyncs), so ingest can acknowledge events before they are indexed
// into the Store. Records carry a sequence number and a CRC. A torn tail (a crash in
// the middle of an append, which was never acknowledged) is cut off when the log
// opens. Not thread-safe: one owner appends and releases.
class IngestLog {
 public:
  struct Record {
    int64_t seq = 0;
    std::vector<Event> events;
  };
  // Opens DIR (creating it) and hands every intact record with seq > `after_seq` to
  // `replay`, oldest first, then calls `replayed`, which returns once all of them are
  // durable elsewhere. Only then are the old files removed (appends start a new one);
  // a failed replay is returned and nothing is removed.
  // Whether DIR holds log files (not spares), which may hold records not yet indexed.
  static bool HoldsLogFiles(const std::string& dir);
  static Result<std::unique_ptr<IngestLog>> Open(const std::string& dir, int64_t after_seq,
                                                 const std::function<Status(Record)>& replay,
                                                 const std::function<Status()>& replayed);
  virtual ~IngestLog() = default;

  // Appends one record per submission, in order, with one write and one fdatasync;
  // returns the seq of the first. After a failed write none of them stays in the log.
  // A failed sync leaves their outcome unknown (the records may have reached the disk
  // and be replayed) and breaks the log: later appends fail until a restart.
  virtual Result<int64_t> Append(const std::vector<const std::vector<Event>*>& submissions) = 0;
  // Why the log broke (a failed fdatasync), or "" while it accepts appends.
  virtual const std::string& broken() const = 0;
  // Removes the files whose records all have seq <= `indexed_seq` (durable elsewhere).
  virtual Status Release(int64_t indexed_seq) = 0;
  virtual int64_t last_seq() const = 0;
  // What Open found: records and events replayed, bytes of a torn tail cut off.
  struct OpenReport {
    int64_t records = 0;
    int64_t events = 0;
    uint64_t cut_bytes = 0;
  };
  virtual const OpenReport& open_report() const = 0;
};

struct SqliteOptions {
  // Holds an exclusive lock on the data directory so a second writer (a server, an
  // import, a demo load) cannot corrupt the in-memory identity graph of the first.
  bool exclusive = true;
  bool read_only = false;
};

// Opens (creating and migrating) DIR/unisono.db.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& data_dir,
                                               const SqliteOptions& options = {});

// The schema version this build writes; older stores are migrated on open.
int SqliteSchemaVersion();

}  // namespace unisono
