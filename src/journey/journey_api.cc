// Journey definitions (create, new versions, pause, delete), their reports, the
// history, and what reps do: record visits that start follow-ups, work their tasks.
#include <algorithm>
#include <boost/json.hpp>

#include "journey/internal/engine_impl.h"

namespace unisono {
namespace {

namespace json = boost::json;
constexpr const char* kJourneyKind = "journey";

int JourneyNumber(const std::string& id) {
  int n = 0;
  for (char c : id) {
    if (c >= '0' && c <= '9') n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

int JourneyEngine::Impl::FindJourney(const std::string& id) const {
  for (size_t i = 0; i < journeys_.size(); ++i) {
    if (!journeys_[i].deleted && journeys_[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

// Parses a definition and resolves the segments it names. On load (`id` set and the
// text from the store) conditions are taken as saved: a segment deleted since only
// makes its branch go to `else`.
Result<std::unique_ptr<JourneyVersion>> JourneyEngine::Impl::Prepare(const std::string& text,
                                                                     const std::string& id,
                                                                     int version) {
  journey::ConditionChecker check = [&](const std::string& condition) {
    return segments_.CheckCondition(condition);
  };
  auto def = journey::ParseJourney(text, check);
  if (!def.ok()) return def.status();
  auto v = std::make_unique<JourneyVersion>();
  v->def = std::move(def).value();
  v->def.id = id;
  v->def.version = version;
  auto resolve = [&](const std::string& segment, const char* field) -> Result<std::string> {
    auto info = segments_.GetSegment(segment);
    if (!info.ok()) {
      return Status::NotFound(std::string(field) + ": no segment '" + segment +
                              "'; list them with GET /v1/segments");
    }
    return info->id;
  };
  const auto kind = v->def.trigger.kind;
  if (kind == journey::TriggerKind::kSegmentEntered || kind == journey::TriggerKind::kSchedule) {
    auto seg = resolve(v->def.trigger.segment, "/trigger/segment");
    if (!seg.ok()) return seg.status();
    v->trigger_segment_id = *seg;
  }
  for (const std::string& s : v->def.exit_segments) {
    auto seg = resolve(s, "/exit/segments");
    if (!seg.ok()) return seg.status();
    v->exit_segment_ids.push_back(*seg);
  }
  return v;
}

// New definitions may only name content that exists (approval is checked at each send).
Status JourneyEngine::Impl::CheckContent(const JourneyVersion& v) const {
  if (!options_.content) return Status::Ok();
  for (size_t i = 0; i < v.def.steps.size(); ++i) {
    const journey::Step& step = v.def.steps[i];
    if (step.type != journey::StepType::kSend || step.content.empty()) continue;
    if (!options_.content->GetItem(step.content).ok()) {
      return Status::NotFound("/steps/" + std::to_string(i) + "/content: no content '" +
                              step.content + "'; list them with GET /v1/content")
          .WithField("/steps/" + std::to_string(i) + "/content");
    }
  }
  return Status::Ok();
}

Status JourneyEngine::Impl::SaveJourney(const JourneyEntry& entry) {
  if (saved_checkpoint_ != checkpoint_) {
    JourneyWrite checkpoint;
    checkpoint.checkpoint_seq = checkpoint_;
    if (Status s = store_.ApplyJourneyWrite(checkpoint); !s.ok()) return s;
    saved_checkpoint_ = checkpoint_;
  }
  json::object body;
  body["status"] = entry.status;
  body["created_at"] = FormatTimestamp(entry.created_at);
  body["updated_at"] = FormatTimestamp(entry.updated_at);
  body["next_run_ms"] = entry.next_run_ms;
  json::array versions;
  for (int v : entry.versions) versions.push_back(json::parse(JourneyToJson(versions_[v]->def)));
  body["versions"] = std::move(versions);
  return store_.PutDefinition({kJourneyKind, entry.id, json::serialize(body), entry.updated_at});
}

Status JourneyEngine::Impl::LoadDefinitions() {
  auto records = store_.ListDefinitions(kJourneyKind);
  if (!records.ok()) return records.status();
  for (const DefinitionRecord& r : *records) {
    json::object body = json::parse(r.body_json).as_object();
    JourneyEntry entry;
    entry.id = r.id;
    entry.status = std::string(body.at("status").as_string());
    entry.created_at = *ParseTimestamp(body.at("created_at").as_string());
    entry.updated_at = *ParseTimestamp(body.at("updated_at").as_string());
    entry.next_run_ms = body.at("next_run_ms").to_number<int64_t>();
    for (const json::value& v : body.at("versions").as_array()) {
      int number = static_cast<int>(v.as_object().at("version").to_number<int64_t>());
      auto version = Prepare(json::serialize(v), r.id, number);
      if (!version.ok()) {
        return Status::Internal("journey " + r.id + " v" + std::to_string(number) +
                                " no longer loads: " + version.status().message());
      }
      entry.versions.push_back(static_cast<int>(versions_.size()));
      versions_.push_back(std::move(version).value());
    }
    if (auto next = store_.GetSetting("journey.next_run." + r.id); next.ok() && *next) {
      entry.next_run_ms = std::stoll(**next);
    }
    next_journey_number_ = std::max(next_journey_number_, JourneyNumber(r.id) + 1);
    journeys_.push_back(std::move(entry));
  }
  SortByPriority();
  return Status::Ok();
}

void JourneyEngine::Impl::SortByPriority() {
  by_priority_.clear();
  for (size_t i = 0; i < journeys_.size(); ++i) {
    if (!journeys_[i].deleted) by_priority_.push_back(static_cast<int>(i));
  }
  std::stable_sort(by_priority_.begin(), by_priority_.end(), [&](int a, int b) {
    return journeys_[a].current(versions_)->def.priority >
           journeys_[b].current(versions_)->def.priority;
  });
}

std::map<std::string, int64_t> JourneyEngine::Impl::ActiveByJourney() const {
  std::map<std::string, int64_t> active;
  for (const auto& [id, inst] : live_) ++active[inst.record.journey_id];
  return active;
}

JourneyInfo JourneyEngine::Impl::Info(const JourneyEntry& entry, int64_t active) const {
  const journey::JourneyDefinition& def = entry.current(versions_)->def;
  JourneyInfo info;
  info.id = entry.id;
  info.version = def.version;
  info.name = def.name;
  info.status = entry.status;
  info.priority = def.priority;
  info.definition_json = JourneyToJson(def);
  info.created_at = entry.created_at;
  info.updated_at = entry.updated_at;
  info.active = active;
  return info;
}

Result<JourneyInfo> JourneyEngine::CreateJourney(const std::string& definition_json) {
  std::lock_guard lock(impl_->mu_);
  Impl& m = *impl_;
  std::string id = "journey_" + std::to_string(m.next_journey_number_);
  auto version = m.Prepare(definition_json, id, 1);
  if (version.ok()) {
    if (Status c = m.CheckContent(**version); !c.ok()) return c;
  }
  if (!version.ok()) return version.status();
  JourneyEntry entry;
  entry.id = id;
  entry.status = (*version)->def.status;
  entry.created_at = entry.updated_at = m.clock_.Now();
  const auto& trigger = (*version)->def.trigger;
  if (trigger.kind == journey::TriggerKind::kSchedule) {
    entry.next_run_ms = trigger.from ? ToMillis(*trigger.from) : ToMillis(entry.created_at);
  }
  m.versions_.push_back(std::move(version).value());
  entry.versions.push_back(static_cast<int>(m.versions_.size() - 1));
  if (Status s = m.SaveJourney(entry); !s.ok()) {
    m.versions_.pop_back();
    return s;
  }
  ++m.next_journey_number_;
  m.journeys_.push_back(std::move(entry));
  m.SortByPriority();
  Nudge();
  return m.Info(m.journeys_.back(), 0);
}

Result<std::string> JourneyEngine::CheckJourney(const std::string& definition_json) {
  std::lock_guard lock(impl_->mu_);
  auto version = impl_->Prepare(definition_json, "", 1);
  if (version.ok()) {
    if (Status c = impl_->CheckContent(**version); !c.ok()) return c;
  }
  if (!version.ok()) return version.status();
  return JourneyToJson((*version)->def);
}

Result<JourneyInfo> JourneyEngine::UpdateJourney(const std::string& id,
                                                 const std::string& definition_json) {
  std::lock_guard lock(impl_->mu_);
  Impl& m = *impl_;
  int j = m.FindJourney(id);
  if (j < 0) return Status::NotFound("no journey '" + id + "'; list them with GET /v1/journeys");
  JourneyEntry updated = m.journeys_[j];
  auto version = m.Prepare(definition_json, id, updated.current(m.versions_)->def.version + 1);
  if (version.ok()) {
    if (Status c = m.CheckContent(**version); !c.ok()) return c;
  }
  if (!version.ok()) return version.status();
  updated.status = (*version)->def.status;
  updated.updated_at = m.clock_.Now();
  m.versions_.push_back(std::move(version).value());
  updated.versions.push_back(static_cast<int>(m.versions_.size() - 1));
  if (Status s = m.SaveJourney(updated); !s.ok())
    return s;  // the unused version stays unreferenced
  m.journeys_[j] = std::move(updated);
  m.SortByPriority();
  return m.Info(m.journeys_[j], m.ActiveByJourney()[id]);
}

Result<JourneyInfo> JourneyEngine::GetJourney(const std::string& id) const {
  std::lock_guard lock(impl_->mu_);
  int j = impl_->FindJourney(id);
  if (j < 0) return Status::NotFound("no journey '" + id + "'; list them with GET /v1/journeys");
  return impl_->Info(impl_->journeys_[j], impl_->ActiveByJourney()[id]);
}

std::vector<JourneyInfo> JourneyEngine::ListJourneys() const {
  std::lock_guard lock(impl_->mu_);
  std::vector<JourneyInfo> out;
  auto active = impl_->ActiveByJourney();
  for (const auto& entry : impl_->journeys_) {
    if (!entry.deleted) out.push_back(impl_->Info(entry, active[entry.id]));
  }
  return out;
}

Result<JourneyInfo> JourneyEngine::SetStatus(const std::string& id, const std::string& status) {
  if (status != "active" && status != "paused") {
    return Status::InvalidArgument("status must be active or paused, not '" + status + "'")
        .WithField("status");
  }
  std::lock_guard lock(impl_->mu_);
  int j = impl_->FindJourney(id);
  if (j < 0) return Status::NotFound("no journey '" + id + "'; list them with GET /v1/journeys");
  JourneyEntry updated = impl_->journeys_[j];
  updated.status = status;
  updated.updated_at = impl_->clock_.Now();
  if (Status s = impl_->SaveJourney(updated); !s.ok()) return s;
  impl_->journeys_[j] = std::move(updated);
  return impl_->Info(impl_->journeys_[j], impl_->ActiveByJourney()[id]);
}

Status JourneyEngine::DeleteJourney(const std::string& id) {
  std::lock_guard lock(impl_->mu_);
  Impl& m = *impl_;
  int j = m.FindJourney(id);
  if (j < 0) return Status::NotFound("no journey '" + id + "'");
  Round round;
  const int64_t now = ToMillis(m.clock_.Now());
  std::vector<int64_t> ids;
  for (const auto& [iid, inst] : m.live_) {
    if (inst.record.journey_id == id) ids.push_back(iid);
  }
  for (int64_t iid : ids) m.Finish(m.live_.at(iid), "exited", "deleted", now, round);
  if (Status s = m.Commit(round); !s.ok()) return s;
  if (Status s = m.store_.DeleteDefinition(kJourneyKind, id); !s.ok()) return s;
  m.journeys_[j].deleted = true;
  m.SortByPriority();
  return Status::Ok();
}

Result<std::vector<JourneyInstanceRecord>> JourneyEngine::Instances(int64_t profile_id) const {
  std::vector<JourneyInstanceRecord> out;
  Status s = impl_->store_.ScanJourneyInstances(
      false, profile_id, [&](const JourneyInstanceRecord& r) { out.push_back(r); });
  if (!s.ok()) return s;
  return out;
}

Result<std::vector<JourneyHistoryRecord>> JourneyEngine::History(const HistoryQuery& q) const {
  if (q.limit < 1 || q.limit > 10'000) {
    return Status::InvalidArgument("limit must be between 1 and 10000").WithField("limit");
  }
  return impl_->store_.JourneyHistory(q);
}

std::string JourneyEngine::ContactPolicyJson() const {
  return journey::ContactPolicyToJson(impl_->policy_);
}

}  // namespace unisono
