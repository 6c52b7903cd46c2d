// The built-in computed traits: engagement score per channel, preferred channel,
// online versus offline engagement, relationship stage and journey stage.
#include <cmath>

#include "segment/internal/evaluator.h"

namespace unisono::segment {
namespace {

constexpr const char* kStageNames[5] = {"new", "active", "loyal", "at_risk", "lapsed"};

bool IsResponse(const CompiledStages& s, const EventRow& e) {
  return e.type == EventType::kPage || e.type == EventType::kScreen ||
         CompiledStages::Has(s.response, e.name);
}

}  // namespace

std::vector<std::string> BuiltinNames() {
  return {"engagement_score.<channel>",
          "preferred_channel",
          "online_share",
          "online_events",
          "offline_events",
          "relationship_stage",
          "journey_stage"};
}

Result<Builtin> ParseBuiltin(const std::string& name, State& state, uint16_t& channel) {
  static constexpr std::string_view kPrefix = "engagement_score.";
  if (name.rfind(kPrefix, 0) == 0 && name.size() > kPrefix.size()) {
    channel = state.ChannelIndex(name.substr(kPrefix.size()));
    return Builtin::kEngagementScore;
  }
  if (name == "preferred_channel") return Builtin::kPreferredChannel;
  if (name == "online_share") return Builtin::kOnlineShare;
  if (name == "online_events") return Builtin::kOnlineEvents;
  if (name == "offline_events") return Builtin::kOfflineEvents;
  if (name == "relationship_stage") return Builtin::kRelationshipStage;
  if (name == "journey_stage") return Builtin::kJourneyStage;
  return Status::NotFound("no computed trait '" + name +
                          "'; built-in ones are engagement_score.<channel>, preferred_channel, "
                          "online_share, online_events, offline_events, relationship_stage, "
                          "journey_stage, and others are defined with POST /v1/computed-traits");
}

// Recency-weighted responses per recency-weighted contact, per channel:
// weight 2^(-age / half-life). A channel without contacts (the web) scores its
// weighted responses.
std::vector<std::pair<uint16_t, double>> Evaluator::EngagementScores(const ProfileState& p,
                                                                     int64_t now) const {
  std::vector<double> responses(state.channel_count(), 0.0), contacts(state.channel_count(), 0.0);
  std::vector<uint8_t> seen(state.channel_count(), 0);
  double half_life = static_cast<double>(stages.config->engagement_half_life.count());
  for (const auto& e : p.events) {
    if (e.system || e.ts_ms > now || e.channel >= seen.size()) continue;
    double w = std::exp2(-static_cast<double>(now - e.ts_ms) / half_life);
    seen[e.channel] = 1;
    if (IsResponse(stages, e) || CompiledStages::Has(stages.conversion, e.name)) {
      responses[e.channel] += w;
    } else {
      contacts[e.channel] += w;
    }
  }
  std::vector<std::pair<uint16_t, double>> out;
  for (uint16_t c = 1; c < seen.size(); ++c) {
    if (seen[c]) out.emplace_back(c, responses[c] / std::max(contacts[c], 1.0));
  }
  return out;
}

Value Evaluator::BuiltinValue(Builtin b, uint16_t channel, const ProfileState& p,
                              EvalContext& ctx) const {
  constexpr int64_t kDayMs = 86'400'000;
  const StageConfig& cfg = *stages.config;
  switch (b) {
    case Builtin::kNone:
      return Value{};
    case Builtin::kEngagementScore:
    case Builtin::kPreferredChannel: {
      ctx.Boundary(ctx.now + kDayMs);  // scores decay continuously: look again daily
      auto scores = EngagementScores(p, ctx.now);
      if (b == Builtin::kEngagementScore) {
        for (auto [c, score] : scores) {
          if (c == channel) return Value::Number(score);
        }
        return Value::Number(0);
      }
      // The best score; ties go to the more personal channel.
      int best = -1;
      for (size_t i = 0; i < scores.size(); ++i) {
        if (scores[i].second <= 0) continue;
        auto rank = [&](size_t k) {
          uint16_t c = scores[k].first;
          return c < stages.personal_rank.size() ? stages.personal_rank[c] : 1000;
        };
        if (best < 0 || scores[i].second > scores[best].second ||
            (scores[i].second == scores[best].second && rank(i) < rank(best))) {
          best = static_cast<int>(i);
        }
      }
      if (best < 0) return Value{};
      return Value::String(state.dict.Find(state.ChannelId(scores[best].first)));
    }
    case Builtin::kOnlineShare:
    case Builtin::kOnlineEvents:
    case Builtin::kOfflineEvents: {
      int64_t from = ctx.now - cfg.online_window.count();
      double online = 0, offline = 0;
      for (auto it = p.events.rbegin(); it != p.events.rend() && it->ts_ms > from; ++it) {
        if (it->system || it->ts_ms > ctx.now) continue;
        ctx.Boundary(it->ts_ms + cfg.online_window.count());
        bool is_online = it->channel < stages.online.size() && stages.online[it->channel];
        (is_online ? online : offline) += 1;
      }
      if (b == Builtin::kOnlineEvents) return Value::Number(online);
      if (b == Builtin::kOfflineEvents) return Value::Number(offline);
      return online + offline > 0 ? Value::Number(online / (online + offline)) : Value{};
    }
    case Builtin::kRelationshipStage: {
      int64_t first = -1, last_engaged = -1;
      int conversions = 0;
      int64_t oldest_counted = -1;
      for (auto it = p.events.rbegin(); it != p.events.rend(); ++it) {
        const EventRow& e = *it;
        if (e.system || e.ts_ms > ctx.now) {
          if (!e.system) ctx.Boundary(e.ts_ms);
          continue;
        }
        first = e.ts_ms;
        bool conversion = CompiledStages::Has(stages.conversion, e.name);
        if (last_engaged < 0 && (conversion || IsResponse(stages, e) ||
                                 CompiledStages::Has(stages.engagement, e.name))) {
          last_engaged = e.ts_ms;
        }
        if (conversion && e.ts_ms + cfg.loyal_window.count() > ctx.now) {
          ++conversions;
          oldest_counted = e.ts_ms;
        }
      }
      if (first < 0) first = p.created_ms;
      auto stage = [&](int i) { return Value::String(stages.stage_names[i]); };
      int64_t since_engaged = last_engaged < 0 ? ctx.now - first : ctx.now - last_engaged;
      int64_t anchor = last_engaged < 0 ? first : last_engaged;
      ctx.Boundary(anchor + cfg.at_risk_after.count());
      ctx.Boundary(anchor + cfg.lapsed_after.count());
      ctx.Boundary(first + cfg.new_within.count());
      if (oldest_counted >= 0) ctx.Boundary(oldest_counted + cfg.loyal_window.count());
      if (since_engaged >= cfg.lapsed_after.count()) return stage(4);
      if (since_engaged >= cfg.at_risk_after.count()) return stage(3);
      if (ctx.now - first < cfg.new_within.count()) return stage(0);
      if (conversions >= cfg.loyal_conversions) return stage(2);
      return stage(1);
    }
    case Builtin::kJourneyStage: {
      for (auto it = p.events.rbegin(); it != p.events.rend(); ++it) {
        if (it->system) continue;
        if (it->ts_ms > ctx.now) {
          ctx.Boundary(it->ts_ms);
          continue;
        }
        if (const Value* v = state.props.Find(it->props, stages.stage_key);
            v && v->kind == Value::Kind::kString && v->str) {
          return *v;
        }
        if (auto m = stages.journey_stage.find(it->name); m != stages.journey_stage.end()) {
          return Value::String(m->second);
        }
      }
      return Value{};
    }
  }
  return Value{};
}

void CompileStages(const StageConfig& config, const ChannelCatalog& catalog, State& state,
                   CompiledStages& out) {
  out.config = &config;
  auto mark = [&](std::vector<uint8_t>& set, const std::string& name) {
    uint32_t id = state.dict.Intern(name);
    if (set.size() <= id) set.resize(id + 1, 0);
    set[id] = 1;
  };
  out.response.clear();
  out.conversion.clear();
  out.engagement.clear();
  for (const auto& n : config.response_events) mark(out.response, n);
  for (const auto& n : config.conversion_events) mark(out.conversion, n);
  for (const auto& n : config.engagement_events) mark(out.engagement, n);
  out.journey_stage.clear();
  for (const auto& [event, stage] : config.journey_stage_by_event) {
    out.journey_stage[state.dict.Intern(event)] = state.dict.Intern(stage);
  }
  out.stage_key = state.dict.Intern("stage");
  out.channel_key = state.dict.Intern("channel");
  out.name_key = state.dict.Intern("name");
  for (int i = 0; i < 5; ++i) out.stage_names[i] = state.dict.Intern(kStageNames[i]);
  for (const auto& c : catalog.channels()) state.ChannelIndex(c.id);
  RefreshChannels(catalog, state, out);
}

void RefreshChannels(const ChannelCatalog& catalog, const State& state, CompiledStages& out) {
  for (size_t i = out.online.size(); i < state.channel_count(); ++i) {
    const Channel* c = catalog.Find(state.ChannelId(static_cast<uint16_t>(i)));
    out.online.push_back(c && c->online ? 1 : 0);
    out.personal_rank.push_back(c ? c->personal_rank : 1000);
  }
}

}  // namespace unisono::segment
