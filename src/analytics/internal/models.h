// Private to analytics: paths with channels interned to small ids, and the model
// functions the registry (attribution.cc) dispatches to by name.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "analytics/analytics.h"

namespace unisono::analytics::internal {

struct IndexedPath {
  std::vector<uint32_t> touches;
  double conversions = 0;
  double value = 0;
  double nulls = 0;
};

struct IndexedPaths {
  std::vector<std::string> channels;  // id -> name, sorted by name
  std::vector<IndexedPath> paths;
};

// Interns channel names (ids follow name order). REQUIRES: every path is non-empty,
// counts finite and non-negative (checked: InvalidArgument naming the path otherwise).
Result<IndexedPaths> Index(const PathTable& table);

// Per-channel totals, indexed by channel id.
struct Credit {
  double conversions = 0;
  double value = 0;
};
using Credits = std::vector<Credit>;

using ModelFn = std::function<Result<Credits>(const IndexedPaths&, const ModelSpec&)>;
// Built on each call: no static registration.
std::vector<std::pair<std::string, ModelFn>> ModelRegistry();

// Heuristics share one shape: weights[i] is touch i's share of the path (summing to 1).
using TouchWeights = std::function<void(size_t touches, std::vector<double>& weights)>;
Credits SplitByWeights(const IndexedPaths& paths, const TouchWeights& weights);

Result<Credits> FirstTouch(const IndexedPaths& paths, const ModelSpec& spec);
Result<Credits> LastTouch(const IndexedPaths& paths, const ModelSpec& spec);
Result<Credits> Linear(const IndexedPaths& paths, const ModelSpec& spec);
Result<Credits> TimeDecay(const IndexedPaths& paths, const ModelSpec& spec);
Result<Credits> PositionBased(const IndexedPaths& paths, const ModelSpec& spec);
Result<Credits> Markov(const IndexedPaths& paths, const ModelSpec& spec);
Result<Credits> Shapley(const IndexedPaths& paths, const ModelSpec& spec);
Result<Credits> DataDriven(const IndexedPaths& paths, const ModelSpec& spec);

// The Markov chain's removal effect per channel id and P(conversion) from start.
struct RemovalEffects {
  double conversion_probability = 0;
  std::vector<double> effects;
};
// kAuto: sparse LU up to 1500 states, bracketing Gauss-Seidel above (both to ~1e-14).
enum class ChainSolver { kAuto, kSparseLu, kBracketing };
Result<RemovalEffects> MarkovRemovalEffects(const IndexedPaths& paths, int order,
                                            ChainSolver solver = ChainSolver::kAuto);

}  // namespace unisono::analytics::internal
