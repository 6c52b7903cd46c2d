// Contact policy: JSON reading and writing, time-zone arithmetic, the rule check with its
// retry search, and the best-channel choice. All times are UTC milliseconds; local time is
// only ever computed from a zone's offset at an instant.
#include "journey/internal/contact_policy.h"

#include <date/tz.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <iterator>
#include <stdexcept>

namespace unisono::journey {
namespace {

namespace json = boost::json;

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kDayMs = 86'400'000;
// A profile's `timezone` trait is user data: don't let garbage names grow the cache forever.
constexpr size_t kMaxCachedZones = 2048;
// Each round moves the candidate time forward past at least one blocking rule.
constexpr int kMaxRetryRounds = 16;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::string Join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : sep) + item;
  return out;
}

std::string FormatClock(int minute) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60, minute % 60);
  return buf;
}

std::optional<int> ParseClock(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  auto digit = [&](size_t i) { return s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : 100; };
  int hours = digit(0) * 10 + digit(1), minutes = digit(3) * 10 + digit(4);
  if (hours > 23 || minutes > 59) return std::nullopt;
  return hours * 60 + minutes;
}

std::string FormatAt(int64_t ms) { return FormatTimestamp(FromMillis(ms)); }

// The offset of `zone` from UTC at `at_ms`, in milliseconds.
int64_t OffsetMs(const date::time_zone* zone, int64_t at_ms) {
  if (zone == nullptr) return 0;
  auto info = zone->get_info(date::sys_time<Millis>(Millis(at_ms)));
  return std::chrono::duration_cast<Millis>(info.offset).count();
}

// The UTC instants whose local time is `local_ms`: one, two in a repeated hour (earliest
// first), or, inside a skipped hour, the instant the skip ends.
std::vector<int64_t> InstantsOf(const date::time_zone* zone, int64_t local_ms) {
  if (zone == nullptr) return {local_ms};
  auto info = zone->get_info(date::local_time<Millis>(Millis(local_ms)));
  auto ms = [](auto d) { return std::chrono::duration_cast<Millis>(d).count(); };
  switch (info.result) {
    case date::local_info::nonexistent:
      return {ms(info.second.begin.time_since_epoch())};
    case date::local_info::ambiguous:
      return {local_ms - ms(info.first.offset), local_ms - ms(info.second.offset)};
    default:
      return {local_ms - ms(info.first.offset)};
  }
}

// ---- JSON reading ----

Status FieldError(const std::string& field, const std::string& what) {
  return Status::InvalidArgument(field + ": " + what).WithField(field);
}

std::string Quote(const json::value& v) {
  if (v.is_string()) return "'" + std::string(v.get_string()) + "'";
  return json::serialize(v);
}

Status UnknownField(const std::string& field, const std::vector<std::string>& known) {
  return FieldError(field, "unknown field (expected one of " + Join(known, ", ") + ")");
}

// `positive`: zero is an error too (a cap's window).
Status ReadDuration(const json::value& v, const std::string& field, Millis* out,
                    bool positive = false) {
  auto d = v.is_string() ? ParseDuration(v.get_string()) : Status::InvalidArgument("");
  if (!d.ok()) return FieldError(field, Quote(v) + " is not a duration like 7d");
  if (positive && *d <= Millis::zero()) return FieldError(field, "must be longer than 0, like 7d");
  *out = *d;
  return Status::Ok();
}

Status ReadNames(const json::value& v, const std::string& field, std::vector<std::string>* out) {
  if (!v.is_array()) return FieldError(field, "must be an array of names like [\"email\"]");
  out->clear();
  for (size_t i = 0; i < v.get_array().size(); ++i) {
    const json::value& item = v.get_array()[i];
    if (!item.is_string() || item.get_string().empty()) {
      return FieldError(field + "/" + std::to_string(i), "must be a non-empty name like \"email\"");
    }
    out->emplace_back(item.get_string());
  }
  return Status::Ok();
}

Status ReadCapMax(const json::value& v, const std::string& field, int* out) {
  boost::system::error_code ec;
  auto n = v.is_number() ? v.to_number<int64_t>(ec) : -1;
  if (!v.is_number() || ec || n < 0 || n > 1'000'000) {
    return FieldError(field, Quote(v) + " is not a whole number like 3 (0 means never)");
  }
  *out = static_cast<int>(n);
  return Status::Ok();
}

