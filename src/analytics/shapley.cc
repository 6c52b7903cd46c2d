// Shapley value over channel coalitions. Both worths used here are sums of unanimity
// games, one per channel set T, and the Shapley value of a unanimity game gives 1/|T|
// to each member of T, so phi_c = sum over channel sets T containing c of w(T) / |T|:
// exact, linear in the input and with no limit on the number of channels.
//   by conversions:     v(S) = conversions of the paths whose channel set is within S,
//                       w(T) = conversions of the paths with exactly the set T;
//   by conversion rate: v(S) = sum over sets T within S of CR(T), w(T) = CR(T) =
//                       conversions / (conversions + nulls) of the paths with set T;
//                       the credits are then scaled to the total conversions and value.
#include <algorithm>
#include <map>

#include "analytics/internal/models.h"

namespace unisono::analytics {
namespace {

using internal::Credits;
using internal::IndexedPaths;

std::vector<uint32_t> DistinctInOrder(const std::vector<uint32_t>& touches) {
  std::vector<uint32_t> out;
  for (uint32_t c : touches) {
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  return out;
}

// Per distinct channel set: its conversions, value and nulls.
struct SetTotals {
  double conversions = 0;
  double value = 0;
  double nulls = 0;
};

std::map<std::vector<uint32_t>, SetTotals> BySet(const IndexedPaths& paths) {
  std::map<std::vector<uint32_t>, SetTotals> sets;
  for (const auto& p : paths.paths) {
    std::vector<uint32_t> set = p.touches;
    std::sort(set.begin(), set.end());
    set.erase(std::unique(set.begin(), set.end()), set.end());
    auto& t = sets[set];
    t.conversions += p.conversions;
    t.value += p.value;
    t.nulls += p.nulls;
  }
  return sets;
}

}  // namespace

namespace internal {

Result<Credits> Shapley(const IndexedPaths& paths, const ModelSpec& spec) {
  Credits credits(paths.channels.size());
  if (!spec.shapley.by_conversion_rate) {
    for (const auto& p : paths.paths) {
      if (p.conversions == 0 && p.value == 0) continue;
      std::vector<uint32_t> set = DistinctInOrder(p.touches);
      double share = 1.0 / static_cast<double>(set.size());
      for (uint32_t c : set) {
        credits[c].conversions += p.conversions * share;
        credits[c].value += p.value * share;
      }
    }
    return credits;
  }
  double total_conversions = 0, total_value = 0;
  std::vector<double> phi(paths.channels.size(), 0);
  double sum = 0;
  for (const auto& [set, t] : BySet(paths)) {
    total_conversions += t.conversions;
    total_value += t.value;
    double n = t.conversions + t.nulls;
    if (n <= 0 || t.conversions <= 0) continue;
    double share = t.conversions / n / static_cast<double>(set.size());
    for (uint32_t c : set) phi[c] += share;
    sum += t.conversions / n;
  }
  if (sum <= 0) return credits;
  for (size_t c = 0; c < phi.size(); ++c) {
    credits[c].conversions = total_conversions * phi[c] / sum;
    credits[c].value = total_value * phi[c] / sum;
  }
  return credits;
}

}  // namespace internal

Result<std::vector<OrderedCredit>> OrderedShapley(const PathTable& table,
                                                  const ShapleyOptions& options) {
  auto paths = internal::Index(table);
  if (!paths.ok()) return paths.status();
  // weight of a path: its conversions (and value), or its set's conversion rate spread
  // over the set's paths in proportion to their conversions.
  std::map<std::vector<uint32_t>, SetTotals> sets;
  if (options.by_conversion_rate) sets = BySet(*paths);
  double rate_sum = 0, total_conversions = 0, total_value = 0;
  for (const auto& [set, t] : sets) {
    double n = t.conversions + t.nulls;
    if (n > 0) rate_sum += t.conversions / n;
  }
  std::map<std::pair<uint32_t, int>, OrderedCredit> credits;
  for (const auto& p : paths->paths) {
    if (p.conversions == 0 && p.value == 0) continue;
    total_conversions += p.conversions;
    total_value += p.value;
    std::vector<uint32_t> order = DistinctInOrder(p.touches);
    double conversions = p.conversions, value = p.value;
    if (options.by_conversion_rate) {
      std::vector<uint32_t> set = order;
      std::sort(set.begin(), set.end());
      const SetTotals& t = sets[set];
      double n = t.conversions + t.nulls;
      double rate = n > 0 ? t.conversions / n : 0;
      double part = t.conversions > 0 ? p.conversions / t.conversions : 0;
      conversions = rate * part;  // scaled below
      value = rate * part;
    }
    for (size_t k = 0; k < order.size(); ++k) {
      auto& c = credits[{order[k], static_cast<int>(k + 1)}];
      c.channel = paths->channels[order[k]];
      c.position = static_cast<int>(k + 1);
      c.conversions += conversions / static_cast<double>(order.size());
      c.value += value / static_cast<double>(order.size());
    }
  }
  std::vector<OrderedCredit> out;
  for (auto& [key, c] : credits) {
    if (options.by_conversion_rate && rate_sum > 0) {
      c.conversions *= total_conversions / rate_sum;
      c.value *= total_value / rate_sum;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace unisono::analytics
