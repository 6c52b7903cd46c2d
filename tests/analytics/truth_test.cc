#include <gtest/gtest.h>

#include <cmath>

#include "analytics/analytics.h"

namespace unisono::analytics {
namespace {

TEST(CompareWithTruth, IdenticalOrderAndSharesScorePerfectly) {
  auto r =
      CompareWithTruth({{"a", 30}, {"b", 20}, {"c", 10}}, {{"a", 3, 0}, {"b", 2, 0}, {"c", 1, 0}});
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->rank_correlation, 1.0);
  EXPECT_NEAR(r->share_error, 0.0, 1e-12);
}

TEST(CompareWithTruth, ReversedOrderIsMinusOne) {
  auto r =
      CompareWithTruth({{"a", 30}, {"b", 20}, {"c", 10}}, {{"a", 1, 0}, {"b", 2, 0}, {"c", 3, 0}});
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->rank_correlation, -1.0);
  // shares 1/2, 1/3, 1/6 against 1/6, 1/3, 1/2: (1/3 + 0 + 1/3) / 2 = 1/3
  EXPECT_NEAR(r->share_error, 1.0 / 3.0, 1e-12);
}

TEST(CompareWithTruth, TiesShareRanksAndMissingChannelsCountAsZero) {
  // truth ranks: a 3, b 1.5, c 1.5, d 4; attribution (d missing = 0): a 3, b 2, c 4, d 1
  auto r = CompareWithTruth({{"a", 5}, {"b", 1}, {"c", 1}, {"d", 9}},
                            {{"a", 2, 0}, {"b", 1, 0}, {"c", 3, 0}, {"z", 7, 0}});
  ASSERT_TRUE(r.ok());
  // Pearson of (3, 1.5, 1.5, 4) and (3, 2, 4, 1): hand-computed.
  // means 2.5, 2.5; dx = (.5, -1, -1, 1.5), dy = (.5, -.5, 1.5, -1.5)
  // sxy = .25 + .5 - 1.5 - 2.25 = -3; sxx = .25+1+1+2.25 = 4.5; syy = .25+.25+2.25+2.25 = 5
  EXPECT_NEAR(r->rank_correlation, -3.0 / std::sqrt(4.5 * 5.0), 1e-12);
  EXPECT_FALSE(CompareWithTruth({{"a", 1}}, {}).ok());
}

}  // namespace
}  // namespace unisono::analytics