Status ReadCap(const json::value& v, const std::string& field, ContactCap* cap) {
  if (!v.is_object())
    return FieldError(field, "must be an object like {\"max\": 3, \"window\": \"7d\"}");
  for (const auto& kv : v.get_object()) {
    std::string key(kv.key()), path = field + "/" + key;
    Status s;
    if (key == "channels") {
      s = ReadNames(kv.value(), path, &cap->channels);
    } else if (key == "max") {
      s = ReadCapMax(kv.value(), path, &cap->max);
    } else if (key == "window") {
      s = ReadDuration(kv.value(), path, &cap->window, /*positive=*/true);
    } else {
      s = UnknownField(path, {"channels", "max", "window"});
    }
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status ReadCaps(const json::value& v, std::vector<ContactCap>* caps) {
  if (!v.is_array())
    return FieldError("caps", "must be an array like [{\"max\": 3, \"window\": \"7d\"}]");
  caps->clear();
  for (size_t i = 0; i < v.get_array().size(); ++i) {
    Status s = ReadCap(v.get_array()[i], "caps/" + std::to_string(i), &caps->emplace_back());
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status ReadClock(const json::value& v, const std::string& field, int* minute) {
  std::optional<int> parsed = v.is_string() ? ParseClock(v.get_string()) : std::nullopt;
  if (!parsed) return FieldError(field, Quote(v) + " is not a time like 21:00");
  *minute = *parsed;
  return Status::Ok();
}

Status ReadQuietHours(const json::value& v, std::optional<QuietHours>* out) {
  if (v.is_null()) {
    out->reset();
    return Status::Ok();
  }
  if (!v.is_object()) {
    return FieldError("quiet_hours",
                      "must be null or like {\"start\": \"21:00\", \"end\": \"08:00\"}");
  }
  QuietHours quiet;
  for (const auto& kv : v.get_object()) {
    std::string path = "quiet_hours/" + std::string(kv.key());
    Status s = kv.key() == "start" ? ReadClock(kv.value(), path, &quiet.start_minute)
               : kv.key() == "end" ? ReadClock(kv.value(), path, &quiet.end_minute)
                                   : UnknownField(path, {"start", "end"});
    if (!s.ok()) return s;
  }
  if (quiet.start_minute == quiet.end_minute) {
    return FieldError("quiet_hours", "start and end are both " + FormatClock(quiet.start_minute) +
                                         "; give a range like 21:00-08:00, or null for none");
  }
  *out = quiet;
  return Status::Ok();
}

const date::time_zone* LocateZone(std::string_view name) {
  if (name.empty()) return nullptr;
  try {
    return date::locate_zone(name);
  } catch (const std::runtime_error&) {
    return nullptr;
  }
}

Status ReadTimezone(const json::value& v, std::string* out) {
  if (!v.is_string() || LocateZone(v.get_string()) == nullptr) {
    return FieldError("default_timezone", Quote(v) +
                                              " is not a time zone (use an IANA name like "
                                              "Europe/Madrid)");
  }
  *out = v.get_string();
  return Status::Ok();
}

Status ReadPolicyField(std::string_view key, const json::value& v, ContactPolicy* p) {
  std::string field(key);
  if (key == "caps") return ReadCaps(v, &p->caps);
  if (key == "min_gap") return ReadDuration(v, field, &p->min_gap);
  if (key == "quiet_hours") return ReadQuietHours(v, &p->quiet_hours);
  if (key == "default_timezone") return ReadTimezone(v, &p->default_timezone);
  if (key == "suppression_segments") return ReadNames(v, field, &p->suppression_segments);
  if (key == "fallback_order") return ReadNames(v, field, &p->fallback_order);
  if (key == "max_delay") return ReadDuration(v, field, &p->max_delay);
  return UnknownField(field, {"caps", "min_gap", "quiet_hours", "default_timezone",
                              "suppression_segments", "fallback_order", "max_delay"});
}

json::array NameArray(const std::vector<std::string>& names) {
  json::array out;
  for (const auto& name : names) out.emplace_back(name);
  return out;
}

// ---- the rules ----

struct Block {
  std::optional<int64_t> retry_at_ms;  // none: waiting never helps
  std::string reason;
};

bool CapCovers(const ContactCap& cap, std::string_view channel) {
  return cap.channels.empty() ||
         std::find(cap.channels.begin(), cap.channels.end(), channel) != cap.channels.end();
}

// `past` is sorted by time, all at or before `now_ms`.
std::optional<Block> CheckCap(const ContactCap& cap, const std::vector<PastContact>& past,
                              std::string_view channel, int64_t now_ms) {
  if (!CapCovers(cap, channel)) return std::nullopt;
  std::string on = cap.channels.empty() ? "all channels" : Join(cap.channels, " or ");
  if (cap.max <= 0) return Block{std::nullopt, "cap: no contacts allowed on " + on};
  std::vector<int64_t> counted;  // oldest first
  for (const auto& c : past) {
    if (c.at_ms > now_ms - cap.window.count() && CapCovers(cap, c.channel))
      counted.push_back(c.at_ms);
  }
  if (static_cast<int64_t>(counted.size()) < cap.max) return std::nullopt;
  // The window is (now - window, now]: a contact at `a` stops counting at a + window. Once the
  // (count - max + 1) oldest have stopped counting, fewer than `max` remain.
  size_t leaving = counted.size() - cap.max + 1;
  int64_t retry = counted[leaving - 1] + cap.window.count();
  std::string who = leaving == 1 ? "the oldest leaves" : std::to_string(leaving) + " oldest leave";
  std::string count =
      std::to_string(counted.size()) + (counted.size() == 1 ? " contact" : " contacts");
  return Block{retry, "cap: " + count + " in " + FormatDuration(cap.window) + " on " + on + " (" +
                          who + " the window at " + FormatAt(retry) + ")"};
}

std::optional<Block> CheckGap(Millis min_gap, const std::vector<PastContact>& past,
                              int64_t now_ms) {
  if (past.empty() || min_gap <= Millis::zero()) return std::nullopt;
  const PastContact& last = past.back();
  if (now_ms - last.at_ms >= min_gap.count()) return std::nullopt;
  return Block{last.at_ms + min_gap.count(), "min gap " + FormatDuration(min_gap) +
                                                 ": last contact " + last.channel + " at " +
                                                 FormatAt(last.at_ms)};
}

std::optional<Block> CheckQuiet(const QuietHours& quiet, const date::time_zone* zone,
                                int64_t now_ms) {
  int start = quiet.start_minute, end = quiet.end_minute;
  int minute = TimeZones::LocalMinute(zone, now_ms);
  bool inside = start < end ? (minute >= start && minute < end) : (minute >= start || minute < end);
  if (start == end || !inside) return std::nullopt;
  std::string zone_name = zone == nullptr ? "UTC" : zone->name();
  return Block{TimeZones::NextLocalTime(zone, now_ms, end),
               "quiet hours " + FormatClock(start) + "-" + FormatClock(end) + " in " + zone_name};
}

// The rules that block a send at `now_ms`, in the order caps, gap, quiet hours.
std::vector<Block> Blocks(const ContactPolicy& policy, const std::vector<PastContact>& past,
                          std::string_view channel, int64_t now_ms, const date::time_zone* zone) {
  std::vector<Block> blocks;
  for (const auto& cap : policy.caps) {
    if (auto b = CheckCap(cap, past, channel, now_ms)) blocks.push_back(std::move(*b));
  }
  if (auto b = CheckGap(policy.min_gap, past, now_ms)) blocks.push_back(std::move(*b));
  if (policy.quiet_hours) {
    if (auto b = CheckQuiet(*policy.quiet_hours, zone, now_ms)) blocks.push_back(std::move(*b));
  }
  return blocks;
}

// ---- best channel ----

int64_t EffectiveCost(const ChannelCandidate& c) { return std::max<int64_t>(c.cost_minor, 1); }
double Score(const ChannelCandidate& c) { return c.engagement / EffectiveCost(c); }

// "0.42 per 8": engagement and the cost it is divided by.
std::string Numbers(const ChannelCandidate& c) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f per %lld", c.engagement,
                static_cast<long long>(EffectiveCost(c)));
  return buf;
}

const ChannelCandidate* PickByScore(const std::vector<const ChannelCandidate*>& consented,
                                    std::string* reason) {
  std::vector<const ChannelCandidate*> ranked = consented;  // ties keep the step's order
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto* a, const auto* b) { return Score(*a) > Score(*b); });
  const ChannelCandidate& best = *ranked[0];
  *reason = best.channel + ": engagement " + Numbers(best) + " cents";
  *reason += ranked.size() > 1 ? " beats " + ranked[1]->channel + " " + Numbers(*ranked[1])
                               : ", the only consented channel";
  return &best;
}

