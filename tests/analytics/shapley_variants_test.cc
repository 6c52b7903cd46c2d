// Shapley by conversion rate and the ordered Shapley value, on a hand-computed table.
#include <gtest/gtest.h>

#include "analytics/analytics.h"

namespace unisono::analytics {
namespace {

// a > c: 1 conversion (value 10), 1 null; b > c: 1 conversion (value 20); a: 1 null.
PathTable Table3() {
  PathTable t;
  t.paths.push_back({{"a", "c"}, 1, 10, 1});
  t.paths.push_back({{"b", "c"}, 1, 20, 0});
  t.paths.push_back({{"a"}, 0, 0, 1});
  return t;
}

TEST(ShapleyByConversionRate, SplitsEachSetsRateAndScalesToTheConversions) {
  // CR{a,c} = 1/2 -> a, c 1/4 each; CR{b,c} = 1 -> b, c 1/2 each; CR{a} = 0.
  // phi = a 1/4, b 1/2, c 3/4 (sum 3/2), scaled to 2 conversions and 30 of value.
  ModelSpec spec;
  spec.model = "shapley";
  spec.shapley.by_conversion_rate = true;
  auto rows = Attribute(Table3(), spec).value();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_NEAR(rows[0].conversions, 2.0 * 0.25 / 1.5, 1e-12);
  EXPECT_NEAR(rows[1].conversions, 2.0 * 0.5 / 1.5, 1e-12);
  EXPECT_NEAR(rows[2].conversions, 2.0 * 0.75 / 1.5, 1e-12);
  EXPECT_NEAR(rows[2].value, 30.0 * 0.75 / 1.5, 1e-12);
}

TEST(ShapleyByConversionRate, IsSymmetricAndEfficientOnManyChannels) {
  // 22 channels: one path with all of them, one with the first two only.
  PathTable t;
  Path all;
  for (int i = 0; i < 22; ++i) all.touches.push_back("c" + std::to_string(100 + i));
  all.conversions = 3;
  all.nulls = 1;
  t.paths.push_back(all);
  t.paths.push_back({{"c100", "c101"}, 1, 0, 3});
  ModelSpec spec;
  spec.model = "shapley";
  spec.shapley.by_conversion_rate = true;
  auto rows = Attribute(t, spec).value();
  double sum = 0;
  for (const auto& r : rows) sum += r.conversions;
  EXPECT_NEAR(sum, 4.0, 1e-9);
  EXPECT_NEAR(rows[0].conversions, rows[1].conversions, 1e-12);  // c100 ~ c101
  EXPECT_NEAR(rows[5].conversions, rows[21].conversions, 1e-12);
  EXPECT_GT(rows[0].conversions, rows[5].conversions);
}

TEST(OrderedShapley, PutsEachCreditOnTheChannelsFirstPosition) {
  auto credits = OrderedShapley(Table3(), {}).value();
  // a > c: a at 1, c at 2 (1/2 each); b > c: b at 1, c at 2.
  ASSERT_EQ(credits.size(), 3u);
  EXPECT_EQ(credits[0].channel, "a");
  EXPECT_EQ(credits[0].position, 1);
  EXPECT_NEAR(credits[0].conversions, 0.5, 1e-12);
  EXPECT_EQ(credits[2].channel, "c");
  EXPECT_EQ(credits[2].position, 2);
  EXPECT_NEAR(credits[2].conversions, 1.0, 1e-12);
  EXPECT_NEAR(credits[2].value, 15.0, 1e-12);
  // Summed over positions it is the Shapley model.
  ModelSpec spec;
  spec.model = "shapley";
  auto rows = Attribute(Table3(), spec).value();
  EXPECT_NEAR(rows[2].conversions, credits[2].conversions, 1e-12);
}

TEST(OrderedShapley, RepeatsKeepTheFirstPositionOnly) {
  PathTable t;
  t.paths.push_back({{"a", "b", "a", "c"}, 3, 30, 0});
  auto credits = OrderedShapley(t, {}).value();
  ASSERT_EQ(credits.size(), 3u);
  for (const auto& c : credits) EXPECT_NEAR(c.conversions, 1.0, 1e-12);
  EXPECT_EQ(credits[0].position, 1);  // a
  EXPECT_EQ(credits[1].position, 2);  // b
  EXPECT_EQ(credits[2].position, 3);  // c
}

}  // namespace
}  // namespace unisono::analytics
