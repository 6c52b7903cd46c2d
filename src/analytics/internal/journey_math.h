// Private to analytics: small numeric helpers the journey reports share.
#pragma once

#include <algorithm>
#include <optional>
#include <vector>

#include "core/core.h"

namespace unisono::analytics::internal {

// The q-quantile (0..1), interpolating linearly between order statistics (numpy's
// default); none for no values. Sorts `values`.
inline std::optional<double> Quantile(std::vector<double>& values, double q) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  double h = (values.size() - 1) * q;
  size_t lo = static_cast<size_t>(h);
  if (lo + 1 >= values.size()) return values.back();
  return values[lo] + (h - lo) * (values[lo + 1] - values[lo]);
}

inline double Days(Millis d) { return d.count() / 86'400'000.0; }

}  // namespace unisono::analytics::internal
