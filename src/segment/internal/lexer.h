// Tokens of the segment language's text form, the quoting rules the printers share with
// it (so what is printed always lexes back to the same token), and the operator and
// aggregate names both forms use. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "segment/internal/ast.h"

namespace unisono::segment::internal {

struct Token {
  enum class Kind {
    kWord,      // identifiers and keywords alike: [A-Za-z_][A-Za-z0-9_.-]*
    kString,    // "..." with escapes decoded into `str`
    kNumber,    // -?digits[.digits][e[+-]digits]
    kDate,      // 2026-01-01, 2026-01-01T10:00:00Z, ...
    kDuration,  // 30d, 12h, 1d12h
    kPunct,     // ( ) , = != < <= > >=
    kEnd,
    kError,  // the lexer's complaint, reported only if the parser gets this far
  };
  Kind kind = Kind::kEnd;
  std::string_view text;  // as written; empty for kEnd
  size_t offset = 0;      // 0-based byte offset in the input
  std::string str;        // kString: decoded value; kError: the message (without column)
  double number = 0;
  Timestamp date{};
  Millis duration{0};
};

// Always ends with a kEnd or, at the first bad character, a kError token.
std::vector<Token> Tokenize(std::string_view text);

// 1-based column of a byte offset, counting UTF-8 characters, for error messages.
size_t ColumnOf(std::string_view text, size_t offset);

// Reserved words; a key spelled like one must be quoted.
bool IsKeyword(std::string_view word);
// True when `key` can be printed without quotes: ident-shaped and not a keyword.
bool IsBareKey(std::string_view key);
// Double-quoted with \" \\ \n \t and \u00XX for other control characters; valid both in
// the text form and in JSON.
std::string Quote(std::string_view s);
// Shortest text that reads back as the same double ("3", "0.5", "1e+21"); valid JSON.
std::string NumberText(double d);
// `key` bare when IsBareKey, otherwise quoted.
std::string KeyText(std::string_view key);

// Names both forms share with the printers (defined in ast.cc, beside their inverses).
std::optional<CompareOp> ParseCompareOp(std::string_view text);  // "=", "in", "exists", ...
std::optional<AggregateFn> ParseAggregateFn(std::string_view name);
// Whether an aggregate names a property: never (count, days_since), always (sum, min, max,
// avg, most_frequent) or optionally (first, last: without one they yield the event's time).
enum class PropertyRule { kNone, kRequired, kOptional };
PropertyRule PropertyRuleOf(AggregateFn fn);

}  // namespace unisono::segment::internal
