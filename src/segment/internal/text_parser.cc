// Recursive descent over the token list; the grammar is in docs/segments.md. The first
// error stops the parse and names its column, what was expected, and what was found.
#include <algorithm>

#include "segment/internal/ast.h"
#include "segment/internal/lexer.h"

namespace unisono::segment {
namespace {

using internal::Token;

// Deep enough for any real definition, shallow enough that hostile input cannot exhaust
// the stack.
constexpr int kMaxDepth = 100;

constexpr const char* kConditionChoices =
    "a condition (trait, computed, count, sum, min, max, avg, first, last, most_frequent, "
    "days_since, exists, segment, consent, not, '(' or true)";
constexpr const char* kComparisonChoices =
    "a comparison (=, !=, <, <=, >, >=, in, contains or exists)";
constexpr const char* kEventTypes = "track, page, screen, identify, group or alias";

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text), tokens_(internal::Tokenize(text)) {}

  Result<ConditionPtr> WholeCondition() {
    if (Peek().kind == Token::Kind::kEnd) return std::make_unique<Condition>();
    ConditionPtr c = Or(0);
    if (c && Peek().kind != Token::Kind::kEnd) Fail("'and', 'or' or end of input");
    if (!error_.empty()) return Status::InvalidArgument(error_);
    return c;
  }

