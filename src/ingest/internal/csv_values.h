// Reading single CSV cell values: money in minor units, UTF-8 checks, and the
// content hash that gives rows without a message id a stable one. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace unisono::ingest {

// "12.50" -> 1250, "-3" -> -300, "0.5" -> 50: an optional sign, digits, and at most two
// decimals after '.' (or ',' when `comma_decimal`). No thousands separators, exponents
// or currency symbols: those return nullopt, as do amounts beyond 16 integer digits.
// Every currency is taken to have two decimals, as elsewhere in ingest.
inline std::optional<int64_t> ParseMinorUnits(std::string_view text, bool comma_decimal) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  int64_t whole = 0;
  size_t i = 0, whole_digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++whole_digits) {
    if (whole_digits == 16) return std::nullopt;
    whole = whole * 10 + (text[i] - '0');
  }
  int64_t cents = 0;
  size_t decimals = 0;
  if (i < text.size() && (text[i] == '.' || (comma_decimal && text[i] == ','))) {
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++decimals) {
      if (decimals == 2) return std::nullopt;
      cents = cents * 10 + (text[i] - '0');
    }
    if (decimals == 0) return std::nullopt;
  }
  if (i != text.size() || whole_digits == 0) return std::nullopt;
  if (decimals == 1) cents *= 10;
  int64_t minor = whole * 100 + cents;
  return negative ? -minor : minor;
}

// 1250 -> "12.50": a JSON number in major units.
inline std::string FormatMajorUnits(int64_t minor) {
  std::string out = minor < 0 ? "-" : "";
  uint64_t abs = minor < 0 ? 0 - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
  out += std::to_string(abs / 100);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + abs % 100 / 10));
  out.push_back(static_cast<char>('0' + abs % 10));
  return out;
}

// Offset of the first byte that does not belong to well-formed UTF-8 (no overlong
// forms, no surrogates, nothing above U+10FFFF), or npos when all of `s` is UTF-8.
inline size_t FindInvalidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + len > s.size()) return i;
    auto second = static_cast<unsigned char>(s[i + 1]);
    if (second < lo || second > hi) return i;
    for (size_t k = 2; k < len; ++k) {
      auto cont = static_cast<unsigned char>(s[i + k]);
      if (cont < 0x80 || cont > 0xBF) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

// "csv-" + 32 hex digits from two independent 64-bit hashes of the kind and the row's
// raw values joined with \x1f: the same row imported twice gets the same message id,
// so the store's message-id deduplication makes re-imports harmless.
inline std::string CsvContentMessageId(std::string_view kind, std::span<const std::string> values) {
  uint64_t fnv = 0xcbf29ce484222325ULL;  // FNV-1a 64
  uint64_t mix = 0x9e3779b97f4a7c15ULL;  // multiply-rotate, a different family
  auto feed = [&](std::string_view bytes) {
    for (char ch : bytes) {
      auto b = static_cast<unsigned char>(ch);
      fnv = (fnv ^ b) * 0x100000001b3ULL;
      mix = (mix ^ b) * 0xff51afd7ed558ccdULL;
      mix = (mix << 29) | (mix >> 35);
    }
  };
  feed(kind);
  for (const std::string& v : values) {
    feed("\x1f");
    feed(v);
  }
  auto finish = [](uint64_t h) {  // splitmix64's finaliser spreads every input bit
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
  };
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "csv-";
  for (uint64_t h : {finish(fnv), finish(mix)}) {
    for (int shift = 60; shift >= 0; shift -= 4) id.push_back(kHex[(h >> shift) & 0xf]);
  }
  return id;
}

}  // namespace unisono::ingest
