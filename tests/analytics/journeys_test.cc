// Journey analytics over a real SQLite event log: hand-computed transitions, Sankey,
// leaks, funnel, time to conversion, path lengths, top paths and customers, and sanity
// checks on the demo population.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "analytics/analytics.h"
#include "demo/demo.h"
#include "profile/profile.h"
#include "support/test_support.h"

namespace unisono::analytics {
namespace {

Timestamp Day(int d) { return *ParseTimestamp("2026-01-01T00:00:00Z") + std::chrono::days(d); }

class JourneysTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = std::move(OpenSqliteStore(dir_.path())).value(); }
  void Touch(int64_t profile, int day, const std::string& channel, const std::string& stage = "",
             EventType type = EventType::kTrack) {
    if (known_.insert(profile).second) batch_.profiles.push_back({profile, Day(0)});
    Event e;
    e.type = type;
    e.message_id = "m" + std::to_string(++n_);
    e.profile_id = profile;
    e.user_id = "u" + std::to_string(profile);
    e.name = "Contact";
    e.channel = channel;
    e.stage = stage;
    e.timestamp = e.original_timestamp = e.received_at = Day(day);
    batch_.events.push_back(e);
  }
  void Convert(int64_t profile, int day, int64_t value_minor) {
    Touch(profile, day, "unknown", "purchase");
    batch_.events.back().name = "Prescription Written";
    batch_.events.back().value_minor = value_minor;
  }
  Store& Stored() {
    if (!batch_.events.empty()) {
      EXPECT_TRUE(store_->Apply(batch_).ok());
      batch_ = WriteBatch{};
    }
    return *store_;
  }
  // Four journeys with touches and one conversion without any:
  //   p1: email d1, web d2, conversion d3 (100.00); rep_visit d10, email d11 (null)
  //   p2: email d1, email d2, rep_visit d3, conversion d5 (50.00)
  //   p3: email d1, web d4 (null)
  //   p4: conversion d2 (20.00), nothing before it
  void FourJourneys() {
    Touch(1, 1, "email");
    Touch(1, 2, "web");
    Convert(1, 3, 10000);
    Touch(1, 10, "rep_visit");
    Touch(1, 11, "email");
    Touch(2, 1, "email");
    Touch(2, 2, "email");
    Touch(2, 3, "rep_visit");
    Convert(2, 5, 5000);
    Touch(3, 1, "email");
    Touch(3, 4, "web");
    Convert(4, 2, 2000);
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  WriteBatch batch_;
  std::set<int64_t> known_;
  int n_ = 0;
};

TEST_F(JourneysTest, JourneysKeepTimesStagesAndValueAndCollapsedRunsSpanTheirContacts) {
  Touch(1, 1, "email", "keep_in_touch");
  Touch(1, 2, "email", "keep_in_touch");
  Touch(1, 3, "web", "plan");
  Convert(1, 4, 1234);
  Touch(1, 6, "sms", "keep_in_touch");
  PathOptions o;
  o.collapse_repeats = true;
  o.lookback = std::chrono::days(2);  // [d2, d4): the email run ends inside it
  std::vector<Journey> seen;
  ASSERT_TRUE(ForEachJourney(Stored(), o, [&](const Journey& j) { seen.push_back(j); }).ok());
  ASSERT_EQ(seen.size(), 2u);
  const Journey& first = seen[0];
  EXPECT_EQ(first.profile_id, 1);
  EXPECT_EQ(first.user_id, "u1");
  EXPECT_TRUE(first.converted);
  EXPECT_DOUBLE_EQ(first.value, 12.34);
  EXPECT_EQ(first.end, Day(4));
  ASSERT_EQ(first.touches.size(), 2u);
  EXPECT_EQ(first.touches[0].label, "email");
  EXPECT_EQ(first.touches[0].stage, "keep_in_touch");
  EXPECT_EQ(first.touches[0].first_at, Day(1));
  EXPECT_EQ(first.touches[0].last_at, Day(2));
  EXPECT_EQ(first.touches[1].stage, "plan");
  EXPECT_FALSE(seen[1].converted);
  EXPECT_EQ(seen[1].end, Day(6));  // a null journey ends at its last touch

  // Time to conversion counts from the run's first contact: 3 days.
  auto stats = BuildJourneyStats(Stored(), o, {});
  ASSERT_TRUE(stats.ok());
  EXPECT_DOUBLE_EQ(*stats->median_days, 3.0);
}

TEST_F(JourneysTest, TransitionMatrixCountsEveryStepWithRowProbabilities) {
  FourJourneys();
  PathBuildSummary summary;
  auto r = BuildTransitions(Stored(), PathOptions{}, SankeyOptions{}, &summary);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->journeys, 4);
  EXPECT_EQ(r->conversions, 2);
  EXPECT_EQ(r->nulls, 2);
  EXPECT_EQ(summary.conversions_without_touch, 1);  // p4: not a journey with touches
  EXPECT_EQ(r->states, (std::vector<std::string>{"(start)", "email", "rep_visit", "web",
                                                 "(conversion)", "(null)"}));
  std::vector<std::tuple<std::string, std::string, int64_t, double>> got;
  for (const auto& t : r->transitions) got.emplace_back(t.from, t.to, t.count, t.probability);
  std::vector<std::tuple<std::string, std::string, int64_t, double>> want = {
      {"(start)", "email", 3, 0.75},   {"(start)", "rep_visit", 1, 0.25},
      {"email", "email", 1, 0.2},      {"email", "rep_visit", 1, 0.2},
      {"email", "web", 2, 0.4},        {"email", "(null)", 1, 0.2},
      {"rep_visit", "email", 1, 0.5},  {"rep_visit", "(conversion)", 1, 0.5},
      {"web", "(conversion)", 1, 0.5}, {"web", "(null)", 1, 0.5}};
  EXPECT_EQ(got, want);
}

