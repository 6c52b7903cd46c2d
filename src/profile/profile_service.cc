// The write path: a single commit thread owns the identity graph and turns queued
// submissions into group commits. Submissions that arrive while a commit is running
// wait in the queue and share the next transaction, so throughput grows with load.
// Commits are pipelined: the commit thread writes group N+1 while a sync thread
// waits for the disk to make group N durable, and only then acknowledges group N.
// Append puts a log thread in front: it makes submissions durable in the ingest log
// with one append and one fdatasync per batch, acknowledges them, and queues them for
// the commit thread, which records the last log seq it indexed in the same transaction.
#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <variant>

#include "profile/profile.h"

namespace unisono {
namespace {

struct Submission {
  std::vector<Event> events;
  ProfileService::Done done;
  int64_t log_seq = 0;  // its ingest log record, if it came through Append
};

// The store setting holding the last ingest log seq indexed.
constexpr const char* kLogSeqSetting = "ingest_log_seq";

// Work that needs the commit thread to itself (a one-transaction import).
using Task = std::function<void()>;

// Replaces a merged profile id in everything a batch already holds.
void Repoint(WriteBatch& b, int64_t from, int64_t into) {
  for (auto& e : b.events) e.profile_id = e.profile_id == from ? into : e.profile_id;
  for (auto& t : b.traits) t.profile_id = t.profile_id == from ? into : t.profile_id;
  for (auto& c : b.consents) c.profile_id = c.profile_id == from ? into : c.profile_id;
  for (auto& i : b.identifiers) i.profile_id = i.profile_id == from ? into : i.profile_id;
}

std::string JsonStringValue(const std::string& json) {
  if (json.size() < 2 || json.front() != '"' || json.back() != '"') return json;
  std::string out;
  for (size_t i = 1; i + 1 < json.size(); ++i) {
    if (json[i] == '\\' && i + 2 < json.size()) ++i;
    out.push_back(json[i]);
  }
  return out;
}

}  // namespace

class ProfileService::Impl {
 public:
  Impl(Store& store, Clock& clock, ProfileServiceOptions options)
      : store_(store), clock_(clock), options_(std::move(options)), graph_(options_.identity) {}

