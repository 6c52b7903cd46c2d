// What each step does to an instance: entering a journey under its entry rule, waits,
// branches, splits, sends (consent, suppression, contact policy, best channel), tasks,
// traits, webhooks and exits. Every decision goes to the instance's history.
#include <boost/json.hpp>

#include "journey/internal/engine_impl.h"

namespace unisono {

using journey::Step;
using journey::StepType;

namespace {

namespace json = boost::json;

std::string Detail(std::initializer_list<std::pair<std::string_view, json::value>> fields) {
  json::object o;
  for (const auto& [k, v] : fields) o[k] = v;
  return json::serialize(o);
}

// A stable bucket in [0, 100) per instance and journey, so a restart splits the same way.
double SplitBucket(int64_t instance, const std::string& journey) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](uint64_t x) {
    h ^= x;
    h *= 1099511628211ull;
  };
  for (char c : journey) mix(static_cast<unsigned char>(c));
  for (int i = 0; i < 8; ++i) mix((static_cast<uint64_t>(instance) >> (8 * i)) & 0xff);
  return static_cast<double>(h % 1'000'000) / 10'000.0;
}

}  // namespace

void JourneyEngine::Impl::Log(const LiveInstance& inst, const std::string& step,
                              const std::string& action, const std::string& reason,
                              const std::string& detail_json, int64_t now, Round& round) {
  JourneyHistoryRecord h;
  h.instance_id = inst.record.id;
  h.profile_id = inst.record.profile_id;
  h.journey_id = inst.record.journey_id;
  h.version = inst.record.version;
  h.step = step;
  h.action = action;
  h.reason = reason;
  h.detail_json = detail_json;
  h.at = FromMillis(now);
  round.write.history.push_back(std::move(h));
}

// A message of the instance's current step; its idempotency key is the instance, the
// step and the moment the step began, so a step run again after a restart reuses it.
OutboxMessage JourneyEngine::Impl::NewMessage(const LiveInstance& inst, const Step& step,
                                              const std::string& channel,
                                              const std::string& content, int64_t now) {
  OutboxMessage m;
  m.id = next_message_++;
  m.idempotency_key = "j" + std::to_string(inst.record.id) + ":" + step.id + ":" +
                      std::to_string(ToMillis(inst.record.step_entered_at));
  m.instance_id = inst.record.id;
  m.profile_id = inst.record.profile_id;
  m.journey_id = inst.record.journey_id;
  m.version = inst.record.version;
  m.step = step.id;
  m.channel = channel;
  m.content = content;
  m.created_at = FromMillis(now);
  return m;
}

void JourneyEngine::Impl::TryEnter(int j, int64_t profile, int64_t trigger_seq,
                                   const std::string& why, int64_t now, Round& round) {
  const JourneyEntry& entry = journeys_[j];
  if (entry.deleted || entry.status != "active") return;
  const JourneyVersion& v = *entry.current(versions_);
  // One instance of a journey per profile at a time.
  if (auto it = by_profile_.find(profile); it != by_profile_.end()) {
    for (int64_t id : it->second) {
      if (live_.at(id).record.journey_id == entry.id) return;
    }
  }
  auto last = last_entry_.find({j, profile});
  if (last != last_entry_.end()) {
    if (v.def.entry.mode == journey::EntryMode::kOnce) return;
    if (v.def.entry.mode == journey::EntryMode::kOncePerPeriod &&
        now - last->second < v.def.entry.period.count()) {
      return;
    }
  }
  LiveInstance inst;
  inst.version_index = entry.versions.back();
  JourneyInstanceRecord& r = inst.record;
  r.id = next_instance_++;
  r.journey_id = entry.id;
  r.version = v.def.version;
  r.profile_id = profile;
  r.entered_at = r.step_entered_at = r.updated_at = FromMillis(now);
  r.trigger_seq = trigger_seq;
  r.step = 0;
  last_entry_[{j, profile}] = now;
  LiveInstance& stored = live_[r.id] = std::move(inst);
  by_profile_[profile].push_back(r.id);
  Log(stored, "", "entered", why,
      Detail({{"trigger_seq", trigger_seq}, {"version", stored.record.version}}), now, round);
  EnterStep(stored, 0, now, round);
}

void JourneyEngine::Impl::EnterStep(LiveInstance& inst, int step, int64_t now, Round& round) {
  const auto& steps = VersionOf(inst).def.steps;
  // Branches, sends and the like chain without waiting; a journey that loops without
  // a wait would never yield, so the chain is bounded.
  for (int hops = 0; hops < 1000; ++hops) {
    Touch(inst, round);
    if (step < 0 || step >= static_cast<int>(steps.size())) {
      Finish(inst, "completed", "", now, round);
      return;
    }
    inst.record.step = step;
    inst.record.step_entered_at = FromMillis(now);
    inst.record.updated_at = FromMillis(now);
    Log(inst, steps[step].id, "entered_step", std::string(journey::StepTypeName(steps[step].type)),
        "{}", now, round);
    StepOutcome out = RunStep(inst, now, round);
    if (out.kind != StepOutcome::kNext) return;
    step = out.next;
  }
  Finish(inst, "exited", "loop", now, round);
}

