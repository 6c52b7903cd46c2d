// What journeys ask the segment engine about one profile: its consent, engagement,
// time zone and owner rep, whether a branch condition holds, and its memberships.
#include "segment/internal/engine_impl.h"

namespace unisono {
namespace {

std::string TraitText(const segment::State& state, const segment::ProfileState& p,
                      std::string_view key) {
  uint32_t id = state.dict.Find(key);
  if (id == 0) return "";
  const segment::Value* v = p.Trait(id);
  if (!v || v->kind != segment::Value::Kind::kString) return "";
  return std::string(state.dict.Text(v->str));
}

}  // namespace

Result<SegmentEngine::ProfileFacts> SegmentEngine::Facts(int64_t profile_id) const {
  std::shared_lock lock(impl_->mu_);
  const segment::ProfileState* p = impl_->state_.Find(profile_id);
  if (!p || !p->live) return Status::NotFound("no profile " + ProfileIdString(profile_id));
  ProfileFacts facts;
  for (const auto& c : p->consent) {
    facts.consent[std::string(impl_->state_.ChannelId(c.channel))] = c.granted;
  }
  segment::Evaluator ev = impl_->MakeEvaluator();
  for (auto [channel, score] : ev.EngagementScores(*p, ToMillis(impl_->clock_.Now()))) {
    facts.engagement[std::string(impl_->state_.ChannelId(channel))] = score;
  }
  segment::EvalContext ctx{ToMillis(impl_->clock_.Now()), profile_id};
  for (auto [builtin, out] :
       {std::pair{segment::Builtin::kRelationshipStage, &facts.relationship_stage},
        std::pair{segment::Builtin::kJourneyStage, &facts.journey_stage}}) {
    segment::Value v = ev.BuiltinValue(builtin, 0, *p, ctx);
    if (v.kind == segment::Value::Kind::kString && v.str) {
      *out = std::string(impl_->state_.dict.Text(v.str));
    }
  }
  facts.timezone = TraitText(impl_->state_, *p, "timezone");
  facts.owner_rep = TraitText(impl_->state_, *p, "owner_rep");
  return facts;
}

Result<std::string> SegmentEngine::CheckCondition(const std::string& condition) {
  auto parsed = segment::ParseText(condition);
  if (!parsed.ok()) return parsed.status();
  std::unique_lock lock(impl_->mu_);  // compiling interns names
  if (Status s = impl_->ResolveSegmentNames(**parsed); !s.ok()) return s;
  auto compiled = impl_->CompileCondition(**parsed, nullptr);
  if (!compiled.ok()) return compiled.status();
  std::string text = segment::ToText(**parsed);
  impl_->conditions_.insert_or_assign(text, std::move(compiled).value());
  return text;
}

Result<bool> SegmentEngine::Holds(int64_t profile_id, const std::string& condition) {
  {
    std::shared_lock lock(impl_->mu_);
    auto it = impl_->conditions_.find(condition);
    if (it != impl_->conditions_.end()) {
      const segment::ProfileState* p = impl_->state_.Find(profile_id);
      if (!p || !p->live) return Status::NotFound("no profile " + ProfileIdString(profile_id));
      segment::EvalContext ctx{ToMillis(impl_->clock_.Now()), profile_id};
      return impl_->MakeEvaluator().Matches(it->second, *p, ctx);
    }
  }
  auto checked = CheckCondition(condition);
  if (!checked.ok()) return checked.status();
  if (*checked != condition) {
    // Not canonical text: keep it under the text it was asked by too.
    std::unique_lock lock(impl_->mu_);
    impl_->conditions_.insert_or_assign(condition, impl_->conditions_.at(*checked));
  }
  return Holds(profile_id, condition);
}

bool SegmentEngine::IsMember(int64_t profile_id, const std::string& segment) const {
  std::shared_lock lock(impl_->mu_);
  int index = impl_->FindSegment(segment);
  return index >= 0 && impl_->Bit(index, profile_id);
}

}  // namespace unisono
