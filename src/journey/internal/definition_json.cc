// Writing a journey definition as canonical JSON (fields in a fixed order, defaults left
// out, numbers in their shortest form), matching events against an EventMatcher, and
// the small lookups. Reading is in definition.cc.
#include <boost/json.hpp>
#include <charconv>
#include <cmath>

#include "journey/internal/definition.h"

namespace unisono::journey {
namespace {

namespace json = boost::json;

void Write(const json::value& v, std::string& out);

// Shortest text that reads back as the same double, and still as a double ("5.0").
void WriteDouble(double d, std::string& out) {
  if (!std::isfinite(d)) {
    out += "null";  // only a hand-built definition could hold one
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string_view text(buf, end - buf);
  out += text;
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

// Compact JSON like json::serialize, but 0.5 rather than 5E-1.
void Write(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::object: {
      char sep = '{';
      for (const auto& [key, value] : v.get_object()) {
        out += sep;
        out += json::serialize(key);
        out += ':';
        Write(value, out);
        sep = ',';
      }
      out += v.get_object().empty() ? "{}" : "}";
      return;
    }
    case json::kind::array: {
      char sep = '[';
      for (const json::value& item : v.get_array()) {
        out += sep;
        Write(item, out);
        sep = ',';
      }
      out += v.get_array().empty() ? "[]" : "]";
      return;
    }
    case json::kind::double_:
      return WriteDouble(v.get_double(), out);
    default:
      out += json::serialize(v);
  }
}

// A stored JSON text as a value; text that is not JSON (only a hand-built definition
// could hold it) is written as a string rather than breaking the document.
json::value Stored(const std::string& json_text) {
  boost::system::error_code ec;
  json::value v = json::parse(json_text, ec);
  return ec ? json::value(json_text) : v;
}

// Whole percents as integers, so a 50/50 split reads "percent":50.
json::value Percent(double p) {
  return std::trunc(p) == p && std::abs(p) < 1e15 ? json::value(static_cast<int64_t>(p))
                                                  : json::value(p);
}

json::value Strings(const std::vector<std::string>& list) {
  json::array a;
  for (const std::string& s : list) a.emplace_back(s);
  return a;
}

std::string TimeOfDay(int minute) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60 % 100, minute % 60);
  return buf;
}

json::value MatcherValue(const EventMatcher& m) {
  json::object o;
  o["name"] = m.name;
  if (!m.channel.empty()) o["channel"] = m.channel;
  if (m.where.empty()) return o;
  json::object& where = o["where"].emplace_object();
  for (const auto& [key, literal] : m.where) where[key] = Stored(literal);
  return o;
}

json::value TriggerValue(const Trigger& t) {
  json::object o;
  switch (t.kind) {
    case TriggerKind::kEvent:
      o["event"] = MatcherValue(t.event);
      break;
    case TriggerKind::kSegmentEntered:
      o["segment"] = t.segment;
      break;
    case TriggerKind::kRepActivation:
      o["rep_activation"] = true;
      break;
    case TriggerKind::kSchedule: {
      json::object& s = o["schedule"].emplace_object();
      s["segment"] = t.segment;
      s["every"] = FormatDuration(t.every);
      if (t.from) s["from"] = FormatTimestamp(*t.from);
      break;
    }
  }
  return o;
}

void WaitFields(const Step& s, json::object& o) {
  if (s.duration) o["duration"] = FormatDuration(*s.duration);
  if (s.until_minute) o["until_time"] = TimeOfDay(*s.until_minute);
  if (!s.until_event) return;
  o["until_event"] = MatcherValue(*s.until_event);
  o["timeout"] = FormatDuration(s.timeout);
  if (!s.timeout_next.empty()) o["timeout_next"] = s.timeout_next;
}

void SplitFields(const Step& s, json::object& o) {
  json::array& paths = o["paths"].emplace_array();
  for (const SplitPath& p : s.paths) {
    json::object path{{"name", p.name}, {"percent", Percent(p.percent)}};
    if (!p.next.empty()) path["next"] = p.next;
    paths.emplace_back(std::move(path));
  }
  if (s.holdout_percent != 0) o["holdout"] = Percent(s.holdout_percent);
}

void TypeFields(const Step& s, json::object& o) {
  switch (s.type) {
    case StepType::kWait:
      return WaitFields(s, o);
    case StepType::kBranch:
      o["condition"] = s.condition;
      if (!s.then_next.empty()) o["then"] = s.then_next;
      if (!s.else_next.empty()) o["else"] = s.else_next;
      return;
    case StepType::kSplit:
      return SplitFields(s, o);
    case StepType::kSend:
      o["content"] = s.content;
      o["channel"] = s.channel;
      if (!s.channels.empty()) o["channels"] = Strings(s.channels);
      return;
    case StepType::kTask:
      o["title"] = s.title;
      if (!s.talking_points.empty()) o["talking_points"] = Strings(s.talking_points);
      o["due"] = FormatDuration(s.due);
      return;
    case StepType::kSetTrait:
      o["trait"] = s.trait;
      o["value"] = Stored(s.value_json);
      return;
    case StepType::kWebhook:
      o["url"] = s.url;
      return;
    case StepType::kExit:
      return;
  }
}

json::value StepValue(const Step& s) {
  json::object o{{"id", s.id}, {"type", StepTypeName(s.type)}};
  TypeFields(s, o);
  if (!s.next.empty() && s.type != StepType::kExit) o["next"] = s.next;
  return o;
}

json::value EntryValue(const EntryRule& e) {
  static constexpr const char* kModes[] = {"once", "once_per_period", "reentry"};
  json::object o{{"mode", kModes[static_cast<int>(e.mode)]}};
  if (e.mode == EntryMode::kOncePerPeriod) o["period"] = FormatDuration(e.period);
  return o;
}

json::value ExitValue(const JourneyDefinition& d) {
  json::object o;
  if (!d.exit_events.empty()) {
    json::array& events = o["events"].emplace_array();
    for (const EventMatcher& m : d.exit_events) events.push_back(MatcherValue(m));
  }
  if (!d.exit_segments.empty()) o["segments"] = Strings(d.exit_segments);
  return o;
}

bool SameNumber(const json::value& a, const json::value& b) {
  if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
  if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
  if (a.is_double() || b.is_double()) return a.to_number<double>() == b.to_number<double>();
  return false;  // one int64, one uint64 above INT64_MAX: never equal
}

bool SameScalar(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) return SameNumber(a, b);
  if (a.is_string() && b.is_string()) return a.get_string() == b.get_string();
  return a.is_bool() && b.is_bool() && a.get_bool() == b.get_bool();
}

}  // namespace