  Status Start() {
    if (Status s = graph_.Load(store_); !s.ok()) return s;
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "unisono-commit");
      Run();
    });
    for (auto& t : sync_threads_) {
      t = std::thread([this] {
        pthread_setname_np(pthread_self(), "unisono-sync");
        RunSync();
      });
    }
    if (options_.ingest_log_dir.empty()) return Status::Ok();
    if (Status s = OpenLog(); !s.ok()) {
      Stop();
      return s;
    }
    log_thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "unisono-log");
      RunLog();
    });
    return Status::Ok();
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(log_mu_);
      log_stopping_ = true;
    }
    log_cv_.notify_all();
    visible_cv_.notify_all();
    if (log_thread_.joinable()) log_thread_.join();
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    {
      std::lock_guard<std::mutex> lock(sync_mu_);
      sync_stopping_ = true;
    }
    sync_cv_.notify_all();
    for (auto& t : sync_threads_) {
      if (t.joinable()) t.join();
    }
  }

  // Normalises identifiers in place; an event left with none is an error.
  Status Prepare(std::vector<Event>& events, size_t first_index) {
    for (size_t i = 0; i < events.size(); ++i) {
      Event& e = events[i];
      std::vector<Identifier> kept;
      Status last_error;
      for (auto& id : e.identifiers) {
        auto value = NormaliseIdentifier(id.type, id.value, options_.identity);
        if (value.ok()) {
          kept.push_back({id.type, std::move(value).value()});
        } else {
          last_error = value.status();
        }
      }
      if (kept.empty() && e.type != EventType::kAlias && e.profile_id <= 0) {
        std::string why = last_error.ok() ? "it carries no identifier" : last_error.message();
        return Status::InvalidArgument("event " + std::to_string(first_index + i) + ": " + why)
            .WithIndex(static_cast<int>(first_index + i));
      }
      e.identifiers = std::move(kept);
    }
    return Status::Ok();
  }

  void Submit(std::vector<Event> events, Done done) {
    if (Status s = Prepare(events, 0); !s.ok()) {
      done(s);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      queued_events_ += events.size();
      ++queued_direct_;
      queue_.emplace_back(Submission{std::move(events), std::move(done)});
    }
    cv_.notify_one();
  }

  // Whether the commit thread should stop gathering: someone waits on a submission
  // (not logged) or a task, the group is full, or a reader waits for a logged record.
  // Needs mu_.
  bool GroupReady() const {
    return queued_direct_ > 0 || queued_events_ >= options_.max_group_events ||
           read_wants_seq_ > taken_seq_;
  }

  void RunTask(Task task) {
    std::promise<void> finished;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++queued_direct_;
      queue_.emplace_back([&] {
        task();
        finished.set_value();
      });
    }
    cv_.notify_one();
    finished.get_future().wait();
  }

  // Adds one event, resolved to its profile, to the batch.
  void Resolve(Event& e, WriteBatch& b) {
    if (!(e.identifiers.empty() && e.profile_id > 0 && e.type != EventType::kAlias)) {
      Resolution r = e.type == EventType::kAlias
                         ? graph_.Alias(e.previous_id, e.user_id, e.timestamp)
                         : graph_.Resolve(e.identifiers, e.timestamp);
      for (auto& p : r.created) b.profiles.push_back(p);
      for (auto& m : r.merges) {
        Repoint(b, m.from_profile, m.into_profile);
        b.merges.push_back(m);
      }
      for (auto& i : r.attached) b.identifiers.push_back(std::move(i));
      e.profile_id = r.profile_id;
    }  // else already resolved by unisono itself (a journey setting a trait, say)
    for (auto& t : e.traits) {
      if (t.key == "consent") continue;  // kept as consent history instead
      b.traits.push_back({e.profile_id, t.key, t.json, e.timestamp});
    }
    for (auto& c : e.consents) {
      std::string source = EventTypeName(e.type);
      if (!e.source.empty()) source += " via " + e.source;
      b.consents.push_back({e.profile_id, c.channel, c.granted, source, e.timestamp});
    }
    b.events.push_back(std::move(e));
  }

  ProfileService::ImportResult Import(const ChunkSource& next);

  void Append(std::vector<Event> events, Done done) {
    if (!log_) return Submit(std::move(events), std::move(done));
    if (Status s = Prepare(events, 0); !s.ok()) {
      done(s);
      return;
    }
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(log_mu_);
      log_queue_.push_back(Submission{std::move(events), std::move(done)});
      // A log thread that is writing or syncing looks at the queue when it is done.
      wake = log_idle_;
    }
    if (wake) log_cv_.notify_one();
  }

  bool WaitVisible(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(log_mu_);
    const int64_t target = acked_seq_;
    if (visible_seq_ < target) {
      // A reader is waiting: the commit thread ends its gather for this record.
      lock.unlock();
      {
        std::lock_guard<std::mutex> queue_lock(mu_);
        read_wants_seq_ = std::max(read_wants_seq_, target);
      }
      cv_.notify_one();
      lock.lock();
    }
    return visible_cv_.wait_for(lock, timeout, [&] {
      return visible_seq_ >= target || !log_error_.empty() || log_stopping_;
    }) && visible_seq_ >= target;
  }

  // Called by the commit thread once a group is in the store (not yet durable).
  void MarkVisible(int64_t log_seq) {
    {
      std::lock_guard<std::mutex> lock(log_mu_);
      visible_seq_ = std::max(visible_seq_, log_seq);
    }
    visible_cv_.notify_all();
  }

  void LogFailed(const std::string& why) {
    {
      std::lock_guard<std::mutex> lock(log_mu_);
      if (log_error_.empty()) log_error_ = why;
    }
    log_cv_.notify_all();
    visible_cv_.notify_all();
  }

  Status OpenLog();
  void RunLog();

  Store& store_;
  Clock& clock_;
  ProfileServiceOptions options_;
  IdentityGraph graph_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::variant<Submission, Task>> queue_;
  size_t queued_events_ = 0;
  size_t queued_direct_ = 0;  // queued submissions someone waits on (not logged), tasks
  std::chrono::steady_clock::time_point last_commit_{};
  bool stopping_ = false;
  bool commit_idle_ = false;    // the commit thread waits for an empty queue to fill
  int64_t read_wants_seq_ = 0;  // a reader waits for this logged record to be visible
  int64_t taken_seq_ = 0;       // the last logged record the commit thread took
  std::thread thread_;

  // The ingest log and its thread; log_mu_ guards everything below it.
  std::unique_ptr<IngestLog> log_;
  mutable std::mutex log_mu_;
  std::condition_variable log_cv_;      // work for the log thread, or room below the cap
  std::condition_variable visible_cv_;  // visible_seq_ moved
  std::vector<Submission> log_queue_;
  int64_t acked_seq_ = 0;        // durable in the log and acknowledged
  int64_t visible_seq_ = 0;      // committed to the store, visible to reads
  int64_t indexed_seq_ = 0;      // durable in the store: the log may drop it
  size_t unindexed_events_ = 0;  // acknowledged, not yet durable in the store
  std::string log_error_;        // the store refused a logged group
  bool log_stopping_ = false;
  bool log_idle_ = false;  // the log thread waits for work
  std::thread log_thread_;

 private:
  // A committed group waiting for the disk before its submitters hear back.
  struct Committed {
    uint64_t seq = 0;
    std::vector<Submission> group;
    std::vector<IngestResult> results;
    size_t events = 0;
    std::chrono::steady_clock::time_point started;
  };

  void Run();
  void RunSync();
  void CommitGroup(std::vector<Submission>& group);

  // Two syncs may be in flight: a group committed while the disk is busy with the
  // previous sync starts its own fdatasync at once instead of queueing behind it.
  static constexpr int kSyncThreads = 2;

  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  std::condition_variable sync_taken_cv_;  // every committed group has a sync started
  std::deque<Committed> committed_;        // committed, not yet acknowledged, in order
  uint64_t committed_seq_ = 0;             // last group committed
  uint64_t sync_started_seq_ = 0;          // last group a started sync covers
  uint64_t durable_seq_ = 0;               // last group known durable
  int syncs_running_ = 0;
  bool sync_stopping_ = false;
  std::thread sync_threads_[kSyncThreads];
};