TEST_F(JourneysTest, SankeyDrawsTheFirstStepsThenTheOutcome) {
  FourJourneys();
  SankeyOptions two;
  two.steps = 2;
  auto r = BuildTransitions(Stored(), PathOptions{}, two);
  ASSERT_TRUE(r.ok());
  std::vector<std::string> ids;
  for (const auto& n : r->nodes) ids.push_back(n.id + "@" + std::to_string(n.step));
  EXPECT_EQ(ids, (std::vector<std::string>{"1:email@1", "1:rep_visit@1", "2:email@2", "2:web@2",
                                           "(conversion)@3", "(null)@3"}));
  EXPECT_EQ(r->nodes[1].name, "rep_visit");
  std::vector<std::string> links;
  for (const auto& l : r->links) {
    links.push_back(l.source + "->" + l.target + "=" + std::to_string(l.value));
  }
  EXPECT_EQ(links, (std::vector<std::string>{"1:email->2:email=1", "1:email->2:web=2",
                                             "1:rep_visit->2:email=1", "2:email->(conversion)=1",
                                             "2:email->(null)=1", "2:web->(conversion)=1",
                                             "2:web->(null)=1"}));
  EXPECT_EQ(r->drawn, 4);
  EXPECT_EQ(r->truncated, 1);  // p2's three touches

  // Only the most frequent cut sequence (all tie at one journey: the first by text).
  two.top_paths = 1;
  auto top = BuildTransitions(Stored(), PathOptions{}, two);
  ASSERT_TRUE(top.ok());
  ASSERT_EQ(top->links.size(), 2u);
  EXPECT_EQ(top->links[0].source + ">" + top->links[0].target, "1:email>2:email");
  EXPECT_EQ(top->links[1].target, "(conversion)");
  EXPECT_EQ(top->drawn, 1);
  EXPECT_EQ(top->transitions.size(), r->transitions.size());  // the matrix is not cut
}

