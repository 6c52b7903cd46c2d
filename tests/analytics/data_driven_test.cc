// The data-driven model: hand-made path tables with a known answer, the panel from a
// real store, and the demo population whose true channel effects are known.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "analytics/analytics.h"
#include "demo/demo.h"
#include "support/test_support.h"

namespace unisono::analytics {
namespace {

const IncrementalChannel& Channel(const DataDrivenReport& r, const std::string& name) {
  for (const auto& c : r.channels) {
    if (c.channel == name) return c;
  }
  throw std::runtime_error("no channel " + name);
}

// "a" lifts conversion from 10% to 50%; "b" does nothing and appears as often.
PathTable LiftAndNoise() {
  PathTable t;
  t.paths.push_back({{"a"}, 50, 500, 50});
  t.paths.push_back({{"b"}, 10, 100, 90});
  t.paths.push_back({{"a", "b"}, 50, 500, 50});
  t.paths.push_back({{"b", "b"}, 10, 100, 90});
  return t;
}

TEST(DataDriven, CreditsTheChannelThatLiftsConversionAndNotTheNoise) {
  DataDrivenOptions o;
  o.bootstrap = 50;
  o.l2 = 0.01;
  o.count_cap = 1;
  auto r = AnalyseDataDriven(LiftAndNoise(), o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& a = Channel(*r, "a");
  const auto& b = Channel(*r, "b");
  // With presence only, the fit is the saturated model: logit 10% -> 50% for "a".
  EXPECT_NEAR(a.weight, std::log(0.5 / 0.5) - std::log(0.1 / 0.9), 0.02);
  EXPECT_NEAR(b.weight, 0.0, 0.02);
  // Without "a", its 200 journeys convert at 10% instead of 50%: 80 conversions lost.
  EXPECT_NEAR(a.incremental, 80.0, 1.0);
  EXPECT_NEAR(b.incremental, 0.0, 1.0);
  EXPECT_LT(a.low, a.incremental);
  EXPECT_GT(a.high, a.incremental);
  EXPECT_LT(b.low, 1.0);
  // Shapley over the fitted model: "a" takes almost all of the shared paths' credit, and
  // the rows add up to every conversion.
  EXPECT_NEAR(a.attributed + b.attributed, 120.0, 1e-9);
  EXPECT_GT(a.attributed, 99.0);
}

TEST(DataDriven, IsARegisteredModelWhoseRowsSumToTheTotal) {
  ModelSpec spec;
  spec.model = "data_driven";
  spec.data_driven.bootstrap = 0;
  auto rows = Attribute(LiftAndNoise(), spec);
  ASSERT_TRUE(rows.ok());
  double conversions = 0, value = 0;
  for (const auto& r : *rows) {
    conversions += r.conversions;
    value += r.value;
  }
  EXPECT_NEAR(conversions, 120.0, 1e-9);
  EXPECT_NEAR(value, 1200.0, 1e-9);
}

TEST(DataDriven, NeedsConvertingAndNonConvertingJourneysAndSaneOptions) {
  PathTable only_conversions;
  only_conversions.paths.push_back({{"a"}, 5, 0, 0});
  EXPECT_FALSE(AnalyseDataDriven(only_conversions, {}).ok());
  DataDrivenOptions bad;
  bad.count_cap = 0;
  EXPECT_FALSE(AnalyseDataDriven(LiftAndNoise(), bad).ok());
  bad = {};
  bad.l2 = -1;
  EXPECT_FALSE(AnalyseDataDriven(LiftAndNoise(), bad).ok());
}

// A store where "visit" raises the weekly conversion log-odds by 1.0 per visit in the
// previous 28 days and "banner" does nothing: the panel fit recovers both.
TEST(DataDriven, RecoversAKnownEffectFromTheEventLog) {
  testing::TempDir dir;
  auto store = OpenSqliteStore(dir.path()).value();
  ManualClock clock(ParseTimestamp("2026-01-01T00:00:00Z").value());
  auto profiles = ProfileService::Create(*store, clock, {}).value();
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0, 1);
  const int64_t kWeek = 7 * 86'400'000LL;
  const int64_t start = ToMillis(clock.Now());
  std::vector<Event> events;
  int n = 0;
  auto add = [&](int p, const std::string& name, const std::string& channel, int64_t at) {
    Event e;
    e.message_id = "m" + std::to_string(++n);
    e.user_id = "u" + std::to_string(p);
    e.identifiers = {{"user_id", e.user_id}};
    e.name = name;
    e.channel = channel;
    e.timestamp = e.original_timestamp = e.received_at = FromMillis(at);
    events.push_back(std::move(e));
  };
  for (int p = 0; p < 600; ++p) {
    std::vector<int64_t> visits;
    add(p, "Banner", "display", start);  // everyone starts in week 0
    for (int w = 0; w < 40; ++w) {
      int64_t week = start + w * kWeek;
      int recent = 0;
      for (int64_t v : visits) recent += v >= week - 4 * kWeek && v < week;
      double logit = -3.0 + 1.0 * std::min(recent, 3);
      if (u(rng) < 1 / (1 + std::exp(-logit))) add(p, "Order Completed", "ecommerce", week + 1000);
      if (u(rng) < 0.3) {
        visits.push_back(week + 2000);
        add(p, "Rep Visit", "rep_visit", week + 2000);
      }
      if (u(rng) < 0.3) add(p, "Banner", "display", week + 3000);
    }
  }
  ASSERT_TRUE(profiles->SubmitAndWait(std::move(events)).ok());
  ExposureOptions e;
  e.controls.clear();
  e.since = FromMillis(start);
  DataDrivenOptions o;
  o.bootstrap = 20;
  auto r = AnalyseDataDriven(*store, e, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_NEAR(Channel(*r, "rep_visit").weight, 1.0, 0.15);
  EXPECT_NEAR(Channel(*r, "display").weight, 0.0, 0.15);
  EXPECT_NEAR(r->baseline_probability, 1 / (1 + std::exp(3.0)), 0.015);
  EXPECT_GT(Channel(*r, "rep_visit").low, 0);
}

// The acceptance bar of the issue: on the demo data the data-driven model recovers the
// true incremental conversions per channel with a rank correlation of at least 0.9.
TEST(DataDriven, RecoversTheDemoPopulationsTrueChannelEffects) {
  testing::TempDir dir;
  auto store = OpenSqliteStore(dir.path()).value();
  SystemClock clock;
  auto profiles = ProfileService::Create(*store, clock, {}).value();
  DemoOptions demo;  // 2000 profiles, seed 42: what `unisono demo` loads
  ASSERT_TRUE(LoadDemo(*profiles, demo).ok());
  auto truth = DemoIncrementalConversions(demo);
  ASSERT_TRUE(truth.ok());
  DataDrivenOptions o;
  o.bootstrap = 0;
  auto r = AnalyseDataDriven(*store, ExposureOptions{}, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::vector<std::pair<std::string, double>> true_conversions;
  for (const auto& c : *truth) true_conversions.emplace_back(c.channel, c.conversions);
  std::vector<ChannelAttribution> incremental;
  for (const auto& c : r->channels) incremental.push_back({c.channel, c.incremental, 0});
  auto score = CompareWithTruth(true_conversions, incremental);
  ASSERT_TRUE(score.ok());
  EXPECT_GE(score->rank_correlation, 0.9);
  EXPECT_LE(score->share_error, 0.1);
  // The strongest channel's fitted weight is close to its true effect (0.40 per visit).
  EXPECT_NEAR(Channel(*r, "rep_visit").weight, 0.40, 0.05);
}

}  // namespace
}  // namespace unisono::analytics