void ProfileService::Impl::RunSync() {
  std::unique_lock<std::mutex> lock(sync_mu_);
  while (true) {
    sync_cv_.wait(lock, [&] {
      return (committed_seq_ > sync_started_seq_ && syncs_running_ < kSyncThreads) ||
             (sync_stopping_ && committed_.empty());
    });
    if (committed_seq_ == sync_started_seq_) return;  // stopping, and drained
    // An fdatasync makes every group committed before it started durable.
    uint64_t target = committed_seq_;
    sync_started_seq_ = target;
    ++syncs_running_;
    lock.unlock();
    sync_taken_cv_.notify_all();
    Status synced = store_.Sync();
    lock.lock();
    --syncs_running_;
    if (synced.ok()) durable_seq_ = std::max(durable_seq_, target);
    // Acknowledge in commit order whatever is durable now (or failed with this sync).
    std::vector<Committed> done;
    while (!committed_.empty() && committed_.front().seq <= (synced.ok() ? durable_seq_ : target)) {
      done.push_back(std::move(committed_.front()));
      committed_.pop_front();
    }
    lock.unlock();
    sync_cv_.notify_all();
    for (auto& c : done) {
      if (synced.ok() && options_.on_commit) {
        auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - c.started)
                          .count();
        options_.on_commit(c.events, micros);
      }
      for (size_t i = 0; i < c.group.size(); ++i) {
        if (synced.ok()) {
          c.group[i].done(c.results[i]);
        } else {
          c.group[i].done(synced);
        }
      }
    }
    lock.lock();
  }
}

