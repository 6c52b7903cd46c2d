// The canonical text form: lower-case keywords, single spaces, parentheses only where
// precedence needs them. Whatever the parser accepts prints to text that parses back to
// an Equal tree.
#include "segment/internal/ast.h"
#include "segment/internal/lexer.h"

namespace unisono::segment {
namespace {

using internal::KeyText;
using internal::Quote;

std::string LiteralText(const Literal& l) {
  switch (l.kind) {
    case Literal::Kind::kNull:
      return "null";
    case Literal::Kind::kBool:
      return l.boolean ? "true" : "false";
    case Literal::Kind::kNumber:
      return internal::NumberText(l.number);
    case Literal::Kind::kString:
      return Quote(l.text);
    case Literal::Kind::kDate:
      return FormatTimestamp(l.date);
    case Literal::Kind::kAgo:
      return FormatDuration(l.ago) + " ago";
  }
  return "null";
}

void AppendComparison(std::string& out, CompareOp op, const std::vector<Literal>& values) {
  out += ' ';
  out += CompareOpText(op);
  if (op == CompareOp::kExists) return;
  if (op != CompareOp::kIn) {
    out += ' ';
    out += values.empty() ? "null" : LiteralText(values.front());
    return;
  }
  out += " (";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += LiteralText(values[i]);
  }
  out += ')';
}

std::string WindowText(const Window& w) {
  switch (w.kind) {
    case Window::Kind::kAll:
      return "";
    case Window::Kind::kWithin:
      return "within " + FormatDuration(w.within);
    case Window::Kind::kBetweenAgo:
      return "between " + FormatDuration(w.older) + " and " + FormatDuration(w.newer) + " ago";
    case Window::Kind::kAbsolute: {
      std::string out;
      if (w.since) out = "since " + FormatTimestamp(*w.since);
      if (w.until) out += (out.empty() ? "until " : " until ") + FormatTimestamp(*w.until);
      return out;
    }
  }
  return "";
}

std::string SelectorText(const EventSelector& s) {
  std::string out;
  auto part = [&out](const std::string& text) {
    if (text.empty()) return;
    if (!out.empty()) out += ' ';
    out += text;
  };
  if (s.type) part(EventTypeName(*s.type));
  if (!s.name.empty()) part(Quote(s.name));
  if (!s.channel.empty()) part("on " + KeyText(s.channel));
  for (size_t i = 0; i < s.where.size(); ++i) {
    const PropertyFilter& f = s.where[i];
    std::string filter = (i == 0 ? "where " : "and ") + KeyText(f.property);
    AppendComparison(filter, f.op, f.values);
    part(filter);
  }
  part(WindowText(s.window));
  return out;
}

bool IsNary(const Condition& c) {
  return c.kind == Condition::Kind::kAnd || c.kind == Condition::Kind::kOr;
}

void Print(const Condition& c, std::string& out);

// `or` binds looser than `and`, and `not` binds tightest. Same-kind nesting never comes
// out of the parsers (they flatten it) but is kept visible for hand-built trees.
void PrintChild(const Condition& child, const Condition& parent, std::string& out) {
  bool parens = false;
  if (parent.kind == Condition::Kind::kNot) parens = IsNary(child);
  if (parent.kind == Condition::Kind::kAnd) parens = IsNary(child);
  if (parent.kind == Condition::Kind::kOr) parens = child.kind == Condition::Kind::kOr;
  if (parens) out += '(';
  Print(child, out);
  if (parens) out += ')';
}

void Print(const Condition& c, std::string& out) {
  switch (c.kind) {
    case Condition::Kind::kAnd:
    case Condition::Kind::kOr:
      for (size_t i = 0; i < c.children.size(); ++i) {
        if (i > 0) out += c.kind == Condition::Kind::kAnd ? " and " : " or ";
        PrintChild(*c.children[i], c, out);
      }
      return;
    case Condition::Kind::kNot:
      out += "not ";
      PrintChild(*c.children.at(0), c, out);
      return;
    case Condition::Kind::kTrait:
    case Condition::Kind::kComputed:
      out += c.kind == Condition::Kind::kTrait ? "trait(" : "computed(";
      out += KeyText(c.name) + ")";
      AppendComparison(out, c.op, c.values);
      return;
    case Condition::Kind::kAggregate:
      out += ToText(c.aggregate);
      AppendComparison(out, c.op, c.values);
      return;
    case Condition::Kind::kExists:
      out += "exists(" + SelectorText(c.aggregate.events) + ")";
      return;
    case Condition::Kind::kSegment:
      out += "segment(" + KeyText(c.name) + ")";
      return;
    case Condition::Kind::kConsent:
      out += "consent(" + KeyText(c.name) + ")";
      return;
    case Condition::Kind::kTrue:
      out += "true";
      return;
  }
}

}  // namespace

std::string ToText(const Aggregate& a) {
  std::string out = std::string(AggregateFnName(a.fn)) + "(";
  std::string selector = SelectorText(a.events);
  if (!a.property.empty() && internal::PropertyRuleOf(a.fn) != internal::PropertyRule::kNone) {
    out += KeyText(a.property);
    // first("a key") would read back as an event name; the comma keeps it a key.
    bool needs_comma =
        !selector.empty() || (internal::PropertyRuleOf(a.fn) == internal::PropertyRule::kOptional &&
                              !internal::IsBareKey(a.property));
    if (needs_comma) out += selector.empty() ? "," : ", ";
  }
  return out + selector + ")";
}

std::string ToText(const Condition& c) {
  std::string out;
  Print(c, out);
  return out;
}

}  // namespace unisono::segment
