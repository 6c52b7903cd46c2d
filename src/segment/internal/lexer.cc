#include "segment/internal/lexer.h"

#include <algorithm>
#include <charconv>

namespace unisono::segment::internal {
namespace {

constexpr std::string_view kKeywords[] = {
    "and",        "or",      "not",     "true",    "false", "null",     "trait", "computed",
    "count",      "sum",     "min",     "max",     "avg",   "first",    "last",  "most_frequent",
    "days_since", "exists",  "segment", "consent", "in",    "contains", "on",    "where",
    "within",     "between", "since",   "until",   "ago",   "track",    "page",  "screen",
    "identify",   "group",   "alias"};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsWordStart(char c) { return IsAlpha(c) || c == '_'; }
bool IsWordChar(char c) { return IsWordStart(c) || IsDigit(c) || c == '.' || c == '-'; }

std::string Hex2(unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  return {kHex[c >> 4], kHex[c & 0xF]};
}

int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Length of the well-formed UTF-8 sequence at `pos`, or 0: strings must survive the trip
// through JSON, which accepts nothing else.
size_t Utf8Length(std::string_view s, size_t pos) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[pos + i]); };
  unsigned char b0 = byte(0);
  size_t len = b0 < 0x80                  ? 1
               : b0 >= 0xC2 && b0 <= 0xDF ? 2
               : b0 >= 0xE0 && b0 <= 0xEF ? 3
               : b0 >= 0xF0 && b0 <= 0xF4 ? 4
                                          : 0;
  if (len == 0 || pos + len > s.size()) return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
  }
  // Overlong forms, UTF-16 surrogates and code points past U+10FFFF.
  if ((b0 == 0xE0 && byte(1) < 0xA0) || (b0 == 0xED && byte(1) > 0x9F) ||
      (b0 == 0xF0 && byte(1) < 0x90) || (b0 == 0xF4 && byte(1) > 0x8F)) {
    return 0;
  }
  return len;
}