void ProfileService::Impl::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    commit_idle_ = true;
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    commit_idle_ = false;
    if (queue_.empty()) return;  // stopping, and drained
    if (auto* task = std::get_if<Task>(&queue_.front())) {
      Task t = std::move(*task);
      queue_.pop_front();
      --queued_direct_;
      lock.unlock();
      t();
      lock.lock();
      continue;
    }
    // Stay at most one group ahead of the disk: while the previous group waits for
    // the sync thread, more submissions gather into the next, so each commit (and
    // each WAL page it writes) carries more events.
    lock.unlock();
    {
      std::unique_lock<std::mutex> sync_lock(sync_mu_);
      sync_taken_cv_.wait(sync_lock, [&] { return committed_seq_ == sync_started_seq_; });
    }
    lock.lock();
    // Logged submissions are acknowledged already: let them gather for a few
    // milliseconds, since SQLite's cost per commit dwarfs its cost per event.
    auto gathered = [&] { return stopping_ || GroupReady(); };
    if (!gathered()) cv_.wait_until(lock, last_commit_ + options_.index_gather, gathered);
    last_commit_ = std::chrono::steady_clock::now();
    std::vector<Submission> group;
    size_t events = 0;
    while (!queue_.empty() && std::holds_alternative<Submission>(queue_.front()) &&
           (group.empty() || events < options_.max_group_events)) {
      auto& s = std::get<Submission>(queue_.front());
      events += s.events.size();
      if (s.log_seq == 0) --queued_direct_;
      taken_seq_ = std::max(taken_seq_, s.log_seq);
      group.push_back(std::move(s));
      queue_.pop_front();
    }
    queued_events_ -= events;
    lock.unlock();
    CommitGroup(group);
    lock.lock();
  }
}

void ProfileService::Impl::CommitGroup(std::vector<Submission>& group) {
  auto started = std::chrono::steady_clock::now();
  WriteBatch batch;
  std::vector<size_t> sizes;
  int64_t log_seq = 0;
  size_t count = 0;
  for (const auto& s : group) count += s.events.size();
  batch.events.reserve(count);  // an Event is large: moving it twice costs
  for (auto& s : group) {
    sizes.push_back(s.events.size());
    log_seq = std::max(log_seq, s.log_seq);
    for (auto& e : s.events) Resolve(e, batch);
  }
  if (log_seq > 0) {
    // After a refused group the position stays where it was, so the next start
    // replays the refused records instead of skipping them.
    std::lock_guard<std::mutex> lock(log_mu_);
    if (log_error_.empty()) batch.settings.emplace_back(kLogSeqSetting, std::to_string(log_seq));
  }
  size_t total = batch.events.size();
  Result<WriteResult> result = Status::Internal("not written");
  if (auto tx = store_.BeginWrite(); !tx.ok()) {
    result = tx.status();
  } else if (result = (*tx)->Write(batch); result.ok()) {
    if (Status s = (*tx)->CommitDeferred(); !s.ok()) result = s;
  }
  if (!result.ok()) {
    // The graph already holds this group's changes; the store is the truth.
    if (Status s = graph_.Load(store_); !s.ok()) {
      result = Status::Internal(result.status().message() +
                                "; reloading identities also failed: " + s.message());
    }
    if (log_seq > 0) LogFailed("the store refused logged events: " + result.status().message());
    for (auto& s : group) s.done(result.status());
    return;
  }
  if (options_.on_committed) options_.on_committed(batch, result->written);
  if (log_seq > 0) MarkVisible(log_seq);
  // Durable only after a sync thread's fdatasync: hand the group over, unacknowledged.
  Committed committed;
  committed.events = total;
  committed.started = started;
  size_t offset = 0;
  for (size_t i = 0; i < group.size(); ++i) {
    IngestResult r;
    for (size_t k = 0; k < sizes[i]; ++k) {
      (result->written[offset + k] ? r.accepted : r.duplicates)++;
    }
    offset += sizes[i];
    committed.results.push_back(r);
  }
  committed.group = std::move(group);
  {
    std::lock_guard<std::mutex> lock(sync_mu_);
    committed.seq = ++committed_seq_;
    committed_.push_back(std::move(committed));
  }
  sync_cv_.notify_all();
}

