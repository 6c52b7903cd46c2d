// Attribution against a known truth: rank correlation and share error.
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "analytics/analytics.h"

namespace unisono::analytics {
namespace {

// Ranks 1..n, ties sharing their mean rank.
std::vector<double> Ranks(const std::vector<double>& values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    double mean = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = mean;
    i = j + 1;
  }
  return ranks;
}

double Pearson(const std::vector<double>& x, const std::vector<double>& y) {
  double n = static_cast<double>(x.size());
  double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
  double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx == 0 || syy == 0) return 0;  // a constant side has no order to agree with
  return sxy / std::sqrt(sxx * syy);
}

}  // namespace

Result<TruthComparison> CompareWithTruth(const std::vector<std::pair<std::string, double>>& truth,
                                         const std::vector<ChannelAttribution>& attribution) {
  if (truth.size() < 2) {
    return Status::InvalidArgument("comparing with a truth needs at least two channels");
  }
  std::map<std::string, double> attributed;
  for (const auto& a : attribution) attributed[a.channel] += a.conversions;
  std::vector<double> t, a;
  for (const auto& [channel, value] : truth) {
    t.push_back(value);
    auto it = attributed.find(channel);
    a.push_back(it == attributed.end() ? 0.0 : it->second);
  }
  TruthComparison out;
  out.rank_correlation = Pearson(Ranks(t), Ranks(a));
  double tt = std::accumulate(t.begin(), t.end(), 0.0);
  double at = std::accumulate(a.begin(), a.end(), 0.0);
  double error = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    error += std::fabs((tt > 0 ? t[i] / tt : 0) - (at > 0 ? a[i] / at : 0));
  }
  out.share_error = error / 2;
  return out;
}

}  // namespace unisono::analytics
