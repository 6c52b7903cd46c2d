// The data-driven (incremental) model. A ridge-regularised logistic regression of
// P(conversion | exposure) is fitted on converting and null paths alike, exposure being
// min(touches of the channel, cap) per channel (optionally with pairwise products).
// Each conversion is then shared among its path's channels by their Shapley values in
// the fitted model, and each channel's incremental conversions are what the fitted
// model loses when that channel's exposure is set to zero on every path. Path-based
// models credit whatever precedes conversions; this one asks what a channel adds.
#include "analytics/internal/data_driven.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>

#include "analytics/internal/models.h"

namespace unisono::analytics {
namespace {

using internal::IndexedPaths;

using Row = internal::ExposureRow;

struct Model {
  size_t channels = 0;
  std::vector<std::pair<uint32_t, uint32_t>> pairs;  // interaction features after channels
  size_t controls = 0;                               // control categories after pairs
  Eigen::VectorXd w;  // [intercept, channels..., pairs..., controls...]
  int iterations = 0;
  double log_likelihood = 0;
};

std::vector<Row> Rows(const IndexedPaths& paths, int cap) {
  std::vector<Row> rows;
  rows.reserve(paths.paths.size());
  std::vector<double> count(paths.channels.size(), 0);
  for (const auto& p : paths.paths) {
    Row r;
    for (uint32_t c : p.touches) count[c] += 1;
    for (uint32_t c : p.touches) {
      if (count[c] > 0) {
        r.exposure.emplace_back(c, std::min(count[c], static_cast<double>(cap)));
        count[c] = 0;
      }
    }
    std::sort(r.exposure.begin(), r.exposure.end());
    r.conversions = p.conversions;
    r.value = p.value;
    r.nulls = p.nulls;
    rows.push_back(std::move(r));
  }
  return rows;
}

size_t FeatureCount(const Model& m) { return 1 + m.channels + m.pairs.size() + m.controls; }

// Features of a row, with channel `drop` (if any) set to zero.
void Features(const Model& m, const std::vector<std::pair<uint32_t, double>>& exposure,
              const std::vector<uint32_t>& controls, int64_t drop, Eigen::VectorXd& x) {
  x.setZero(static_cast<Eigen::Index>(FeatureCount(m)));
  x[0] = 1;
  for (auto [c, v] : exposure) {
    if (static_cast<int64_t>(c) != drop) x[1 + c] = v;
  }
  for (size_t k = 0; k < m.pairs.size(); ++k) {
    x[1 + m.channels + k] = x[1 + m.pairs[k].first] * x[1 + m.pairs[k].second];
  }
  for (uint32_t d : controls) x[1 + m.channels + m.pairs.size() + d] = 1;
}

double Sigmoid(double z) {
  return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z));
}

// Newton's method on the penalised log-likelihood (the intercept is not penalised).
void Fit(Model& m, const std::vector<Row>& rows, const std::vector<double>& conv,
         const std::vector<double>& nulls, double l2) {
  const Eigen::Index k = static_cast<Eigen::Index>(FeatureCount(m));
  if (m.w.size() != k) m.w = Eigen::VectorXd::Zero(k);
  Eigen::VectorXd x(k), grad(k);
  Eigen::MatrixXd hess(k, k);
  for (m.iterations = 1; m.iterations <= 100; ++m.iterations) {
    grad.setZero();
    hess.setZero();
    double ll = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      double n = conv[i] + nulls[i];
      if (n <= 0) continue;
      Features(m, rows[i].exposure, rows[i].controls, -1, x);
      double p = Sigmoid(x.dot(m.w));
      grad.noalias() += (conv[i] - n * p) * x;
      hess.selfadjointView<Eigen::Lower>().rankUpdate(x, n * p * (1 - p));
      ll += conv[i] * std::log(std::max(p, 1e-300)) + nulls[i] * std::log(std::max(1 - p, 1e-300));
    }
    for (Eigen::Index j = 1; j < k; ++j) {
      grad[j] -= l2 * m.w[j];
      hess(j, j) += l2;
    }
    hess(0, 0) += 1e-9;
    Eigen::VectorXd step = hess.selfadjointView<Eigen::Lower>().ldlt().solve(grad);
    m.w += step;
    m.log_likelihood = ll - 0.5 * l2 * m.w.tail(k - 1).squaredNorm();
    if (step.cwiseAbs().maxCoeff() < 1e-9) break;
  }
}

