// Markov chain attribution of order k. A state is the last k channels of a path (fewer
// at its start), plus start and the absorbing conversion and null. Transition weights
// are path counts (conversions + nulls for each step, conversions or nulls for the last
// one). P(conversion | start) solves (I - Q) x = r, where Q holds transient-to-transient
// and r transient-to-conversion probabilities: by sparse LU for small chains, by
// certified bracketing (see SolveByBracketing) for large ones. Removing channel c
// drops every state containing c, i.e. sends transitions into them to null.
#include <Eigen/SparseCore>
#include <Eigen/SparseLU>
#include <algorithm>
#include <tuple>
#include <unordered_map>

#include "analytics/internal/models.h"

namespace unisono::analytics::internal {
namespace {

constexpr int kMaxOrder = 4;
constexpr size_t kMaxChannels = 0xFFFF;  // ids + 1 packed in 16 bits per position

struct Edge {
  uint32_t from;
  uint32_t to;
  double weight;
};

struct Chain {
  int order = 1;
  std::vector<uint64_t> keys;  // state index -> packed channels; index 0 is start (key 0)
  std::vector<double> out, conv, null;
  std::vector<Edge> edges;         // sorted by from, to
  std::vector<size_t> first_edge;  // edges of state s: [first_edge[s], first_edge[s + 1])

