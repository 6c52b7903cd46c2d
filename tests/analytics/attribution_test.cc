// Heuristic models on hand-computed cases, the registry, and conservation for every model.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "analytics/analytics.h"
#include "analytics/attribution_rows.h"

namespace unisono::analytics {
namespace {

PathTable Table3() {
  // P1: a > b > c, 2 conversions worth 20, 1 null
  // P2: b,         1 conversion worth 5
  // P3: c > a,     4 nulls (no credit for anyone in the heuristics)
  return {{{{"a", "b", "c"}, 2, 20, 1}, {{"b"}, 1, 5, 0}, {{"c", "a"}, 0, 0, 4}}};
}

ModelSpec Spec(const std::string& model) {
  ModelSpec s;
  s.model = model;
  return s;
}

TEST(Attribution, FirstTouchCreditsTheFirstChannel) {
  auto r = ByChannel(Table3(), Spec("first"));
  EXPECT_DOUBLE_EQ(r["a"].conversions, 2);  // P1
  EXPECT_DOUBLE_EQ(r["a"].value, 20);
  EXPECT_DOUBLE_EQ(r["b"].conversions, 1);  // P2
  EXPECT_DOUBLE_EQ(r["b"].value, 5);
  EXPECT_DOUBLE_EQ(r["c"].conversions, 0);  // listed, with nothing
  EXPECT_EQ(r.size(), 3u);
}

TEST(Attribution, LastTouchCreditsTheLastChannel) {
  auto r = ByChannel(Table3(), Spec("last"));
  EXPECT_DOUBLE_EQ(r["c"].conversions, 2);
  EXPECT_DOUBLE_EQ(r["c"].value, 20);
  EXPECT_DOUBLE_EQ(r["b"].conversions, 1);
  EXPECT_DOUBLE_EQ(r["a"].conversions, 0);
}

TEST(Attribution, LinearGivesEachTouchAnEqualShare) {
  auto r = ByChannel(Table3(), Spec("linear"));
  EXPECT_DOUBLE_EQ(r["a"].conversions, 2.0 / 3);  // 2 / 3 touches
  EXPECT_DOUBLE_EQ(r["b"].conversions, 2.0 / 3 + 1);
  EXPECT_DOUBLE_EQ(r["c"].value, 20.0 / 3);
  // Repeated touches each count: a > b > a gives a two thirds.
  auto rep = ByChannel({{{{"a", "b", "a"}, 3, 30, 0}}}, Spec("linear"));
  EXPECT_DOUBLE_EQ(rep["a"].conversions, 2);
  EXPECT_DOUBLE_EQ(rep["b"].conversions, 1);
  EXPECT_DOUBLE_EQ(rep["a"].value, 20);
}

TEST(Attribution, TimeDecayHalvesPerHalfLifeOfTouches) {
  ModelSpec spec = Spec("time_decay");
  spec.time_decay.half_life_touches = 1;
  // a > b > c: raw weights 1/4, 1/2, 1 (sum 7/4) -> 1/7, 2/7, 4/7 of 2 conversions.
  auto r = ByChannel(Table3(), spec);
  EXPECT_NEAR(r["a"].conversions, 2.0 / 7, 1e-12);
  EXPECT_NEAR(r["b"].conversions, 4.0 / 7 + 1, 1e-12);
  EXPECT_NEAR(r["c"].conversions, 8.0 / 7, 1e-12);
  EXPECT_NEAR(r["c"].value, 80.0 / 7, 1e-12);
  // Default half-life 2: raw weights 2^-1, 2^-0.5, 1.
  auto d = ByChannel(Table3(), Spec("time_decay"));
  double sum = 0.5 + std::sqrt(0.5) + 1;
  EXPECT_NEAR(d["a"].conversions, 2 * 0.5 / sum, 1e-12);
  EXPECT_NEAR(d["c"].conversions, 2 * 1 / sum, 1e-12);
  spec.time_decay.half_life_touches = 0;
  EXPECT_FALSE(Attribute(Table3(), spec).ok());
}

TEST(Attribution, PositionBasedIs40_20_40) {
  // a > b > c: 0.4 / 0.2 / 0.4 of 2 conversions; b also gets P2 whole.
  auto r = ByChannel(Table3(), Spec("position"));
  EXPECT_NEAR(r["a"].conversions, 0.8, 1e-12);
  EXPECT_NEAR(r["b"].conversions, 0.4 + 1, 1e-12);
  EXPECT_NEAR(r["c"].conversions, 0.8, 1e-12);
  // Four touches: the middle two split 20%; two touches split 50/50.
  auto four =
      ByChannel({{{{"a", "b", "c", "d"}, 1, 100, 0}, {{"e", "f"}, 1, 10, 0}}}, Spec("position"));
  EXPECT_NEAR(four["a"].conversions, 0.4, 1e-12);
  EXPECT_NEAR(four["b"].conversions, 0.1, 1e-12);
  EXPECT_NEAR(four["c"].value, 10, 1e-12);
  EXPECT_NEAR(four["d"].value, 40, 1e-12);
  EXPECT_NEAR(four["e"].conversions, 0.5, 1e-12);
  EXPECT_NEAR(four["f"].value, 5, 1e-12);
}

TEST(Attribution, PositionSharesAreConfigurable) {
  ModelSpec spec = Spec("position");
  spec.position = {0.3, 0.5};  // middle gets 0.2
  auto r = ByChannel(Table3(), spec);
  EXPECT_NEAR(r["a"].conversions, 0.6, 1e-12);
  EXPECT_NEAR(r["b"].conversions, 0.4 + 1, 1e-12);
  EXPECT_NEAR(r["c"].conversions, 1.0, 1e-12);
  spec.position = {0.7, 0.5};
  EXPECT_FALSE(Attribute(Table3(), spec).ok());
}

TEST(Attribution, ModelNamesParse) {
  auto all = ParseModelNames("all");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, (std::vector<std::string>{"first", "last", "linear", "time_decay", "position",
                                            "markov", "shapley", "data_driven"}));
  auto two = ParseModelNames("Markov, first");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(*two, (std::vector<std::string>{"markov", "first"}));
  auto bad = ParseModelNames("first,magic");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'magic'"), std::string::npos);
  EXPECT_FALSE(Attribute(Table3(), Spec("magic")).ok());
}

TEST(Attribution, RejectsEmptyPathsAndNegativeCounts) {
  auto empty = Attribute({{{{}, 1, 1, 0}}}, Spec("linear"));
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("path 1"), std::string::npos);
  EXPECT_FALSE(Attribute({{{{"a"}, 1, 1, 0}, {{"b"}, -1, 1, 0}}}, Spec("first")).ok());
}

