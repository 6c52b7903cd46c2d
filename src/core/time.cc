#include <charconv>
#include <cstdio>

#include "core/core.h"

namespace unisono {
namespace {

bool ReadDigits(std::string_view s, size_t& pos, size_t count, int& out) {
  if (pos + count > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += count;
  out = v;
  return true;
}

Status BadTimestamp(std::string_view text, const char* why) {
  return Status::InvalidArgument("'" + std::string(text) + "' is not an ISO-8601 timestamp (" +
                                 why + "); use e.g. 2026-01-31T09:30:00.000Z");
}

}  // namespace

Result<Timestamp> ParseTimestamp(std::string_view text) {
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, pos, 4, year) || pos >= text.size() || text[pos++] != '-' ||
      !ReadDigits(text, pos, 2, month) || pos >= text.size() || text[pos++] != '-' ||
      !ReadDigits(text, pos, 2, day)) {
    return BadTimestamp(text, "expected YYYY-MM-DD");
  }
  using namespace std::chrono;
  year_month_day ymd{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                     std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return BadTimestamp(text, "no such date");
  int64_t millis = 0;
  int64_t offset_minutes = 0;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') {
      return BadTimestamp(text, "expected 'T' after the date");
    }
    ++pos;
    if (!ReadDigits(text, pos, 2, hour) || pos >= text.size() || text[pos++] != ':' ||
        !ReadDigits(text, pos, 2, minute)) {
      return BadTimestamp(text, "expected hh:mm");
    }
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!ReadDigits(text, pos, 2, second)) return BadTimestamp(text, "expected seconds");
    }
    if (hour > 23 || minute > 59 || second > 60) return BadTimestamp(text, "time out of range");
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
      ++pos;
      size_t digits = 0;
      int64_t frac = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (digits < 3) frac = frac * 10 + (text[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0) return BadTimestamp(text, "empty fraction");
      for (size_t d = digits; d < 3; ++d) frac *= 10;
      millis = frac;
    }
    if (pos < text.size()) {
      char c = text[pos];
      if (c == 'Z' || c == 'z') {
        ++pos;
      } else if (c == '+' || c == '-') {
        ++pos;
        int oh, om = 0;
        if (!ReadDigits(text, pos, 2, oh)) return BadTimestamp(text, "bad UTC offset");
        if (pos < text.size() && text[pos] == ':') ++pos;
        if (pos < text.size() && !ReadDigits(text, pos, 2, om)) {
          return BadTimestamp(text, "bad UTC offset");
        }
        offset_minutes = (oh * 60 + om) * (c == '+' ? 1 : -1);
      } else {
        return BadTimestamp(text, "unexpected character after the time");
      }
    }
    if (pos != text.size()) return BadTimestamp(text, "trailing characters");
  }
  auto tp = sys_days(ymd) + hours(hour) + minutes(minute) + seconds(second) + Millis(millis) -
            minutes(offset_minutes);
  return Timestamp(duration_cast<Millis>(tp.time_since_epoch()));
}

std::string FormatTimestamp(Timestamp t) {
  using namespace std::chrono;
  auto days = floor<std::chrono::days>(t);
  year_month_day ymd{days};
  auto rest = t - days;
  auto h = duration_cast<hours>(rest);
  rest -= h;
  auto m = duration_cast<minutes>(rest);
  rest -= m;
  auto s = duration_cast<seconds>(rest);
  rest -= s;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(h.count()), int(m.count()),
                int(s.count()), int(rest.count()));
  return buf;
}

Result<Millis> ParseDuration(std::string_view text) {
  if (text.empty()) return Status::InvalidArgument("empty duration; use e.g. 30d, 12h or 15m");
  int64_t total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    int64_t n = 0;
    auto [ptr, ec] = std::from_chars(text.data() + pos, text.data() + text.size(), n);
    if (ec != std::errc() || n < 0) {
      return Status::InvalidArgument("'" + std::string(text) +
                                     "' is not a duration; use e.g. 30d, 12h, 15m, 1d12h");
    }
    pos = ptr - text.data();
    std::string_view unit = text.substr(pos);
    int64_t scale;
    size_t len = 1;
    if (unit.starts_with("ms")) {
      scale = 1, len = 2;
    } else if (unit.starts_with("s")) {
      scale = 1000;
    } else if (unit.starts_with("m")) {
      scale = 60'000;
    } else if (unit.starts_with("h")) {
      scale = 3'600'000;
    } else if (unit.starts_with("d")) {
      scale = 86'400'000;
    } else if (unit.starts_with("w")) {
      scale = 7 * 86'400'000LL;
    } else {
      return Status::InvalidArgument("'" + std::string(text) +
                                     "' needs a unit after each number: ms, s, m, h, d or w");
    }
    total += n * scale;
    pos += len;
  }
  return Millis(total);
}

std::string FormatDuration(Millis d) {
  int64_t ms = d.count();
  if (ms % 86'400'000 == 0 && ms != 0) return std::to_string(ms / 86'400'000) + "d";
  if (ms % 3'600'000 == 0 && ms != 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0 && ms != 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

Timestamp SystemClock::Now() const {
  return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
}

}  // namespace unisono
