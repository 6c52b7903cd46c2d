// SegmentEngine's state, shared by the files that implement it: segment_engine.cc
// (loading, incremental and batch evaluation, the scheduler) and segment_api.cc
// (definitions, previews, members, manual lists, computed traits).
#pragma once

#include <condition_variable>
#include <queue>
#include <shared_mutex>
#include <thread>

#include "segment/internal/evaluator.h"
#include "segment/segment.h"

namespace unisono {

struct SegmentDef {
  SegmentInfo info;                 // `members` is filled on read
  segment::ConditionPtr condition;  // rule segments
  segment::CNode compiled;
  std::vector<int> depends_on;  // segment indices it reads
  bool deleted = false;
  bool manual() const { return info.kind == "manual"; }
};

struct UserComputedTrait {
  ComputedTraitInfo info;
  segment::Aggregate aggregate;
};

// A membership change to write as an event.
struct MembershipChange {
  int64_t profile = 0;
  int segment = 0;
  bool entered = true;
};

class SegmentEngine::Impl {
 public:
  Impl(Store& store, Clock& clock, ProfileService* profiles, SegmentEngineOptions options);
  ~Impl();

  Status Load();
  void StopScheduler();  // definitions, then the state, then memberships
  void Emit(const std::vector<MembershipChange>& changes);

  // Evaluates every rule segment for one profile (in dependency order), updating
  // bits and the profile's next check. Requires the exclusive lock.
  void EvaluateProfile(int64_t profile, int64_t now, std::vector<MembershipChange>& out);
  // Evaluates the given segments (in order) for every profile, on all threads.
  void EvaluateSegments(const std::vector<int>& segments, int64_t now,
                        std::vector<MembershipChange>& out);
  // Every profile where `node` holds, at `now`.
  std::vector<int64_t> MatchingProfiles(const segment::CNode& node, int64_t now) const;
  void Schedule(int64_t profile, int64_t at, int64_t now);
  void CompactDue();
  void SetBit(int segment, int64_t profile, bool on);
  bool Bit(int segment, int64_t profile) const {
    return segment::TestBit(members_[segment], profile);
  }
  std::vector<int> TopologicalOrder() const;
  std::vector<int> Dependents(int segment) const;  // itself, then what reads it, in order
  segment::Evaluator MakeEvaluator() const {
    return segment::Evaluator{state_, stages_, computed_compiled_, members_};
  }
  int FindSegment(const std::string& id_or_name) const;
  int FindComputed(const std::string& name) const;
  Status ResolveSegmentNames(segment::Condition& root) const;
  Result<segment::CNode> CompileCondition(const segment::Condition& c, std::vector<int>* deps);
  void RecompileAll();
  Status SaveSegment(const SegmentDef& def);
  Status SaveComputed(const UserComputedTrait& t);
  SegmentInfo Info(int index) const;
  void ApplyBatch(const WriteBatch& batch, const std::vector<uint8_t>& written,
                  std::vector<int64_t>& touched);
  Status LoadState();

  Store& store_;
  Clock& clock_;
  ProfileService* profiles_;
  SegmentEngineOptions options_;

  mutable std::shared_mutex mu_;
  segment::State state_;
  segment::CompiledStages stages_;
  std::vector<SegmentDef> segments_;
  std::vector<std::vector<uint64_t>> members_;  // by segment: bitmap by profile id
  std::vector<int64_t> member_counts_;
  std::vector<int> order_;  // rule segments, dependencies first
  std::vector<UserComputedTrait> computed_;
  std::vector<segment::CAggregate> computed_compiled_;
  int next_segment_number_ = 1;

  // Scheduler: profiles to re-evaluate when a window moves.
  std::vector<int64_t> next_check_;         // by profile id; max: none
  using Due = std::pair<int64_t, int64_t>;  // time, profile
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;

  std::vector<MembershipChange> pending_;  // found while loading, emitted on Start

  // Journeys' branch conditions, compiled once per text (guarded by mu_).
  std::map<std::string, segment::CNode> conditions_;

  std::mutex scheduler_mu_;
  std::condition_variable scheduler_cv_;
  bool stopping_ = false;
  std::thread scheduler_;
};

}  // namespace unisono
