// A minimal JSON object writer for the demo's generated events: appends to a caller's
// string (so the buffer is reused), escapes strings, writes money as major units with
// two decimals. Not thread-safe; one per buffer.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace unisono::demo {

class JsonObjectWriter {
 public:
  explicit JsonObjectWriter(std::string& out) : out_(out) { out_.push_back('{'); }

  JsonObjectWriter& String(std::string_view key, std::string_view value) {
    Key(key);
    Quoted(value);
    return *this;
  }
  // Skips empty values: absent fields rather than "".
  JsonObjectWriter& StringIfAny(std::string_view key, std::string_view value) {
    if (!value.empty()) String(key, value);
    return *this;
  }
  JsonObjectWriter& Int(std::string_view key, int64_t value) {
    Key(key);
    AppendInt(value);
    return *this;
  }
  // Minor units as a decimal number in major units: 4590 -> 45.90.
  JsonObjectWriter& Money(std::string_view key, int64_t minor) {
    Key(key);
    if (minor < 0) {
      out_.push_back('-');
      minor = -minor;
    }
    AppendInt(minor / 100);
    out_.push_back('.');
    out_.push_back(static_cast<char>('0' + (minor % 100) / 10));
    out_.push_back(static_cast<char>('0' + minor % 10));
    return *this;
  }
  JsonObjectWriter& Bool(std::string_view key, bool value) {
    Key(key);
    out_.append(value ? "true" : "false");
    return *this;
  }
  // `json` must already be valid JSON text.
  JsonObjectWriter& Raw(std::string_view key, std::string_view json) {
    Key(key);
    out_.append(json);
    return *this;
  }
  void Close() { out_.push_back('}'); }

  // Appends `value` as a JSON string literal.
  static void AppendQuoted(std::string& out, std::string_view value) {
    out.push_back('"');
    size_t run = 0;  // start of the pending run of characters that need no escaping
    for (size_t i = 0; i < value.size(); ++i) {
      const auto u = static_cast<unsigned char>(value[i]);
      if (u >= 0x20 && u != '"' && u != '\\') continue;  // UTF-8 passes through unchanged
      out.append(value.data() + run, i - run);
      run = i + 1;
      if (u >= 0x20) {
        out.push_back('\\');
        out.push_back(static_cast<char>(u));
      } else {
        static constexpr char kHex[] = "0123456789abcdef";
        out.append("\\u00");
        out.push_back(kHex[u >> 4]);
        out.push_back(kHex[u & 0xf]);
      }
    }
    out.append(value.data() + run, value.size() - run);
    out.push_back('"');
  }

 private:
  void Key(std::string_view key) {
    if (!first_) out_.push_back(',');
    first_ = false;
    Quoted(key);
    out_.push_back(':');
  }
  void Quoted(std::string_view value) { AppendQuoted(out_, value); }
  void AppendInt(int64_t value) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    out_.append(buf, end);
  }

  std::string& out_;
  bool first_ = true;
};

}  // namespace unisono::demo