// Reads the 4 hex digits after "\u" at `pos`; -1 when they are not there.
int32_t ReadHex4(std::string_view s, size_t pos) {
  if (pos + 4 > s.size()) return -1;
  int32_t v = 0;
  for (size_t i = 0; i < 4; ++i) {
    int h = HexValue(s[pos + i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  std::vector<Token> Run() {
    std::vector<Token> out;
    while (true) {
      while (pos_ < s_.size() && IsSpace(s_[pos_])) ++pos_;
      Token t = Next();
      Token::Kind kind = t.kind;
      out.push_back(std::move(t));
      if (kind == Token::Kind::kEnd || kind == Token::Kind::kError) return out;
    }
  }

 private:
  static bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

  Token Make(Token::Kind kind, size_t start) {
    Token t;
    t.kind = kind;
    t.offset = start;
    t.text = s_.substr(start, pos_ - start);
    return t;
  }

  Token Error(size_t start, std::string message) {
    Token t = Make(Token::Kind::kError, start);
    t.str = std::move(message);
    return t;
  }

  Token Next() {
    size_t start = pos_;
    if (pos_ >= s_.size()) return Make(Token::Kind::kEnd, start);
    char c = s_[pos_];
    if (IsWordStart(c)) {
      while (pos_ < s_.size() && IsWordChar(s_[pos_])) ++pos_;
      return Make(Token::Kind::kWord, start);
    }
    if (c == '"') return String();
    if (IsDigit(c) && LooksLikeDate()) return Date();
    if (IsDigit(c) || (c == '-' && pos_ + 1 < s_.size() && IsDigit(s_[pos_ + 1]))) {
      return NumberOrDuration();
    }
    return Punct();
  }

  bool LooksLikeDate() const {
    if (pos_ + 4 >= s_.size()) return false;
    for (size_t i = 0; i < 4; ++i) {
      if (!IsDigit(s_[pos_ + i])) return false;
    }
    return s_[pos_ + 4] == '-';
  }

  Token Date() {
    size_t start = pos_;
    while (pos_ < s_.size() && (IsAlpha(s_[pos_]) || IsDigit(s_[pos_]) || s_[pos_] == ':' ||
                                s_[pos_] == '.' || s_[pos_] == '+' || s_[pos_] == '-')) {
      ++pos_;
    }
    Token t = Make(Token::Kind::kDate, start);
    auto date = ParseTimestamp(t.text);
    if (!date.ok()) {
      return Error(start, "'" + std::string(t.text) +
                              "' is not a date (use 2026-01-31 or 2026-01-31T09:30:00Z)");
    }
    t.date = date.value();
    return t;
  }

  void SkipDigits() {
    while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
  }

  Token NumberOrDuration() {
    size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    SkipDigits();
    if (pos_ + 1 < s_.size() && s_[pos_] == '.' && IsDigit(s_[pos_ + 1])) {
      ++pos_;
      SkipDigits();
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      size_t e = pos_ + 1;
      if (e < s_.size() && (s_[e] == '+' || s_[e] == '-')) ++e;
      if (e < s_.size() && IsDigit(s_[e])) {
        pos_ = e;
        SkipDigits();
      }
    }
    // Letters straight after the digits make a duration ("30d"); anything else glued on
    // ("3.", "1_000") is a malformed number rather than two tokens.
    if (pos_ < s_.size() && IsAlpha(s_[pos_])) return Duration(start);
    if (pos_ < s_.size() && IsWordChar(s_[pos_]) && s_[pos_] != '-') {
      while (pos_ < s_.size() && IsWordChar(s_[pos_])) ++pos_;
      return Error(start, "'" + std::string(s_.substr(start, pos_ - start)) + "' is not a number");
    }
    Token t = Make(Token::Kind::kNumber, start);
    std::from_chars(t.text.data(), t.text.data() + t.text.size(), t.number);
    return t;
  }

  Token Duration(size_t start) {
    while (pos_ < s_.size() && (IsAlpha(s_[pos_]) || IsDigit(s_[pos_]))) ++pos_;
    Token t = Make(Token::Kind::kDuration, start);
    auto d = ParseDuration(t.text);
    if (t.text[0] == '-' || !d.ok()) {
      return Error(start, "'" + std::string(t.text) + "' is not a duration (use 30d, 12h, 15m)");
    }
    t.duration = d.value();
    return t;
  }

  Token String() {
    size_t start = pos_++;
    std::string value;
    while (true) {
      if (pos_ >= s_.size()) {
        return Error(start, "unterminated string: expected a closing '\"', found end of input");
      }
      char c = s_[pos_];
      if (c == '"') break;
      if (c != '\\') {
        size_t len = Utf8Length(s_, pos_);
        if (len == 0) {
          return Error(pos_, "expected UTF-8 text in a string, found a byte that is not (0x" +
                                 Hex2(static_cast<unsigned char>(c)) + ")");
        }
        value.append(s_.substr(pos_, len));
        pos_ += len;
        continue;
      }
      size_t esc = pos_;
      if (!Escape(value)) {
        // Show "\u12" whole, not just "\u".
        size_t len =
            std::min<size_t>(s_.size() - esc, esc + 1 < s_.size() && s_[esc + 1] == 'u' ? 6 : 2);
        return Error(esc, "expected one of \\\" \\\\ \\n \\t \\uXXXX in a string, found '" +
                              std::string(s_.substr(esc, len)) + "'");
      }
    }
    ++pos_;
    Token t = Make(Token::Kind::kString, start);
    t.str = std::move(value);
    return t;
  }

  // Decodes one escape at pos_ (the backslash); false when it is not a valid one.
  bool Escape(std::string& out) {
    if (pos_ + 1 >= s_.size()) return false;
    char e = s_[pos_ + 1];
    const char* simple = nullptr;
    switch (e) {
      case '"':
        simple = "\"";
        break;
      case '\\':
        simple = "\\";
        break;
      case '/':
        simple = "/";
        break;
      case 'n':
        simple = "\n";
        break;
      case 't':
        simple = "\t";
        break;
      case 'r':
        simple = "\r";
        break;
      default:
        break;
    }
    if (simple) {
      out += simple;
      pos_ += 2;
      return true;
    }
    if (e != 'u') return false;
    int32_t cp = ReadHex4(s_, pos_ + 2);
    if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) return false;
    size_t used = 6;
    if (cp >= 0xD800 && cp <= 0xDBFF) {  // a surrogate pair spells one code point
      if (pos_ + 7 >= s_.size() || s_[pos_ + 6] != '\\' || s_[pos_ + 7] != 'u') return false;
      int32_t low = ReadHex4(s_, pos_ + 8);
      if (low < 0xDC00 || low > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      used = 12;
    }
    AppendUtf8(out, static_cast<char32_t>(cp));
    pos_ += used;
    return true;
  }

  Token Punct() {
    size_t start = pos_;
    char c = s_[pos_];
    char n = pos_ + 1 < s_.size() ? s_[pos_ + 1] : '\0';
    if ((c == '!' || c == '<' || c == '>') && n == '=') {
      pos_ += 2;
      return Make(Token::Kind::kPunct, start);
    }
    if (c == '(' || c == ')' || c == ',' || c == '=' || c == '<' || c == '>') {
      ++pos_;
      return Make(Token::Kind::kPunct, start);
    }
    // Show the whole UTF-8 character, not its first byte.
    size_t len = 1;
    auto u = static_cast<unsigned char>(c);
    if (u >= 0xF0) {
      len = 4;
    } else if (u >= 0xE0) {
      len = 3;
    } else if (u >= 0xC0) {
      len = 2;
    }
    std::string shown(s_.substr(start, len));
    return Error(start,
                 "expected a name, a number, a string, a date or one of ( ) , = != < <= > >=, "
                 "found '" +
                     shown + "'");
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

std::vector<Token> Tokenize(std::string_view text) { return Lexer(text).Run(); }

size_t ColumnOf(std::string_view text, size_t offset) {
  size_t column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;
  }
  return column;
}

bool IsKeyword(std::string_view word) {
  for (std::string_view k : kKeywords) {
    if (k == word) return true;
  }
  return false;
}

bool IsBareKey(std::string_view key) {
  if (key.empty() || !IsWordStart(key[0])) return false;
  for (char c : key) {
    if (!IsWordChar(c)) return false;
  }
  return !IsKeyword(key);
}

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
          out += "\\u00" + Hex2(static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string NumberText(double d) {
  if (d == 0) return "0";  // not "-0": JSON readers fold it to 0 anyway
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return ec == std::errc() ? std::string(buf, end) : "0";
}

std::string KeyText(std::string_view key) { return IsBareKey(key) ? std::string(key) : Quote(key); }

}  // namespace unisono::segment::internal