double Probability(const Model& m, const Row& r, int64_t drop, Eigen::VectorXd& x) {
  Features(m, r.exposure, r.controls, drop, x);
  return Sigmoid(x.dot(m.w));
}

// What the fitted model loses, per channel, with that channel's exposure removed.
std::vector<double> Incremental(const Model& m, const std::vector<Row>& rows,
                                const std::vector<double>& conv, const std::vector<double>& nulls) {
  std::vector<double> out(m.channels, 0);
  Eigen::VectorXd x;
  for (size_t i = 0; i < rows.size(); ++i) {
    double n = conv[i] + nulls[i];
    if (n <= 0) continue;
    double p = Probability(m, rows[i], -1, x);
    for (auto [c, v] : rows[i].exposure) out[c] += n * (p - Probability(m, rows[i], c, x));
  }
  return out;
}

// Shapley values of the path's channels in the game v(T) = P(exposure restricted to T):
// exact over all subsets up to 12 channels, averaged over 2000 fixed-seed orderings above.
std::vector<double> PathShapley(const Model& m, const Row& r, std::mt19937_64& rng) {
  const size_t k = r.exposure.size();
  std::vector<double> phi(k, 0);
  Eigen::VectorXd x;
  auto value = [&](uint64_t mask) {
    Row sub;
    sub.controls = r.controls;
    for (size_t i = 0; i < k; ++i) {
      if (mask >> i & 1) sub.exposure.push_back(r.exposure[i]);
    }
    return Probability(m, sub, -1, x);
  };
  if (k <= 12) {
    std::vector<double> v(size_t{1} << k);
    for (uint64_t mask = 0; mask < v.size(); ++mask) v[mask] = value(mask);
    std::vector<double> weight(k, 0);  // |S|! (k-|S|-1)! / k!
    for (size_t s = 0; s < k; ++s) {
      weight[s] = std::exp(std::lgamma(s + 1.0) + std::lgamma(k - s + 0.0) - std::lgamma(k + 1.0));
    }
    for (uint64_t mask = 0; mask < v.size(); ++mask) {
      size_t size = static_cast<size_t>(__builtin_popcountll(mask));
      for (size_t i = 0; i < k; ++i) {
        if (!(mask >> i & 1)) phi[i] += weight[size] * (v[mask | (uint64_t{1} << i)] - v[mask]);
      }
    }
    return phi;
  }
  std::vector<size_t> order(k);
  std::iota(order.begin(), order.end(), 0);
  constexpr int kOrderings = 2000;
  for (int t = 0; t < kOrderings; ++t) {
    std::shuffle(order.begin(), order.end(), rng);
    uint64_t mask = 0;
    double before = value(0);
    for (size_t i : order) {
      mask |= uint64_t{1} << i;
      double after = value(mask);
      phi[i] += (after - before) / kOrderings;
      before = after;
    }
  }
  return phi;
}

Result<Model> FitAll(size_t channels, size_t controls, const std::vector<Row>& rows,
                     const DataDrivenOptions& o) {
  if (o.count_cap < 1) return Status::InvalidArgument("count cap must be at least 1");
  if (!(o.l2 >= 0)) return Status::InvalidArgument("the L2 penalty must be 0 or more");
  if (o.bootstrap < 0) return Status::InvalidArgument("bootstrap resamples must be 0 or more");
  Model m;
  m.channels = channels;
  m.controls = controls;
  if (o.interactions) {
    // Only pairs seen together often enough to be estimable.
    std::map<std::pair<uint32_t, uint32_t>, double> seen;
    for (const auto& r : rows) {
      for (size_t i = 0; i < r.exposure.size(); ++i) {
        for (size_t j = i + 1; j < r.exposure.size(); ++j) {
          seen[{r.exposure[i].first, r.exposure[j].first}] += r.conversions + r.nulls;
        }
      }
    }
    for (const auto& [pair, n] : seen) {
      if (n >= 30) m.pairs.push_back(pair);
    }
  }
  double total_nulls = 0, total_conv = 0;
  std::vector<double> conv, nulls;
  for (const auto& r : rows) {
    conv.push_back(r.conversions);
    nulls.push_back(r.nulls);
    total_conv += r.conversions;
    total_nulls += r.nulls;
  }
  if (total_nulls <= 0 || total_conv <= 0) {
    return Status::InvalidArgument(
        "the data-driven model needs converting and non-converting journeys: it compares them");
  }
  Fit(m, rows, conv, nulls, o.l2);
  return m;
}

