// Shapley value over channel coalitions, with v(S) = conversions of the paths whose set
// of channels is a subset of S. That game is a sum of unanimity games (one per channel
// set T, weighted by conv(T)), and the Shapley value of a unanimity game gives 1/|T| to
// each member of T, so phi_c = sum over channel sets T containing c of conv(T) / |T|:
// exact, linear in the input and with no limit on the number of channels.
#include <algorithm>

#include "analytics/internal/models.h"

namespace unisono::analytics::internal {

Result<Credits> Shapley(const IndexedPaths& paths, const ModelSpec&) {
  Credits credits(paths.channels.size());
  std::vector<uint32_t> set;
  for (const auto& p : paths.paths) {
    if (p.conversions == 0 && p.value == 0) continue;
    set = p.touches;
    std::sort(set.begin(), set.end());
    set.erase(std::unique(set.begin(), set.end()), set.end());
    double share = 1.0 / static_cast<double>(set.size());
    for (uint32_t c : set) {
      credits[c].conversions += p.conversions * share;
      credits[c].value += p.value * share;
    }
  }
  return credits;
}

}  // namespace unisono::analytics::internal
