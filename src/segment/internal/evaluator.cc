#include "segment/internal/evaluator.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <map>

namespace unisono::segment {
namespace {

constexpr int64_t kDayMs = 86'400'000;

std::vector<CLiteral> CompileLiterals(const std::vector<Literal>& values, State& state) {
  std::vector<CLiteral> out;
  for (const auto& l : values) {
    CLiteral c{l, 0};
    if (l.kind == Literal::Kind::kString) c.str = state.dict.Intern(l.text);
    out.push_back(std::move(c));
  }
  return out;
}

CSelector CompileSelector(const EventSelector& s, State& state) {
  CSelector c;
  c.any_type = !s.type.has_value();
  if (s.type) c.type = *s.type;
  if (!s.name.empty()) c.name = state.dict.Intern(s.name);
  if (!s.channel.empty()) c.channel = state.ChannelIndex(s.channel);
  for (const auto& f : s.where) {
    c.where.push_back({state.dict.Intern(f.property), f.op, CompileLiterals(f.values, state)});
  }
  c.window = s.window;
  return c;
}

bool ParseNumber(std::string_view text, double& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

CAggregate CompileAggregate(const Aggregate& a, State& state) {
  CAggregate c;
  c.fn = a.fn;
  if (!a.property.empty()) c.property = state.dict.Intern(a.property);
  c.events = CompileSelector(a.events, state);
  return c;
}

Result<CNode> Compile(const Condition& c, CompileEnv& env) {
  CNode n;
  n.kind = c.kind;
  n.op = c.op;
  n.values = CompileLiterals(c.values, env.state);
  for (const auto& child : c.children) {
    auto compiled = Compile(*child, env);
    if (!compiled.ok()) return compiled.status();
    n.children.push_back(std::move(compiled).value());
  }
  switch (c.kind) {
    case Condition::Kind::kTrait:
      n.key = env.state.dict.Intern(c.name);
      break;
    case Condition::Kind::kConsent:
      n.channel = env.state.ChannelIndex(c.name);
      break;
    case Condition::Kind::kComputed: {
      n.computed = env.computed_index(c.name);
      if (n.computed >= 0) break;
      auto builtin = ParseBuiltin(c.name, env.state, n.channel);
      if (!builtin.ok()) return builtin.status();
      n.builtin = *builtin;
      break;
    }
    case Condition::Kind::kSegment:
      n.segment = env.segment_index(c.name);
      if (n.segment < 0) {
        return Status::NotFound("column " + std::to_string(c.position + 1) + ": no segment '" +
                                c.name + "'; list them with GET /v1/segments");
      }
      break;
    case Condition::Kind::kAggregate:
    case Condition::Kind::kExists:
      n.aggregate = CompileAggregate(c.aggregate, env.state);
      break;
    default:
      break;
  }
  return n;
}

bool Evaluator::Matches(const CNode& n, const ProfileState& p, EvalContext& ctx) const {
  switch (n.kind) {
    case Condition::Kind::kTrue:
      return true;
    case Condition::Kind::kAnd:
      // Short cuts keep the time boundaries right: while one child is false the
      // whole stays false until that child changes, and its own boundaries say when.
      for (const auto& c : n.children) {
        if (!Matches(c, p, ctx)) return false;
      }
      return true;
    case Condition::Kind::kOr:
      for (const auto& c : n.children) {
        if (Matches(c, p, ctx)) return true;
      }
      return false;
    case Condition::Kind::kNot:
      return !Matches(n.children[0], p, ctx);
    case Condition::Kind::kTrait: {
      const Value* v = p.Trait(n.key);
      return Compare(v ? *v : Value{}, n.op, n.values, ctx);
    }
    case Condition::Kind::kComputed: {
      Value v = n.computed >= 0 ? Aggregate(computed[n.computed], p, ctx)
                                : BuiltinValue(n.builtin, n.channel, p, ctx);
      return Compare(v, n.op, n.values, ctx);
    }
    case Condition::Kind::kAggregate:
      return Compare(Aggregate(n.aggregate, p, ctx), n.op, n.values, ctx);
    case Condition::Kind::kExists:
      return Aggregate(n.aggregate, p, ctx).number > 0;
    case Condition::Kind::kSegment:
      return TestBit(members[n.segment], ctx.profile);
    case Condition::Kind::kConsent:
      return p.Consent(n.channel);
  }
  return false;
}

namespace {

// Whether an event is inside the window now, reporting when that changes.
bool InWindow(const Window& w, int64_t ts, EvalContext& ctx) {
  switch (w.kind) {
    case Window::Kind::kAll:
      return true;
    case Window::Kind::kWithin: {
      int64_t d = w.within.count();
      if (ts > ctx.now) {
        ctx.Boundary(ts);
        return false;
      }
      if (ts + d <= ctx.now) return false;
      ctx.Boundary(ts + d);
      return true;
    }
    case Window::Kind::kBetweenAgo: {
      int64_t older = w.older.count(), newer = w.newer.count();
      if (ts + newer > ctx.now) {
        ctx.Boundary(ts + newer);
        return false;
      }
      if (ts + older <= ctx.now) return false;
      ctx.Boundary(ts + older);
      return true;
    }
    case Window::Kind::kAbsolute:
      return (!w.since || ts >= ToMillis(*w.since)) && (!w.until || ts < ToMillis(*w.until));
  }
  return false;
}

// The earliest event time a window can still include, to stop scanning early.
int64_t WindowFloor(const Window& w, int64_t now) {
  switch (w.kind) {
    case Window::Kind::kWithin:
      return now - w.within.count();
    case Window::Kind::kBetweenAgo:
      return now - w.older.count();
    case Window::Kind::kAbsolute:
      return w.since ? ToMillis(*w.since) : std::numeric_limits<int64_t>::min();
    default:
      return std::numeric_limits<int64_t>::min();
  }
}

}  // namespace

Value Evaluator::Aggregate(const CAggregate& a, const ProfileState& p, EvalContext& ctx) const {
  const CSelector& s = a.events;
  double count = 0, sum = 0, min = 0, max = 0;
  bool any_number = false;
  const EventRow* first = nullptr;
  const EventRow* last = nullptr;
  std::map<std::pair<int, uint32_t>, std::pair<int, int64_t>> freq;  // value -> count, latest
  Value first_value, last_value;
  int64_t floor = WindowFloor(s.window, ctx.now);
  const uint32_t channel_key = stages.channel_key;
  const uint32_t name_key = stages.name_key;
  // The event's channel and name answer as properties too.
  auto property_of = [&](const EventRow& e, uint32_t key) -> Value {
    if (key == channel_key) return Value::String(state.dict.Find(state.ChannelId(e.channel)));
    if (key == name_key) return Value::String(e.name);
    const Value* v = state.props.Find(e.props, key);
    return v ? *v : Value{};
  };
  // Newest first: windows are recent, so the scan usually stops early.
  for (auto it = p.events.rbegin(); it != p.events.rend(); ++it) {
    const EventRow& e = *it;
    if (e.ts_ms <= floor && s.window.kind != Window::Kind::kAbsolute) break;
    if (s.window.kind == Window::Kind::kAbsolute && e.ts_ms < floor) break;
    if (s.name ? e.name != s.name : e.system) continue;  // unisono's own events only by name
    if (s.channel && e.channel != s.channel) continue;
    if (!s.any_type && e.type != s.type) continue;
    bool pass = true;
    for (const auto& f : s.where) {
      if (!Compare(property_of(e, f.key), f.op, f.values, ctx)) {
        pass = false;
        break;
      }
    }
    if (!pass || !InWindow(s.window, e.ts_ms, ctx)) continue;
    count += 1;
    if (!last) last = &e;
    first = &e;
    if (!a.property) continue;
    Value v = property_of(e, a.property);
    if (last == &e) last_value = v;
    first_value = v;
    if (v.kind == Value::Kind::kNumber) {
      if (!any_number || v.number < min) min = v.number;
      if (!any_number || v.number > max) max = v.number;
      any_number = true;
      sum += v.number;
    }
    if (a.fn == AggregateFn::kMostFrequent && !v.null()) {
      auto key =
          std::make_pair(static_cast<int>(v.kind),
                         v.kind == Value::Kind::kString ? v.str : static_cast<uint32_t>(v.number));
      auto& slot = freq[key];
      ++slot.first;
      slot.second = std::max(slot.second, e.ts_ms);
    }
  }
  switch (a.fn) {
    case AggregateFn::kCount:
      return Value::Number(count);
    case AggregateFn::kSum:
      return Value::Number(sum);
    case AggregateFn::kMin:
      return any_number ? Value::Number(min) : Value{};
    case AggregateFn::kMax:
      return any_number ? Value::Number(max) : Value{};
    case AggregateFn::kAvg:
      return any_number ? Value::Number(sum / count) : Value{};
    case AggregateFn::kFirst:
      if (!first) return Value{};
      return a.property ? first_value : Value::Time(first->ts_ms);
    case AggregateFn::kLast:
      if (!last) return Value{};
      return a.property ? last_value : Value::Time(last->ts_ms);
    case AggregateFn::kMostFrequent: {
      if (freq.empty()) return Value{};
      auto best = freq.begin();
      for (auto it = freq.begin(); it != freq.end(); ++it) {
        if (it->second > best->second) best = it;  // count, then the most recent
      }
      return best->first.first == static_cast<int>(Value::Kind::kString)
                 ? Value::String(best->first.second)
                 : Value::Number(best->first.second);
    }
    case AggregateFn::kDaysSince: {
      if (!last || last->ts_ms > ctx.now) return Value{};
      int64_t days = (ctx.now - last->ts_ms) / kDayMs;
      ctx.Boundary(last->ts_ms + (days + 1) * kDayMs);
      return Value::Number(static_cast<double>(days));
    }
  }
  return Value{};
}

bool Evaluator::Compare(const Value& v, CompareOp op, const std::vector<CLiteral>& values,
                        EvalContext& ctx) const {
  if (op == CompareOp::kExists) return !v.null();
  if (op == CompareOp::kIn) {
    for (const auto& lit : values) {
      if (Compare(v, CompareOp::kEq, {lit}, ctx)) return true;
    }
    return false;
  }
  if (values.empty()) return false;
  const CLiteral& lit = values[0];
  if (lit.literal.kind == Literal::Kind::kNull) {
    return op == CompareOp::kEq ? v.null() : op == CompareOp::kNe ? !v.null() : false;
  }
  if (v.null()) return false;
  auto order = [&](auto a, auto b) -> bool {
    switch (op) {
      case CompareOp::kEq:
        return a == b;
      case CompareOp::kNe:
        return a != b;
      case CompareOp::kLt:
        return a < b;
      case CompareOp::kLe:
        return a <= b;
      case CompareOp::kGt:
        return a > b;
      case CompareOp::kGe:
        return a >= b;
      default:
        return false;
    }
  };
  switch (lit.literal.kind) {
    case Literal::Kind::kNumber: {
      double x = v.number;
      if (v.kind == Value::Kind::kString) {
        if (!ParseNumber(state.dict.Text(v.str), x)) return op == CompareOp::kNe;
      } else if (v.kind != Value::Kind::kNumber) {
        return op == CompareOp::kNe;
      }
      return order(x, lit.literal.number);
    }
    case Literal::Kind::kBool:
      if (v.kind != Value::Kind::kBool) return op == CompareOp::kNe;
      return order(v.number != 0, lit.literal.boolean);
    case Literal::Kind::kString: {
      if (v.kind != Value::Kind::kString) return op == CompareOp::kNe;
      if (op == CompareOp::kEq) return v.str == lit.str;
      if (op == CompareOp::kNe) return v.str != lit.str;
      std::string_view text = state.dict.Text(v.str);
      if (op == CompareOp::kContains) return text.find(lit.literal.text) != std::string_view::npos;
      return order(text, std::string_view(lit.literal.text));
    }
    case Literal::Kind::kDate:
    case Literal::Kind::kAgo: {
      int64_t t = v.time_ms;
      if (v.kind == Value::Kind::kString) {
        auto parsed = ParseTimestamp(state.dict.Text(v.str));
        if (!parsed.ok()) return op == CompareOp::kNe;
        t = ToMillis(*parsed);
      } else if (v.kind != Value::Kind::kTime) {
        return op == CompareOp::kNe;
      }
      int64_t target = ToMillis(lit.literal.date);
      if (lit.literal.kind == Literal::Kind::kAgo) {
        target = ctx.now - lit.literal.ago.count();
        // t against now - ago flips when now passes t + ago.
        ctx.Boundary(t + lit.literal.ago.count());
        ctx.Boundary(t + lit.literal.ago.count() + 1);
      }
      return order(t, target);
    }
    case Literal::Kind::kNull:
      break;
  }
  return false;
}

std::string Evaluator::ToJson(const Value& v) const {
  switch (v.kind) {
    case Value::Kind::kNull:
      return "null";
    case Value::Kind::kBool:
      return v.number != 0 ? "true" : "false";
    case Value::Kind::kNumber: {
      if (!std::isfinite(v.number)) return "null";
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.number);
      return std::string(buf, end);
    }
    case Value::Kind::kTime:
      return "\"" + FormatTimestamp(FromMillis(v.time_ms)) + "\"";
    case Value::Kind::kString:
      return boost::json::serialize(boost::json::value(state.dict.Text(v.str)));
  }
  return "null";
}

}  // namespace unisono::segment