// Each conversion shared among its row's channels by their Shapley values in the model.
internal::Credits ShareConversions(const Model& m, const std::vector<Row>& rows, uint64_t seed) {
  internal::Credits credits(m.channels);
  std::mt19937_64 rng(seed);
  for (const auto& r : rows) {
    if ((r.conversions == 0 && r.value == 0) || r.exposure.empty()) continue;
    std::vector<double> phi = PathShapley(m, r, rng);
    // Channels the model finds harmful get no credit; with no positive one left, the
    // conversion is split evenly (the model cannot tell them apart).
    double positive = 0;
    for (double& v : phi) positive += v = std::max(v, 0.0);
    for (size_t i = 0; i < r.exposure.size(); ++i) {
      double share = positive > 0 ? phi[i] / positive : 1.0 / r.exposure.size();
      credits[r.exposure[i].first].conversions += r.conversions * share;
      credits[r.exposure[i].first].value += r.value * share;
    }
  }
  return credits;
}

}  // namespace

Result<DataDrivenReport> internal::AnalyseRows(const std::vector<std::string>& channels,
                                               size_t controls, const std::vector<Row>& rows,
                                               const DataDrivenOptions& o) {
  auto model = FitAll(channels.size(), controls, rows, o);
  if (!model.ok()) return model.status();
  std::vector<double> conv, nulls;
  DataDrivenReport report;
  for (const auto& r : rows) {
    conv.push_back(r.conversions);
    nulls.push_back(r.nulls);
    report.observations += r.conversions + r.nulls;
    report.conversions += r.conversions;
    if (r.exposure.empty()) report.baseline_conversions += r.conversions;
  }
  report.rows = static_cast<int64_t>(rows.size());
  report.iterations = model->iterations;
  report.log_likelihood = model->log_likelihood;
  report.baseline_probability = Sigmoid(model->w[0]);
  std::vector<double> incremental = Incremental(*model, rows, conv, nulls);
  // Poisson bootstrap: each row's conversions and non-conversions redrawn, refitted.
  std::vector<std::vector<double>> draws(channels.size());
  std::mt19937_64 rng(o.seed);
  for (int b = 0; b < o.bootstrap; ++b) {
    std::vector<double> bc(rows.size()), bn(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      bc[i] = conv[i] > 0 ? std::poisson_distribution<int64_t>(conv[i])(rng) : 0;
      bn[i] = nulls[i] > 0 ? std::poisson_distribution<int64_t>(nulls[i])(rng) : 0;
    }
    Model m = *model;  // warm start
    Fit(m, rows, bc, bn, o.l2);
    auto inc = Incremental(m, rows, bc, bn);
    for (size_t c = 0; c < inc.size(); ++c) draws[c].push_back(inc[c]);
  }
  internal::Credits credits = ShareConversions(*model, rows, o.seed);
  for (size_t c = 0; c < channels.size(); ++c) {
    IncrementalChannel ch;
    ch.channel = channels[c];
    ch.weight = model->w[static_cast<Eigen::Index>(1 + c)];
    ch.incremental = ch.low = ch.high = incremental[c];
    if (!draws[c].empty()) {
      std::sort(draws[c].begin(), draws[c].end());
      auto at = [&](double q) {
        return draws[c][std::min(draws[c].size() - 1,
                                 static_cast<size_t>(q * static_cast<double>(draws[c].size())))];
      };
      ch.low = at(0.025);
      ch.high = at(0.975);
    }
    ch.attributed = credits[c].conversions;
    ch.attributed_value = credits[c].value;
    report.channels.push_back(ch);
  }
  return report;
}

Result<DataDrivenReport> AnalyseDataDriven(const PathTable& table, const DataDrivenOptions& o) {
  auto paths = internal::Index(table);
  if (!paths.ok()) return paths.status();
  return internal::AnalyseRows(paths->channels, 0, Rows(*paths, o.count_cap), o);
}

namespace internal {

Result<Credits> DataDriven(const IndexedPaths& paths, const ModelSpec& spec) {
  std::vector<Row> rows = Rows(paths, spec.data_driven.count_cap);
  auto model = FitAll(paths.channels.size(), 0, rows, spec.data_driven);
  if (!model.ok()) return model.status();
  return ShareConversions(*model, rows, spec.data_driven.seed);
}

}  // namespace internal
}  // namespace unisono::analytics
