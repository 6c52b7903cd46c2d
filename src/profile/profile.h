// profile: the unified customer and the write path that keeps it. ProfileService
// takes validated events, resolves identity, and writes events, identities, traits
// and consent in group commits: many requests share one durable transaction, and a
// request's callback runs only once its events are durable. Ingest's Append puts the
// ingest log in front: durable there, indexed within a gather interval, replayed
// after a crash (docs/ingest.md). Reads (the 360° view, the timeline) go to the
// store. Thread-safe: call from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/core.h"
#include "identity/identity.h"
#include "ingest/ingest.h"
#include "storage/storage.h"

namespace unisono {

struct ProfileServiceOptions {
  IdentityConfig identity = DefaultIdentityConfig();
  size_t max_group_events = 10'000;  // events per group commit at most
  // Observes each commit (events in it, microseconds it took), for metrics.
  std::function<void(size_t events, int64_t micros)> on_commit;
  // Hears every committed change (events with their profile ids, traits, consent,
  // merges; `written` marks the events that were not duplicates), in commit order,
  // before the next group is written: how segments stay current. Runs on the commit
  // thread, or on the caller's for SetConsent.
  std::function<void(const WriteBatch& batch, const std::vector<uint8_t>& written)> on_committed;
  // Runs after a one-transaction import (ImportAll, ImportCsv) commits.
  std::function<void()> on_bulk_import;

  // The ingest log (see Append) lives here; empty: Append is Submit.
  std::string ingest_log_dir;
  // Append holds new submissions back while this many acknowledged events wait to be
  // indexed, so a burst cannot outrun the store for long.
  size_t max_unindexed_events = 50'000;
  // Logged events wait up to this long after the previous commit to share the next
  // one: fewer, larger transactions, each index page written once for more events. A
  // reader waiting for them (WaitVisible) ends the wait at once.
  std::chrono::milliseconds index_gather{100};
  // Hears what indexing found for Append's events (stored, duplicates), on the store's sync
  // thread.
  std::function<void(size_t accepted, size_t duplicates)> on_indexed;
  // Observes each write + fdatasync of the ingest log (requests it made durable,
  // microseconds it took), for metrics; on the log thread.
  std::function<void(size_t requests, int64_t micros)> on_log_sync;
};

struct IngestResult {
  size_t accepted = 0;    // newly stored
  size_t duplicates = 0;  // message ids already stored, skipped
};

struct ConsentState {
  bool granted = false;
  std::string source;
  Timestamp at{};
};

struct Profile {
  ProfileRecord record;
  std::map<std::string, ConsentState> consent;  // channel -> latest by time
  std::string owner_rep;                        // trait owner_rep
};

class ProfileService {
 public:
  static Result<std::unique_ptr<ProfileService>> Create(Store& store, Clock& clock,
                                                        ProfileServiceOptions options);
  ~ProfileService();  // drains the queue, then stops

  using Done = std::function<void(const Result<IngestResult>&)>;
  // Queues events for the next group commit; `done` runs on the commit thread once
  // they are durable (or failed: then none of them is stored). An event without
  // identifiers but with a profile id is stored on that profile (unisono's own
  // events, such as segment_entered).
  void Submit(std::vector<Event> events, Done done);
  Result<IngestResult> SubmitAndWait(std::vector<Event> events);

  // Ingest's fast path: `done` runs once the events are durable in the ingest log,
  // before they are indexed into the store (identity, tables, segments), which follows
  // within index_gather; a crash in between is repaired by replaying the log at the
  // next start. Its result counts every event as accepted: duplicates are found while
  // indexing (on_indexed). Validation errors are reported at once, nothing logged.
  void Append(std::vector<Event> events, Done done);
  // Blocks until every event acknowledged by Append before the call is visible to
  // reads (at most `timeout`; false when it ran out or indexing failed).
  bool WaitVisible(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Acknowledged by Append, not yet durable in the store.
  size_t unindexed_events() const;
  // Events the ingest log held beyond the store's position at start, indexed then.
  int64_t replayed_events() const;
  // Set when the store refused a logged group or a log sync failed: Append then
  // answers Unavailable, and the log is replayed at the next start. Empty while all
  // is well.
  std::string ingest_log_error() const;

  // Writes everything `next` produces in one transaction: all or nothing. `next`
  // fills the vectors with the next chunk and returns false when there is no more.
  using ChunkSource =
      std::function<Result<bool>(std::vector<Event>& events, std::vector<CostRecord>& costs)>;
  Result<IngestResult> ImportAll(const ChunkSource& next);

  // Imports every row of a CSV file in one transaction: all or nothing. `progress`
  // hears the rows read so far after each chunk.
  struct CsvImportResult {
    int64_t rows = 0;
    IngestResult stored;
  };
  Result<CsvImportResult> ImportCsv(CsvReader& reader,
                                    const std::function<void(int64_t rows)>& progress = {});

  Status SetConsent(int64_t profile_id, const std::string& channel, bool granted,
                    const std::string& source);

  // A merged profile's old id answers with the survivor. kTraitsAndConsent reads only
  // traits and consent (senders, before each message).
  Result<Profile> Get(int64_t profile_id, ProfileParts parts = ProfileParts::kAll);
  Result<Profile> FindBy(const std::string& type, const std::string& value);
  Result<TimelinePage> Timeline(TimelineQuery query);

  size_t queued_events() const;

 private:
  using ImportResult = Result<IngestResult>;
  class Impl;
  explicit ProfileService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace unisono
