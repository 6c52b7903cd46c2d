// The journey engine's life: loading durable state, following the event log from its
// checkpoint, running due timers and schedules, committing each round in one
// transaction, and the thread that does it.
#include <algorithm>
#include <boost/json.hpp>

#include "journey/internal/engine_impl.h"

namespace unisono {

using journey::TriggerKind;

namespace {

// A string property of an event, "" when missing or not a string.
std::string StringProperty(const Event& e, std::string_view key) {
  boost::system::error_code ec;
  boost::json::value props = boost::json::parse(e.properties_json, ec);
  if (ec || !props.is_object()) return "";
  const boost::json::value* v = props.as_object().if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

}  // namespace

JourneyEngine::Impl::Impl(Store& store, Clock& clock, ProfileService& profiles,
                          SegmentEngine& segments, JourneyEngineOptions options)
    : store_(store),
      clock_(clock),
      profiles_(profiles),
      segments_(segments),
      options_(std::move(options)) {}

Status JourneyEngine::Impl::Load() {
  auto policy = journey::ParseContactPolicy(options_.contact_policy_json);
  if (!policy.ok()) return Status(policy.status()).WithField("contact_policy");
  policy_ = std::move(policy).value();
  if (Status s = LoadDefinitions(); !s.ok()) return s;
  if (Status s = LoadInstances(); !s.ok()) return s;
  if (Status s = LoadContacts(); !s.ok()) return s;
  auto ids = store_.MaxJourneyIds();
  if (!ids.ok()) return ids.status();
  next_instance_ = ids->instance + 1;
  next_message_ = ids->message + 1;
  next_task_ = ids->task + 1;
  auto checkpoint = store_.GetSetting("journey.checkpoint");
  if (!checkpoint.ok()) return checkpoint.status();
  if (*checkpoint) {
    checkpoint_ = saved_checkpoint_ = std::stoll(**checkpoint);
  } else {
    // A new engine starts at the log's end: history does not trigger journeys.
    auto max = store_.MaxEventSeq();
    if (!max.ok()) return max.status();
    checkpoint_ = *max;
    saved_checkpoint_ = -1;  // saved with the first round or definition
  }
  return Status::Ok();
}

Status JourneyEngine::Impl::LoadInstances() {
  return store_.ScanJourneyInstances(false, 0, [&](const JourneyInstanceRecord& r) {
    int j = FindJourney(r.journey_id);
    if (j >= 0) {
      auto& last = last_entry_[{j, r.profile_id}];
      last = std::max(last, ToMillis(r.entered_at));
    }
    if (r.state != "active") return;
    int version = -1;
    for (size_t i = 0; i < versions_.size(); ++i) {
      if (versions_[i]->def.id == r.journey_id && versions_[i]->def.version == r.version) {
        version = static_cast<int>(i);
      }
    }
    if (version < 0) return;  // its journey was deleted: it exited then
    LiveInstance inst{r, version};
    live_[r.id] = inst;
    by_profile_[r.profile_id].push_back(r.id);
    if (r.due_at) SetTimer(live_[r.id], ToMillis(*r.due_at));
  });
}

// Contacts within the policy's horizon: every channel's events, and unisono's own sends.
Status JourneyEngine::Impl::LoadContacts() {
  Timestamp since = clock_.Now() - policy_.Horizon();
  Status s = store_.ScanEventsByProfile(since, std::nullopt, [&](const Event& e) {
    if (IsContact(e)) AddContact(e.profile_id, ToMillis(e.timestamp), e.channel);
    return true;
  });
  if (!s.ok()) return s;
  return store_.ScanOutbox(since, [&](const OutboxMessage& m) {
    if (m.channel != "webhook") AddContact(m.profile_id, ToMillis(m.created_at), m.channel);
  });
}

bool JourneyEngine::Impl::IsContact(const Event& e) const {
  // unisono's own records, delivery reports and tracked opens or clicks are not contacts:
  // the queued message already counted as one.
  if (e.type != EventType::kTrack || e.source == "segment" || e.source == "journey" ||
      e.source == "delivery" || e.source == "tracking") {
    return false;
  }
  const Channel* channel = options_.catalog.Find(e.channel);
  if (!channel || channel->direction == "inbound") return false;
  const auto& responses = options_.response_events;
  return std::find(responses.begin(), responses.end(), e.name) == responses.end();
}

// The same contact can arrive twice (loaded at start, then read from the log).
void JourneyEngine::Impl::AddContact(int64_t profile, int64_t at_ms, const std::string& channel) {
  auto& list = contacts_[profile];
  int64_t horizon = at_ms - policy_.Horizon().count();
  std::erase_if(list, [&](const journey::PastContact& c) { return c.at_ms < horizon; });
  for (const auto& c : list) {
    if (c.at_ms == at_ms && c.channel == channel) return;
  }
  list.push_back({at_ms, channel});
}

void JourneyEngine::Impl::SetTimer(LiveInstance& inst, std::optional<int64_t> due_ms) {
  inst.record.due_at = due_ms ? std::optional(FromMillis(*due_ms)) : std::nullopt;
  if (due_ms) timers_.emplace(*due_ms, -VersionOf(inst).def.priority, inst.record.id);
}

void JourneyEngine::Impl::Touch(LiveInstance& inst, Round& round) {
  round.touched.insert(inst.record.id);
}

Result<int64_t> JourneyEngine::Impl::RunRound() {
  Round round;
  int64_t done = 0;
  int64_t last_seq = checkpoint_;
  Status s = store_.ScanEventsAfter(checkpoint_, options_.batch, [&](int64_t seq, const Event& e) {
    ProcessEvent(seq, e, round);
    last_seq = seq;
    ++done;
  });
  if (!s.ok()) return s;
  const int64_t now = ToMillis(clock_.Now());
  // Timers in due order; at the same moment the higher priority journey goes first.
  while (!timers_.empty() && std::get<0>(timers_.top()) <= now && done < 2 * options_.batch) {
    auto [due, priority, id] = timers_.top();
    timers_.pop();
    auto it = live_.find(id);
    if (it == live_.end() || !it->second.record.due_at ||
        ToMillis(*it->second.record.due_at) != due) {
      continue;  // finished, or its timer moved
    }
    RunTimer(it->second, now, round);
    ++done;
  }
  RunSchedules(now, round);
  // Events that changed nothing need no transaction of their own: their checkpoint
  // rides on the next round that writes, or is saved within a second (so ingest does
  // not share its commits with a second writer for nothing). Replaying them after a
  // crash changes nothing either: definitions save the checkpoint before they change.
  const auto steady = std::chrono::steady_clock::now();
  if (last_seq != saved_checkpoint_ &&
      (!round.empty() || steady - checkpoint_saved_at_ >= std::chrono::seconds(1))) {
    round.write.checkpoint_seq = last_seq;
  }
  checkpoint_ = last_seq;
  if (round.empty() && !round.write.checkpoint_seq) return done;
  if (Status c = Commit(round); !c.ok()) return c;
  if (round.write.checkpoint_seq) {
    saved_checkpoint_ = last_seq;
    checkpoint_saved_at_ = steady;
  }
  return done + static_cast<int64_t>(round.touched.size());
}

void JourneyEngine::Impl::ProcessEvent(int64_t seq, const Event& e, Round& round) {
  const int64_t now = ToMillis(clock_.Now());
  if (IsContact(e)) AddContact(e.profile_id, ToMillis(e.timestamp), e.channel);
  const bool membership =
      e.source == "segment" && (e.name == "segment_entered" || e.name == "segment_exited");
  const std::string segment_id = membership ? StringProperty(e, "segment_id") : "";
  // Instances in progress: goal, exit, or the event a wait waits for.
  if (auto it = by_profile_.find(e.profile_id); it != by_profile_.end()) {
    std::vector<int64_t> ids = it->second;
    for (int64_t id : ids) {
      auto found = live_.find(id);
      if (found == live_.end()) continue;
      LiveInstance& inst = found->second;
      const JourneyVersion& v = VersionOf(inst);
      // Only what happened after the instance began counts.
      if (e.received_at < inst.record.entered_at) continue;
      if (v.def.goal && journey::Matches(*v.def.goal, e)) {
        Finish(inst, "converted", "goal", now, round);
        continue;
      }
      bool exit_event = std::any_of(v.def.exit_events.begin(), v.def.exit_events.end(),
                                    [&](const auto& m) { return journey::Matches(m, e); });
      bool exit_segment = membership && e.name == "segment_exited" &&
                          std::find(v.exit_segment_ids.begin(), v.exit_segment_ids.end(),
                                    segment_id) != v.exit_segment_ids.end();
      if (exit_event || exit_segment) {
        Finish(inst, "exited", exit_event ? "exit_event" : "segment_exited", now, round);
        continue;
      }
      const journey::Step& step = v.def.steps[inst.record.step];
      if (inst.record.awaiting && step.until_event &&
          e.received_at >= inst.record.step_entered_at && journey::Matches(*step.until_event, e)) {
        inst.record.awaiting = false;
        SetTimer(inst, std::nullopt);
        Log(inst, step.id, "event_received", e.name, "{}", now, round);
        int next = step.next.empty() ? inst.record.step + 1 : v.def.StepIndex(step.next);
        EnterStep(inst, next, now, round);
      }
    }
  }
  // Triggers, highest priority first.
  const std::string activate = e.properties_json.find("activate_journey") != std::string::npos
                                   ? StringProperty(e, "activate_journey")
                                   : "";
  for (int j : by_priority_) {
    const JourneyEntry& entry = journeys_[j];
    const JourneyVersion& v = *entry.current(versions_);
    bool fire = false;
    switch (v.def.trigger.kind) {
      case TriggerKind::kEvent:
        fire = e.source != "segment" && journey::Matches(v.def.trigger.event, e);
        break;
      case TriggerKind::kSegmentEntered:
        fire = membership && e.name == "segment_entered" && segment_id == v.trigger_segment_id;
        break;
      case TriggerKind::kRepActivation:
        fire = !activate.empty() && activate == entry.id;
        break;
      case TriggerKind::kSchedule:
        break;
    }
    if (fire) TryEnter(j, e.profile_id, seq, "trigger", now, round);
  }
}

void JourneyEngine::Impl::RunTimer(LiveInstance& inst, int64_t now, Round& round) {
  const journey::JourneyDefinition& def = VersionOf(inst).def;
  const journey::Step& step = def.steps[inst.record.step];
  SetTimer(inst, std::nullopt);
  Touch(inst, round);
  if (step.type == journey::StepType::kSend) {
    StepOutcome out = RunStep(inst, now, round);  // a held-back send tries again
    if (out.kind == StepOutcome::kNext) EnterStep(inst, out.next, now, round);
    return;
  }
  std::string next = step.next;
  if (inst.record.awaiting) {
    inst.record.awaiting = false;
    next = step.timeout_next;
    Log(inst, step.id, "timeout", "", "{}", now, round);
  }
  EnterStep(inst, next.empty() ? inst.record.step + 1 : def.StepIndex(next), now, round);
}

// Scheduled journeys enrol their segment's members every `every`.
void JourneyEngine::Impl::RunSchedules(int64_t now, Round& round) {
  for (size_t j = 0; j < journeys_.size(); ++j) {
    JourneyEntry& entry = journeys_[j];
    const JourneyVersion& v = *entry.current(versions_);
    if (entry.deleted || entry.status != "active" || v.def.trigger.kind != TriggerKind::kSchedule ||
        entry.next_run_ms > now) {
      continue;
    }
    std::string cursor;
    do {
      auto page = segments_.Members(v.trigger_segment_id, cursor, 10'000);
      if (!page.ok()) break;
      for (int64_t p : page->profile_ids) {
        TryEnter(static_cast<int>(j), p, 0, "schedule", now, round);
      }
      cursor = page->next_cursor;
    } while (!cursor.empty());
    int64_t every = v.def.trigger.every.count();
    while (entry.next_run_ms <= now) entry.next_run_ms += every;
    round.write.settings.emplace_back("journey.next_run." + entry.id,
                                      std::to_string(entry.next_run_ms));
  }
}

Status JourneyEngine::Impl::Commit(Round& round) {
  for (int64_t id : round.touched) {
    auto it = live_.find(id);
    if (it != live_.end()) round.write.instances.push_back(it->second.record);
  }
  // Finished instances were removed from live_ after being copied by Finish.
  if (Status s = store_.ApplyJourneyWrite(round.write); !s.ok()) return s;
  if (!round.events.empty()) {
    profiles_.Submit(std::move(round.events), [](const Result<IngestResult>&) {});
  }
  if (!round.write.outbox.empty() && options_.on_queued) options_.on_queued(round.write.outbox);
  return Status::Ok();
}

// The public face.

JourneyEngine::JourneyEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JourneyEngine::~JourneyEngine() { Stop(); }

Result<std::unique_ptr<JourneyEngine>> JourneyEngine::Create(Store& store, Clock& clock,
                                                             ProfileService& profiles,
                                                             SegmentEngine& segments,
                                                             JourneyEngineOptions options) {
  auto impl = std::make_unique<Impl>(store, clock, profiles, segments, std::move(options));
  {
    std::lock_guard lock(impl->mu_);
    if (Status s = impl->Load(); !s.ok()) return s;
  }
  return std::unique_ptr<JourneyEngine>(new JourneyEngine(std::move(impl)));
}

void JourneyEngine::Start() {
  Impl& m = *impl_;
  if (m.thread_.joinable()) return;
  m.stopping_ = false;
  m.thread_ = std::thread([&m] {
    while (true) {
      int64_t done = 0;
      {
        std::lock_guard lock(m.mu_);
        auto r = m.RunRound();
        if (r.ok()) done = *r;
      }
      std::unique_lock lock(m.wake_mu_);
      if (m.stopping_) return;
      if (done > 0) continue;
      m.wake_cv_.wait_for(lock, m.options_.poll, [&] { return m.nudged_ || m.stopping_; });
      m.nudged_ = false;
      if (m.stopping_) return;
    }
  });
}

void JourneyEngine::Stop() {
  Impl& m = *impl_;
  {
    std::lock_guard lock(m.wake_mu_);
    m.stopping_ = true;
    m.wake_cv_.notify_all();
  }
  if (m.thread_.joinable()) m.thread_.join();
}

void JourneyEngine::Nudge() {
  std::lock_guard lock(impl_->wake_mu_);
  impl_->nudged_ = true;
  impl_->wake_cv_.notify_all();
}

Status JourneyEngine::RunUntilIdle() {
  for (int round = 0; round < 100'000; ++round) {
    int64_t done = 0;
    {
      std::lock_guard lock(impl_->mu_);
      auto r = impl_->RunRound();
      if (!r.ok()) return r.status();
      done = *r;
    }
    if (done == 0) return Status::Ok();
  }
  return Status::Internal("the journey engine did not settle");
}

JourneyEngine::Stats JourneyEngine::stats() const {
  std::lock_guard lock(impl_->mu_);
  Stats s;
  s.active_instances = static_cast<int64_t>(impl_->live_.size());
  s.timers = static_cast<int64_t>(impl_->timers_.size());
  s.checkpoint = impl_->checkpoint_;
  size_t per_instance = sizeof(LiveInstance) + sizeof(void*) * 4 + 16;
  for (const auto& [id, inst] : impl_->live_) {
    s.bytes += per_instance + inst.record.journey_id.capacity() + inst.record.state.capacity() +
               inst.record.variant.capacity();
  }
  s.bytes += impl_->timers_.size() * sizeof(Impl::Due);
  s.bytes += impl_->by_profile_.size() * (sizeof(int64_t) * 4 + 32);
  s.bytes += impl_->last_entry_.size() * (sizeof(std::pair<int, int64_t>) + 8 + 32);
  return s;
}

}  // namespace unisono
