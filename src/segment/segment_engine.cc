// Loading, incremental and batch evaluation, and the scheduler of the segment engine.
#include <pthread.h>

#include <algorithm>
#include <boost/json.hpp>
#include <limits>

#include "segment/internal/engine_impl.h"

namespace unisono {

using segment::EvalContext;

namespace {
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
constexpr size_t kChunk = 4096;  // profiles per batch task; a multiple of 64 (one bit word)
}  // namespace

SegmentEngine::Impl::Impl(Store& store, Clock& clock, ProfileService* profiles,
                          SegmentEngineOptions options)
    : store_(store), clock_(clock), profiles_(profiles), options_(std::move(options)) {
  segment::CompileStages(options_.stages, options_.catalog, state_, stages_);
}

SegmentEngine::Impl::~Impl() { StopScheduler(); }

void SegmentEngine::Impl::StopScheduler() {
  {
    std::lock_guard<std::mutex> lock(scheduler_mu_);
    stopping_ = true;
  }
  scheduler_cv_.notify_all();
  if (scheduler_.joinable()) scheduler_.join();
}

Status SegmentEngine::Impl::LoadState() {
  state_ = segment::State{};
  stages_ = segment::CompiledStages{};
  segment::CompileStages(options_.stages, options_.catalog, state_, stages_);
  next_check_.clear();
  due_ = {};
  // The memberships the log last recorded, to write only what changed since.
  std::vector<std::pair<int64_t, std::pair<std::string, bool>>> recorded;
  uint32_t entered = state_.dict.Intern("segment_entered");
  uint32_t exited = state_.dict.Intern("segment_exited");
  uint32_t segment_id = state_.dict.Intern("segment_id");
  Status scanned = store_.ScanEventsByProfile(std::nullopt, std::nullopt, [&](const Event& e) {
    state_.AddEvent(e);
    segment::ProfileState& p = state_.Profile(e.profile_id);
    int64_t ts = ToMillis(e.timestamp);
    if (!p.created_ms || ts < p.created_ms) p.created_ms = ts;
    const segment::EventRow& row = p.events.back();
    if (row.system && (row.name == entered || row.name == exited)) {
      if (const segment::Value* v = state_.props.Find(row.props, segment_id)) {
        recorded.push_back(
            {e.profile_id, {std::string(state_.dict.Text(v->str)), row.name == entered}});
      }
    }
    return true;
  });
  if (!scanned.ok()) return scanned;
  Status traits = store_.ScanTraits([&](int64_t id, const std::string& key, const StoredTrait& t) {
    state_.SetTrait(id, key, t.value_json, ToMillis(t.updated_at));
  });
  if (!traits.ok()) return traits;
  Status consents = store_.ScanConsents([&](const ConsentRecord& c) {
    state_.SetConsent(c.profile_id, c.channel, c.granted, ToMillis(c.at));
  });
  if (!consents.ok()) return consents;
  RecompileAll();  // channel and name ids are new
  segment::RefreshChannels(options_.catalog, state_, stages_);

  for (auto& bits : members_) std::fill(bits.begin(), bits.end(), 0);
  std::fill(member_counts_.begin(), member_counts_.end(), 0);
  for (const auto& [profile, entry] : recorded) {
    int s = FindSegment(entry.first);
    if (s >= 0 && !segments_[s].manual()) SetBit(s, profile, entry.second);
  }
  Status lists = store_.ScanListChanges("", [&](const ListChange& c) {
    int s = FindSegment(c.list_id);
    if (s >= 0) SetBit(s, c.profile_id, c.added);
  });
  if (!lists.ok()) return lists;
  // Recorded memberships of profiles that were merged away are gone.
  for (size_t s = 0; s < segments_.size(); ++s) {
    for (int64_t id = 1; id < static_cast<int64_t>(state_.profiles.size()); ++id) {
      if (!state_.profiles[id].live && Bit(static_cast<int>(s), id)) {
        SetBit(static_cast<int>(s), id, false);
      }
    }
  }
  pending_.clear();
  EvaluateSegments(order_, ToMillis(clock_.Now()), pending_);
  return Status::Ok();
}

void SegmentEngine::Impl::SetBit(int segment, int64_t profile, bool on) {
  auto& bits = members_[segment];
  auto word = static_cast<size_t>(profile >> 6);
  if (word >= bits.size()) {
    if (!on) return;
    bits.resize(std::max(word + 1, bits.size() * 3 / 2), 0);
  }
  uint64_t mask = uint64_t{1} << (profile & 63);
  bool was = bits[word] & mask;
  if (was == on) return;
  bits[word] ^= mask;
  member_counts_[segment] += on ? 1 : -1;
}

void SegmentEngine::Impl::Schedule(int64_t profile, int64_t at, int64_t now) {
  if (static_cast<size_t>(profile) >= next_check_.size()) {
    next_check_.resize(std::max<size_t>(profile + 1, state_.profiles.size()), kNever);
  }
  if (at == kNever || next_check_[profile] == at) return;
  if (next_check_[profile] <= at && next_check_[profile] > now) return;  // an earlier check
  next_check_[profile] = at;
  due_.push({at, profile});
}

void SegmentEngine::Impl::CompactDue() {
  // Superseded entries stay in the heap until popped; rebuild it when they dominate.
  if (due_.size() < 2 * next_check_.size() + 1024) return;
  std::vector<Due> live;
  for (size_t id = 1; id < next_check_.size(); ++id) {
    if (next_check_[id] != kNever) live.push_back({next_check_[id], static_cast<int64_t>(id)});
  }
  due_ = decltype(due_)(std::greater<Due>(), std::move(live));
}

void SegmentEngine::Impl::EvaluateProfile(int64_t profile, int64_t now,
                                          std::vector<MembershipChange>& out) {
  const segment::ProfileState* p = state_.Find(profile);
  if (!p) return;
  segment::Evaluator ev = MakeEvaluator();
  EvalContext ctx{now, profile};
  for (int s : order_) {
    bool in = ev.Matches(segments_[s].compiled, *p, ctx);
    if (in != Bit(s, profile)) {
      SetBit(s, profile, in);
      out.push_back({profile, s, in});
    }
  }
  // A full evaluation knows the profile's next moment of change exactly.
  if (static_cast<size_t>(profile) >= next_check_.size()) {
    next_check_.resize(std::max<size_t>(profile + 1, state_.profiles.size()), kNever);
  }
  next_check_[profile] = ctx.next_change;
  if (ctx.next_change != kNever) due_.push({ctx.next_change, profile});
}

void SegmentEngine::Impl::EvaluateSegments(const std::vector<int>& segments, int64_t now,
                                           std::vector<MembershipChange>& out) {
  if (segments.empty()) return;
  size_t n = state_.profiles.size();
  for (int s : segments) {
    if (members_[s].size() * 64 < n) members_[s].resize(n / 64 + 1, 0);
  }
  std::vector<int64_t> next(n, kNever);
  int threads = options_.threads > 0 ? options_.threads
                                     : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::max(1, threads);
  segment::Evaluator ev = MakeEvaluator();
  // One pass over the profiles evaluates every segment asked for (in dependency order,
  // so a segment reading another sees this profile's new bit): each profile's events
  // are fetched from memory once, not once per segment. Chunks are whole bit words, so
  // threads never share a word.
  std::atomic<size_t> next_chunk{0};
  struct alignas(64) PerThread {
    std::vector<MembershipChange> found;
    std::vector<int64_t> delta;
  };
  std::vector<PerThread> per_thread(threads);
  for (auto& pt : per_thread) pt.delta.assign(segments.size(), 0);
  auto work = [&](int t) {
    PerThread& mine = per_thread[t];
    while (true) {
      size_t begin = next_chunk.fetch_add(1) * kChunk;
      if (begin >= n) return;
      size_t end = std::min(n, begin + kChunk);
      for (size_t id = std::max<size_t>(begin, 1); id < end; ++id) {
        const segment::ProfileState& p = state_.profiles[id];
        if (!p.live) continue;
        EvalContext ctx{now, static_cast<int64_t>(id)};
        uint64_t mask = uint64_t{1} << (id & 63);
        for (size_t k = 0; k < segments.size(); ++k) {
          int s = segments[k];
          bool in = ev.Matches(segments_[s].compiled, p, ctx);
          bool was = members_[s][id >> 6] & mask;
          if (in == was) continue;
          members_[s][id >> 6] ^= mask;
          mine.delta[k] += in ? 1 : -1;
          mine.found.push_back({static_cast<int64_t>(id), s, in});
        }
        next[id] = ctx.next_change;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  for (auto& pt : per_thread) {
    for (size_t k = 0; k < segments.size(); ++k) member_counts_[segments[k]] += pt.delta[k];
    out.insert(out.end(), pt.found.begin(), pt.found.end());
  }
  for (size_t id = 1; id < n; ++id) {
    if (next[id] != kNever) Schedule(static_cast<int64_t>(id), next[id], now);
  }
  CompactDue();
}

std::vector<int64_t> SegmentEngine::Impl::MatchingProfiles(const segment::CNode& node,
                                                           int64_t now) const {
  segment::Evaluator ev = MakeEvaluator();
  std::vector<int64_t> out;
  for (size_t id = 1; id < state_.profiles.size(); ++id) {
    const auto& p = state_.profiles[id];
    if (!p.live) continue;
    EvalContext ctx{now, static_cast<int64_t>(id)};
    if (ev.Matches(node, p, ctx)) out.push_back(static_cast<int64_t>(id));
  }
  return out;
}

void SegmentEngine::Impl::ApplyBatch(const WriteBatch& batch, const std::vector<uint8_t>& written,
                                     std::vector<int64_t>& touched) {
  for (const auto& p : batch.profiles) {
    state_.Profile(p.id).created_ms = ToMillis(p.created_at);
    touched.push_back(p.id);
  }
  for (const auto& m : batch.merges) {
    state_.Merge(m.from_profile, m.into_profile);
    for (size_t s = 0; s < segments_.size(); ++s) {
      int si = static_cast<int>(s);
      // A manual list keeps the customer under the surviving profile.
      if (segments_[s].manual() && Bit(si, m.from_profile)) SetBit(si, m.into_profile, true);
      SetBit(si, m.from_profile, false);
    }
    touched.push_back(m.into_profile);
  }
  for (const auto& t : batch.traits) {
    state_.SetTrait(t.profile_id, t.key, t.value_json, ToMillis(t.at));
    touched.push_back(t.profile_id);
  }
  for (const auto& c : batch.consents) {
    state_.SetConsent(c.profile_id, c.channel, c.granted, ToMillis(c.at));
    touched.push_back(c.profile_id);
  }
  for (size_t i = 0; i < batch.events.size(); ++i) {
    if (i < written.size() && !written[i]) continue;  // a duplicate: already applied
    const Event& e = batch.events[i];
    state_.AddEvent(e);
    segment::ProfileState& p = state_.Profile(e.profile_id);
    if (!p.created_ms) p.created_ms = ToMillis(e.timestamp);
    touched.push_back(e.profile_id);
  }
  segment::RefreshChannels(options_.catalog, state_, stages_);
}

void SegmentEngine::Impl::Emit(const std::vector<MembershipChange>& changes) {
  if (!options_.write_events || !profiles_ || changes.empty()) return;
  Timestamp now = clock_.Now();
  std::vector<Event> events;
  events.reserve(changes.size());
  for (const auto& c : changes) {
    const SegmentInfo& info = segments_[c.segment].info;
    Event e;
    e.type = EventType::kTrack;
    e.name = c.entered ? "segment_entered" : "segment_exited";
    e.channel = "unknown";
    e.source = "segment";
    e.profile_id = c.profile;
    e.timestamp = e.original_timestamp = e.received_at = now;
    e.message_id = "seg-" + info.id + "-v" + std::to_string(info.version) + "-" +
                   std::to_string(c.profile) + (c.entered ? "-in-" : "-out-") +
                   std::to_string(ToMillis(now));
    boost::json::object props;
    props["segment_id"] = info.id;
    props["segment_name"] = info.name;
    props["version"] = info.version;
    e.properties_json = boost::json::serialize(props);
    events.push_back(std::move(e));
  }
  profiles_->Submit(std::move(events), [](const Result<IngestResult>&) {});
}

std::vector<int> SegmentEngine::Impl::TopologicalOrder() const {
  std::vector<int> order;
  std::vector<int> mark(segments_.size(), 0);  // 0 new, 1 visiting, 2 done
  std::function<void(int)> visit = [&](int s) {
    if (mark[s]) return;
    mark[s] = 1;
    for (int d : segments_[s].depends_on) visit(d);
    mark[s] = 2;
    if (!segments_[s].deleted && !segments_[s].manual()) order.push_back(s);
  };
  for (size_t s = 0; s < segments_.size(); ++s) visit(static_cast<int>(s));
  return order;
}

std::vector<int> SegmentEngine::Impl::Dependents(int segment) const {
  std::vector<uint8_t> affected(segments_.size(), 0);
  affected[segment] = 1;
  std::vector<int> out;
  for (int s : order_) {  // dependencies come first, so one pass suffices
    for (int d : segments_[s].depends_on) {
      if (affected[d]) affected[s] = 1;
    }
    if (affected[s]) out.push_back(s);
  }
  return out;
}

void SegmentEngine::Impl::RecompileAll() {
  computed_compiled_.clear();
  for (const auto& t : computed_) {
    computed_compiled_.push_back(segment::CompileAggregate(t.aggregate, state_));
  }
  for (auto& def : segments_) {
    if (def.deleted || def.manual() || !def.condition) continue;
    auto compiled = CompileCondition(*def.condition, nullptr);
    // Saved definitions were checked when saved; a failure here means a reference
    // was removed behind the engine's back: match nobody rather than guess.
    def.compiled = compiled.ok() ? std::move(compiled).value() : segment::CNode{};
    if (!compiled.ok()) {
      def.compiled.kind = segment::Condition::Kind::kNot;
      def.compiled.children.emplace_back();
    }
  }
}

// The scheduler thread and the commit hook.

SegmentEngine::SegmentEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SegmentEngine::~SegmentEngine() = default;

Result<std::unique_ptr<SegmentEngine>> SegmentEngine::Create(Store& store, Clock& clock,
                                                             ProfileService* profiles,
                                                             SegmentEngineOptions options) {
  auto impl = std::make_unique<Impl>(store, clock, profiles, std::move(options));
  if (Status s = impl->Load(); !s.ok()) return s;
  return std::unique_ptr<SegmentEngine>(new SegmentEngine(std::move(impl)));
}

void SegmentEngine::OnCommitted(const WriteBatch& batch, const std::vector<uint8_t>& written) {
  std::vector<MembershipChange> changes;
  {
    std::unique_lock lock(impl_->mu_);
    std::vector<int64_t> touched;
    impl_->ApplyBatch(batch, written, touched);
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    int64_t now = ToMillis(impl_->clock_.Now());
    for (int64_t id : touched) impl_->EvaluateProfile(id, now, changes);
    impl_->CompactDue();
    impl_->Emit(changes);
  }
}

Status SegmentEngine::Reload() {
  std::unique_lock lock(impl_->mu_);
  if (Status s = impl_->LoadState(); !s.ok()) return s;
  impl_->Emit(impl_->pending_);
  impl_->pending_.clear();
  return Status::Ok();
}

size_t SegmentEngine::ReevaluateAll() {
  std::unique_lock lock(impl_->mu_);
  std::vector<MembershipChange> changes;
  impl_->EvaluateSegments(impl_->order_, ToMillis(impl_->clock_.Now()), changes);
  impl_->Emit(changes);
  return changes.size();
}

size_t SegmentEngine::RunDue() {
  std::unique_lock lock(impl_->mu_);
  int64_t now = ToMillis(impl_->clock_.Now());
  std::vector<MembershipChange> changes;
  size_t evaluated = 0;
  auto& due = impl_->due_;
  while (!due.empty() && due.top().first <= now) {
    auto [at, profile] = due.top();
    due.pop();
    if (impl_->next_check_[profile] != at) continue;  // superseded
    impl_->EvaluateProfile(profile, now, changes);
    ++evaluated;
  }
  impl_->Emit(changes);
  return evaluated;
}

void SegmentEngine::StartScheduler(Millis period) {
  {
    std::unique_lock lock(impl_->mu_);
    impl_->Emit(impl_->pending_);
    impl_->pending_.clear();
  }
  impl_->scheduler_ = std::thread([this, period] {
    pthread_setname_np(pthread_self(), "unisono-segment");
    std::unique_lock<std::mutex> lock(impl_->scheduler_mu_);
    while (!impl_->stopping_) {
      impl_->scheduler_cv_.wait_for(lock, period);
      if (impl_->stopping_) break;
      lock.unlock();
      RunDue();
      lock.lock();
    }
  });
}

void SegmentEngine::StopScheduler() { impl_->StopScheduler(); }

SegmentEngine::Stats SegmentEngine::stats() const {
  std::shared_lock lock(impl_->mu_);
  Stats s;
  for (const auto& p : impl_->state_.profiles) s.profiles += p.live;
  s.events = impl_->state_.EventCount();
  s.bytes = impl_->state_.Bytes();
  for (const auto& d : impl_->segments_) s.segments += !d.deleted;
  return s;
}

}  // namespace unisono
