// ToJson: the JSON form written by hand rather than through Boost.JSON, for a fixed key
// order and shortest-form numbers (Boost writes 0.5 as 5E-1). Strings share the text
// form's quoting, which is valid JSON.
#include "segment/internal/ast.h"
#include "segment/internal/lexer.h"

namespace unisono::segment {
namespace {

using internal::Quote;

void WriteLiteral(const Literal& l, std::string& out) {
  switch (l.kind) {
    case Literal::Kind::kNull:
      out += "null";
      return;
    case Literal::Kind::kBool:
      out += l.boolean ? "true" : "false";
      return;
    case Literal::Kind::kNumber:
      out += internal::NumberText(l.number);
      return;
    case Literal::Kind::kString:
      out += Quote(l.text);
      return;
    case Literal::Kind::kDate:
      out += "{\"date\":" + Quote(FormatTimestamp(l.date)) + "}";
      return;
    case Literal::Kind::kAgo:
      out += "{\"ago\":" + Quote(FormatDuration(l.ago)) + "}";
      return;
  }
}

// `,"op":"in","values":[...]` — the leading comma because a comparison always follows
// the node's name.
void WriteComparison(CompareOp op, const std::vector<Literal>& values, std::string& out) {
  out += ",\"op\":" + Quote(CompareOpText(op));
  if (op == CompareOp::kExists) return;
  if (op != CompareOp::kIn) {
    out += ",\"value\":";
    if (values.empty()) {
      out += "null";
    } else {
      WriteLiteral(values.front(), out);
    }
    return;
  }
  out += ",\"values\":[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    WriteLiteral(values[i], out);
  }
  out += ']';
}

void WriteWindow(const Window& w, std::string& out) {
  switch (w.kind) {
    case Window::Kind::kAll:
      return;
    case Window::Kind::kWithin:
      out += ",\"within\":" + Quote(FormatDuration(w.within));
      return;
    case Window::Kind::kBetweenAgo:
      out += ",\"between_ago\":[" + Quote(FormatDuration(w.older)) + "," +
             Quote(FormatDuration(w.newer)) + "]";
      return;
    case Window::Kind::kAbsolute:
      if (w.since) out += ",\"since\":" + Quote(FormatTimestamp(*w.since));
      if (w.until) out += ",\"until\":" + Quote(FormatTimestamp(*w.until));
      return;
  }
}

void WriteSelector(const EventSelector& s, std::string& out) {
  // Every part is written with a leading comma, and the first one's is dropped at the end.
  std::string body;
  if (s.type) body += ",\"type\":" + Quote(EventTypeName(*s.type));
  if (!s.name.empty()) body += ",\"name\":" + Quote(s.name);
  if (!s.channel.empty()) body += ",\"channel\":" + Quote(s.channel);
  if (!s.where.empty()) {
    body += ",\"where\":[";
    for (size_t i = 0; i < s.where.size(); ++i) {
      if (i > 0) body += ',';
      body += "{\"property\":" + Quote(s.where[i].property);
      WriteComparison(s.where[i].op, s.where[i].values, body);
      body += '}';
    }
    body += ']';
  }
  WriteWindow(s.window, body);
  out += '{';
  if (!body.empty()) out.append(body, 1);
  out += '}';
}

void Write(const Condition& c, std::string& out) {
  switch (c.kind) {
    case Condition::Kind::kAnd:
    case Condition::Kind::kOr:
      out += c.kind == Condition::Kind::kAnd ? "{\"and\":[" : "{\"or\":[";
      for (size_t i = 0; i < c.children.size(); ++i) {
        if (i > 0) out += ',';
        Write(*c.children[i], out);
      }
      out += "]}";
      return;
    case Condition::Kind::kNot:
      out += "{\"not\":";
      Write(*c.children.at(0), out);
      out += '}';
      return;
    case Condition::Kind::kTrait:
    case Condition::Kind::kComputed:
      out += c.kind == Condition::Kind::kTrait ? "{\"trait\":" : "{\"computed\":";
      out += Quote(c.name);
      WriteComparison(c.op, c.values, out);
      out += '}';
      return;
    case Condition::Kind::kAggregate:
      out += "{\"aggregate\":" + Quote(AggregateFnName(c.aggregate.fn));
      if (!c.aggregate.property.empty() &&
          internal::PropertyRuleOf(c.aggregate.fn) != internal::PropertyRule::kNone) {
        out += ",\"property\":" + Quote(c.aggregate.property);
      }
      out += ",\"events\":";
      WriteSelector(c.aggregate.events, out);
      WriteComparison(c.op, c.values, out);
      out += '}';
      return;
    case Condition::Kind::kExists:
      out += "{\"exists\":";
      WriteSelector(c.aggregate.events, out);
      out += '}';
      return;
    case Condition::Kind::kSegment:
      out += "{\"segment\":" + Quote(c.name) + "}";
      return;
    case Condition::Kind::kConsent:
      out += "{\"consent\":" + Quote(c.name) + "}";
      return;
    case Condition::Kind::kTrue:
      out += "{\"all\":true}";
      return;
  }
}

}  // namespace

std::string ToJson(const Condition& c) {
  std::string out;
  Write(c, out);
  return out;
}

}  // namespace unisono::segment
