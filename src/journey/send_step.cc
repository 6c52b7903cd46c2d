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

}  // namespace

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
  std::string channel = step.channel;
  std::optional<journey::ChannelChoice> choice;
  if (channel == "best_channel") {
    std::vector<journey::ChannelCandidate> candidates;
    for (const std::string& c : step.channels) {
      const Channel* known = options_.catalog.Find(c);
      auto score = facts->engagement.find(c);
      candidates.push_back({c, Consented(*facts, c),
                            score == facts->engagement.end() ? 0.0 : score->second,
                            known ? known->cost_per_contact_minor : 0});
    }
    choice = journey::ChooseBestChannel(candidates, policy_.fallback_order);
    if (choice->channel.empty()) {
      Log(inst, step.id, "skipped", "no_consent", Reason(choice->reason), now, round);
      return next;
    }
    channel = choice->channel;
  } else if (!Consented(*facts, channel)) {
    Log(inst, step.id, "skipped", "no_consent", Reason("no consent for " + channel), now, round);
    return next;
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
  round.write.outbox.push_back(std::move(m));
  return next;
}

}  // namespace unisono