// Replays what the log holds beyond the position the store recorded, as one stream of
// submissions, and waits until all of it is durable before the log drops its files.
Status ProfileService::Impl::OpenLog() {
  auto setting = store_.GetSetting(kLogSeqSetting);
  if (!setting.ok()) return setting.status();
  int64_t indexed = 0;
  if (*setting) {
    try {
      indexed = std::stoll(**setting);
    } catch (const std::exception&) {
      return Status::Internal("the store's " + std::string(kLogSeqSetting) + " setting is '" +
                              **setting + "', not a number");
    }
  }
  std::mutex mu;
  std::condition_variable cv;
  size_t pending = 0;
  Status failed;
  auto replay = [&](IngestLog::Record record) -> Status {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!failed.ok()) return failed;
      ++pending;
    }
    Submission sub{std::move(record.events),
                   [&](const Result<IngestResult>& r) {
                     std::lock_guard<std::mutex> lock(mu);
                     if (!r.ok() && failed.ok()) failed = r.status();
                     --pending;
                     cv.notify_all();
                   },
                   record.seq};
    {
      // Prepared before they were logged.
      std::lock_guard<std::mutex> lock(mu_);
      queued_events_ += sub.events.size();
      queue_.emplace_back(std::move(sub));
    }
    cv_.notify_one();
    return Status::Ok();
  };
  auto replayed = [&]() -> Status {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return pending == 0; });
    return failed;
  };
  auto log = IngestLog::Open(options_.ingest_log_dir, indexed, replay, replayed);
  if (!log.ok()) {
    // Submissions already queued still finish before the caller's Stop.
    (void)replayed();
    return Status(log.status().code(), "ingest log: " + log.status().message());
  }
  log_ = std::move(log).value();
  acked_seq_ = visible_seq_ = indexed_seq_ = log_->last_seq();
  return Status::Ok();
}

