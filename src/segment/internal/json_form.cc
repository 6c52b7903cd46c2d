// The JSON form: Boost.JSON reads it, a small writer prints it (compact, keys in a fixed
// order, numbers in their shortest form — Boost would print 0.5 as 5E-1). Errors name the
// JSON pointer of the offending node.
#include <boost/json.hpp>
#include <cmath>

#include "segment/internal/ast.h"
#include "segment/internal/lexer.h"

namespace unisono::segment {
namespace {

namespace json = boost::json;
using internal::Quote;

constexpr int kMaxDepth = 100;
constexpr std::string_view kForms[] = {"and",      "or",        "not",    "all",     "trait",
                                       "computed", "aggregate", "exists", "segment", "consent"};
constexpr std::string_view kOtherKeys[] = {"op", "value", "values", "property", "events"};
constexpr const char* kFormList =
    "and, or, not, all, trait, computed, aggregate, exists, segment, consent";
constexpr const char* kOpList = "=, !=, <, <=, >, >=, in, contains, exists";
constexpr const char* kLiteralList =
    "null, a boolean, a number, a string, {\"date\": \"2026-01-01\"} or {\"ago\": \"30d\"}";

template <typename List>
bool Contains(const List& list, std::string_view s) {
  for (std::string_view x : list) {
    if (x == s) return true;
  }
  return false;
}

class Reader {
 public:
  const std::string& error() const { return error_; }

  ConditionPtr ReadCondition(const json::value& v, const std::string& at, int depth) {
    if (depth > kMaxDepth) return FailNull(at, "conditions nest more than 100 deep");
    const json::object* o = v.if_object();
    if (!o) return FailNull(at, "expected an object");
    std::string_view form;
    for (const auto& [key, value] : *o) {
      if (!Contains(kForms, key)) continue;
      if (!form.empty()) {
        return FailNull(at, std::string("expected only one of ") + kFormList + ", found '" +
                                std::string(form) + "' and '" + std::string(key) + "'");
      }
      form = key;
    }
    if (form.empty()) {
      for (const auto& [key, value] : *o) {
        if (!Contains(kOtherKeys, key)) {
          return FailNull(at, "unknown key '" + std::string(key) + "'");
        }
      }
      return FailNull(at, std::string("expected one of ") + kFormList);
    }
    auto c = std::make_unique<Condition>();
    return Form(*o, form, at, depth, *c) ? std::move(c) : nullptr;
  }

  bool ReadSelector(const json::value& v, const std::string& at, EventSelector& s) {
    const json::object* o = v.if_object();
    if (!o) return Fail(at, "expected an object (use {} for all events)");
    if (!Keys(*o, at,
              {"type", "name", "channel", "where", "within", "between_ago", "since", "until"})) {
      return false;
    }
    if (auto* t = o->if_contains("type")) {
      const json::string* str = t->if_string();
      auto type = str ? ParseEventType(*str) : std::nullopt;
      if (!type)
        return Fail(at + "/type", "expected one of track, page, screen, identify, group, alias");
      s.type = type;
    }
    if (!OptionalString(*o, "name", at, s.name) || !OptionalString(*o, "channel", at, s.channel)) {
      return false;
    }
    if (auto* w = o->if_contains("where")) {
      const json::array* filters = w->if_array();
      if (!filters) return Fail(at + "/where", "expected an array of property filters");
      for (size_t i = 0; i < filters->size(); ++i) {
        if (!Filter((*filters)[i], at + "/where/" + std::to_string(i), s.where.emplace_back())) {
          return false;
        }
      }
    }
    return WindowOf(*o, at, s.window);
  }

 private:
  ConditionPtr FailNull(const std::string& at, const std::string& message) {
    Fail(at, message);
    return nullptr;
  }

  bool Fail(const std::string& at, const std::string& message) {
    if (error_.empty()) error_ = (at.empty() ? "/" : at) + ": " + message;
    return false;
  }

  bool Keys(const json::object& o, const std::string& at,
            std::initializer_list<std::string_view> allowed) {
    for (const auto& [key, value] : o) {
      if (!Contains(allowed, key)) return Fail(at, "unknown key '" + std::string(key) + "'");
    }
    return true;
  }

  bool NameOf(const json::object& o, std::string_view key, const std::string& at,
              std::string& out) {
    const json::string* s = o.at(key).if_string();
    if (!s || s->empty()) return Fail(at + "/" + std::string(key), "expected a non-empty string");
    out = std::string(*s);
    return true;
  }

  bool OptionalString(const json::object& o, std::string_view key, const std::string& at,
                      std::string& out) {
    return !o.contains(key) || NameOf(o, key, at, out);
  }

