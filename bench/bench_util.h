// What the C++ benchmarks share: stop on the first error with the benchmark's name, and
// time in seconds. Benchmarks fail loudly; a half-run measurement is worse than none.
#pragma once

#include <fmt/core.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "core/core.h"

namespace unisono::bench {

using Steady = std::chrono::steady_clock;

// Set by each benchmark's main before anything can fail.
inline const char* program = "bench";

[[noreturn]] inline void Die(const std::string& what) {
  fmt::print(stderr, "{}: {}\n", program, what);
  std::exit(1);
}

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) Die(std::string(what) + ": " + r.status().message());
  return std::move(r).value();
}

inline void Must(const Status& s, const char* what) {
  if (!s.ok()) Die(std::string(what) + ": " + s.message());
}

inline double Seconds(Steady::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace unisono::bench
