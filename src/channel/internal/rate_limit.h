// A token bucket on the injectable clock: `rate` messages per second, with a burst of
// one second's worth (at least one). Not thread-safe: the owner's lock guards it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace unisono::channel {

class TokenBucket {
 public:
  explicit TokenBucket(double rate_per_second)
      : rate_(rate_per_second), capacity_(std::max(1.0, rate_per_second)), tokens_(capacity_) {}

  bool unlimited() const { return rate_ <= 0; }

  // Whole messages that may go at `now_ms`.
  int64_t Available(int64_t now_ms) {
    if (unlimited()) return INT64_MAX;
    Refill(now_ms);
    return static_cast<int64_t>(std::floor(tokens_ + 1e-9));
  }
  void Take(int64_t count) {
    if (!unlimited()) tokens_ -= static_cast<double>(count);
  }
  // Milliseconds until the next message may go (0: now).
  int64_t MsUntilNext(int64_t now_ms) {
    if (unlimited()) return 0;
    Refill(now_ms);
    if (tokens_ + 1e-9 >= 1) return 0;
    return static_cast<int64_t>(std::ceil((1 - tokens_) * 1000 / rate_));
  }

 private:
  void Refill(int64_t now_ms) {
    if (last_ms_ >= 0 && now_ms > last_ms_) {
      tokens_ =
          std::min(capacity_, tokens_ + static_cast<double>(now_ms - last_ms_) * rate_ / 1000);
    }
    last_ms_ = std::max(last_ms_, now_ms);
  }

  double rate_;
  double capacity_;
  double tokens_;
  int64_t last_ms_ = -1;
};

}  // namespace unisono::channel