  bool Form(const json::object& o, std::string_view form, const std::string& at, int depth,
            Condition& c) {
    std::string here = at + "/" + std::string(form);
    const json::value& v = o.at(form);
    if (form == "and" || form == "or") {
      c.kind = form == "and" ? Condition::Kind::kAnd : Condition::Kind::kOr;
      const json::array* a = v.if_array();
      if (!Keys(o, at, {form})) return false;
      if (!a || a->size() < 2) return Fail(here, "expected an array of at least two conditions");
      for (size_t i = 0; i < a->size(); ++i) {
        ConditionPtr child = ReadCondition((*a)[i], here + "/" + std::to_string(i), depth + 1);
        if (!child) return false;
        // Flat like the text form, so both forms of one definition give Equal trees.
        if (child->kind != c.kind) {
          c.children.push_back(std::move(child));
        } else {
          for (auto& g : child->children) c.children.push_back(std::move(g));
        }
      }
      return true;
    }
    if (form == "not") {
      c.kind = Condition::Kind::kNot;
      if (!Keys(o, at, {form})) return false;
      ConditionPtr child = ReadCondition(v, here, depth + 1);
      if (!child) return false;
      c.children.push_back(std::move(child));
      return true;
    }
    if (form == "all") {
      c.kind = Condition::Kind::kTrue;
      if (!Keys(o, at, {form})) return false;
      return v.is_bool() && v.get_bool() ? true : Fail(here, "expected true");
    }
    if (form == "trait" || form == "computed") {
      c.kind = form == "trait" ? Condition::Kind::kTrait : Condition::Kind::kComputed;
      return Keys(o, at, {form, "op", "value", "values"}) && NameOf(o, form, at, c.name) &&
             Comparison(o, at, c.op, c.values);
    }
    if (form == "aggregate") {
      c.kind = Condition::Kind::kAggregate;
      return Keys(o, at, {form, "property", "events", "op", "value", "values"}) &&
             AggregateOf(o, at, c.aggregate) && Comparison(o, at, c.op, c.values);
    }
    if (form == "exists") {
      c.kind = Condition::Kind::kExists;
      return Keys(o, at, {form}) && ReadSelector(v, here, c.aggregate.events);
    }
    c.kind = form == "segment" ? Condition::Kind::kSegment : Condition::Kind::kConsent;
    return Keys(o, at, {form}) && NameOf(o, form, at, c.name);
  }

  bool AggregateOf(const json::object& o, const std::string& at, Aggregate& a) {
    const json::string* fn_name = o.at("aggregate").if_string();
    auto fn = fn_name ? internal::ParseAggregateFn(*fn_name) : std::nullopt;
    if (!fn) {
      return Fail(at + "/aggregate",
                  "expected one of count, sum, min, max, avg, first, last, most_frequent, "
                  "days_since");
    }
    a.fn = *fn;
    internal::PropertyRule rule = internal::PropertyRuleOf(a.fn);
    std::string name = AggregateFnName(a.fn);
    if (rule == internal::PropertyRule::kNone && o.contains("property")) {
      return Fail(at + "/property", name + " takes no property");
    }
    if (rule == internal::PropertyRule::kRequired && !o.contains("property")) {
      return Fail(at + "/property", name + " needs a property");
    }
    if (!OptionalString(o, "property", at, a.property)) return false;
    auto* events = o.if_contains("events");
    return !events || ReadSelector(*events, at + "/events", a.events);
  }

  bool Comparison(const json::object& o, const std::string& at, CompareOp& op,
                  std::vector<Literal>& values) {
    auto* op_value = o.if_contains("op");
    const json::string* op_text = op_value ? op_value->if_string() : nullptr;
    auto parsed = op_text ? internal::ParseCompareOp(*op_text) : std::nullopt;
    if (!parsed) return Fail(at + "/op", std::string("expected one of ") + kOpList);
    op = *parsed;
    bool wants_one = op != CompareOp::kIn && op != CompareOp::kExists;
    if (o.contains("value") && !wants_one) {
      return Fail(at + "/value",
                  op == CompareOp::kIn ? "use 'values' with 'in'" : "'exists' takes no value");
    }
    if (o.contains("values") && op != CompareOp::kIn) {
      return Fail(at + "/values", "only 'in' takes 'values'; use 'value'");
    }
    if (op == CompareOp::kExists) return true;
    if (wants_one) {
      if (!o.contains("value")) return Fail(at + "/value", std::string("expected ") + kLiteralList);
      return LiteralOf(o.at("value"), at + "/value", values.emplace_back());
    }
    auto* list = o.if_contains("values");
    if (!list || !list->is_array() || list->get_array().empty()) {
      return Fail(at + "/values", "expected a non-empty array of values");
    }
    for (size_t i = 0; i < list->get_array().size(); ++i) {
      if (!LiteralOf(list->get_array()[i], at + "/values/" + std::to_string(i),
                     values.emplace_back())) {
        return false;
      }
    }
    return true;
  }

