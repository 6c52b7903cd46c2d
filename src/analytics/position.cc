// Position based ("U-shaped"): first and last touches get fixed shares, the middle
// touches split the rest equally. One touch takes everything; two touches split in the
// ratio first:last (50/50 with the default 40/40).
#include <cmath>

#include "analytics/internal/models.h"

namespace unisono::analytics::internal {

Result<Credits> PositionBased(const IndexedPaths& paths, const ModelSpec& spec) {
  double first = spec.position.first_share, last = spec.position.last_share;
  if (!(first >= 0) || !(last >= 0) || first + last > 1 + 1e-12 || first + last <= 0) {
    return Status::InvalidArgument(
        "position based: first and last shares must be non-negative, not both zero, and sum "
        "to at most 1");
  }
  return SplitByWeights(paths, [first, last](size_t n, std::vector<double>& w) {
    if (n == 1) {
      w[0] = 1;
    } else if (n == 2) {
      w[0] = first / (first + last);
      w[1] = last / (first + last);
    } else {
      double middle = (1 - first - last) / static_cast<double>(n - 2);
      for (auto& x : w) x = middle;
      w.front() = first;
      w.back() = last;
    }
  });
}

}  // namespace unisono::analytics::internal