TEST_F(JourneysTest, LeaksCountJourneysThatDiedRightAfterASwitchAgainstStayingPut) {
  // p1: email email web (null)  p2: email web web (conversion)  p3: email email (null)
  // p4: email web (conversion)  p5: email web web (null): dies after staying on web
  for (const char* c : {"email", "email", "web"}) Touch(1, n_, c);
  for (const char* c : {"email", "web", "web"}) Touch(2, n_, c);
  Convert(2, 40, 100);
  for (const char* c : {"email", "email"}) Touch(3, n_, c);
  for (const char* c : {"email", "web"}) Touch(4, n_, c);
  Convert(4, 40, 100);
  for (const char* c : {"email", "web", "web"}) Touch(5, n_, c);
  auto r = BuildLeaks(Stored(), PathOptions{}, LeakOptions{});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->journeys, 5);
  EXPECT_EQ(r->nulls, 3);
  EXPECT_DOUBLE_EQ(r->null_rate, 0.6);
  ASSERT_EQ(r->rows.size(), 1u);  // web -> web and email -> email are stays, not switches
  const LeakRow& row = r->rows[0];
  EXPECT_EQ(row.from, "email");
  EXPECT_EQ(row.to, "web");
  EXPECT_EQ(row.switched, 4);         // p1, p2, p4, p5
  EXPECT_EQ(row.leaked, 1);           // p1 only: p5's last step is web -> web
  EXPECT_EQ(row.converted_after, 1);  // p4
  EXPECT_DOUBLE_EQ(row.leak_rate, 0.25);
  EXPECT_DOUBLE_EQ(row.conversion_rate, 0.25);
  EXPECT_EQ(row.stayed, 2);         // p1, p3 had email -> email
  EXPECT_EQ(row.stayed_leaked, 1);  // p3
  EXPECT_DOUBLE_EQ(*row.stay_leak_rate, 0.5);
  EXPECT_DOUBLE_EQ(*row.excess, -0.25);
}

TEST_F(JourneysTest, LeaksAreOrderedByLeakedOrRateAndFilteredByVolume) {
  FourJourneys();
  auto r = BuildLeaks(Stored(), PathOptions{}, LeakOptions{});
  ASSERT_TRUE(r.ok());
  std::vector<std::string> order;
  for (const auto& row : r->rows) order.push_back(row.from + ">" + row.to);
  // rep_visit>email: 1 of 1 leaked; email>web: 1 of 2 (p3), email>rep_visit: 0 of 1.
  EXPECT_EQ(order, (std::vector<std::string>{"rep_visit>email", "email>web", "email>rep_visit"}));
  EXPECT_FALSE(r->rows[0].stay_leak_rate.has_value());  // never rep_visit -> rep_visit
  EXPECT_DOUBLE_EQ(*r->rows[1].stay_leak_rate, 0.0);    // p2 stayed on email, converted
  EXPECT_DOUBLE_EQ(*r->rows[1].excess, 0.5);
  LeakOptions busy;
  busy.min_switched = 2;
  busy.order = LeakOrder::kRate;
  auto only = BuildLeaks(Stored(), PathOptions{}, busy);
  ASSERT_TRUE(only.ok());
  ASSERT_EQ(only->rows.size(), 1u);
  EXPECT_EQ(only->rows[0].to, "web");
}

TEST_F(JourneysTest, FunnelCountsStagesInAnyOrderAndInFunnelOrderWithMedianDays) {
  Touch(1, 1, "display", "search");
  Touch(1, 3, "rep_visit", "plan");
  Convert(1, 5, 100);  // stage purchase
  Touch(1, 6, "email", "keep_in_touch");
  Touch(1, 8, "social", "share");
  Touch(2, 1, "webinar", "plan");  // before search: does not count in order
  Touch(2, 2, "tv", "search");
  Touch(2, 6, "rep_visit", "plan");
  Touch(2, 7, "email", "keep_in_touch");
  Touch(3, 1, "display", "search");
  Touch(3, 1, "web", "", EventType::kIdentify);
  Touch(4, 1, "social", "share");
  Touch(4, 2, "tv", "search");
  auto r = BuildFunnel(Stored(), FunnelOptions{});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->profiles, 4);
  std::vector<std::tuple<std::string, int64_t, int64_t, int64_t>> got;
  for (const auto& s : r->stages) got.emplace_back(s.stage, s.profiles, s.events, s.reached);
  EXPECT_EQ(got, (std::vector<std::tuple<std::string, int64_t, int64_t, int64_t>>{
                     {"search", 4, 4, 4},
                     {"plan", 2, 3, 2},
                     {"purchase", 1, 1, 1},
                     {"keep_in_touch", 2, 2, 1},
                     {"share", 2, 2, 1}}));
  EXPECT_FALSE(r->stages[0].conversion.has_value());
  EXPECT_DOUBLE_EQ(*r->stages[1].conversion, 0.5);
  EXPECT_DOUBLE_EQ(*r->stages[2].conversion, 0.5);
  EXPECT_DOUBLE_EQ(*r->stages[4].conversion, 1.0);
  EXPECT_DOUBLE_EQ(*r->stages[1].median_days, 3.0);  // p1 2 days, p2 4 days
  EXPECT_DOUBLE_EQ(*r->stages[2].median_days, 2.0);
  EXPECT_DOUBLE_EQ(*r->stages[3].median_days, 1.0);
  EXPECT_DOUBLE_EQ(*r->stages[4].median_days, 2.0);

  FunnelOptions custom;
  custom.stages = {"plan", "share"};
  auto two = BuildFunnel(Stored(), custom);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->stages[0].reached, 2);  // p1, p2
  EXPECT_EQ(two->stages[1].reached, 1);  // p1; p4 shared but never planned
  EXPECT_DOUBLE_EQ(*two->stages[1].median_days, 5.0);
}