  std::vector<uint32_t> Channels(uint32_t state) const {
    std::vector<uint32_t> ids;
    for (uint64_t k = keys[state]; k != 0; k >>= 16) ids.push_back((k & 0xFFFF) - 1);
    std::reverse(ids.begin(), ids.end());  // oldest first
    return ids;
  }
};

Result<Chain> Build(const IndexedPaths& paths, int order) {
  if (order < 1 || order > kMaxOrder) {
    return Status::InvalidArgument("markov: the order must be 1 to 4, not " +
                                   std::to_string(order));
  }
  if (paths.channels.size() > kMaxChannels) {
    return Status::InvalidArgument("markov: at most 65535 channels");
  }
  Chain chain;
  chain.order = order;
  chain.keys.push_back(0);
  std::unordered_map<uint64_t, uint32_t> index{{0, 0}};
  std::unordered_map<uint64_t, double> weights;
  const uint64_t mask = order == 4 ? ~uint64_t{0} : (uint64_t{1} << (16 * order)) - 1;
  for (const auto& p : paths.paths) {
    double w = p.conversions + p.nulls;
    if (w <= 0) continue;
    uint32_t prev = 0;
    uint64_t key = 0;
    for (uint32_t t : p.touches) {
      key = ((key << 16) | (t + 1)) & mask;
      auto [it, inserted] = index.emplace(key, static_cast<uint32_t>(chain.keys.size()));
      if (inserted) chain.keys.push_back(key);
      weights[(uint64_t{prev} << 32) | it->second] += w;
      prev = it->second;
    }
    chain.conv.resize(chain.keys.size());
    chain.null.resize(chain.keys.size());
    chain.conv[prev] += p.conversions;
    chain.null[prev] += p.nulls;
  }
  size_t n = chain.keys.size();
  chain.conv.resize(n);
  chain.null.resize(n);
  chain.out.assign(n, 0);
  chain.edges.reserve(weights.size());
  for (const auto& [k, w] : weights) {
    chain.edges.push_back({static_cast<uint32_t>(k >> 32), static_cast<uint32_t>(k), w});
    chain.out[k >> 32] += w;
  }
  for (size_t s = 0; s < n; ++s) chain.out[s] += chain.conv[s] + chain.null[s];
  std::sort(chain.edges.begin(), chain.edges.end(), [](const Edge& a, const Edge& b) {
    return a.from != b.from ? a.from < b.from : a.to < b.to;
  });
  chain.first_edge.assign(n + 1, 0);
  for (const Edge& e : chain.edges) ++chain.first_edge[e.from + 1];
  for (size_t s = 0; s < n; ++s) chain.first_edge[s + 1] += chain.first_edge[s];
  return chain;
}

// P(conversion | start) with the states where keep[s] is false made absorbing nulls,
// by sparse LU: exact up to rounding, but fill-in grows fast with the state count.
Result<double> SolveByLu(const Chain& chain, const std::vector<bool>& keep) {
  if (chain.out[0] == 0) return 0.0;
  std::vector<int> row(chain.keys.size(), -1);
  int n = 0;
  for (size_t s = 0; s < chain.keys.size(); ++s) {
    if (keep[s]) row[s] = n++;
  }
  std::vector<Eigen::Triplet<double>> triplets;
  triplets.reserve(chain.edges.size() + n);
  Eigen::VectorXd r = Eigen::VectorXd::Zero(n);
  for (size_t s = 0; s < chain.keys.size(); ++s) {
    if (row[s] < 0) continue;
    triplets.emplace_back(row[s], row[s], 1.0);
    if (chain.out[s] > 0) r[row[s]] = chain.conv[s] / chain.out[s];
  }
  for (const Edge& e : chain.edges) {
    if (row[e.from] < 0 || row[e.to] < 0) continue;
    triplets.emplace_back(row[e.from], row[e.to], -e.weight / chain.out[e.from]);
  }
  Eigen::SparseMatrix<double> a(n, n);
  a.setFromTriplets(triplets.begin(), triplets.end());  // sums duplicates (self-loops)
  Eigen::SparseLU<Eigen::SparseMatrix<double>> lu;
  lu.compute(a);
  if (lu.info() != Eigen::Success) {
    return Status::Internal("markov: the absorbing chain's system is singular");
  }
  Eigen::VectorXd x = lu.solve(r);
  if (lu.info() != Eigen::Success) return Status::Internal("markov: solving the chain failed");
  return x[0];
}

// The same by Gauss-Seidel sweeps of x = Qx + r from below (x = 0) and from above
// (x = 1, which Qx + r never exceeds). Q is non-negative, so both sequences are monotone
// and bracket the solution at every sweep; stop when the bracket at start is within a
// few ulps. Sweeping states in reverse discovery order propagates values backwards along
// paths, so chains without long cycles settle in a handful of sweeps.
Result<double> SolveByBracketing(const Chain& chain, const std::vector<bool>& keep) {
  if (chain.out[0] == 0) return 0.0;
  const size_t n = chain.keys.size();
  std::vector<double> lo(n, 0.0), hi(n, 0.0), r(n, 0.0);
  std::vector<double> p(chain.edges.size());
  for (size_t i = 0; i < chain.edges.size(); ++i) {
    p[i] = chain.edges[i].weight / chain.out[chain.edges[i].from];
  }
  for (size_t s = 0; s < n; ++s) {
    if (keep[s]) hi[s] = 1.0;
    if (keep[s] && chain.out[s] > 0) r[s] = chain.conv[s] / chain.out[s];
  }
  constexpr int kMaxSweeps = 1'000'000;
  for (int sweep = 0; sweep < kMaxSweeps; ++sweep) {
    for (size_t s = n; s-- > 0;) {
      if (!keep[s]) continue;
      double l = r[s], h = r[s];
      for (size_t i = chain.first_edge[s]; i < chain.first_edge[s + 1]; ++i) {
        l += p[i] * lo[chain.edges[i].to];  // removed states stay 0: a null
        h += p[i] * hi[chain.edges[i].to];
      }
      lo[s] = l;
      hi[s] = std::min(h, hi[s]);
    }
    if (hi[0] - lo[0] <= 1e-14 * hi[0] || hi[0] < 1e-300) return 0.5 * (lo[0] + hi[0]);
  }
  return Status::Internal("markov: the chain did not converge in " + std::to_string(kMaxSweeps) +
                          " sweeps");
}

// Direct LU where it is cheap, bracketing where LU's fill-in would not fit.
constexpr size_t kLuMaxStates = 1500;

Result<double> ConversionProbability(const Chain& chain, const std::vector<bool>& keep,
                                     ChainSolver solver) {
  if (solver == ChainSolver::kAuto) {
    solver = chain.keys.size() <= kLuMaxStates ? ChainSolver::kSparseLu : ChainSolver::kBracketing;
  }
  return solver == ChainSolver::kSparseLu ? SolveByLu(chain, keep) : SolveByBracketing(chain, keep);
}

Result<RemovalEffects> Effects(const Chain& chain, size_t channels, ChainSolver solver) {
  RemovalEffects out;
  out.effects.assign(channels, 0.0);
  std::vector<bool> keep(chain.keys.size(), true);
  auto base = ConversionProbability(chain, keep, solver);
  if (!base.ok()) return base.status();
  out.conversion_probability = *base;
  if (*base <= 0) return out;
  std::vector<std::vector<uint32_t>> states_with(channels);
  for (uint32_t s = 1; s < chain.keys.size(); ++s) {
    auto ids = chain.Channels(s);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (uint32_t c : ids) states_with[c].push_back(s);
  }
  for (size_t c = 0; c < channels; ++c) {
    if (states_with[c].empty()) continue;
    for (uint32_t s : states_with[c]) keep[s] = false;
    auto p = ConversionProbability(chain, keep, solver);
    if (!p.ok()) return p.status();
    out.effects[c] = std::max(0.0, 1.0 - *p / *base);
    for (uint32_t s : states_with[c]) keep[s] = true;
  }
  return out;
}

}  // namespace

Result<RemovalEffects> MarkovRemovalEffects(const IndexedPaths& paths, int order,
                                            ChainSolver solver) {
  auto chain = Build(paths, order);
  if (!chain.ok()) return chain.status();
  return Effects(*chain, paths.channels.size(), solver);
}

Result<Credits> Markov(const IndexedPaths& paths, const ModelSpec& spec) {
  auto effects = MarkovRemovalEffects(paths, spec.markov.order);
  if (!effects.ok()) return effects.status();
  double total_conv = 0, total_value = 0, sum = 0;
  for (const auto& p : paths.paths) {
    total_conv += p.conversions;
    total_value += p.value;
  }
  for (double e : effects->effects) sum += e;
  Credits credits(paths.channels.size());
  if (sum <= 0) return credits;
  for (size_t c = 0; c < credits.size(); ++c) {
    credits[c].conversions = total_conv * effects->effects[c] / sum;
    credits[c].value = total_value * effects->effects[c] / sum;
  }
  return credits;
}

}  // namespace unisono::analytics::internal

