// Time: millisecond UTC time points, ISO-8601 parsing and formatting, durations written
// as "30d"/"12h"/"15m", and the injectable Clock every time-based rule reads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/internal/status.h"

namespace unisono {

using Millis = std::chrono::milliseconds;
using Timestamp = std::chrono::sys_time<Millis>;

// Accepts RFC 3339 / ISO-8601 date-times as SDKs send them: "2026-01-02T03:04:05Z",
// fractional seconds of any length, "+01:00" offsets, and plain dates ("2026-01-02").
Result<Timestamp> ParseTimestamp(std::string_view text);
// "2026-01-02T03:04:05.123Z"
std::string FormatTimestamp(Timestamp t);
// "30d", "12h", "15m", "45s", "500ms", "2w"; combinations like "1d12h".
Result<Millis> ParseDuration(std::string_view text);
std::string FormatDuration(Millis d);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
};

// Moves only when told to; thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start) : now_ms_(start.time_since_epoch().count()) {}
  Timestamp Now() const override { return Timestamp(Millis(now_ms_.load())); }
  void Advance(Millis by) { now_ms_ += by.count(); }
  void Set(Timestamp t) { now_ms_ = t.time_since_epoch().count(); }

 private:
  std::atomic<int64_t> now_ms_;
};

inline int64_t ToMillis(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp FromMillis(int64_t ms) { return Timestamp(Millis(ms)); }

}  // namespace unisono
