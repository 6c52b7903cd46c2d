// First touch, last touch and linear: the whole path to one end, or equal shares per
// touch (a channel touched twice gets two shares).
#include "analytics/internal/models.h"

namespace unisono::analytics::internal {

Result<Credits> FirstTouch(const IndexedPaths& paths, const ModelSpec&) {
  return SplitByWeights(paths, [](size_t, std::vector<double>& w) { w.front() = 1; });
}

Result<Credits> LastTouch(const IndexedPaths& paths, const ModelSpec&) {
  return SplitByWeights(paths, [](size_t, std::vector<double>& w) { w.back() = 1; });
}

Result<Credits> Linear(const IndexedPaths& paths, const ModelSpec&) {
  return SplitByWeights(paths, [](size_t n, std::vector<double>& w) {
    for (auto& x : w) x = 1.0 / static_cast<double>(n);
  });
}

}  // namespace unisono::analytics::internal
