// Time decay by position: path files carry no times, so distance is counted in touches
// before the conversion. The last touch weighs 1, the one before 2^(-1/h), and so on;
// the weights are normalised to sum to 1.
#include <cmath>

#include "analytics/internal/models.h"

namespace unisono::analytics::internal {

Result<Credits> TimeDecay(const IndexedPaths& paths, const ModelSpec& spec) {
  double h = spec.time_decay.half_life_touches;
  if (!(h > 0) || !std::isfinite(h)) {
    return Status::InvalidArgument(
        "time decay: the half-life must be a positive number of "
        "touches, not " +
        std::to_string(h));
  }
  return SplitByWeights(paths, [h](size_t n, std::vector<double>& w) {
    double sum = 0;
    for (size_t i = 0; i < n; ++i) sum += w[i] = std::exp2(-static_cast<double>(n - 1 - i) / h);
    for (auto& x : w) x /= sum;
  });
}

}  // namespace unisono::analytics::internal
