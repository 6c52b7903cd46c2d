// Manual lists, computed trait definitions and a profile's view of both.
#include <algorithm>
#include <regex>

#include "segment/internal/engine_impl.h"

namespace unisono {

namespace {

std::string Unquoted(const segment::Dictionary& dict, const segment::Value& v) {
  return v.kind == segment::Value::Kind::kString ? std::string(dict.Text(v.str)) : std::string();
}

}  // namespace

Result<ListEditResult> SegmentEngine::EditList(const std::string& id, const ListEdit& edit) {
  std::unique_lock lock(impl_->mu_);
  int index = impl_->FindSegment(id);
  if (index < 0) return Status::NotFound("no segment '" + id + "'");
  if (!impl_->segments_[index].manual()) {
    return Status::FailedPrecondition("segment '" + impl_->segments_[index].info.name +
                                      "' is a rule segment: its members follow its definition");
  }
  if (edit.profile_ids.empty()) {
    return Status::InvalidArgument("no profiles given").WithField("profile_ids");
  }
  if (Trim(edit.actor).empty()) {
    return Status::InvalidArgument("say who makes the change").WithField("actor");
  }
  // Check everything before changing anything: all or nothing.
  uint32_t owner_key = impl_->state_.dict.Find("owner_rep");
  for (size_t i = 0; i < edit.profile_ids.size(); ++i) {
    int64_t p = edit.profile_ids[i];
    const segment::ProfileState* state = impl_->state_.Find(p);
    if (!state) {
      return Status::NotFound("profile " + ProfileIdString(p) + " does not exist")
          .WithField("profile_ids")
          .WithIndex(static_cast<int>(i));
    }
    if (edit.add && !edit.rep_id.empty()) {
      const segment::Value* owner = owner_key ? state->Trait(owner_key) : nullptr;
      std::string owner_rep = owner ? Unquoted(impl_->state_.dict, *owner) : "";
      if (owner_rep != edit.rep_id) {
        return Status::PermissionDenied("rep " + edit.rep_id + " may only add own customers; " +
                                        ProfileIdString(p) + " belongs to " +
                                        (owner_rep.empty() ? "no rep" : "rep " + owner_rep))
            .WithField("profile_ids")
            .WithIndex(static_cast<int>(i));
      }
    }
  }
  ListEditResult result;
  std::vector<ListChange> changes;
  std::vector<int64_t> ids = edit.profile_ids;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  Timestamp now = impl_->clock_.Now();
  for (int64_t p : ids) {
    if (impl_->Bit(index, p) == edit.add) {
      ++result.unchanged;
      continue;
    }
    std::string actor =
        edit.rep_id.empty() ? edit.actor : edit.actor + " (rep " + edit.rep_id + ")";
    changes.push_back({0, impl_->segments_[index].info.id, p, edit.add, actor, edit.reason, now});
  }
  if (Status s = impl_->store_.AppendListChanges(changes); !s.ok()) return s;
  std::vector<MembershipChange> emitted;
  for (const auto& c : changes) {
    impl_->SetBit(index, c.profile_id, c.added);
    emitted.push_back({c.profile_id, index, c.added});
    ++result.changed;
  }
  // Rule segments that read this list follow at once.
  int64_t at = ToMillis(now);
  for (const auto& c : changes) impl_->EvaluateProfile(c.profile_id, at, emitted);
  impl_->Emit(emitted);
  return result;
}

Result<std::vector<ListChange>> SegmentEngine::ListChanges(const std::string& id) const {
  std::string list_id;
  {
    std::shared_lock lock(impl_->mu_);
    int index = impl_->FindSegment(id);
    if (index < 0) return Status::NotFound("no segment '" + id + "'");
    list_id = impl_->segments_[index].info.id;
  }
  std::vector<ListChange> out;
  Status s = impl_->store_.ScanListChanges(list_id, [&](const ListChange& c) { out.push_back(c); });
  if (!s.ok()) return s;
  return out;
}

Result<ComputedTraitInfo> SegmentEngine::PutComputedTrait(const ComputedTraitInfo& trait) {
  static const std::regex kName("[A-Za-z_][A-Za-z0-9_]{0,63}");
  if (!std::regex_match(trait.name, kName)) {
    return Status::InvalidArgument(
               "a computed trait name is a letter or '_' followed by up to "
               "63 letters, digits or '_', not '" +
               trait.name + "'")
        .WithField("name");
  }
  uint16_t unused = 0;
  segment::State scratch;
  if (segment::ParseBuiltin(trait.name, scratch, unused).ok()) {
    return Status::AlreadyExists("'" + trait.name + "' is a built-in computed trait")
        .WithField("name");
  }
  auto aggregate = segment::ParseAggregateText(trait.definition_text);
  if (!aggregate.ok()) return Status(aggregate.status()).WithField("definition");
  std::unique_lock lock(impl_->mu_);
  UserComputedTrait t;
  t.info = trait;
  t.info.definition_text = segment::ToText(*aggregate);
  t.info.builtin = false;
  t.info.updated_at = impl_->clock_.Now();
  t.aggregate = std::move(aggregate).value();
  if (Status s = impl_->SaveComputed(t); !s.ok()) return s;
  int index = impl_->FindComputed(trait.name);
  if (index >= 0) {
    impl_->computed_[index] = t;
  } else {
    impl_->computed_.push_back(t);
  }
  impl_->RecompileAll();
  // Segments reading it may change: re-evaluate them all.
  std::vector<MembershipChange> changes;
  impl_->EvaluateSegments(impl_->order_, ToMillis(impl_->clock_.Now()), changes);
  impl_->Emit(changes);
  return t.info;
}

Status SegmentEngine::DeleteComputedTrait(const std::string& name) {
  std::unique_lock lock(impl_->mu_);
  int index = impl_->FindComputed(name);
  if (index < 0) return Status::NotFound("no computed trait '" + name + "'");
  for (const auto& d : impl_->segments_) {
    if (d.deleted || !d.condition) continue;
    if (d.info.definition_text.find("computed(" + name + ")") != std::string::npos) {
      return Status::FailedPrecondition("segment '" + d.info.name +
                                        "' reads it; change or delete that one first");
    }
  }
  if (Status s = impl_->store_.DeleteDefinition("computed_trait", name); !s.ok()) return s;
  impl_->computed_.erase(impl_->computed_.begin() + index);
  impl_->RecompileAll();
  return Status::Ok();
}

std::vector<ComputedTraitInfo> SegmentEngine::ListComputedTraits() const {
  std::shared_lock lock(impl_->mu_);
  std::vector<ComputedTraitInfo> out;
  for (const auto& name : segment::BuiltinNames()) out.push_back({name, "", "", true, {}});
  for (const auto& t : impl_->computed_) out.push_back(t.info);
  return out;
}

Result<ProfileSegmentView> SegmentEngine::ForProfile(int64_t profile_id) const {
  std::shared_lock lock(impl_->mu_);
  const segment::ProfileState* p = impl_->state_.Find(profile_id);
  if (!p) return Status::NotFound("no profile " + ProfileIdString(profile_id));
  ProfileSegmentView view;
  for (size_t i = 0; i < impl_->segments_.size(); ++i) {
    const auto& d = impl_->segments_[i];
    if (!d.deleted && impl_->Bit(static_cast<int>(i), profile_id)) {
      view.segments.emplace_back(d.info.id, d.info.name);
    }
  }
  segment::Evaluator ev = impl_->MakeEvaluator();
  segment::EvalContext ctx{ToMillis(impl_->clock_.Now()), profile_id};
  std::string scores = "{";
  for (auto [channel, score] : ev.EngagementScores(*p, ctx.now)) {
    if (scores.size() > 1) scores += ",";
    scores += "\"" + std::string(impl_->state_.ChannelId(channel)) +
              "\":" + ev.ToJson(segment::Value::Number(score));
  }
  view.computed.emplace_back("engagement_score", scores + "}");
  using segment::Builtin;
  for (auto [name, b] : {std::pair{"preferred_channel", Builtin::kPreferredChannel},
                         std::pair{"online_share", Builtin::kOnlineShare},
                         std::pair{"online_events", Builtin::kOnlineEvents},
                         std::pair{"offline_events", Builtin::kOfflineEvents},
                         std::pair{"relationship_stage", Builtin::kRelationshipStage},
                         std::pair{"journey_stage", Builtin::kJourneyStage}}) {
    view.computed.emplace_back(name, ev.ToJson(ev.BuiltinValue(b, 0, *p, ctx)));
  }
  for (size_t i = 0; i < impl_->computed_.size(); ++i) {
    view.computed.emplace_back(impl_->computed_[i].info.name,
                               ev.ToJson(ev.Aggregate(impl_->computed_compiled_[i], *p, ctx)));
  }
  return view;
}

}  // namespace unisono