  Result<Aggregate> WholeAggregate() {
    Aggregate a;
    if (!internal::ParseAggregateFn(Peek().text) || Peek().kind != Token::Kind::kWord) {
      Fail("an aggregate (count, sum, min, max, avg, first, last, most_frequent or days_since)");
    } else if (ParseAggregate(a) && Peek().kind != Token::Kind::kEnd) {
      Fail("end of input");
    }
    if (!error_.empty()) return Status::InvalidArgument(error_);
    return a;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(i_ + ahead, tokens_.size() - 1)];
  }
  static bool IsWord(const Token& t, std::string_view w) {
    return t.kind == Token::Kind::kWord && t.text == w;
  }
  static bool IsPunct(const Token& t, std::string_view p) {
    return t.kind == Token::Kind::kPunct && t.text == p;
  }
  bool AcceptWord(std::string_view w) { return IsWord(Peek(), w) ? (++i_, true) : false; }
  bool AcceptPunct(std::string_view p) { return IsPunct(Peek(), p) ? (++i_, true) : false; }

  bool FailAt(size_t offset, const std::string& message) {
    if (error_.empty()) {
      error_ = "column " + std::to_string(internal::ColumnOf(text_, offset)) + ": " + message;
    }
    return false;
  }

  // Reports the lexer's complaint when the parser reaches a bad token: that, not the
  // grammar, is what the user has to fix.
  bool Fail(const std::string& expected, const std::string& hint = "") {
    const Token& t = Peek();
    if (t.kind == Token::Kind::kError) return FailAt(t.offset, t.str);
    std::string found =
        t.kind == Token::Kind::kEnd ? "end of input" : "'" + std::string(t.text) + "'";
    return FailAt(t.offset, "expected " + expected + ", found " + found + hint);
  }

  bool ExpectPunct(std::string_view p, const std::string& after) {
    if (AcceptPunct(p)) return true;
    return Fail("'" + std::string(p) + "'" + (after.empty() ? "" : " after '" + after + "'"));
  }

  // Adds child to node, or its children when both are the same n-ary kind: and/or are flat.
  static void Join(Condition& node, ConditionPtr child) {
    if (child->kind == node.kind) {
      for (auto& grandchild : child->children) node.children.push_back(std::move(grandchild));
    } else {
      node.children.push_back(std::move(child));
    }
  }

  ConditionPtr Binary(int depth, Condition::Kind kind, std::string_view word) {
    ConditionPtr first =
        kind == Condition::Kind::kOr ? Binary(depth, Condition::Kind::kAnd, "and") : Unary(depth);
    if (!first || !IsWord(Peek(), word)) return first;
    auto node = std::make_unique<Condition>();
    node->kind = kind;
    node->position = first->position;
    Join(*node, std::move(first));
    while (AcceptWord(word)) {
      ConditionPtr next =
          kind == Condition::Kind::kOr ? Binary(depth, Condition::Kind::kAnd, "and") : Unary(depth);
      if (!next) return nullptr;
      Join(*node, std::move(next));
    }
    return node;
  }

  ConditionPtr Or(int depth) { return Binary(depth, Condition::Kind::kOr, "or"); }

  ConditionPtr Unary(int depth) {
    if (depth > kMaxDepth) {
      FailAt(Peek().offset, "conditions nest more than " + std::to_string(kMaxDepth) + " deep");
      return nullptr;
    }
    if (!IsWord(Peek(), "not")) return Primary(depth);
    auto node = std::make_unique<Condition>();
    node->kind = Condition::Kind::kNot;
    node->position = Peek().offset;
    ++i_;
    ConditionPtr child = Unary(depth + 1);
    if (!child) return nullptr;
    node->children.push_back(std::move(child));
    return node;
  }

  ConditionPtr Primary(int depth) {
    const Token& t = Peek();
    auto node = std::make_unique<Condition>();
    node->position = t.offset;
    std::string word = t.kind == Token::Kind::kWord ? std::string(t.text) : "";
    if (AcceptPunct("(")) {
      ConditionPtr inner = Or(depth + 1);
      if (!inner || !ExpectPunct(")", "")) return nullptr;
      return inner;
    }
    bool ok = true;
    if (word == "true") {
      ++i_;
    } else if (word == "trait" || word == "computed") {
      ++i_;
      node->kind = word == "trait" ? Condition::Kind::kTrait : Condition::Kind::kComputed;
      ok = ExpectPunct("(", word) &&
           Key(node->name, word == "trait" ? "a trait name" : "a computed trait name") &&
           ExpectPunct(")", "") && Comparison(node->op, node->values);
    } else if (t.kind == Token::Kind::kWord && internal::ParseAggregateFn(word)) {
      node->kind = Condition::Kind::kAggregate;
      ok = ParseAggregate(node->aggregate) && Comparison(node->op, node->values);
    } else if (word == "exists") {
      ++i_;
      node->kind = Condition::Kind::kExists;
      ok = ExpectPunct("(", word) && Selector(node->aggregate.events) && ExpectPunct(")", "");
    } else if (word == "segment" || word == "consent") {
      ++i_;
      node->kind = word == "segment" ? Condition::Kind::kSegment : Condition::Kind::kConsent;
      ok = ExpectPunct("(", word) &&
           Key(node->name, word == "segment" ? "a segment id or name" : "a channel") &&
           ExpectPunct(")", "");
    } else {
      ok = Fail(kConditionChoices);
    }
    return ok ? std::move(node) : nullptr;
  }

  // A name in a key position: bare when it is not a keyword, otherwise quoted.
  bool Key(std::string& out, const std::string& what, bool hint_quoting = true) {
    const Token& t = Peek();
    if (t.kind == Token::Kind::kString && !t.str.empty()) {
      out = t.str;
    } else if (t.kind == Token::Kind::kWord && !internal::IsKeyword(t.text)) {
      out = std::string(t.text);
    } else if (t.kind == Token::Kind::kWord && hint_quoting) {
      return Fail(what, " (a keyword: quote it, \"" + std::string(t.text) + "\")");
    } else if (t.kind == Token::Kind::kString) {
      return Fail(what, " (names cannot be empty)");
    } else {
      return Fail(what);
    }
    ++i_;
    return true;
  }

  bool Comparison(CompareOp& op, std::vector<Literal>& values) {
    const Token& t = Peek();
    auto parsed = internal::ParseCompareOp(t.text);
    bool is_op = parsed && (t.kind == Token::Kind::kPunct || t.kind == Token::Kind::kWord);
    if (!is_op) return Fail(kComparisonChoices);
    op = *parsed;
    std::string op_text(t.text);
    ++i_;
    if (op == CompareOp::kExists) return true;
    if (op != CompareOp::kIn) {
      values.emplace_back();
      return ParseLiteral(values.back(), "after '" + op_text + "'");
    }
    if (!ExpectPunct("(", "in")) return false;
    do {
      values.emplace_back();
      if (!ParseLiteral(values.back(), "in the list")) return false;
    } while (AcceptPunct(","));
    return IsPunct(Peek(), ")") ? AcceptPunct(")") : Fail("',' or ')'");
  }

  bool ParseLiteral(Literal& out, const std::string& context) {
    const Token& t = Peek();
    switch (t.kind) {
      case Token::Kind::kNumber:
        out.kind = Literal::Kind::kNumber;
        out.number = t.number;
        break;
      case Token::Kind::kString:
        out.kind = Literal::Kind::kString;
        out.text = t.str;
        break;
      case Token::Kind::kDate:
        out.kind = Literal::Kind::kDate;
        out.date = t.date;
        break;
      case Token::Kind::kDuration:
        out.kind = Literal::Kind::kAgo;
        out.ago = t.duration;
        ++i_;
        if (IsWord(Peek(), "ago")) break;
        return Fail("'ago' after '" + std::string(t.text) + "'");
      default:
        if (t.text == "true" || t.text == "false") {
          out.kind = Literal::Kind::kBool;
          out.boolean = t.text == "true";
        } else if (t.text == "null" && t.kind == Token::Kind::kWord) {
          out.kind = Literal::Kind::kNull;
        } else {
          return Fail("a number, a string or a date " + context);
        }
    }
    ++i_;
    return true;
  }

  bool ParseAggregate(Aggregate& a) {
    std::string fn_name(Peek().text);
    a.fn = *internal::ParseAggregateFn(fn_name);
    ++i_;
    if (!ExpectPunct("(", fn_name)) return false;
    internal::PropertyRule rule = internal::PropertyRuleOf(a.fn);
    bool has_key = rule == internal::PropertyRule::kRequired;
    if (rule == internal::PropertyRule::kOptional) {
      // A key is a bare non-keyword, or a string followed by ',' (else it is the event name).
      const Token& t = Peek();
      has_key = (t.kind == Token::Kind::kWord && !internal::IsKeyword(t.text)) ||
                (t.kind == Token::Kind::kString && IsPunct(Peek(1), ","));
    }
    if (has_key) {
      if (!Key(a.property, "a property name after '" + fn_name + "('", false)) return false;
      if (IsPunct(Peek(), ")")) return AcceptPunct(")");
      if (!AcceptPunct(",")) return Fail("',' or ')'");
    }
    return Selector(a.events) && ExpectPunct(")", "");
  }

  bool Selector(EventSelector& s) {
    const Token& t = Peek();
    const char* next = "an event type, an event name, 'on', 'where', a window or ')'";
    if (t.kind == Token::Kind::kWord && ParseEventType(t.text)) {
      s.type = ParseEventType(t.text);
      ++i_;
      next = "an event name, 'on', 'where', a window or ')'";
    } else if (t.kind == Token::Kind::kWord && !internal::IsKeyword(t.text)) {
      return Fail(std::string("an event type (") + kEventTypes + ")");
    }
    if (Peek().kind == Token::Kind::kString) {
      s.name = Peek().str;
      ++i_;
      next = "'on', 'where', a window or ')'";
    }
    if (AcceptWord("on")) {
      if (!Key(s.channel, "a channel after 'on'")) return false;
      next = "'where', a window or ')'";
    }
    if (AcceptWord("where")) {
      do {
        s.where.emplace_back();
        PropertyFilter& f = s.where.back();
        if (!Key(f.property, "a property name") || !Comparison(f.op, f.values)) return false;
      } while (AcceptWord("and"));
      next = "'and', a window or ')'";
    }
    const Token& w = Peek();
    if (IsWord(w, "within") || IsWord(w, "between") || IsWord(w, "since") || IsWord(w, "until")) {
      if (!ParseWindow(s.window)) return false;
      next = "')'";
    }
    return IsPunct(Peek(), ")") ? true : Fail(next);
  }

  bool ReadDuration(Millis& out, const std::string& what) {
    if (Peek().kind != Token::Kind::kDuration) return Fail(what);
    out = Peek().duration;
    ++i_;
    return true;
  }

  bool ReadDate(std::optional<Timestamp>& out, const std::string& what) {
    if (Peek().kind != Token::Kind::kDate) return Fail(what);
    out = Peek().date;
    ++i_;
    return true;
  }

  bool ParseWindow(Window& w) {
    const Token& start = Peek();
    std::string keyword(start.text);
    ++i_;
    if (keyword == "within") {
      w.kind = Window::Kind::kWithin;
      return ReadDuration(w.within, "a duration after 'within' (e.g. 30d)");
    }
    w.kind = Window::Kind::kAbsolute;
    if (keyword == "until") return ReadDate(w.until, "a date after 'until'");
    if (keyword == "since") {
      if (!ReadDate(w.since, "a date after 'since'")) return false;
      if (AcceptWord("until") && !ReadDate(w.until, "a date after 'until'")) return false;
    } else if (Peek().kind == Token::Kind::kDuration) {
      w.kind = Window::Kind::kBetweenAgo;
      if (!ReadDuration(w.older, "") || !ExpectWord("and") ||
          !ReadDuration(w.newer, "a duration after 'and'") || !ExpectWord("ago")) {
        return false;
      }
      if (w.older <= w.newer)
        return FailSince(start, "the older edge first (e.g. between 90d and 30d ago)");
      return true;
    } else {
      if (!ReadDate(w.since, "a duration or a date after 'between'") || !ExpectWord("and") ||
          !ReadDate(w.until, "a date after 'and'")) {
        return false;
      }
    }
    if (w.since && w.until && *w.since >= *w.until) {
      return FailSince(start, "the earlier date first");
    }
    return true;
  }

  bool ExpectWord(std::string_view w) {
    return AcceptWord(w) ? true : Fail("'" + std::string(w) + "'");
  }

  // "expected X, found '<everything from `start` to here>'".
  bool FailSince(const Token& start, const std::string& expected) {
    const Token& last = tokens_[i_ - 1];
    size_t end = last.offset + last.text.size();
    return FailAt(start.offset, "expected " + expected + ", found '" +
                                    std::string(text_.substr(start.offset, end - start.offset)) +
                                    "'");
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  size_t i_ = 0;
  std::string error_;
};

}  // namespace

Result<ConditionPtr> ParseText(std::string_view text) { return Parser(text).WholeCondition(); }

Result<Aggregate> ParseAggregateText(std::string_view text) {
  return Parser(text).WholeAggregate();
}

}  // namespace unisono::segment