TEST_F(JourneysTest, JourneyStatsGiveTimeToConversionLengthsAndTopPaths) {
  FourJourneys();
  PathBuildSummary summary;
  auto r = BuildJourneyStats(Stored(), PathOptions{}, JourneyStatsOptions{}, &summary);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->journeys, 4);
  EXPECT_EQ(r->conversions, 2);
  EXPECT_EQ(r->nulls, 2);
  EXPECT_EQ(summary.conversions_without_touch, 1);
  // p1 took 2 days (d1 -> d3), p2 4 days (d1 -> d5).
  std::map<std::string, int64_t> buckets;
  for (const auto& b : r->time_to_conversion) buckets[b.label] = b.conversions;
  EXPECT_EQ(r->time_to_conversion.size(), 7u);
  EXPECT_EQ(buckets["1-7d"], 2);
  EXPECT_EQ(buckets["<1d"], 0);
  EXPECT_DOUBLE_EQ(*r->median_days, 3.0);
  EXPECT_DOUBLE_EQ(*r->p90_days, 3.8);  // 2 + 0.9 * (4 - 2)
  ASSERT_EQ(r->lengths.size(), 3u);
  EXPECT_EQ(r->lengths[0].converting + r->lengths[0].null, 0);
  EXPECT_EQ(r->lengths[1].converting, 1);
  EXPECT_EQ(r->lengths[1].null, 2);
  EXPECT_EQ(r->lengths[2].converting, 1);
  EXPECT_FALSE(r->lengths[2].or_more);
  EXPECT_DOUBLE_EQ(*r->median_length_converting, 2.5);
  EXPECT_DOUBLE_EQ(*r->median_length_null, 2.0);
  ASSERT_EQ(r->top_paths.size(), 2u);  // rep_visit > email never converted
  EXPECT_EQ(r->top_paths[0].touches, (std::vector<std::string>{"email", "email", "rep_visit"}));
  EXPECT_DOUBLE_EQ(r->top_paths[0].conversion_rate, 1.0);
  EXPECT_EQ(r->top_paths[1].touches, (std::vector<std::string>{"email", "web"}));
  EXPECT_EQ(r->top_paths[1].conversions, 1);
  EXPECT_EQ(r->top_paths[1].nulls, 1);
  EXPECT_DOUBLE_EQ(r->top_paths[1].conversion_rate, 0.5);
  EXPECT_DOUBLE_EQ(r->top_paths[1].value, 100.0);

  JourneyStatsOptions capped;
  capped.max_length = 2;
  capped.top_paths = 1;
  auto c = BuildJourneyStats(Stored(), PathOptions{}, capped);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->lengths.size(), 2u);
  EXPECT_TRUE(c->lengths[1].or_more);
  EXPECT_EQ(c->lengths[1].converting, 2);
  EXPECT_EQ(c->lengths[1].null, 2);
  EXPECT_EQ(c->top_paths.size(), 1u);
}