const ChannelCandidate* PickByFallback(const std::vector<const ChannelCandidate*>& consented,
                                       const std::vector<std::string>& fallback_order,
                                       std::string* reason) {
  for (const auto& name : fallback_order) {
    for (const auto* c : consented) {
      if (c->channel != name) continue;
      *reason = "no engagement yet: fallback order gives " + name;
      return c;
    }
  }
  *reason = "no engagement yet: fallback order has none of these, first consented is " +
            consented.front()->channel;
  return consented.front();
}

}  // namespace

Millis ContactPolicy::Horizon() const {
  Millis horizon = std::max<Millis>(std::chrono::days(1), min_gap);
  for (const auto& cap : caps) horizon = std::max(horizon, cap.window);
  return horizon;
}

Result<ContactPolicy> ParseContactPolicy(std::string_view text) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec) return Status::InvalidArgument("contact policy is not valid JSON: " + ec.message());
  if (!root.is_object()) {
    return Status::InvalidArgument("contact policy must be a JSON object like {\"caps\": [...]}");
  }
  ContactPolicy policy;
  for (const auto& kv : root.get_object()) {
    if (Status s = ReadPolicyField(kv.key(), kv.value(), &policy); !s.ok()) return s;
  }
  return policy;
}

std::string ContactPolicyToJson(const ContactPolicy& p) {
  json::array caps;
  for (const auto& cap : p.caps) {
    caps.push_back(json::object{{"channels", NameArray(cap.channels)},
                                {"max", cap.max},
                                {"window", FormatDuration(cap.window)}});
  }
  json::value quiet = nullptr;
  if (p.quiet_hours) {
    quiet = json::object{{"start", FormatClock(p.quiet_hours->start_minute)},
                         {"end", FormatClock(p.quiet_hours->end_minute)}};
  }
  json::object out{{"caps", std::move(caps)},
                   {"min_gap", FormatDuration(p.min_gap)},
                   {"quiet_hours", std::move(quiet)},
                   {"default_timezone", p.default_timezone},
                   {"suppression_segments", NameArray(p.suppression_segments)},
                   {"fallback_order", NameArray(p.fallback_order)},
                   {"max_delay", FormatDuration(p.max_delay)}};
  return json::serialize(out);
}

