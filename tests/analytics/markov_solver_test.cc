// The two ways of solving the absorbing chain agree: sparse LU (small chains) and
// bracketing Gauss-Seidel (large ones, where LU's fill-in explodes).
#include <gtest/gtest.h>

#include <random>

#include "analytics/internal/models.h"

namespace unisono::analytics::internal {
namespace {

IndexedPaths RandomPaths(uint32_t seed, uint32_t channels, int count, int max_len) {
  std::mt19937 rng(seed);
  IndexedPaths out;
  for (uint32_t c = 0; c < channels; ++c) out.channels.push_back("c" + std::to_string(c));
  for (int i = 0; i < count; ++i) {
    IndexedPath p;
    int len = 1 + static_cast<int>(rng() % max_len);
    for (int j = 0; j < len; ++j) p.touches.push_back(rng() % channels);
    p.conversions = rng() % 3;
    p.value = p.conversions * 10;
    p.nulls = rng() % 4;
    out.paths.push_back(p);
  }
  return out;
}

TEST(MarkovSolver, BracketingAgreesWithSparseLu) {
  for (int order = 1; order <= 3; ++order) {
    auto paths = RandomPaths(100 + order, 6, 2000, 8);
    auto lu = MarkovRemovalEffects(paths, order, ChainSolver::kSparseLu);
    auto gs = MarkovRemovalEffects(paths, order, ChainSolver::kBracketing);
    ASSERT_TRUE(lu.ok() && gs.ok());
    EXPECT_GT(lu->conversion_probability, 0.1);
    EXPECT_NEAR(lu->conversion_probability, gs->conversion_probability, 1e-13) << order;
    for (size_t c = 0; c < paths.channels.size(); ++c) {
      EXPECT_GT(lu->effects[c], 0);
      EXPECT_NEAR(lu->effects[c], gs->effects[c], 1e-12) << "order " << order << " c" << c;
    }
  }
}

// a > b > a converts, a is a null: P = 1/3 + 1/9 + ... = 1/2 through the a <-> b cycle.
TEST(MarkovSolver, BracketingSolvesCyclesToMachinePrecision) {
  IndexedPaths paths{{"a", "b"}, {{{0, 1, 0}, 1, 1, 0}, {{0}, 0, 0, 1}}};
  auto gs = MarkovRemovalEffects(paths, 1, ChainSolver::kBracketing);
  ASSERT_TRUE(gs.ok());
  EXPECT_NEAR(gs->conversion_probability, 0.5, 1e-15);
  EXPECT_NEAR(gs->effects[1], 1.0 / 3, 1e-14);
}

}  // namespace
}  // namespace unisono::analytics::internal