TEST_F(JourneysTest, MostValuableCustomersWithTheirMostFrequentRoute) {
  // p1: email -> 10.00, web -> 30.00, email -> 5.00: route email (2 of 3), 45.00
  Touch(1, 1, "email");
  Convert(1, 2, 1000);
  Touch(1, 3, "web");
  Convert(1, 4, 3000);
  Touch(1, 5, "email");
  Convert(1, 6, 500);
  // p2: sms -> 20.00, web -> 25.00: a tie on frequency; web brought more. 45.00 too.
  Touch(2, 1, "sms");
  Convert(2, 2, 2000);
  Touch(2, 3, "web");
  Convert(2, 4, 2500);
  Convert(3, 1, 10000);  // p3: 100.00 with no touch in its lookback
  Touch(4, 1, "email");  // p4: never converted
  // p5: sms email web -> 1.00, rep_visit email web -> 1.00: routes end the same way
  for (const char* c : {"sms", "email", "web"}) Touch(5, 1, c);
  Convert(5, 2, 100);
  for (const char* c : {"rep_visit", "email", "web"}) Touch(5, 3, c);
  Convert(5, 4, 100);
  CustomerOptions o;
  o.top = 4;
  auto r = BuildCustomers(Stored(), PathOptions{}, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->converting_customers, 4);
  EXPECT_DOUBLE_EQ(r->total_value, 192.0);
  ASSERT_EQ(r->customers.size(), 4u);
  EXPECT_EQ(r->customers[0].profile_id, 3);
  EXPECT_TRUE(r->customers[0].route.empty());
  EXPECT_EQ(r->customers[1].profile_id, 1);  // ties on value: lower profile id first
  EXPECT_EQ(r->customers[1].user_id, "u1");
  EXPECT_EQ(r->customers[1].conversions, 3);
  EXPECT_EQ(r->customers[1].route, (std::vector<std::string>{"email"}));
  EXPECT_EQ(r->customers[1].route_conversions, 2);
  EXPECT_EQ(r->customers[1].channels,
            (std::vector<std::pair<std::string, double>>{{"email", 2.0 / 3}, {"web", 1.0 / 3}}));
  EXPECT_EQ(r->customers[2].route, (std::vector<std::string>{"web"}));
  const CustomerRow& p5 = r->customers[3];  // the last three touches: both differ
  EXPECT_EQ(p5.route, (std::vector<std::string>{"sms", "email", "web"}));  // seen first
  EXPECT_EQ(p5.route_conversions, 1);
  EXPECT_EQ(p5.channels.size(), 3u);  // email 2, web 2, then rep_visit (by name) 1
  EXPECT_EQ(p5.channels[2].first, "rep_visit");
  o.route_touches = 2;
  auto last_two = BuildCustomers(Stored(), PathOptions{}, o);
  ASSERT_TRUE(last_two.ok());
  EXPECT_EQ(last_two->customers[3].route, (std::vector<std::string>{"email", "web"}));
  EXPECT_EQ(last_two->customers[3].route_conversions, 2);
  o.route_touches = 3;

  o.top = 2;
  auto two = BuildCustomers(Stored(), PathOptions{}, o);
  ASSERT_TRUE(two.ok());
  ASSERT_EQ(two->customers.size(), 2u);
  EXPECT_DOUBLE_EQ(two->top_value, 145.0);
  ASSERT_EQ(two->routes.size(), 2u);  // p1's paths only
  EXPECT_EQ(two->routes[0].touches, (std::vector<std::string>{"email"}));
  EXPECT_EQ(two->routes[0].conversions, 2);
  EXPECT_DOUBLE_EQ(two->routes[0].value, 15.0);
}

