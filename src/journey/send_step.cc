// The send step: suppression, consent, the best channel, the contact policy across
// every channel, then a message in the outbox in the same transaction as the step.
#include <algorithm>
#include <boost/json.hpp>

#include "journey/internal/engine_impl.h"

namespace unisono {
namespace {

namespace json = boost::json;

// "cap: 3 contacts..." -> "cap"; "min gap ..." -> "min_gap"; "quiet hours ..." -> "quiet_hours".
std::string PolicyReasonKey(const std::string& reason) {
  if (reason.starts_with("cap")) return "cap";
  if (reason.starts_with("min gap")) return "min_gap";
  if (reason.starts_with("quiet")) return "quiet_hours";
  return "policy";
}

std::string Reason(std::string_view text) {
  json::object o;
  o["reason"] = text;
  return json::serialize(o);
}

std::string TaskDetail(int64_t task_id) {
  json::object o;
  o["task_id"] = task_id;
  return json::serialize(o);
}

}  // namespace

// The talking points rendered for the customer, due within a week.
Result<TaskRecord> JourneyEngine::Impl::RepTask(const LiveInstance& inst,
                                                const ContentChoice& content,
                                                const std::string& rep, int64_t now) {
  auto profile = profiles_.Get(inst.record.profile_id, ProfileParts::kTraitsAndConsent);
  if (!profile.ok()) return profile.status();
  json::object traits;
  for (const auto& [key, trait] : profile->record.traits) {
    boost::system::error_code ec;
    json::value v = json::parse(trait.value_json, ec);
    traits[key] = ec ? json::value(trait.value_json) : std::move(v);
  }
  auto rendered =
      options_.content->Render(content, "rep", RenderInput{json::serialize(traits), {}});
  if (!rendered.ok()) return rendered.status();
  auto info = options_.content->GetItem(content.id, content.version);
  TaskRecord t;
  t.rep_id = rep;
  t.profile_id = inst.record.profile_id;
  t.instance_id = inst.record.id;
  t.journey_id = inst.record.journey_id;
  t.title = info.ok() ? info->name : content.id;
  json::array points;
  for (const auto& p : rendered->talking_points) points.emplace_back(p);
  t.talking_points_json = json::serialize(points);
  t.created_at = FromMillis(now);
  t.due_at = FromMillis(now + std::chrono::milliseconds(std::chrono::days(7)).count());
  return t;
}

bool JourneyEngine::Impl::Consented(const SegmentEngine::ProfileFacts& facts,
                                    const std::string& channel) const {
  auto it = facts.consent.find(channel);
  const auto& required = options_.consent_required;
  if (std::find(required.begin(), required.end(), channel) != required.end()) {
    return it != facts.consent.end() && it->second;
  }
  return it == facts.consent.end() || it->second;
}

StepOutcome JourneyEngine::Impl::Send(LiveInstance& inst, const journey::Step& step, int64_t now,
                                      Round& round) {
  const journey::JourneyDefinition& def = VersionOf(inst).def;
  const StepOutcome next{StepOutcome::kNext,
                         step.next.empty() ? inst.record.step + 1 : def.StepIndex(step.next)};
  const int64_t profile = inst.record.profile_id;
  auto facts = segments_.Facts(profile);
  if (!facts.ok()) {
    Log(inst, step.id, "skipped", "unknown_profile", "{}", now, round);
    return next;
  }
  for (const std::string& segment : policy_.suppression_segments) {
    if (segments_.IsMember(profile, segment)) {
      Log(inst, step.id, "skipped", "suppressed", Reason("in suppression segment " + segment), now,
          round);
      return next;
    }
  }
  // Only approved content goes out: the latest approved version with a rendition for
  // the channel, in the variant for the profile's stages.
  auto approved = [&](const std::string& c) -> Result<ContentChoice> {
    if (!options_.content || step.content.empty()) return ContentChoice{step.content, 0, ""};
    return options_.content->ChooseForSend(step.content, c, facts->journey_stage,
                                           facts->relationship_stage);
  };
  std::string channel = step.channel;
  std::optional<journey::ChannelChoice> choice;
  Result<ContentChoice> content = Status::NotFound("no channel chosen");
  if (channel == "best_channel") {
    std::vector<journey::ChannelCandidate> candidates;
    std::string unsendable;
    for (const std::string& c : step.channels) {
      const Channel* known = options_.catalog.Find(c);
      auto score = facts->engagement.find(c);
      bool sendable = approved(c).ok();
      if (!sendable) unsendable = approved(c).status().message();
      candidates.push_back({c, Consented(*facts, c) && sendable,
                            score == facts->engagement.end() ? 0.0 : score->second,
                            known ? known->cost_per_contact_minor : 0});
    }
    choice = journey::ChooseBestChannel(candidates, policy_.fallback_order);
    if (choice->channel.empty()) {
      bool none_sendable = std::none_of(step.channels.begin(), step.channels.end(),
                                        [&](const std::string& c) { return approved(c).ok(); });
      if (none_sendable) {
        Log(inst, step.id, "skipped", "content_not_approved", Reason(unsendable), now, round);
      } else {
        Log(inst, step.id, "skipped", "no_consent", Reason(choice->reason), now, round);
      }
      return next;
    }
    channel = choice->channel;
    content = approved(channel);
  } else if (!Consented(*facts, channel)) {
    Log(inst, step.id, "skipped", "no_consent", Reason("no consent for " + channel), now, round);
    return next;
  } else {
    content = approved(channel);
    if (!content.ok()) {
      Log(inst, step.id, "skipped",
          content.status().code() == StatusCode::kNotFound ? "unknown_content"
                                                           : "content_not_approved",
          Reason(content.status().message()), now, round);
      return next;
    }
  }

  const date::time_zone* zone = zones_.Find(facts->timezone);
  if (!zone) zone = zones_.Find(policy_.default_timezone);
  journey::PolicyDecision decision =
      journey::CheckContactPolicy(policy_, contacts_[profile], channel, now, zone);
  if (!decision.allowed) {
    const std::string key = PolicyReasonKey(decision.reason);
    const int64_t blocked_since = ToMillis(inst.record.step_entered_at);
    if (def.when_blocked == journey::WhenBlocked::kSkip || !decision.retry_at_ms) {
      Log(inst, step.id, "skipped", key, Reason(decision.reason), now, round);
      return next;
    }
    if (*decision.retry_at_ms - blocked_since > policy_.max_delay.count()) {
      Log(inst, step.id, "skipped", "max_delay",
          Reason(decision.reason + "; held back longer than " + FormatDuration(policy_.max_delay)),
          now, round);
      return next;
    }
    SetTimer(inst, *decision.retry_at_ms);
    json::object detail;
    detail["reason"] = decision.reason;
    detail["until"] = FormatTimestamp(FromMillis(*decision.retry_at_ms));
    Log(inst, step.id, "delayed", key, json::serialize(detail), now, round);
    return {StepOutcome::kWait, 0};
  }

  // A rep channel's message is the rep's task: talk to the customer with these points.
  std::optional<TaskRecord> rep_task;
  if (content->version > 0 && RenditionFor(channel) == "rep") {
    if (facts->owner_rep.empty()) {
      Log(inst, step.id, "skipped", "no_owner_rep", "{}", now, round);
      return next;
    }
    auto task = RepTask(inst, *content, facts->owner_rep, now);
    if (!task.ok()) {
      Log(inst, step.id, "skipped", "content_not_approved", Reason(task.status().message()), now,
          round);
      return next;
    }
    rep_task = std::move(task).value();
  }

  OutboxMessage m = NewMessage(inst, step, channel, step.content, now);
  json::object payload;
  payload["message_id"] = m.id;
  payload["key"] = m.idempotency_key;
  payload["profile_id"] = profile;
  payload["journey"] = m.journey_id;
  payload["version"] = m.version;
  payload["step"] = m.step;
  payload["channel"] = channel;
  payload["content"] = m.content;
  if (content->version > 0) {
    payload["content_version"] = content->version;
    payload["content_variant"] = content->variant;
  }
  if (!inst.record.variant.empty()) payload["variant"] = inst.record.variant;
  if (choice) payload["channel_reason"] = choice->reason;
  payload["time"] = FormatTimestamp(m.created_at);
  m.payload_json = json::serialize(payload);
  AddContact(profile, now, channel);
  json::object detail;
  detail["message_id"] = m.id;
  detail["content"] = m.content;
  Log(inst, step.id, "queued", channel, json::serialize(detail), now, round);
  if (choice) {
    json::object why;
    why["reason"] = choice->reason;
    why["default_channel"] = choice->default_channel;
    why["moved_cheaper"] = choice->moved_cheaper;
    Log(inst, step.id, "best_channel", channel + (choice->moved_cheaper ? ":moved_cheaper" : ""),
        json::serialize(why), now, round);
  }
  if (rep_task) {
    rep_task->id = next_task_++;
    Log(inst, step.id, "task", rep_task->rep_id, TaskDetail(rep_task->id), now, round);
    round.write.tasks.push_back(std::move(*rep_task));
  }
  round.write.outbox.push_back(std::move(m));
  return next;
}

}  // namespace unisono