// Group commit on the log: the log thread takes every waiting submission, writes them
// as one append, makes them durable with one fdatasync, acknowledges them and hands
// them to the commit thread. Whatever arrives during the sync waits for the next one.
// (Two threads with two syncs in flight made more, smaller syncs: each costs tens of
// microseconds of kernel time, and the CPU, not the disk, bounds ingest here.)
void ProfileService::Impl::RunLog() {
  std::unique_lock<std::mutex> lock(log_mu_);
  while (true) {
    log_idle_ = true;
    log_cv_.wait(lock, [&] {
      if (!log_queue_.empty()) {
        return !log_error_.empty() || unindexed_events_ < options_.max_unindexed_events;
      }
      return log_stopping_;
    });
    log_idle_ = false;
    if (log_queue_.empty()) return;  // stopping, and nothing left to write
    std::vector<Submission> done = std::move(log_queue_);
    log_queue_.clear();
    const std::string error = log_error_;
    const int64_t release_to = indexed_seq_;
    lock.unlock();
    auto first = Result<int64_t>(Status::Internal("not written"));
    if (!error.empty()) {
      first = Status::Unavailable("ingest is stopped (" + error +
                                  "); what was acknowledged is kept in the ingest log and "
                                  "indexed at the next start: restart the server");
    } else {
      if (Status s = log_->Release(release_to); !s.ok()) {
        // Only disk space is at stake: the files are removed at the next start.
        (void)s;
      }
      std::vector<const std::vector<Event>*> records;
      for (const auto& sub : done) records.push_back(&sub.events);
      const auto started = std::chrono::steady_clock::now();
      first = log_->Append(records);
      if (first.ok() && options_.on_log_sync) {
        options_.on_log_sync(done.size(), std::chrono::duration_cast<std::chrono::microseconds>(
                                              std::chrono::steady_clock::now() - started)
                                              .count());
      }
      if (!log_->broken().empty()) LogFailed("the ingest log failed to sync: " + log_->broken());
    }
    if (!first.ok()) {
      for (auto& sub : done) sub.done(first.status());
      lock.lock();
      continue;
    }
    size_t events = 0;
    for (size_t i = 0; i < done.size(); ++i) {
      done[i].log_seq = *first + static_cast<int64_t>(i);
      events += done[i].events.size();
    }
    lock.lock();
    acked_seq_ = done.back().log_seq;
    unindexed_events_ += events;
    lock.unlock();
    for (auto& sub : done) {
      sub.done(IngestResult{sub.events.size(), 0});
      sub.done = [this, seq = sub.log_seq, n = sub.events.size()](const Result<IngestResult>& r) {
        bool room_again = false;  // the log thread may be waiting for the cap
        if (r.ok()) {
          // Refused events stay unindexed (and counted so) until a restart replays them.
          std::lock_guard<std::mutex> indexed_lock(log_mu_);
          indexed_seq_ = std::max(indexed_seq_, seq);
          room_again = unindexed_events_ >= options_.max_unindexed_events &&
                       unindexed_events_ - n < options_.max_unindexed_events;
          unindexed_events_ -= n;
        }
        if (room_again) log_cv_.notify_all();
        if (!r.ok()) {
          LogFailed("the store refused logged events: " + r.status().message());
        } else if (options_.on_indexed) {
          options_.on_indexed(r->accepted, r->duplicates);
        }
      };
    }
    bool wake = false;
    {
      std::lock_guard<std::mutex> queue_lock(mu_);
      queued_events_ += events;
      for (auto& sub : done) queue_.emplace_back(std::move(sub));
      // While the commit thread gathers, more logged events only matter when they
      // make the group ready.
      wake = commit_idle_ || GroupReady();
    }
    if (wake) cv_.notify_one();
    lock.lock();
  }
}

ProfileService::ImportResult ProfileService::Impl::Import(const ChunkSource& next) {
  auto tx = store_.BeginWrite();
  if (!tx.ok()) return tx.status();
  IngestResult total;
  size_t index = 0;
  auto fail = [&](Status s) -> ImportResult {
    tx->reset();  // rolls back
    if (Status reload = graph_.Load(store_); !reload.ok()) return reload;
    return s;
  };
  while (true) {
    std::vector<Event> events;
    std::vector<CostRecord> costs;
    auto more = next(events, costs);
    if (!more.ok()) return fail(more.status());
    if (Status s = Prepare(events, index); !s.ok()) return fail(s);
    index += events.size();
    WriteBatch batch;
    for (auto& e : events) Resolve(e, batch);
    batch.costs = std::move(costs);
    auto written = (*tx)->Write(batch);
    if (!written.ok()) return fail(written.status());
    total.accepted += written->events_written;
    total.duplicates += written->duplicates;
    if (!*more) break;
  }
  if (Status s = (*tx)->Commit(); !s.ok()) return fail(s);
  if (options_.on_bulk_import) options_.on_bulk_import();
  return total;
}

ProfileService::ProfileService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ProfileService::~ProfileService() { impl_->Stop(); }

Result<std::unique_ptr<ProfileService>> ProfileService::Create(Store& store, Clock& clock,
                                                               ProfileServiceOptions options) {
  auto impl = std::make_unique<Impl>(store, clock, std::move(options));
  if (Status s = impl->Start(); !s.ok()) return s;
  return std::unique_ptr<ProfileService>(new ProfileService(std::move(impl)));
}

void ProfileService::Submit(std::vector<Event> events, Done done) {
  impl_->Submit(std::move(events), std::move(done));
}

Result<IngestResult> ProfileService::SubmitAndWait(std::vector<Event> events) {
  std::promise<Result<IngestResult>> promise;
  auto future = promise.get_future();
  Submit(std::move(events), [&](const Result<IngestResult>& r) { promise.set_value(r); });
  return future.get();
}

