// Reading a journey definition: a Reader walks the Boost.JSON tree, fills the values
// and stops at the first problem, which it names by JSON pointer. Step references are
// checked once every step has its id. Writing, matching and the small lookups are in
// definition_json.cc.
#include "journey/internal/definition.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <charconv>
#include <climits>
#include <cmath>
#include <span>

namespace unisono::journey {
namespace {

namespace json = boost::json;
using Fields = std::span<const std::string_view>;

// The fields of each step type besides id and type, in StepType order ("" pads).
constexpr std::array<std::string_view, 6> kStepFields[] = {
    {"next", "duration", "until_time", "until_event", "timeout", "timeout_next"},
    {"next", "condition", "then", "else"},
    {"next", "paths", "holdout"},
    {"next", "content", "channel", "channels"},
    {"next", "title", "talking_points", "due"},
    {"next", "trait", "value"},
    {"next", "url"},
    {},
};
constexpr std::string_view kStepCommonFields[] = {"id", "type"};
constexpr const char* kStepTypeList = "wait, branch, split, send, task, set_trait, webhook, exit";
constexpr const char* kTriggerForms =
    "give exactly one of event, segment, rep_activation, schedule";
constexpr std::string_view kTopFields[] = {"id",       "version", "name",    "description",
                                           "priority", "status",  "trigger", "entry",
                                           "steps",    "goal",    "exit",    "when_blocked"};
constexpr std::string_view kMatcherFields[] = {"name", "channel", "where"};
constexpr std::string_view kStatuses[] = {"active", "paused"};

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// One reference token of a JSON pointer (RFC 6901: '~' and '/' escaped).
std::string Token(std::string_view key) {
  std::string out;
  for (char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}

std::string Child(const std::string& at, std::string_view key) { return at + "/" + Token(key); }
std::string Child(const std::string& at, size_t index) { return at + "/" + std::to_string(index); }

std::string ShortNumber(double d) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, end);
}

bool IsStepId(std::string_view id) {
  if (id.empty()) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

// "a", "b", ... "z", then "path-27", ...
std::string DefaultPathName(size_t index) {
  return index < 26 ? std::string(1, static_cast<char>('a' + index))
                    : "path-" + std::to_string(index + 1);
}

std::string StepIdList(const std::vector<Step>& steps) {
  std::string out;
  for (size_t i = 0; i < steps.size() && i < 20; ++i) out += (i ? ", " : "") + steps[i].id;
  return steps.size() > 20 ? out + ", ..." : out;
}

class Reader {
 public:
  explicit Reader(const ConditionChecker& check) : check_(check) {}
  const std::string& error() const { return error_; }

  bool Journey(const json::value& v, JourneyDefinition& d) {
    static constexpr std::string_view kWhenBlocked[] = {"wait", "skip"};
    const json::object* o = ObjectOf(v, "", "a JSON object with name, trigger and steps");
    size_t status = 0, blocked = 0;
    bool ok = o && Known(*o, "", kTopFields) && Text(*o, "id", "", d.id, false) &&
              (!o->contains("version") || Integer(*o, "version", "", d.version, 1)) &&
              Text(*o, "name", "", d.name, true) &&
              Text(*o, "description", "", d.description, false) &&
              (!o->contains("priority") || Integer(*o, "priority", "", d.priority, INT_MIN)) &&
              Option(*o, "status", kStatuses, status) && TriggerOf(*o, d.trigger) &&
              EntryOf(*o, d.entry) && StepsOf(*o, d.steps) && GoalOf(*o, d.goal) && ExitOf(*o, d) &&
              Option(*o, "when_blocked", kWhenBlocked, blocked) && References(d.steps);
    d.status = kStatuses[status];
    d.when_blocked = static_cast<WhenBlocked>(blocked);
    return ok;
  }

 private:
  bool Fail(const std::string& at, const std::string& message) {
    error_ = (at.empty() ? "/" : at) + ": " + message;
    return false;
  }

  const json::object* ObjectOf(const json::value& v, const std::string& at, const char* what) {
    const json::object* o = v.if_object();
    if (!o) Fail(at, std::string("expected ") + what);
    return o;
  }

  bool Known(const json::object& o, const std::string& at, Fields allowed, Fields more = {}) {
    auto in = [](Fields list, std::string_view key) {
      return std::find(list.begin(), list.end(), key) != list.end();
    };
    for (const auto& [key, value] : o) {
      if (key.empty() || (!in(allowed, key) && !in(more, key))) {
        return Fail(at, "unknown field " + Quoted(key));
      }
    }
    return true;
  }

  // A string field; `required` also rules out "".
  bool Text(const json::object& o, std::string_view key, const std::string& at, std::string& out,
            bool required) {
    const json::value* v = o.if_contains(key);
    if (!v) return required ? Fail(Child(at, key), "required") : true;
    const json::string* s = v->if_string();
    if (!s) return Fail(Child(at, key), "expected a string");
    if (required && s->empty()) return Fail(Child(at, key), "required, and must not be empty");
    out.assign(s->data(), s->size());
    return true;
  }

  bool Integer(const json::object& o, std::string_view key, const std::string& at, int& out,
               int64_t min) {
    const json::value& v = o.at(key);
    bool fits = v.is_int64() && v.get_int64() >= min && v.get_int64() <= INT_MAX;
    if (!fits && min > 0) return Fail(Child(at, key), "expected a whole number of at least 1");
    if (!fits) return Fail(Child(at, key), "expected a whole number like 10 or -5");
    out = static_cast<int>(v.get_int64());
    return true;
  }

  bool Number(const json::object& o, std::string_view key, const std::string& at, double& out) {
    const json::value& v = o.at(key);
    if (!v.is_number()) return Fail(Child(at, key), "expected a number");
    out = v.to_number<double>();
    return true;
  }

  // A positive duration ("30d"), or at least `min` when one is given.
  bool DurationOf(const json::object& o, std::string_view key, const std::string& at, Millis& out,
                  Millis min = Millis(1)) {
    const json::string* s = o.at(key).if_string();
    if (!s) return Fail(Child(at, key), "expected a duration like 30d or 12h");
    Result<Millis> d = ParseDuration(*s);
    if (!d.ok()) return Fail(Child(at, key), Quoted(*s) + " is not a duration like 30d or 12h");
    if (d.value() < min) {
      return Fail(Child(at, key), min == Millis(1)
                                      ? Quoted(*s) + " must be longer than 0"
                                      : Quoted(*s) + " is shorter than " + FormatDuration(min) +
                                            "; use " + FormatDuration(min) + " or more");
    }
    out = d.value();
    return true;
  }

  bool Choice(const json::object& o, std::string_view key, const std::string& at,
              std::span<const std::string_view> choices, size_t& index) {
    std::string list;
    for (std::string_view c : choices) list += (list.empty() ? "" : ", ") + std::string(c);
    const json::string* s = o.at(key).if_string();
    if (!s) return Fail(Child(at, key), "expected one of " + list);
    auto it = std::find(choices.begin(), choices.end(), std::string_view(*s));
    if (it == choices.end()) return Fail(Child(at, key), Quoted(*s) + " is not one of " + list);
    index = it - choices.begin();
    return true;
  }

  // An array of non-empty strings.
  bool Strings(const json::object& o, std::string_view key, const std::string& at,
               std::vector<std::string>& out) {
    const json::array* a = o.at(key).if_array();
    if (!a) return Fail(Child(at, key), "expected an array of strings");
    for (size_t i = 0; i < a->size(); ++i) {
      const json::string* s = (*a)[i].if_string();
      if (!s || s->empty()) return Fail(Child(Child(at, key), i), "expected a non-empty string");
      out.emplace_back(s->data(), s->size());
    }
    return true;
  }

  bool Matcher(const json::value& v, const std::string& at, EventMatcher& m) {
    const json::object* o = ObjectOf(v, at, "an event matcher like {\"name\": \"Signed Up\"}");
    if (!o || !Known(*o, at, kMatcherFields) || !Text(*o, "name", at, m.name, true) ||
        !Text(*o, "channel", at, m.channel, false)) {
      return false;
    }
    const json::value* where = o->if_contains("where");
    if (!where) return true;
    const json::object* w = ObjectOf(*where, Child(at, "where"), "an object of property values");
    if (!w) return false;
    for (const auto& [key, value] : *w) {
      if (!value.is_string() && !value.is_number() && !value.is_bool()) {
        return Fail(Child(Child(at, "where"), key), "expected a string, number or boolean");
      }
      m.where.emplace_back(std::string(key), json::serialize(value));
    }
    return true;
  }

  bool TriggerOf(const json::object& root, Trigger& t) {
    static constexpr std::string_view kForms[] = {"event", "segment", "rep_activation", "schedule"};
    const std::string at = "/trigger";
    if (!root.contains("trigger")) return Fail(at, std::string("required; ") + kTriggerForms);
    const json::object* o = ObjectOf(root.at("trigger"), at, "an object");
    if (!o || !Known(*o, at, kForms)) return false;
    if (o->size() != 1) return Fail(at, kTriggerForms);
    std::string_view form = o->begin()->key();
    const json::value& v = o->begin()->value();
    if (form == "event") return Matcher(v, Child(at, form), t.event);
    if (form == "segment") {
      t.kind = TriggerKind::kSegmentEntered;
      return Text(*o, form, at, t.segment, true);
    }
    if (form == "rep_activation") {
      t.kind = TriggerKind::kRepActivation;
      return v.is_bool() && v.get_bool() ? true : Fail(Child(at, form), "expected true");
    }
    t.kind = TriggerKind::kSchedule;
    return ScheduleOf(v, Child(at, form), t);
  }

  bool ScheduleOf(const json::value& v, const std::string& at, Trigger& t) {
    static constexpr std::string_view kFields[] = {"segment", "every", "from"};
    const json::object* o = ObjectOf(v, at, "{\"segment\": ..., \"every\": \"7d\"}");
    if (!o || !Known(*o, at, kFields) || !Text(*o, "segment", at, t.segment, true)) return false;
    if (!o->contains("every")) return Fail(Child(at, "every"), "required, e.g. \"7d\"");
    if (!DurationOf(*o, "every", at, t.every, std::chrono::minutes(1))) return false;
    if (!o->contains("from")) return true;
    const json::string* s = o->at("from").if_string();
    Result<Timestamp> from = s ? ParseTimestamp(*s) : Status::InvalidArgument("");
    if (!from.ok()) {
      return Fail(Child(at, "from"), (s ? Quoted(*s) + " is not" : std::string("expected")) +
                                         " an ISO-8601 time like 2026-02-01T09:00:00Z");
    }
    t.from = from.value();
    return true;
  }

  bool EntryOf(const json::object& root, EntryRule& e) {
    static constexpr std::string_view kModes[] = {"once", "once_per_period", "reentry"};
    static constexpr std::string_view kFields[] = {"mode", "period"};
    const std::string at = "/entry";
    if (!root.contains("entry")) return true;
    const json::object* o = ObjectOf(root.at("entry"), at, "{\"mode\": \"once\"}");
    if (!o || !Known(*o, at, kFields)) return false;
    size_t mode = 0;
    if (!o->contains("mode"))
      return Fail(Child(at, "mode"), "required: once, once_per_period or reentry");
    if (!Choice(*o, "mode", at, kModes, mode)) return false;
    e.mode = static_cast<EntryMode>(mode);
    bool periodic = e.mode == EntryMode::kOncePerPeriod;
    if (!periodic && o->contains("period")) {
      return Fail(Child(at, "period"), "only mode once_per_period takes a period");
    }
    if (periodic && !o->contains("period")) {
      return Fail(Child(at, "period"), "required with once_per_period, e.g. \"30d\"");
    }
    return !periodic || DurationOf(*o, "period", at, e.period);
  }

  bool StepsOf(const json::object& root, std::vector<Step>& steps) {
    const std::string at = "/steps";
    const json::value* v = root.if_contains("steps");
    if (!v) return Fail(at, "required");
    const json::array* a = v->if_array();
    if (!a) return Fail(at, "expected an array of steps");
    if (a->empty()) return Fail(at, "add at least one step");
    for (size_t i = 0; i < a->size(); ++i) {
      if (!StepOf((*a)[i], Child(at, i), i, steps.emplace_back())) return false;
      for (size_t j = 0; j < i; ++j) {
        if (steps[j].id != steps[i].id) continue;
        bool given = (*a)[i].as_object().contains("id");
        return Fail(given ? Child(Child(at, i), "id") : Child(at, i),
                    (given ? Quoted(steps[i].id) : "the generated id " + Quoted(steps[i].id)) +
                        " is already the id of " + Child(at, j) + "; step ids must be unique");
      }
    }
    return true;
  }

  bool StepOf(const json::value& v, const std::string& at, size_t index, Step& s) {
    const json::object* o = ObjectOf(v, at, "a step object with a type");
    if (!o || !TypeOf(*o, at, s.type)) return false;
    if (!Known(*o, at, kStepCommonFields, kStepFields[static_cast<size_t>(s.type)])) {
      return false;
    }
    s.id = "step-" + std::to_string(index + 1);
    if (!Text(*o, "id", at, s.id, false) || !Text(*o, "next", at, s.next, false)) return false;
    if (!IsStepId(s.id)) {
      return Fail(Child(at, "id"), Quoted(s.id) + " is not a step id (use letters, digits, _ . -)");
    }
    using StepReader = bool (Reader::*)(const json::object&, const std::string&, Step&);
    static constexpr StepReader kReaders[] = {
        &Reader::WaitOf, &Reader::BranchOf,   &Reader::SplitOf,   &Reader::SendOf,
        &Reader::TaskOf, &Reader::SetTraitOf, &Reader::WebhookOf, &Reader::ExitStepOf};
    return (this->*kReaders[static_cast<size_t>(s.type)])(*o, at, s);
  }

  bool TypeOf(const json::object& o, const std::string& at, StepType& type) {
    const json::value* v = o.if_contains("type");
    if (!v) return Fail(Child(at, "type"), std::string("required: one of ") + kStepTypeList);
    const json::string* s = v->if_string();
    for (size_t i = 0; s && i < std::size(kStepFields); ++i) {
      if (StepTypeName(static_cast<StepType>(i)) == std::string_view(*s)) {
        type = static_cast<StepType>(i);
        return true;
      }
    }
    return Fail(Child(at, "type"), (s ? Quoted(*s) : std::string("this")) +
                                       " is not a step type; use one of " + kStepTypeList);
  }

  bool WaitOf(const json::object& o, const std::string& at, Step& s) {
    int forms = o.contains("duration") + o.contains("until_time") + o.contains("until_event");
    if (forms != 1)
      return Fail(at, "a wait needs exactly one of duration, until_time, until_event");
    bool on_event = o.contains("until_event");
    for (std::string_view key : {"timeout", "timeout_next"}) {
      if (!on_event && o.contains(key)) {
        return Fail(Child(at, key), "only a wait with until_event takes " + std::string(key));
      }
    }
    if (o.contains("duration")) return DurationOf(o, "duration", at, s.duration.emplace());
    if (o.contains("until_time")) return TimeOfDay(o, at, s.until_minute.emplace());
    if (!o.contains("timeout")) {
      return Fail(Child(at, "timeout"), "required with until_event: how long to wait, e.g. \"3d\"");
    }
    return Matcher(o.at("until_event"), Child(at, "until_event"), s.until_event.emplace()) &&
           DurationOf(o, "timeout", at, s.timeout) &&
           Text(o, "timeout_next", at, s.timeout_next, false);
  }

  bool TimeOfDay(const json::object& o, const std::string& at, int& minute) {
    const json::string* s = o.at("until_time").if_string();
    auto digit = [&s](size_t i) { return std::isdigit(static_cast<unsigned char>((*s)[i])); };
    bool shaped =
        s && s->size() == 5 && digit(0) && digit(1) && (*s)[2] == ':' && digit(3) && digit(4);
    int h = shaped ? ((*s)[0] - '0') * 10 + (*s)[1] - '0' : 99;
    int m = shaped ? ((*s)[3] - '0') * 10 + (*s)[4] - '0' : 99;
    if (h > 23 || m > 59) {
      return Fail(Child(at, "until_time"), (s ? Quoted(*s) + " is not" : std::string("expected")) +
                                               " a time of day from 00:00 to 23:59, like 09:00");
    }
    minute = h * 60 + m;
    return true;
  }

  bool BranchOf(const json::object& o, const std::string& at, Step& s) {
    if (!Text(o, "condition", at, s.condition, true)) return false;
    if (check_) {
      Result<std::string> canonical = check_(s.condition);
      if (!canonical.ok()) return Fail(Child(at, "condition"), canonical.status().message());
      s.condition = std::move(canonical).value();
    }
    return Text(o, "then", at, s.then_next, false) && Text(o, "else", at, s.else_next, false);
  }

  bool SplitOf(const json::object& o, const std::string& at, Step& s) {
    const json::value* v = o.if_contains("paths");
    const json::array* a = v ? v->if_array() : nullptr;
    if (!a || a->empty()) {
      return Fail(Child(at, "paths"),
                  "expected an array of at least one path like {\"percent\": 50}");
    }
    double total = 0;
    for (size_t i = 0; i < a->size(); ++i) {
      if (!PathOf((*a)[i], Child(Child(at, "paths"), i), i, s.paths)) return false;
      total += s.paths.back().percent;
    }
    if (o.contains("holdout") && !Number(o, "holdout", at, s.holdout_percent)) return false;
    if (s.holdout_percent < 0) return Fail(Child(at, "holdout"), "must not be negative");
    total += s.holdout_percent;
    if (std::abs(total - 100) > 1e-9) {
      return Fail(at, "path percents plus holdout add up to " + ShortNumber(total) + ", not 100");
    }
    return true;
  }

  bool PathOf(const json::value& v, const std::string& at, size_t index,
              std::vector<SplitPath>& paths) {
    static constexpr std::string_view kFields[] = {"name", "percent", "next"};
    const json::object* o = ObjectOf(v, at, "a path like {\"percent\": 50}");
    SplitPath p;
    if (!o || !Known(*o, at, kFields) || !Text(*o, "name", at, p.name, false) ||
        !Text(*o, "next", at, p.next, false)) {
      return false;
    }
    if (p.name.empty()) p.name = DefaultPathName(index);
    if (!o->contains("percent")) return Fail(Child(at, "percent"), "required, a number above 0");
    if (!Number(*o, "percent", at, p.percent)) return false;
    if (!(p.percent > 0)) return Fail(Child(at, "percent"), "must be above 0");
    for (const SplitPath& other : paths) {
      if (other.name == p.name) {
        return Fail(Child(at, "name"),
                    Quoted(p.name) + " names another path too; path names must be unique");
      }
    }
    paths.push_back(std::move(p));
    return true;
  }

  bool SendOf(const json::object& o, const std::string& at, Step& s) {
    if (!Text(o, "content", at, s.content, true) || !Text(o, "channel", at, s.channel, true)) {
      return false;
    }
    bool best = s.channel == "best_channel";
    if (!best && o.contains("channels")) {
      return Fail(Child(at, "channels"), "only channel \"best_channel\" takes channels");
    }
    if (!best) return true;
    if (!o.contains("channels")) {
      return Fail(Child(at, "channels"), "required with best_channel, e.g. [\"email\", \"sms\"]");
    }
    if (!Strings(o, "channels", at, s.channels)) return false;
    if (s.channels.empty()) return Fail(Child(at, "channels"), "list at least one channel");
    for (size_t i = 1; i < s.channels.size(); ++i) {
      if (std::find(s.channels.begin(), s.channels.begin() + i, s.channels[i]) !=
          s.channels.begin() + i) {
        return Fail(Child(Child(at, "channels"), i), Quoted(s.channels[i]) + " is listed twice");
      }
    }
    return true;
  }

  bool TaskOf(const json::object& o, const std::string& at, Step& s) {
    s.due = std::chrono::days(3);
    return Text(o, "title", at, s.title, true) &&
           (!o.contains("talking_points") || Strings(o, "talking_points", at, s.talking_points)) &&
           (!o.contains("due") || DurationOf(o, "due", at, s.due));
  }

  bool SetTraitOf(const json::object& o, const std::string& at, Step& s) {
    if (!Text(o, "trait", at, s.trait, true)) return false;
    if (!o.contains("value")) return Fail(Child(at, "value"), "required (any JSON value)");
    s.value_json = json::serialize(o.at("value"));
    return true;
  }

  bool ExitStepOf(const json::object&, const std::string&, Step&) { return true; }

  bool WebhookOf(const json::object& o, const std::string& at, Step& s) {
    if (!Text(o, "url", at, s.url, true)) return false;
    if (s.url.starts_with("http://") || s.url.starts_with("https://")) return true;
    return Fail(Child(at, "url"), Quoted(s.url) + " must start with http:// or https://");
  }

  bool GoalOf(const json::object& root, std::optional<EventMatcher>& goal) {
    return !root.contains("goal") || Matcher(root.at("goal"), "/goal", goal.emplace());
  }

  bool ExitOf(const json::object& root, JourneyDefinition& d) {
    static constexpr std::string_view kFields[] = {"events", "segments"};
    const std::string at = "/exit";
    if (!root.contains("exit")) return true;
    const json::object* o =
        ObjectOf(root.at("exit"), at, "{\"events\": [...], \"segments\": [...]}");
    if (!o || !Known(*o, at, kFields)) return false;
    if (o->contains("segments") && !Strings(*o, "segments", at, d.exit_segments)) return false;
    if (!o->contains("events")) return true;
    const json::array* events = o->at("events").if_array();
    if (!events) return Fail(Child(at, "events"), "expected an array of event matchers");
    for (size_t i = 0; i < events->size(); ++i) {
      if (!Matcher((*events)[i], Child(Child(at, "events"), i), d.exit_events.emplace_back())) {
        return false;
      }
    }
    return true;
  }

  // An optional field with one of `choices`: `index` is left alone when it is missing.
  bool Option(const json::object& o, std::string_view key, Fields choices, size_t& index) {
    return !o.contains(key) || Choice(o, key, "", choices, index);
  }

  bool References(const std::vector<Step>& steps) {
    for (size_t i = 0; i < steps.size(); ++i) {
      const Step& s = steps[i];
      const std::string at = Child("/steps", i);
      if (!Refers(steps, Child(at, "next"), s.next) ||
          !Refers(steps, Child(at, "timeout_next"), s.timeout_next) ||
          !Refers(steps, Child(at, "then"), s.then_next) ||
          !Refers(steps, Child(at, "else"), s.else_next)) {
        return false;
      }
      for (size_t p = 0; p < s.paths.size(); ++p) {
        if (!Refers(steps, Child(Child(Child(at, "paths"), p), "next"), s.paths[p].next)) {
          return false;
        }
      }
    }
    return true;
  }

  bool Refers(const std::vector<Step>& steps, const std::string& at, const std::string& id) {
    for (const Step& s : steps) {
      if (id.empty() || s.id == id) return true;
    }
    return Fail(at, "no step " + Quoted(id) + " (steps are: " + StepIdList(steps) + ")");
  }

  const ConditionChecker& check_;
  std::string error_;
};

// "line 3, column 7" of byte `offset` in `text`.
std::string Position(std::string_view text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    column = text[i] == '\n' ? 1 : column + 1;
    line += text[i] == '\n';
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

Result<JourneyDefinition> ParseJourney(std::string_view text,
                                       const ConditionChecker& check_condition) {
  json::stream_parser parser;
  boost::system::error_code ec;
  size_t used = parser.write(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    return Status::InvalidArgument("/: not valid JSON at " + Position(text, used) + " (" +
                                   ec.message() + ")");
  }
  JourneyDefinition definition;
  Reader reader(check_condition);
  if (!reader.Journey(parser.release(), definition)) {
    return Status::InvalidArgument(reader.error());
  }
  return definition;
}

}  // namespace unisono::journey