int JourneyDefinition::StepIndex(std::string_view step_id) const {
  for (size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].id == step_id) return static_cast<int>(i);
  }
  return -1;
}

std::string_view StepTypeName(StepType type) {
  static constexpr std::string_view kNames[] = {"wait", "branch",    "split",   "send",
                                                "task", "set_trait", "webhook", "exit"};
  size_t i = static_cast<size_t>(type);
  return i < std::size(kNames) ? kNames[i] : "unknown";
}

std::string JourneyToJson(const JourneyDefinition& d) {
  json::object o;
  if (!d.id.empty()) o["id"] = d.id;
  o["version"] = d.version;
  o["name"] = d.name;
  if (!d.description.empty()) o["description"] = d.description;
  if (d.priority != 0) o["priority"] = d.priority;
  o["status"] = d.status;
  o["trigger"] = TriggerValue(d.trigger);
  if (d.entry.mode != EntryMode::kReentry) o["entry"] = EntryValue(d.entry);
  json::array& steps = o["steps"].emplace_array();
  for (const Step& s : d.steps) steps.push_back(StepValue(s));
  if (d.goal) o["goal"] = MatcherValue(*d.goal);
  if (!d.exit_events.empty() || !d.exit_segments.empty()) o["exit"] = ExitValue(d);
  if (d.when_blocked == WhenBlocked::kSkip) o["when_blocked"] = "skip";
  std::string out;
  Write(o, out);
  return out;
}

// Runs for every committed event against every journey's matchers: the cheap string
// comparisons come first, and properties are parsed only when they decide.
bool Matches(const EventMatcher& matcher, const Event& event) {
  if (event.name != matcher.name) return false;
  if (!matcher.channel.empty() && event.channel != matcher.channel) return false;
  if (matcher.where.empty()) return true;
  unsigned char buffer[4096];
  json::monotonic_resource arena(buffer, sizeof buffer);
  boost::system::error_code ec;
  json::value properties = json::parse(event.properties_json, ec, &arena);
  const json::object* o = ec ? nullptr : properties.if_object();
  if (!o) return false;
  for (const auto& [key, literal] : matcher.where) {
    const json::value* actual = o->if_contains(key);
    if (!actual) return false;
    json::value expected = json::parse(literal, ec, &arena);
    if (ec || !SameScalar(*actual, expected)) return false;
  }
  return true;
}

}  // namespace unisono::journey