// Every model hands out exactly the table's conversions and value.
TEST(Attribution, EveryModelConservesConversionsAndValue) {
  std::mt19937 rng(7);
  PathTable t;
  const char* names[] = {"email", "web", "call", "sms", "visit", "webinar"};
  for (int i = 0; i < 300; ++i) {
    Path p;
    int len = 1 + static_cast<int>(rng() % 6);
    for (int j = 0; j < len; ++j) p.touches.push_back(names[rng() % 6]);
    p.conversions = rng() % 4;
    p.value = p.conversions * (rng() % 100);
    p.nulls = rng() % 5;
    t.paths.push_back(p);
  }
  double conv = TotalConversions(t), value = TotalValue(t);
  ASSERT_GT(conv, 0);
  for (const auto& model : ModelNames()) {
    for (int order = 1; order <= (model == "markov" ? 4 : 1); ++order) {
      ModelSpec spec = Spec(model);
      spec.markov.order = order;
      auto r = Attribute(t, spec);
      ASSERT_TRUE(r.ok()) << model << ": " << r.status().message();
      double c = 0, v = 0;
      for (const auto& row : *r) {
        EXPECT_GE(row.conversions, 0) << model;
        c += row.conversions;
        v += row.value;
      }
      EXPECT_NEAR(c, conv, 1e-9 * conv) << model << " order " << order;
      EXPECT_NEAR(v, value, 1e-9 * value) << model << " order " << order;
    }
  }
}

}  // namespace
}  // namespace unisono::analytics