TEST_F(JourneysTest, BadOptionsAreRejectedNamingTheField) {
  Touch(1, 1, "email");
  Store& store = Stored();
  auto field = [](const Status& s) {
    return s.code() == StatusCode::kInvalidArgument ? s.field() : "ok";
  };
  for (int steps : {0, 21}) {
    SankeyOptions o;
    o.steps = steps;
    EXPECT_EQ(field(BuildTransitions(store, {}, o).status()), "steps");
  }
  SankeyOptions negative;
  negative.top_paths = -1;
  EXPECT_EQ(field(BuildTransitions(store, {}, negative).status()), "top_paths");
  LeakOptions none;
  none.min_switched = 0;
  EXPECT_EQ(field(BuildLeaks(store, {}, none).status()), "min_switched");
  JourneyStatsOptions stats;
  stats.top_paths = 0;
  EXPECT_EQ(field(BuildJourneyStats(store, {}, stats).status()), "top_paths");
  stats = {};
  stats.max_length = 0;
  EXPECT_EQ(field(BuildJourneyStats(store, {}, stats).status()), "max_length");
  CustomerOptions customers;
  customers.top = 0;
  EXPECT_EQ(field(BuildCustomers(store, {}, customers).status()), "top");
  customers = {};
  customers.routes = 1001;
  EXPECT_EQ(field(BuildCustomers(store, {}, customers).status()), "routes");
  customers = {};
  customers.route_touches = -1;
  EXPECT_EQ(field(BuildCustomers(store, {}, customers).status()), "route_touches");
  for (auto stages : {std::vector<std::string>{}, std::vector<std::string>{"plan", "plan"},
                      std::vector<std::string>{""}}) {
    FunnelOptions f;
    f.stages = stages;
    EXPECT_EQ(field(BuildFunnel(store, f).status()), "stages");
  }
  PathOptions no_window;
  no_window.lookback = Millis(0);
  EXPECT_FALSE(BuildTransitions(store, no_window, {}).ok());
  EXPECT_FALSE(ForEachJourney(store, no_window, [](const Journey&) {}).ok());
}

// The demo population: the reports agree with each other and with what the generator
// guarantees.
class JourneysDemoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir;
    store_ = std::move(OpenSqliteStore(dir_->path())).value().release();
    ManualClock clock(*ParseTimestamp("2026-11-02T00:00:00Z"));
    auto profiles = std::move(ProfileService::Create(*store_, clock, {})).value();
    DemoOptions o;
    o.profiles = 300;
    ASSERT_TRUE(LoadDemo(*profiles, o).ok());
  }
  static void TearDownTestSuite() {
    delete store_;
    delete dir_;
  }
  static testing::TempDir* dir_;
  static Store* store_;
};
testing::TempDir* JourneysDemoTest::dir_ = nullptr;
Store* JourneysDemoTest::store_ = nullptr;

TEST_F(JourneysDemoTest, TransitionsAndTheSankeyAccountForEveryJourney) {
  PathBuildSummary s;
  auto r = BuildTransitions(*store_, {}, {}, &s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->journeys, s.conversions - s.conversions_without_touch + s.null_paths);
  EXPECT_EQ(r->conversions + r->nulls, r->journeys);
  std::map<std::string, int64_t> out_of, into;
  std::map<std::string, double> probability;
  for (const auto& t : r->transitions) {
    out_of[t.from] += t.count;
    into[t.to] += t.count;
    probability[t.from] += t.probability;
  }
  EXPECT_EQ(out_of["(start)"], r->journeys);
  EXPECT_EQ(into["(conversion)"], r->conversions);
  EXPECT_EQ(into["(null)"], r->nulls);
  for (const auto& [from, p] : probability) EXPECT_NEAR(p, 1.0, 1e-9) << from;
  // Every channel: as many transitions in as out.
  for (const auto& [state, n] : out_of) {
    if (state != "(start)") {
      EXPECT_EQ(into[state], n) << state;
    }
  }
  EXPECT_EQ(r->drawn, r->journeys);
  int64_t into_outcomes = 0, from_first = 0;
  for (const auto& l : r->links) {
    if (l.target == "(conversion)" || l.target == "(null)") into_outcomes += l.value;
    if (l.source.starts_with("1:")) from_first += l.value;
  }
  EXPECT_EQ(into_outcomes, r->journeys);
  EXPECT_EQ(from_first, r->journeys);
}

TEST_F(JourneysDemoTest, FunnelFollowsTheGenerator) {
  auto f = BuildFunnel(*store_, {});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->profiles, 300);
  for (size_t k = 0; k < f->stages.size(); ++k) {
    EXPECT_LE(f->stages[k].reached, f->stages[k].profiles);
    if (k > 0) {
      EXPECT_LE(f->stages[k].reached, f->stages[k - 1].reached);
    }
  }
  // Every purchase-stage event is a conversion, and every conversion is one.
  PathBuildSummary s;
  auto customers = BuildCustomers(*store_, {}, {}, &s);
  ASSERT_TRUE(customers.ok());
  EXPECT_EQ(f->stages[2].stage, "purchase");
  EXPECT_EQ(f->stages[2].events, s.conversions);
  EXPECT_EQ(f->stages[2].profiles, customers->converting_customers);
  // A share follows a clicked e-mail (keep_in_touch) or a webinar or congress (plan).
  FunnelOptions after_plan, after_touch;
  after_plan.stages = {"plan", "share"};
  after_touch.stages = {"keep_in_touch", "share"};
  auto p = BuildFunnel(*store_, after_plan), t = BuildFunnel(*store_, after_touch);
  ASSERT_TRUE(p.ok() && t.ok());
  EXPECT_GT(f->stages[4].profiles, 0);
  EXPECT_GE(p->stages[1].reached + t->stages[1].reached, f->stages[4].profiles);
}