const date::time_zone* TimeZones::Find(std::string_view name) {
  if (name.empty()) return nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = cache_.find(name); it != cache_.end()) return it->second;
  const date::time_zone* zone = LocateZone(name);
  if (cache_.size() < kMaxCachedZones) cache_.emplace(std::string(name), zone);
  return zone;
}

int TimeZones::LocalMinute(const date::time_zone* zone, int64_t at_ms) {
  int64_t local_ms = at_ms + OffsetMs(zone, at_ms);
  return static_cast<int>((local_ms - FloorDiv(local_ms, kDayMs) * kDayMs) / kMinuteMs);
}

int64_t TimeZones::NextLocalTime(const date::time_zone* zone, int64_t from_ms, int minute) {
  int64_t day = FloorDiv(from_ms + OffsetMs(zone, from_ms), kDayMs);
  // Today's occurrence may be past; then tomorrow's (or, across a DST change, the day after)
  // is not. Candidates grow with `d`, so this ends.
  for (int64_t d = day;; ++d) {
    for (int64_t at : InstantsOf(zone, d * kDayMs + minute * kMinuteMs)) {
      if (at >= from_ms) return at;
    }
  }
}

PolicyDecision CheckContactPolicy(const ContactPolicy& policy,
                                  const std::vector<PastContact>& contacts,
                                  std::string_view channel, int64_t now_ms,
                                  const date::time_zone* zone) {
  // Contacts after now are ignored; the retry search assumes no new contacts happen.
  std::vector<PastContact> past;
  std::copy_if(contacts.begin(), contacts.end(), std::back_inserter(past),
               [&](const PastContact& c) { return c.at_ms <= now_ms; });
  std::stable_sort(past.begin(), past.end(),
                   [](const auto& a, const auto& b) { return a.at_ms < b.at_ms; });
  PolicyDecision decision;
  int64_t at = now_ms;
  for (int round = 0; round < kMaxRetryRounds; ++round) {
    std::vector<Block> blocks = Blocks(policy, past, channel, at, zone);
    if (blocks.empty()) {
      decision.allowed = round == 0;
      if (round > 0) decision.retry_at_ms = at;
      return decision;
    }
    if (round == 0) decision.reason = blocks.front().reason;
    // Every rule's retry is the earliest it allows: no time before their maximum can work.
    int64_t next = at;
    for (const auto& b : blocks) {
      if (!b.retry_at_ms) return decision;
      next = std::max(next, *b.retry_at_ms);
    }
    if (next <= at) return decision;  // cannot happen; never loop in place
    at = next;
  }
  return decision;
}

ChannelChoice ChooseBestChannel(const std::vector<ChannelCandidate>& allowed,
                                const std::vector<std::string>& fallback_order) {
  ChannelChoice choice;
  std::vector<const ChannelCandidate*> consented;
  std::vector<std::string> names;
  for (const auto& c : allowed) {
    if (c.consent) consented.push_back(&c);
    names.push_back(c.channel);
  }
  if (consented.empty()) {
    choice.reason = allowed.empty() ? "no channels to choose from"
                                    : "no consent on any of " + Join(names, ", ");
    return choice;
  }
  bool any_engagement = std::any_of(consented.begin(), consented.end(),
                                    [](const auto* c) { return c->engagement > 0; });
  const ChannelCandidate* chosen = any_engagement
                                       ? PickByScore(consented, &choice.reason)
                                       : PickByFallback(consented, fallback_order, &choice.reason);
  const ChannelCandidate& first = *consented.front();
  choice.channel = chosen->channel;
  choice.default_channel = first.channel;
  choice.moved_cheaper =
      EffectiveCost(*chosen) < EffectiveCost(first) && chosen->engagement >= first.engagement;
  return choice;
}

}  // namespace unisono::journey
