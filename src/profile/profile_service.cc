// The write path: a single commit thread owns the identity graph and turns queued
// submissions into group commits. Submissions that arrive while a commit is running
// wait in the queue and share the next transaction, so throughput grows with load.
// Commits are pipelined: the commit thread writes group N+1 while a sync thread
// waits for the disk to make group N durable, and only then acknowledges group N.
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
};

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
    return Status::Ok();
  }

  void Stop() {
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
      queue_.emplace_back(Submission{std::move(events), std::move(done)});
    }
    cv_.notify_one();
  }

  void RunTask(Task task) {
    std::promise<void> finished;
    {
      std::lock_guard<std::mutex> lock(mu_);
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

  Store& store_;
  Clock& clock_;
  ProfileServiceOptions options_;
  IdentityGraph graph_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::variant<Submission, Task>> queue_;
  size_t queued_events_ = 0;
  bool stopping_ = false;
  std::thread thread_;

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
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and drained
    if (auto* task = std::get_if<Task>(&queue_.front())) {
      Task t = std::move(*task);
      queue_.pop_front();
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
    std::vector<Submission> group;
    size_t events = 0;
    while (!queue_.empty() && std::holds_alternative<Submission>(queue_.front()) &&
           (group.empty() || events < options_.max_group_events)) {
      auto& s = std::get<Submission>(queue_.front());
      events += s.events.size();
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
  for (auto& s : group) {
    sizes.push_back(s.events.size());
    for (auto& e : s.events) Resolve(e, batch);
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
    for (auto& s : group) s.done(result.status());
    return;
  }
  if (options_.on_committed) options_.on_committed(batch, result->written);
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