TEST_F(JourneysDemoTest, StatsLeaksAndCustomersAddUp) {
  auto stats = BuildJourneyStats(*store_, {}, {});
  ASSERT_TRUE(stats.ok());
  int64_t bucketed = 0, converting = 0, null = 0, null_single = 0;
  for (const auto& b : stats->time_to_conversion) bucketed += b.conversions;
  for (const auto& l : stats->lengths) {
    converting += l.converting;
    null += l.null;
  }
  null_single = stats->lengths.empty() ? 0 : stats->lengths[0].null;
  EXPECT_EQ(bucketed, stats->conversions);
  EXPECT_EQ(converting, stats->conversions);
  EXPECT_EQ(null, stats->nulls);
  EXPECT_LE(*stats->median_days, *stats->p90_days);
  EXPECT_LE(*stats->p90_days, 90.0);  // the lookback bounds it (no collapsed runs)
  for (size_t i = 1; i < stats->top_paths.size(); ++i) {
    EXPECT_GE(stats->top_paths[i - 1].conversions, stats->top_paths[i].conversions);
  }

  auto leaks = BuildLeaks(*store_, {}, {});
  ASSERT_TRUE(leaks.ok());
  EXPECT_EQ(leaks->journeys, stats->journeys);
  // Each null journey of two or more touches ends on one switch or one stay.
  int64_t leaked = 0;
  std::map<std::string, int64_t> stayed_leaked;
  for (const auto& row : leaks->rows) {
    EXPECT_LE(row.leaked + row.converted_after, row.switched);
    EXPECT_GE(row.leak_rate, 0.0);
    EXPECT_LE(row.leak_rate, 1.0);
    leaked += row.leaked;
    stayed_leaked[row.from] = row.stayed_leaked;
  }
  for (const auto& [from, n] : stayed_leaked) leaked += n;
  EXPECT_LE(leaked, leaks->nulls - null_single);
  EXPECT_GT(leaked, 0);

  auto customers = BuildCustomers(*store_, {}, {});
  ASSERT_TRUE(customers.ok());
  ASSERT_EQ(customers->customers.size(), 20u);
  EXPECT_LE(customers->top_value, customers->total_value);
  for (size_t i = 1; i < customers->customers.size(); ++i) {
    EXPECT_GE(customers->customers[i - 1].value, customers->customers[i].value);
  }
}

// docs/demo-data.md: journeys die where weak or null channels follow, so switches into
// display, tv, radio, billing or customer_service are followed by a conversion less
// often than switches into rep_visit, e_rep, webinar or congress.
TEST_F(JourneysDemoTest, SwitchesIntoStrongChannelsConvertRightAfterMoreOften) {
  auto leaks = BuildLeaks(*store_, {}, {});
  ASSERT_TRUE(leaks.ok());
  const std::set<std::string> strong = {"rep_visit", "e_rep", "webinar", "congress"};
  const std::set<std::string> weak = {"display", "tv", "radio", "billing", "customer_service"};
  double strong_switched = 0, strong_converted = 0, weak_switched = 0, weak_converted = 0;
  for (const auto& row : leaks->rows) {
    if (strong.count(row.to)) {
      strong_switched += row.switched;
      strong_converted += row.converted_after;
    } else if (weak.count(row.to)) {
      weak_switched += row.switched;
      weak_converted += row.converted_after;
    }
  }
  ASSERT_GT(strong_switched, 0);
  ASSERT_GT(weak_switched, 0);
  EXPECT_GT(strong_converted / strong_switched, weak_converted / weak_switched);
}

}  // namespace
}  // namespace unisono::analytics
