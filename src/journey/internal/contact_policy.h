// The contact-pressure policy and the best-channel choice, as pure functions over a
// profile's recent contacts: caps across all channels and per channel, a minimum gap,
// quiet hours in the profile's time zone. Thread-safe (TimeZones caches behind a mutex).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace date {
class time_zone;
}

namespace unisono::journey {

// At most `max` contacts in any `window`, on `channels` (empty: all channels together).
// It holds back sends on those channels only; 0 means never on them.
struct ContactCap {
  std::vector<std::string> channels;
  int max = 3;
  Millis window = std::chrono::days(7);

  bool operator==(const ContactCap&) const = default;
};

// [start, end) in minutes of the local day; wraps midnight when start > end
// (21:00-08:00 is 1260..480).
struct QuietHours {
  int start_minute = 21 * 60;
  int end_minute = 8 * 60;

  bool operator==(const QuietHours&) const = default;
};

struct ContactPolicy {
  std::vector<ContactCap> caps;  // e.g. {{}, 3, 7d} and {{"email"}, 2, 7d}
  Millis min_gap{};              // between two contacts on any channel
  std::optional<QuietHours> quiet_hours;
  std::string default_timezone = "UTC";  // when the profile has no valid `timezone` trait
  // Manual or rule segments (id or name) whose members are never contacted.
  std::vector<std::string> suppression_segments;
  // best_channel, when no allowed channel has any engagement yet: the first consented
  // one in this order (then the step's own order).
  std::vector<std::string> fallback_order = {"email", "whatsapp", "sms", "postal"};
  // A send held back longer than this is skipped instead.
  Millis max_delay = std::chrono::days(14);

  // The longest window any rule looks back over: contacts older than this can go.
  Millis Horizon() const;

  bool operator==(const ContactPolicy&) const = default;
};

// Reads a policy from JSON (the config file's [contact_policy] arrives as JSON too):
//   {"caps": [{"channels": ["email"], "max": 2, "window": "7d"}, ...],
//    "min_gap": "1d", "quiet_hours": {"start": "21:00", "end": "08:00"} | null,
//    "default_timezone": "Europe/Madrid", "suppression_segments": [...],
//    "fallback_order": [...], "max_delay": "14d"}
// Errors name the field ("caps/0/max: must be a whole number 0 or more"; a cap of 0 means
// never on those channels). Unknown fields and time zones are errors. Missing fields keep
// their defaults.
Result<ContactPolicy> ParseContactPolicy(std::string_view json);
std::string ContactPolicyToJson(const ContactPolicy& policy);

// One past contact of a profile, on any channel (a rep's visit as much as an email).
struct PastContact {
  int64_t at_ms = 0;
  std::string channel;
};

// Time-zone lookups by IANA name ("Europe/Madrid"), cached; the system tz database.
class TimeZones {
 public:
  // The zone, or nullptr when the name is unknown or empty.
  const date::time_zone* Find(std::string_view name);
  // Minutes since local midnight at `at_ms` in `zone` (UTC when null).
  static int LocalMinute(const date::time_zone* zone, int64_t at_ms);
  // The first instant at or after `from_ms` whose local time of day is `minute`
  // (skipping a minute a DST change removes: then the first instant after it).
  static int64_t NextLocalTime(const date::time_zone* zone, int64_t from_ms, int minute);

 private:
  std::mutex mu_;
  std::map<std::string, const date::time_zone*, std::less<>> cache_;
};

// What the policy says about one send now.
struct PolicyDecision {
  bool allowed = false;
  // When not allowed: the earliest moment every rule allows this send (the oldest
  // contact leaving a full cap's window, the gap closing, quiet hours ending, taking
  // them together), or none when no wait helps (a cap of 0).
  std::optional<int64_t> retry_at_ms;
  // The first blocking rule, in the order caps, gap, quiet hours; "" when allowed:
  // "cap: 3 contacts in 7d on all channels (the oldest leaves the window at 2026-...)",
  // "min gap 1d: last contact rep_visit at 2026-...", "quiet hours 21:00-08:00 in UTC".
  std::string reason;
};

// `contacts` are the profile's contacts (any order, any age); `zone` its time zone.
PolicyDecision CheckContactPolicy(const ContactPolicy& policy,
                                  const std::vector<PastContact>& contacts,
                                  std::string_view channel, int64_t now_ms,
                                  const date::time_zone* zone);

// best_channel: among `allowed` (the step's channels, in its order) keeps those the
// profile consents to; picks the highest engagement per unit of cost (engagement from
// the segment engine's engagement_score.<channel>, cost the catalog's cost per contact,
// at least one minor unit); ties go to the earlier channel of `allowed`. When none has
// any engagement: the fallback order, then `allowed` order.
struct ChannelCandidate {
  std::string channel;
  bool consent = false;
  double engagement = 0;  // >= 0
  int64_t cost_minor = 0;
};

struct ChannelChoice {
  std::string channel;  // "" when no candidate has consent
  std::string reason;   // "whatsapp: engagement 0.42 per 8 cents beats email 0.10 per 1"
  // The channel a single-channel plan would have used: the first consented one of
  // `allowed`. moved_cheaper: the choice costs less than it and engages at least as well.
  std::string default_channel;
  bool moved_cheaper = false;
};

ChannelChoice ChooseBestChannel(const std::vector<ChannelCandidate>& allowed,
                                const std::vector<std::string>& fallback_order);

}  // namespace unisono::journey
