// Markov removal effects against hand solves of small absorbing chains, and Shapley
// against the textbook definition computed by brute force.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "analytics/analytics.h"
#include "analytics/attribution_rows.h"

namespace unisono::analytics {
namespace {

std::map<std::string, ChannelAttribution> ByChannel(const PathTable& t, const std::string& model,
                                                    int order = 1) {
  ModelSpec spec;
  spec.model = model;
  spec.markov.order = order;
  return analytics::ByChannel(t, spec);
}

// a > c: 1 conv (value 10) + 1 null; b > c: 1 conv (value 20); a: 1 null.
// start->a 3/4, start->b 1/4; a->c 2/3, a->null 1/3; b->c 1; c->conv 2/3, c->null 1/3.
// P(conv) = 3/4*2/3*2/3 + 1/4*1*2/3 = 1/3 + 1/6 = 1/2.
// Without a: 1/6 -> effect 2/3. Without b: 1/3 -> 1/3. Without c: 0 -> 1. Sum 2.
PathTable SmallChain() {
  return {{{{"a", "c"}, 1, 10, 1}, {{"b", "c"}, 1, 20, 0}, {{"a"}, 0, 0, 1}}};
}

TEST(Markov, RemovalEffectsMatchAHandSolve) {
  auto report = AnalyseMarkovChain(SmallChain(), {1});
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_NEAR(report->conversion_probability, 0.5, 1e-14);
  std::map<std::string, double> effect(report->removal_effects.begin(),
                                       report->removal_effects.end());
  EXPECT_NEAR(effect["a"], 2.0 / 3, 1e-14);
  EXPECT_NEAR(effect["b"], 1.0 / 3, 1e-14);
  EXPECT_NEAR(effect["c"], 1.0, 1e-14);
  // 2 conversions and 30 of value split 2/3 : 1/3 : 1 over the sum 2.
  auto r = ByChannel(SmallChain(), "markov");
  EXPECT_NEAR(r["a"].conversions, 2.0 / 3, 1e-12);
  EXPECT_NEAR(r["b"].conversions, 1.0 / 3, 1e-12);
  EXPECT_NEAR(r["c"].conversions, 1.0, 1e-12);
  EXPECT_NEAR(r["a"].value, 10, 1e-12);
  EXPECT_NEAR(r["c"].value, 15, 1e-12);
}

TEST(Markov, ExposesTheTransitionMatrix) {
  auto report = AnalyseMarkovChain(SmallChain(), {1});
  ASSERT_TRUE(report.ok());
  std::map<std::pair<std::string, std::string>, double> p;
  for (const auto& t : report->transitions) p[{t.from, t.to}] = t.probability;
  EXPECT_EQ(p.size(), 7u);
  EXPECT_NEAR((p[{"(start)", "a"}]), 0.75, 1e-15);
  EXPECT_NEAR((p[{"(start)", "b"}]), 0.25, 1e-15);
  EXPECT_NEAR((p[{"a", "(null)"}]), 1.0 / 3, 1e-15);
  EXPECT_NEAR((p[{"c", "(conversion)"}]), 2.0 / 3, 1e-15);
  EXPECT_NEAR((p[{"b", "c"}]), 1.0, 1e-15);
}

// a > b > a converts once, a alone is a null. a: ->b 1/3, ->conv 1/3, ->null 1/3; b->a 1.
// x_a = x_a/3 + 1/3, so P = 1/2 (the geometric series 1/3 + 1/9 + ...). Without b: 1/3,
// effect 1/3; without a: effect 1. Credits 3/4 and 1/4.
TEST(Markov, CyclesAreSolvedExactly) {
  PathTable t{{{{"a", "b", "a"}, 1, 8, 0}, {{"a"}, 0, 0, 1}}};
  auto report = AnalyseMarkovChain(t, {1});
  ASSERT_TRUE(report.ok());
  EXPECT_NEAR(report->conversion_probability, 0.5, 1e-15);
  auto r = ByChannel(t, "markov");
  EXPECT_NEAR(r["a"].conversions, 0.75, 1e-14);
  EXPECT_NEAR(r["b"].conversions, 0.25, 1e-14);
  EXPECT_NEAR(r["b"].value, 2, 1e-13);
}

// a > c converts, b > c does not. Order 1 forgets where c came from: a and b look
// alike (effects 1/2 each, c 1). Order 2 sees that only a > c converts: b gets nothing.
TEST(Markov, OrderTwoRemembersWhatOrderOneForgets) {
  PathTable t{{{{"a", "c"}, 1, 1, 0}, {{"b", "c"}, 0, 0, 1}}};
  auto one = ByChannel(t, "markov", 1);
  EXPECT_NEAR(one["a"].conversions, 0.25, 1e-14);
  EXPECT_NEAR(one["b"].conversions, 0.25, 1e-14);
  EXPECT_NEAR(one["c"].conversions, 0.5, 1e-14);
  auto two = ByChannel(t, "markov", 2);
  EXPECT_NEAR(two["a"].conversions, 0.5, 1e-14);
  EXPECT_NEAR(two["b"].conversions, 0.0, 1e-14);
  EXPECT_NEAR(two["c"].conversions, 0.5, 1e-14);
  auto report = AnalyseMarkovChain(t, {2});
  ASSERT_TRUE(report.ok());
  bool saw = false;
  for (const auto& tr : report->transitions) saw |= tr.from == "a > c" && tr.to == "(conversion)";
  EXPECT_TRUE(saw);
}

TEST(Markov, OrderMustBeOneToFour) {
  EXPECT_FALSE(AnalyseMarkovChain(SmallChain(), {0}).ok());
  EXPECT_FALSE(AnalyseMarkovChain(SmallChain(), {5}).ok());
  EXPECT_TRUE(AnalyseMarkovChain(SmallChain(), {4}).ok());
}

TEST(Markov, NoConversionsMeansNoCredit) {
  auto r = ByChannel({{{{"a", "b"}, 0, 0, 3}}}, "markov");
  EXPECT_EQ(r["a"].conversions, 0);
  EXPECT_EQ(r["b"].conversions, 0);
}

// The definition: v(S) = conversions of paths whose channel set is a subset of S,
// phi_c = sum over S not containing c of |S|!(n-|S|-1)!/n! (v(S+c) - v(S)).
std::map<std::string, double> BruteForceShapley(const PathTable& t) {
  std::set<std::string> all;
  for (const auto& p : t.paths) all.insert(p.touches.begin(), p.touches.end());
  std::vector<std::string> ch(all.begin(), all.end());
  int n = static_cast<int>(ch.size());
  std::vector<unsigned> masks;
  for (const auto& p : t.paths) {
    unsigned m = 0;
    for (const auto& c : p.touches) m |= 1u << (std::find(ch.begin(), ch.end(), c) - ch.begin());
    masks.push_back(m);
  }
  auto v = [&](unsigned s) {
    double sum = 0;
    for (size_t i = 0; i < masks.size(); ++i) {
      if ((masks[i] & ~s) == 0) sum += t.paths[i].conversions;
    }
    return sum;
  };
  auto fact = [](int k) { return std::tgamma(k + 1.0); };
  std::map<std::string, double> phi;
  for (int c = 0; c < n; ++c) {
    for (unsigned s = 0; s < (1u << n); ++s) {
      if (s & (1u << c)) continue;
      int size = __builtin_popcount(s);
      phi[ch[c]] += fact(size) * fact(n - size - 1) / fact(n) * (v(s | (1u << c)) - v(s));
    }
  }
  return phi;
}

TEST(Shapley, MatchesTheDefinitionByBruteForce) {
  std::mt19937 rng(11);
  const char* names[] = {"a", "b", "c", "d", "e"};
  PathTable t;
  for (int i = 0; i < 40; ++i) {
    Path p;
    int len = 1 + static_cast<int>(rng() % 4);
    for (int j = 0; j < len; ++j) p.touches.push_back(names[rng() % 5]);
    p.conversions = rng() % 5;
    p.value = p.conversions * 3;
    p.nulls = rng() % 3;
    t.paths.push_back(p);
  }
  auto expected = BruteForceShapley(t);
  auto got = ByChannel(t, "shapley");
  ASSERT_EQ(got.size(), expected.size());
  for (const auto& [c, phi] : expected) {
    EXPECT_NEAR(got[c].conversions, phi, 1e-9) << c;
    EXPECT_NEAR(got[c].value, 3 * phi, 1e-9) << c;
  }
}

// a > c: 2, b > c: 2, a > b: 1 (b > a and a > b are the same coalition).
// a and b are symmetric: 2/2 + 1/2 = 1.5 each; c: 2/2 + 2/2 = 2. Total 5.
TEST(Shapley, IsEfficientAndSymmetric) {
  PathTable t{{{{"a", "c"}, 2, 20, 0},
               {{"c", "b", "c"}, 2, 20, 4},
               {{"b", "a", "b"}, 1, 10, 0},
               {{"c"}, 0, 0, 9}}};
  auto r = ByChannel(t, "shapley");
  EXPECT_NEAR(r["a"].conversions, 1.5, 1e-14);
  EXPECT_NEAR(r["b"].conversions, 1.5, 1e-14);
  EXPECT_NEAR(r["c"].conversions, 2.0, 1e-14);
  EXPECT_NEAR(r["a"].conversions + r["b"].conversions + r["c"].conversions, 5, 1e-14);
  EXPECT_NEAR(r["c"].value, 20, 1e-13);
  auto brute = BruteForceShapley(t);
  EXPECT_NEAR(brute["a"], 1.5, 1e-12);
  EXPECT_NEAR(brute["c"], 2.0, 1e-12);
}

}  // namespace
}  // namespace unisono::analytics
