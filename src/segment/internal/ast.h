// The segment language's syntax tree: what the text parser and the JSON reader produce,
// what the printers write back, and what the evaluator runs. Plain values; the tree
// owns its children.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/core.h"

namespace unisono::segment {

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kContains, kExists };

// A constant on the right of a comparison. `kAgo` is a time relative to now
// ("30d ago"); `kDate` an absolute one (2026-01-01 or 2026-01-01T10:00:00Z).
struct Literal {
  enum class Kind { kNull, kBool, kNumber, kString, kDate, kAgo };
  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string text;
  Timestamp date{};
  Millis ago{0};

  bool operator==(const Literal&) const = default;
};

// Which events an aggregate reads, by time. Relative windows move with the clock:
// `within 30d` is (now - 30d, now]; `between 90d and 30d ago` is (now - 90d, now - 30d].
// Absolute ones are [since, until) and do not move.
struct Window {
  enum class Kind { kAll, kWithin, kBetweenAgo, kAbsolute };
  Kind kind = Kind::kAll;
  Millis within{0};                // kWithin
  Millis older{0};                 // kBetweenAgo: the far edge ("90d" in the example)
  Millis newer{0};                 // kBetweenAgo: the near edge ("30d")
  std::optional<Timestamp> since;  // kAbsolute: inclusive
  std::optional<Timestamp> until;  // kAbsolute: exclusive

  bool operator==(const Window&) const = default;
};

// `campaign = "spring"`, `value >= 100`, `touchpoint in ("detailing", "sample_drop")`.
struct PropertyFilter {
  std::string property;
  CompareOp op = CompareOp::kEq;
  std::vector<Literal> values;  // one, several for kIn, none for kExists

  bool operator==(const PropertyFilter&) const = default;
};

// The events an aggregate ranges over. Empty fields match anything.
struct EventSelector {
  std::optional<EventType> type;  // track, page, screen, identify, group, alias
  std::string name;               // event name ("Email Opened"), case-sensitive
  std::string channel;            // catalog id ("email")
  std::vector<PropertyFilter> where;
  Window window;

  bool operator==(const EventSelector&) const = default;
};

enum class AggregateFn {
  kCount,         // number of events
  kSum,           // of a numeric property
  kMin,           // of a numeric property
  kMax,           // of a numeric property
  kAvg,           // of a numeric property
  kFirst,         // the first event's property, or its time when no property is named
  kLast,          // the last event's property, or its time when no property is named
  kMostFrequent,  // the most frequent value of a property (ties: the most recent)
  kDaysSince,     // whole days since the last event (no value without one)
};

// `count(track "Email Opened" within 30d)`, `sum(revenue, track "Order Completed")`.
struct Aggregate {
  AggregateFn fn = AggregateFn::kCount;
  std::string property;  // for sum/min/max/avg/most_frequent; optional for first/last
  EventSelector events;

  bool operator==(const Aggregate&) const = default;
};

struct Condition;
using ConditionPtr = std::unique_ptr<Condition>;

// One node of a definition. Which fields are used depends on `kind`:
//   kAnd/kOr         children (two or more)
//   kNot             children[0]
//   kTrait           name (trait key), op, values
//   kComputed        name (computed trait: a defined one or a built-in), op, values
//   kAggregate       aggregate, op, values ("count(...) >= 3")
//   kExists          aggregate.events ("exists(track "Rep Visit" within 90d)")
//   kSegment         name (segment id, "seg_…"; the parser also accepts a quoted name,
//                    which the caller resolves to an id before saving)
//   kConsent         name (channel id)
//   kTrue            matches every profile (an empty definition)
struct Condition {
  enum class Kind {
    kAnd,
    kOr,
    kNot,
    kTrait,
    kComputed,
    kAggregate,
    kExists,
    kSegment,
    kConsent,
    kTrue
  };
  Kind kind = Kind::kTrue;
  std::vector<ConditionPtr> children;
  std::string name;
  CompareOp op = CompareOp::kExists;
  std::vector<Literal> values;
  Aggregate aggregate;
  // Source offset (0-based byte) of the node in the text form, for error messages.
  size_t position = 0;
};

// Deep equality, ignoring positions.
bool Equal(const Condition& a, const Condition& b);
ConditionPtr Clone(const Condition& c);

// Text form. Errors name the 1-based column and what was expected:
//   "column 24: expected a number, a string or a date after '>=', found 'and'".
Result<ConditionPtr> ParseText(std::string_view text);
// Canonical text: parsing it gives an Equal tree.
std::string ToText(const Condition& c);

// JSON form (see docs/segments.md). Errors name the JSON pointer of the bad node.
Result<ConditionPtr> ParseJson(std::string_view json);
std::string ToJson(const Condition& c);

// Computed trait definitions are one aggregate: "count(track \"Order Completed\" within 90d)".
Result<Aggregate> ParseAggregateText(std::string_view text);
std::string ToText(const Aggregate& a);

const char* CompareOpText(CompareOp op);      // "=", ">=", "in", "contains", "exists"
const char* AggregateFnName(AggregateFn fn);  // "count", "most_frequent", "days_since"

}  // namespace unisono::segment
