#include "segment/internal/ast.h"

#include "segment/internal/lexer.h"

namespace unisono::segment {

bool Equal(const Condition& a, const Condition& b) {
  if (a.kind != b.kind) return false;
  // Only the fields a kind uses take part, so a tree built by hand with leftovers in
  // unused fields still equals the parsed one.
  switch (a.kind) {
    case Condition::Kind::kAnd:
    case Condition::Kind::kOr:
    case Condition::Kind::kNot:
      if (a.children.size() != b.children.size()) return false;
      for (size_t i = 0; i < a.children.size(); ++i) {
        if (!a.children[i] || !b.children[i]) {
          if (a.children[i] != b.children[i]) return false;
          continue;
        }
        if (!Equal(*a.children[i], *b.children[i])) return false;
      }
      return true;
    case Condition::Kind::kTrait:
    case Condition::Kind::kComputed:
      return a.name == b.name && a.op == b.op && a.values == b.values;
    case Condition::Kind::kAggregate:
      return a.aggregate == b.aggregate && a.op == b.op && a.values == b.values;
    case Condition::Kind::kExists:
      return a.aggregate.events == b.aggregate.events;
    case Condition::Kind::kSegment:
    case Condition::Kind::kConsent:
      return a.name == b.name;
    case Condition::Kind::kTrue:
      return true;
  }
  return false;
}

ConditionPtr Clone(const Condition& c) {
  auto out = std::make_unique<Condition>();
  out->kind = c.kind;
  out->name = c.name;
  out->op = c.op;
  out->values = c.values;
  out->aggregate = c.aggregate;
  out->position = c.position;
  out->children.reserve(c.children.size());
  for (const auto& child : c.children) {
    out->children.push_back(child ? Clone(*child) : nullptr);
  }
  return out;
}

const char* CompareOpText(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return "=";
    case CompareOp::kNe:
      return "!=";
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLe:
      return "<=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGe:
      return ">=";
    case CompareOp::kIn:
      return "in";
    case CompareOp::kContains:
      return "contains";
    case CompareOp::kExists:
      return "exists";
  }
  return "?";
}

const char* AggregateFnName(AggregateFn fn) {
  switch (fn) {
    case AggregateFn::kCount:
      return "count";
    case AggregateFn::kSum:
      return "sum";
    case AggregateFn::kMin:
      return "min";
    case AggregateFn::kMax:
      return "max";
    case AggregateFn::kAvg:
      return "avg";
    case AggregateFn::kFirst:
      return "first";
    case AggregateFn::kLast:
      return "last";
    case AggregateFn::kMostFrequent:
      return "most_frequent";
    case AggregateFn::kDaysSince:
      return "days_since";
  }
  return "?";
}

namespace internal {

std::optional<CompareOp> ParseCompareOp(std::string_view text) {
  for (CompareOp op :
       {CompareOp::kEq, CompareOp::kNe, CompareOp::kLt, CompareOp::kLe, CompareOp::kGt,
        CompareOp::kGe, CompareOp::kIn, CompareOp::kContains, CompareOp::kExists}) {
    if (text == CompareOpText(op)) return op;
  }
  return std::nullopt;
}

std::optional<AggregateFn> ParseAggregateFn(std::string_view name) {
  for (AggregateFn fn : {AggregateFn::kCount, AggregateFn::kSum, AggregateFn::kMin,
                         AggregateFn::kMax, AggregateFn::kAvg, AggregateFn::kFirst,
                         AggregateFn::kLast, AggregateFn::kMostFrequent, AggregateFn::kDaysSince}) {
    if (name == AggregateFnName(fn)) return fn;
  }
  return std::nullopt;
}

PropertyRule PropertyRuleOf(AggregateFn fn) {
  switch (fn) {
    case AggregateFn::kCount:
    case AggregateFn::kDaysSince:
      return PropertyRule::kNone;
    case AggregateFn::kFirst:
    case AggregateFn::kLast:
      return PropertyRule::kOptional;
    default:
      return PropertyRule::kRequired;
  }
}

}  // namespace internal
}  // namespace unisono::segment