  bool Filter(const json::value& v, const std::string& at, PropertyFilter& f) {
    const json::object* o = v.if_object();
    if (!o) return Fail(at, "expected an object with property, op and value");
    if (!Keys(*o, at, {"property", "op", "value", "values"})) return false;
    if (!o->contains("property")) return Fail(at + "/property", "expected a non-empty string");
    return NameOf(*o, "property", at, f.property) && Comparison(*o, at, f.op, f.values);
  }

  bool LiteralOf(const json::value& v, const std::string& at, Literal& l) {
    if (v.is_null()) return true;
    if (v.is_bool()) {
      l.kind = Literal::Kind::kBool;
      l.boolean = v.get_bool();
      return true;
    }
    if (v.is_number()) {
      l.kind = Literal::Kind::kNumber;
      l.number = v.to_number<double>();
      return std::isfinite(l.number) ? true : Fail(at, "number out of range");
    }
    if (v.is_string()) {
      l.kind = Literal::Kind::kString;
      l.text = std::string(v.get_string());
      return true;
    }
    const json::object* o = v.if_object();
    if (o && o->size() == 1 && o->contains("date")) {
      l.kind = Literal::Kind::kDate;
      return DateOf(o->at("date"), at + "/date", l.date);
    }
    if (o && o->size() == 1 && o->contains("ago")) {
      l.kind = Literal::Kind::kAgo;
      return DurationOf(o->at("ago"), at + "/ago", l.ago);
    }
    return Fail(at, std::string("expected ") + kLiteralList);
  }

  bool DateOf(const json::value& v, const std::string& at, Timestamp& out) {
    auto t = v.is_string() ? ParseTimestamp(v.get_string()) : Status::InvalidArgument("");
    if (!t.ok()) {
      return Fail(at, "expected a date string (use 2026-01-31 or 2026-01-31T09:30:00Z)");
    }
    out = t.value();
    return true;
  }

  bool DurationOf(const json::value& v, const std::string& at, Millis& out) {
    const json::string* s = v.if_string();
    auto d = s ? ParseDuration(*s) : Status::InvalidArgument("");
    if (!d.ok() || (*s)[0] == '-') {
      return Fail(at, "expected a duration string (use 30d, 12h, 15m)");
    }
    out = d.value();
    return true;
  }

  bool WindowOf(const json::object& o, const std::string& at, Window& w) {
    int kinds = o.contains("within") + o.contains("between_ago") +
                (o.contains("since") || o.contains("until"));
    if (kinds > 1) return Fail(at, "use only one window: within, between_ago or since/until");
    if (o.contains("within")) {
      w.kind = Window::Kind::kWithin;
      return DurationOf(o.at("within"), at + "/within", w.within);
    }
    if (auto* b = o.if_contains("between_ago")) {
      w.kind = Window::Kind::kBetweenAgo;
      const json::array* edges = b->if_array();
      if (!edges || edges->size() != 2) {
        return Fail(at + "/between_ago", "expected two durations, the older first");
      }
      if (!DurationOf((*edges)[0], at + "/between_ago/0", w.older) ||
          !DurationOf((*edges)[1], at + "/between_ago/1", w.newer)) {
        return false;
      }
      return w.older > w.newer ? true : Fail(at + "/between_ago", "expected the older edge first");
    }
    if (!o.contains("since") && !o.contains("until")) return true;
    w.kind = Window::Kind::kAbsolute;
    for (std::string_view edge : {"since", "until"}) {
      if (!o.contains(edge)) continue;
      Timestamp t;
      if (!DateOf(o.at(edge), at + "/" + std::string(edge), t)) return false;
      (edge == "since" ? w.since : w.until) = t;
    }
    return !w.since || !w.until || *w.since < *w.until
               ? true
               : Fail(at + "/until", "expected a date after 'since'");
  }

  std::string error_;
};

}  // namespace

Result<ConditionPtr> ParseJson(std::string_view text) {
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 1000;  // our own, clearer limit applies first
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec, {}, options);
  if (ec) return Status::InvalidArgument("not valid JSON: " + ec.message());
  Reader reader;
  ConditionPtr c = reader.ReadCondition(v, "", 0);
  if (!c) return Status::InvalidArgument(reader.error());
  return c;
}

}  // namespace unisono::segment