void ProfileService::Append(std::vector<Event> events, Done done) {
  impl_->Append(std::move(events), std::move(done));
}

bool ProfileService::WaitVisible(std::chrono::milliseconds timeout) {
  return impl_->WaitVisible(timeout);
}

size_t ProfileService::unindexed_events() const {
  std::lock_guard<std::mutex> lock(impl_->log_mu_);
  return impl_->unindexed_events_;
}

int64_t ProfileService::replayed_events() const {
  return impl_->log_ ? impl_->log_->open_report().events : 0;
}

std::string ProfileService::ingest_log_error() const {
  std::lock_guard<std::mutex> lock(impl_->log_mu_);
  return impl_->log_error_;
}

Result<IngestResult> ProfileService::ImportAll(const ChunkSource& next) {
  ImportResult result = Status::Internal("import did not run");
  impl_->RunTask([&] { result = impl_->Import(next); });
  return result;
}

Result<ProfileService::CsvImportResult> ProfileService::ImportCsv(
    CsvReader& reader, const std::function<void(int64_t rows)>& progress) {
  constexpr size_t kChunk = 5000;
  CsvImportResult out;
  auto stored =
      ImportAll([&](std::vector<Event>& events, std::vector<CostRecord>& costs) -> Result<bool> {
        CsvRecord record;
        while (events.size() + costs.size() < kChunk) {
          auto more = reader.Next(record);
          if (!more.ok()) return more.status();
          if (!*more) return false;
          ++out.rows;
          if (record.event) events.push_back(std::move(*record.event));
          if (record.cost) costs.push_back(std::move(*record.cost));
          record = CsvRecord{};
        }
        if (progress) progress(out.rows);
        return true;
      });
  if (!stored.ok()) return stored.status();
  out.stored = *stored;
  return out;
}

Status ProfileService::SetConsent(int64_t profile_id, const std::string& channel, bool granted,
                                  const std::string& source) {
  auto id = impl_->store_.ResolveProfileId(profile_id);
  if (!id.ok()) return id.status();
  WriteBatch b;
  b.consents.push_back({*id, channel, granted, source, impl_->clock_.Now()});
  auto r = impl_->store_.Apply(b);
  if (!r.ok()) return r.status();
  if (impl_->options_.on_committed) impl_->options_.on_committed(b, r->written);
  return Status::Ok();
}

Result<Profile> ProfileService::Get(int64_t profile_id, ProfileParts parts) {
  auto id = impl_->store_.ResolveProfileId(profile_id);
  if (!id.ok()) return id.status();
  auto record = impl_->store_.LoadProfile(*id, parts);
  if (!record.ok()) return record.status();
  Profile p;
  p.record = std::move(record).value();
  for (const auto& c : p.record.consent_history) {
    p.consent[c.channel] = ConsentState{c.granted, c.source, c.at};  // history is oldest first
  }
  if (auto it = p.record.traits.find("owner_rep"); it != p.record.traits.end()) {
    p.owner_rep = JsonStringValue(it->second.value_json);
  }
  return p;
}

Result<Profile> ProfileService::FindBy(const std::string& type, const std::string& value) {
  auto normalised = NormaliseIdentifier(type, value, impl_->options_.identity);
  if (!normalised.ok()) return normalised.status();
  auto id = impl_->store_.FindProfileId(type, *normalised);
  if (!id.ok()) return id.status();
  if (!*id) return Status::NotFound("no profile has " + type + " '" + value + "'");
  return Get(**id);
}

Result<TimelinePage> ProfileService::Timeline(TimelineQuery query) {
  auto id = impl_->store_.ResolveProfileId(query.profile_id);
  if (!id.ok()) return id.status();
  query.profile_id = *id;
  return impl_->store_.Timeline(query);
}

size_t ProfileService::queued_events() const {
  std::lock_guard<std::mutex> lock(impl_->mu_);
  return impl_->queued_events_;
}

}  // namespace unisono
