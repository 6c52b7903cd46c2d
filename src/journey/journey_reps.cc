// What reps do with journeys: record a visit that starts a digital follow-up, list and
// complete their tasks; and the per-journey report read from the history.
#include <boost/json.hpp>

#include "journey/internal/engine_impl.h"

namespace unisono {
namespace {

namespace json = boost::json;

Event OwnEvent(int64_t profile, const std::string& name, Timestamp at, std::string source) {
  Event e;
  e.type = EventType::kTrack;
  e.name = name;
  e.profile_id = profile;
  e.timestamp = e.original_timestamp = e.received_at = at;
  e.source = std::move(source);
  return e;
}

}  // namespace

Result<RepVisitResult> JourneyEngine::RecordVisit(const RepVisit& visit) {
  if (visit.rep_id.empty()) return Status::InvalidArgument("name the rep").WithField("rep");
  auto facts = impl_->segments_.Facts(visit.profile_id);
  if (!facts.ok()) return Status(facts.status()).WithField("profile");
  if (!facts->owner_rep.empty() && facts->owner_rep != visit.rep_id) {
    return Status::PermissionDenied("profile " + ProfileIdString(visit.profile_id) +
                                    " belongs to rep '" + facts->owner_rep + "', not '" +
                                    visit.rep_id + "'; reps record visits to their own customers");
  }
  if (!visit.activate_journey.empty()) {
    std::lock_guard lock(impl_->mu_);
    int j = impl_->FindJourney(visit.activate_journey);
    if (j < 0) {
      return Status::NotFound("no journey '" + visit.activate_journey + "'")
          .WithField("activate_journey");
    }
    const JourneyEntry& entry = impl_->journeys_[j];
    if (entry.current(impl_->versions_)->def.trigger.kind != journey::TriggerKind::kRepActivation) {
      return Status::InvalidArgument("journey '" + entry.id +
                                     "' is not started by reps; give it the trigger "
                                     "{\"rep_activation\": true}")
          .WithField("activate_journey");
    }
    if (entry.status != "active") {
      return Status::FailedPrecondition("journey '" + entry.id + "' is paused")
          .WithField("activate_journey");
    }
  }
  Timestamp at = visit.at.value_or(impl_->clock_.Now());
  Event e = OwnEvent(visit.profile_id, "Rep Visit", at, "rep");
  e.channel = "rep_visit";
  e.rep_id = visit.rep_id;
  e.message_id = "visit-" + visit.rep_id + "-" + std::to_string(visit.profile_id) + "-" +
                 std::to_string(ToMillis(at));
  json::object props;
  props["rep_id"] = visit.rep_id;
  if (!visit.notes.empty()) props["notes"] = visit.notes;
  if (!visit.activate_journey.empty()) props["activate_journey"] = visit.activate_journey;
  e.properties_json = json::serialize(props);
  e.received_at = impl_->clock_.Now();
  RepVisitResult result{e.message_id};
  auto written = impl_->profiles_.SubmitAndWait({std::move(e)});
  if (!written.ok()) return written.status();
  if (written->duplicates > 0) {
    return Status::AlreadyExists("this visit (rep, profile and time) is already recorded");
  }
  Nudge();
  return result;
}

Result<std::vector<TaskRecord>> JourneyEngine::Tasks(const std::string& rep_id,
                                                     const std::string& state) const {
  if (!state.empty() && state != "open" && state != "done") {
    return Status::InvalidArgument("state must be open or done, not '" + state + "'")
        .WithField("state");
  }
  return impl_->store_.ListTasks(rep_id, state);
}

Result<TaskRecord> JourneyEngine::CompleteTask(int64_t task_id, const std::string& by,
                                               const std::string& notes) {
  std::lock_guard lock(impl_->mu_);  // one completion at a time
  auto found = impl_->store_.GetTask(task_id);
  if (!found.ok()) return found.status();
  if (!*found) return Status::NotFound("no task " + std::to_string(task_id));
  TaskRecord task = **found;
  if (task.state == "done") {
    return Status::FailedPrecondition("task " + std::to_string(task_id) + " was completed at " +
                                      FormatTimestamp(*task.completed_at) + " by " +
                                      task.completed_by);
  }
  const Timestamp now = impl_->clock_.Now();
  task.state = "done";
  task.completed_at = now;
  task.completed_by = by.empty() ? task.rep_id : by;
  task.notes = notes;
  JourneyWrite write;
  write.tasks.push_back(task);
  if (Status s = impl_->store_.ApplyJourneyWrite(write); !s.ok()) return s;
  Event e = OwnEvent(task.profile_id, "Task Completed", now, "journey");
  e.channel = "unknown";
  e.rep_id = task.rep_id;
  e.message_id = "task-" + std::to_string(task.id) + "-done";
  json::object props;
  props["task_id"] = task.id;
  props["journey_id"] = task.journey_id;
  props["title"] = task.title;
  if (!notes.empty()) props["notes"] = notes;
  e.properties_json = json::serialize(props);
  auto written = impl_->profiles_.SubmitAndWait({std::move(e)});
  if (!written.ok()) return written.status();
  Nudge();
  return task;
}

Result<JourneyResults> JourneyEngine::Results(const std::string& id) const {
  std::map<std::pair<int, std::string>, JourneyStepResults> steps;
  JourneyResults report;
  {
    std::lock_guard lock(impl_->mu_);
    int j = impl_->FindJourney(id);
    if (j < 0) return Status::NotFound("no journey '" + id + "'");
    for (int v : impl_->journeys_[j].versions) {
      const journey::JourneyDefinition& def = impl_->versions_[v]->def;
      for (const journey::Step& step : def.steps) {
        JourneyStepResults& row = steps[{def.version, step.id}];
        row.version = def.version;
        row.step = step.id;
        row.type = std::string(journey::StepTypeName(step.type));
      }
    }
    for (const auto& [iid, inst] : impl_->live_) report.active += inst.record.journey_id == id;
  }
  report.id = id;
  Status s = impl_->store_.CountJourneyHistory(
      id, [&](int version, const std::string& step, const std::string& action,
              const std::string& reason, int64_t count) {
        if (action == "entered") report.entered += count;
        if (action == "goal") report.converted += count;
        if (action == "completed") report.completed += count;
        if (action == "exited") report.exited += count;
        if (action == "best_channel") {
          const bool moved = reason.ends_with(":moved_cheaper");
          report.best_channel[moved ? reason.substr(0, reason.find(':')) : reason] += count;
          if (moved) report.moved_cheaper += count;
        }
        if (step.empty()) return;
        auto it = steps.find({version, step});
        if (it == steps.end()) return;
        it->second.actions[action] += count;
        if (!reason.empty() && action != "entered_step") {
          it->second.reasons[action + ":" + reason] += count;
        }
      });
  if (!s.ok()) return s;
  for (auto& [key, row] : steps) report.steps.push_back(std::move(row));
  return report;
}

}  // namespace unisono