namespace unisono::analytics {

Result<MarkovChainReport> AnalyseMarkovChain(const PathTable& table, const MarkovOptions& options) {
  auto paths = internal::Index(table);
  if (!paths.ok()) return paths.status();
  auto chain = internal::Build(*paths, options.order);
  if (!chain.ok()) return chain.status();
  auto effects = internal::Effects(*chain, paths->channels.size(), internal::ChainSolver::kAuto);
  if (!effects.ok()) return effects.status();
  auto name = [&](uint32_t s) -> std::string {
    if (s == 0) return "(start)";
    std::string out;
    for (uint32_t c : chain->Channels(s)) out += (out.empty() ? "" : " > ") + paths->channels[c];
    return out;
  };
  MarkovChainReport report;
  report.order = options.order;
  report.conversion_probability = effects->conversion_probability;
  for (const auto& e : chain->edges) {
    report.transitions.push_back({name(e.from), name(e.to), e.weight / chain->out[e.from]});
  }
  for (uint32_t s = 0; s < chain->keys.size(); ++s) {
    if (chain->conv[s] > 0) {
      report.transitions.push_back({name(s), "(conversion)", chain->conv[s] / chain->out[s]});
    }
    if (chain->null[s] > 0) {
      report.transitions.push_back({name(s), "(null)", chain->null[s] / chain->out[s]});
    }
  }
  std::sort(report.transitions.begin(), report.transitions.end(), [](const auto& a, const auto& b) {
    return std::tie(a.from, a.to) < std::tie(b.from, b.to);
  });
  for (size_t c = 0; c < paths->channels.size(); ++c) {
    report.removal_effects.emplace_back(paths->channels[c], effects->effects[c]);
  }
  return report;
}

}  // namespace unisono::analytics
