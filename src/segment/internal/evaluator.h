// Definitions compiled against the interned state (names, channels and property keys
// as ids), and their evaluation for one profile at one time. Evaluation reads only,
// so batch evaluation runs it on many threads at once. Every time window also reports
// the next moment its answer could change, which drives the scheduler.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include "segment/internal/ast.h"
#include "segment/internal/state.h"
#include "segment/segment.h"

namespace unisono::segment {

struct CLiteral {
  Literal literal;
  uint32_t str = 0;  // interned text of a string literal
};

struct CFilter {
  uint32_t key = 0;
  CompareOp op = CompareOp::kEq;
  std::vector<CLiteral> values;
};

struct CSelector {
  bool any_type = true;
  EventType type = EventType::kTrack;
  uint32_t name = 0;        // 0: any
  uint16_t channel = 0;     // 0: any
  bool impossible = false;  // names a channel no event has yet: matches nothing
  std::vector<CFilter> where;
  Window window;
};

struct CAggregate {
  AggregateFn fn = AggregateFn::kCount;
  uint32_t property = 0;  // 0: none
  CSelector events;
};

enum class Builtin {
  kNone,
  kEngagementScore,  // per channel: `engagement_score.email`
  kPreferredChannel,
  kOnlineShare,
  kOnlineEvents,
  kOfflineEvents,
  kRelationshipStage,
  kJourneyStage,
};

struct CNode {
  Condition::Kind kind = Condition::Kind::kTrue;
  std::vector<CNode> children;
  uint32_t key = 0;      // trait key
  uint16_t channel = 0;  // consent, engagement score
  int segment = -1;      // membership: index into the engine's segments
  int computed = -1;     // user-defined computed trait: index into Evaluator::computed
  Builtin builtin = Builtin::kNone;
  CompareOp op = CompareOp::kExists;
  std::vector<CLiteral> values;
  CAggregate aggregate;
};

// The built-in computed traits, with names and channels resolved.
struct CompiledStages {
  std::vector<uint8_t> response;                         // by name id: 1 when a response event
  std::vector<uint8_t> conversion;                       // by name id
  std::vector<uint8_t> engagement;                       // by name id
  std::unordered_map<uint32_t, uint32_t> journey_stage;  // name id -> stage text id
  uint32_t stage_key = 0;                                // property key "stage"
  uint32_t channel_key = 0;  // "channel" and "name": the event's own, as properties
  uint32_t name_key = 0;
  std::vector<uint8_t> online;     // by channel index
  std::vector<int> personal_rank;  // by channel index (large when unknown)
  uint32_t stage_names[5] = {};    // new, active, loyal, at_risk, lapsed
  const StageConfig* config = nullptr;

  static bool Has(const std::vector<uint8_t>& set, uint32_t id) {
    return id < set.size() && set[id];
  }
};

// Interns the stage configuration's names; RefreshChannels extends the per-channel
// tables when events bring channels the catalog does not know.
void CompileStages(const StageConfig& config, const ChannelCatalog& catalog, State& state,
                   CompiledStages& out);
void RefreshChannels(const ChannelCatalog& catalog, const State& state, CompiledStages& out);

// What names resolve against while compiling.
struct CompileEnv {
  State& state;
  std::function<int(const std::string& segment)> segment_index;  // -1: unknown
  std::function<int(const std::string& trait)> computed_index;   // -1: unknown
};

// Fails on an unknown segment or computed trait (naming it).
Result<CNode> Compile(const Condition& c, CompileEnv& env);
CAggregate CompileAggregate(const Aggregate& a, State& state);
Result<Builtin> ParseBuiltin(const std::string& name, State& state, uint16_t& channel);
// Names of the built-ins, for listing ("engagement_score.<channel>" stands for all).
std::vector<std::string> BuiltinNames();

struct EvalContext {
  int64_t now = 0;
  int64_t profile = 0;
  int64_t next_change = std::numeric_limits<int64_t>::max();
  // Remembers the earliest future moment at which an answer may change.
  void Boundary(int64_t t) {
    if (t > now && t < next_change) next_change = t;
  }
};

struct Evaluator {
  const State& state;
  const CompiledStages& stages;
  const std::vector<CAggregate>& computed;            // user-defined computed traits
  const std::vector<std::vector<uint64_t>>& members;  // by segment: bitmap by profile id

  bool Matches(const CNode& n, const ProfileState& p, EvalContext& ctx) const;
  Value Aggregate(const CAggregate& a, const ProfileState& p, EvalContext& ctx) const;
  Value BuiltinValue(Builtin b, uint16_t channel, const ProfileState& p, EvalContext& ctx) const;
  // Engagement score of every channel the profile has events on.
  std::vector<std::pair<uint16_t, double>> EngagementScores(const ProfileState& p,
                                                            int64_t now) const;
  bool Compare(const Value& v, CompareOp op, const std::vector<CLiteral>& values,
               EvalContext& ctx) const;
  std::string ToJson(const Value& v) const;
};

inline bool TestBit(const std::vector<uint64_t>& bits, int64_t i) {
  auto word = static_cast<size_t>(i >> 6);
  return word < bits.size() && (bits[word] >> (i & 63)) & 1;
}

}  // namespace unisono::segment