// Runs the current step: it moves on (the caller enters the next step), waits (a
// timer, an awaited event, a held-back send) or finishes the instance.
StepOutcome JourneyEngine::Impl::RunStep(LiveInstance& inst, int64_t now, Round& round) {
  const journey::JourneyDefinition& def = VersionOf(inst).def;
  const Step& step = def.steps[inst.record.step];
  auto index_of = [&](const std::string& next) {
    return next.empty() ? inst.record.step + 1 : def.StepIndex(next);
  };
  auto go = [&](const std::string& next) {
    return StepOutcome{StepOutcome::kNext, index_of(next)};
  };
  const StepOutcome wait{StepOutcome::kWait, 0}, done{StepOutcome::kDone, 0};
  switch (step.type) {
    case StepType::kWait: {
      if (step.duration) {
        SetTimer(inst, now + step.duration->count());
      } else if (step.until_minute) {
        auto facts = segments_.Facts(inst.record.profile_id);
        const date::time_zone* zone = zones_.Find(facts.ok() ? facts->timezone : "");
        if (!zone) zone = zones_.Find(policy_.default_timezone);
        SetTimer(inst, journey::TimeZones::NextLocalTime(zone, now, *step.until_minute));
      } else {
        inst.record.awaiting = true;
        SetTimer(inst, now + step.timeout.count());
      }
      return wait;
    }
    case StepType::kBranch: {
      auto holds = segments_.Holds(inst.record.profile_id, step.condition);
      bool yes = holds.ok() && *holds;
      Log(inst, step.id, "branch", yes ? "then" : "else",
          holds.ok() ? "{}" : Detail({{"error", json::string(holds.status().message())}}), now,
          round);
      return go(yes ? step.then_next : step.else_next);
    }
    case StepType::kSplit: {
      double bucket = SplitBucket(inst.record.id, inst.record.journey_id);
      double edge = 0;
      for (const auto& path : step.paths) {
        edge += path.percent;
        if (bucket < edge) {
          inst.record.variant = path.name;
          Log(inst, step.id, "split", path.name, "{}", now, round);
          return go(path.next);
        }
      }
      inst.record.variant = "holdout";
      Log(inst, step.id, "split", "holdout", "{}", now, round);
      Finish(inst, "exited", "holdout", now, round);
      return done;
    }
    case StepType::kSend:
      return Send(inst, step, now, round);
    case StepType::kTask: {
      auto facts = segments_.Facts(inst.record.profile_id);
      if (!facts.ok() || facts->owner_rep.empty()) {
        Log(inst, step.id, "skipped", "no_owner_rep", "{}", now, round);
        return go(step.next);
      }
      TaskRecord t;
      t.id = next_task_++;
      t.rep_id = facts->owner_rep;
      t.profile_id = inst.record.profile_id;
      t.instance_id = inst.record.id;
      t.journey_id = inst.record.journey_id;
      t.title = step.title;
      json::array points;
      for (const auto& p : step.talking_points) points.emplace_back(p);
      t.talking_points_json = json::serialize(points);
      t.created_at = FromMillis(now);
      t.due_at = FromMillis(now + step.due.count());
      round.write.tasks.push_back(t);
      Log(inst, step.id, "task", t.rep_id, Detail({{"task_id", t.id}}), now, round);
      return go(step.next);
    }
    case StepType::kSetTrait: {
      Event e;
      e.type = EventType::kIdentify;
      e.profile_id = inst.record.profile_id;
      e.channel = "unknown";
      e.source = "journey";
      e.timestamp = e.original_timestamp = e.received_at = FromMillis(now);
      e.message_id =
          "journey-" + std::to_string(inst.record.id) + "-" + step.id + "-" + std::to_string(now);
      e.traits.push_back({step.trait, step.value_json});
      e.traits_json = Detail({{step.trait, json::parse(step.value_json)}});
      round.events.push_back(std::move(e));
      Log(inst, step.id, "trait", step.trait, Detail({{"value", json::parse(step.value_json)}}),
          now, round);
      return go(step.next);
    }
    case StepType::kWebhook: {
      OutboxMessage m = NewMessage(inst, step, "webhook", step.url, now);
      m.payload_json = Detail({{"profile_id", inst.record.profile_id},
                               {"journey", json::string(inst.record.journey_id)},
                               {"version", inst.record.version},
                               {"step", json::string(step.id)},
                               {"key", json::string(m.idempotency_key)}});
      round.write.outbox.push_back(std::move(m));
      Log(inst, step.id, "webhook", "queued", "{}", now, round);
      return go(step.next);
    }
    case StepType::kExit:
      Finish(inst, "exited", "exit_step", now, round);
      return done;
  }
  return done;
}

void JourneyEngine::Impl::Finish(LiveInstance& inst, const std::string& state,
                                 const std::string& reason, int64_t now, Round& round) {
  inst.record.state = state;
  inst.record.due_at.reset();
  inst.record.awaiting = false;
  inst.record.updated_at = FromMillis(now);
  const std::string step = inst.record.step < static_cast<int>(VersionOf(inst).def.steps.size())
                               ? VersionOf(inst).def.steps[inst.record.step].id
                               : "";
  Log(inst, step, state == "converted" ? "goal" : state, reason, "{}", now, round);
  round.write.instances.push_back(inst.record);
  round.touched.erase(inst.record.id);
  auto& mine = by_profile_[inst.record.profile_id];
  std::erase(mine, inst.record.id);
  if (mine.empty()) by_profile_.erase(inst.record.profile_id);
  live_.erase(inst.record.id);  // `inst` dangles from here on
}

}  // namespace unisono
