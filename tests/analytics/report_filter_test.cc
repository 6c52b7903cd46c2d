// Report filters (segment, product, campaign) over a real SQLite event log: for each rule
// a small log where the filtered and unfiltered reports differ as docs/attribution.md,
// "Filters", says they should; every number worked out by hand.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "analytics/analytics.h"
#include "support/test_support.h"

namespace unisono::analytics {
namespace {

Timestamp Day(int d) { return *ParseTimestamp("2026-01-01T00:00:00Z") + std::chrono::days(d); }

struct PathCount {
  double conversions = 0;
  double value = 0;
  double nulls = 0;
  bool operator==(const PathCount&) const = default;
};

class ReportFilterTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = std::move(OpenSqliteStore(dir_.path())).value(); }

  Event& Add(int64_t profile, int day, const std::string& channel, const std::string& product = "",
             const std::string& campaign = "", const std::string& stage = "") {
    if (known_.insert(profile).second) batch_.profiles.push_back({profile, Day(-30)});
    Event& e = batch_.events.emplace_back();
    e.message_id = "m" + std::to_string(batch_.events.size());
    e.profile_id = profile;
    e.user_id = "u" + std::to_string(profile);
    e.name = "Contact";
    e.channel = channel;
    e.product = product;
    e.campaign = campaign;
    e.stage = stage;
    e.timestamp = e.original_timestamp = e.received_at = Day(day);
    return e;
  }
  void Convert(int64_t profile, int day, int64_t value_minor, const std::string& product = "") {
    Event& e = Add(profile, day, "unknown", product);
    e.name = "Order Completed";
    e.value_minor = value_minor;
  }
  // A membership change as the segment engine writes it.
  void Segment(int64_t profile, int day, bool entered) {
    Event& e = Add(profile, day, "unknown");
    e.name = entered ? "segment_entered" : "segment_exited";
    e.source = "segment";
    e.properties_json = R"({"segment_id":"vip","segment_name":"VIP","version":1})";
  }
  Store& Stored() {
    if (!batch_.events.empty()) {
      EXPECT_TRUE(store_->Apply(batch_).ok());
      batch_ = WriteBatch{};
    }
    return *store_;
  }
  std::map<std::string, PathCount> Paths(const PathOptions& o, PathBuildSummary* summary) {
    auto table = BuildPaths(Stored(), o, summary);
    EXPECT_TRUE(table.ok()) << table.status().ToString();
    std::map<std::string, PathCount> out;
    if (!table.ok()) return out;
    for (const Path& p : table->paths) out[JoinPath(p)] = {p.conversions, p.value, p.nulls};
    return out;
  }
  static PathOptions Filtered(const std::string& segment, const std::string& product,
                              const std::string& campaign) {
    PathOptions o;
    o.filter = {segment, product, campaign};
    return o;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  WriteBatch batch_;
  std::set<int64_t> known_;
};

TEST_F(ReportFilterTest, AnotherProductsConversionNeitherCountsNorCutsTheJourney) {
  // p1: email (cardio), sms (no product), order of resp, rep visit (resp), web (cardio),
  //     order of cardio.
  // p2: email (resp), sms: a null journey.  p3: web (cardio): a null journey.
  Add(1, 1, "email", "cardio");
  Add(1, 2, "sms");
  Convert(1, 3, 5000, "resp");
  Add(1, 4, "rep_visit", "resp");
  Add(1, 5, "web", "cardio");
  Convert(1, 6, 10000, "cardio");
  Add(2, 1, "email", "resp");
  Add(2, 2, "sms");
  Add(3, 1, "web", "cardio");

  PathBuildSummary all;
  auto unfiltered = Paths(PathOptions{}, &all);
  EXPECT_EQ(unfiltered, (std::map<std::string, PathCount>{{"email > sms", {1, 50, 1}},
                                                          {"rep_visit > web", {1, 100, 0}},
                                                          {"web", {0, 0, 1}}}));
  EXPECT_EQ(all.conversions, 2);
  EXPECT_EQ(all.filtered_out, 0);

  // The resp order is not a conversion of cardio, so p1's touches run on to the cardio
  // order; the resp visit is left out, the sms (no product) stays. p2's null journey
  // keeps only its sms, which names no cardio: left out. p3's web names cardio.
  PathBuildSummary cardio;
  auto filtered = Paths(Filtered("", "cardio", ""), &cardio);
  EXPECT_EQ(filtered, (std::map<std::string, PathCount>{{"email > sms > web", {1, 100, 0}},
                                                        {"web", {0, 0, 1}}}));
  EXPECT_EQ(cardio.conversions, 1);
  EXPECT_EQ(cardio.null_paths, 1);
  EXPECT_EQ(cardio.filtered_out, 1);
  EXPECT_EQ(cardio.events, all.events);  // events read in the window, filtered or not
}

TEST_F(ReportFilterTest, AConversionTheCampaignDidNotReachCutsButDoesNotCount) {
  // p1: email (spring), sms (autumn), order 100; sms (autumn), order 50; email (spring),
  //     order 20.  p2: web (no campaign), order 40.
  Add(1, 1, "email", "", "spring");
  Add(1, 2, "sms", "", "autumn");
  Convert(1, 3, 10000);
  Add(1, 10, "sms", "", "autumn");
  Convert(1, 12, 5000);
  Add(1, 20, "email", "", "spring");
  Convert(1, 25, 2000);
  Add(2, 1, "web");
  Convert(2, 2, 4000);

  PathBuildSummary all;
  auto unfiltered = Paths(PathOptions{}, &all);
  EXPECT_EQ(unfiltered, (std::map<std::string, PathCount>{{"email", {1, 20, 0}},
                                                          {"email > sms", {1, 100, 0}},
                                                          {"sms", {1, 50, 0}},
                                                          {"web", {1, 40, 0}}}));
  EXPECT_EQ(all.conversions, 4);

  // Only spring's touches are touches. The order on day 12 has no spring touch since the
  // one before it: it ends what came before it but is neither a path nor a conversion
  // without touch; nor is p2's order.
  PathBuildSummary spring;
  auto filtered = Paths(Filtered("", "", "spring"), &spring);
  EXPECT_EQ(filtered, (std::map<std::string, PathCount>{{"email", {2, 120, 0}}}));
  EXPECT_EQ(spring.conversions, 2);
  EXPECT_EQ(spring.conversions_without_touch, 0);
  EXPECT_EQ(spring.filtered_out, 2);
  EXPECT_EQ(spring.null_paths, 0);

  // Customer value counts every conversion, with or without a touch: here only the two.
  auto customers = BuildCustomers(Stored(), Filtered("", "", "spring"), {});
  ASSERT_TRUE(customers.ok());
  EXPECT_EQ(customers->converting_customers, 1);
  EXPECT_DOUBLE_EQ(customers->total_value, 120.0);
  auto everyone = BuildCustomers(Stored(), PathOptions{}, {});
  ASSERT_TRUE(everyone.ok());
  EXPECT_DOUBLE_EQ(everyone->total_value, 210.0);
}

TEST_F(ReportFilterTest, ASegmentKeepsJourneysThatEndInItAndMembershipsFromBeforeTheWindow) {
  // The window starts on day 5.
  // p1: in VIP from day 0 (before the window); email, order 100: counts.
  // p2: email, enters, order 50: counts, the email from before the entry included.
  // p3: email, order 30 outside VIP (cut, not counted); enters; web, order 20: [web].
  // p4: in VIP from day 0, sms, leaves, sms: its null journey ends outside.
  // p5: in and out before the window; email: a null journey outside.
  // p6: in VIP from day 0, rep visit: a null journey inside.
  Segment(1, 0, true);
  Add(1, 6, "email");
  Convert(1, 7, 10000);
  Add(2, 6, "email");
  Segment(2, 7, true);
  Convert(2, 8, 5000);
  Add(3, 6, "email");
  Convert(3, 7, 3000);
  Segment(3, 8, true);
  Add(3, 9, "web");
  Convert(3, 10, 2000);
  Segment(4, 0, true);
  Add(4, 6, "sms");
  Segment(4, 7, false);
  Add(4, 8, "sms");
  Segment(5, 0, true);
  Segment(5, 1, false);
  Add(5, 6, "email");
  Segment(6, 0, true);
  Add(6, 6, "rep_visit");

  PathOptions window;
  window.since = Day(5);
  PathBuildSummary all;
  auto unfiltered = Paths(window, &all);
  EXPECT_EQ(unfiltered, (std::map<std::string, PathCount>{{"email", {3, 180, 1}},
                                                          {"rep_visit", {0, 0, 1}},
                                                          {"sms > sms", {0, 0, 1}},
                                                          {"web", {1, 20, 0}}}));
  for (const char* segment : {"VIP", "vip", " VIP "}) {  // by name or id, trimmed
    PathOptions o = window;
    o.filter.segment = segment;
    PathBuildSummary vip;
    auto filtered = Paths(o, &vip);
    EXPECT_EQ(filtered, (std::map<std::string, PathCount>{
                            {"email", {2, 150, 0}}, {"rep_visit", {0, 0, 1}}, {"web", {1, 20, 0}}}))
        << segment;
    EXPECT_EQ(vip.conversions, 3);
    EXPECT_EQ(vip.null_paths, 1);
    EXPECT_EQ(vip.filtered_out, 3);  // p3's first order, p4's and p5's null journeys
    EXPECT_EQ(vip.profiles, 6);
    EXPECT_EQ(vip.events, 15);  // the window's, membership changes included
  }
}

TEST_F(ReportFilterTest, FunnelBySegmentProductAndCampaign) {
  // p1: search, enters VIP, plan, purchase.
  // p2: search (cardio), plan (resp), purchase (no product).
  // p3: search, plan (no product, no campaign).
  // p4: search, plan (campaign spring), purchase.
  Add(1, 1, "web", "", "", "search");
  Segment(1, 2, true);
  Add(1, 3, "webinar", "", "", "plan");
  Add(1, 4, "store", "", "", "purchase");
  Add(2, 1, "web", "cardio", "", "search");
  Add(2, 2, "webinar", "resp", "", "plan");
  Add(2, 3, "store", "", "", "purchase");
  Add(3, 1, "web", "", "", "search");
  Add(3, 2, "webinar", "", "", "plan");
  Add(4, 1, "web", "", "", "search");
  Add(4, 2, "email", "", "spring", "plan");
  Add(4, 3, "store", "", "", "purchase");
  Store& store = Stored();
  FunnelOptions o;
  o.stages = {"search", "plan", "purchase"};
  // (profiles, events, reached) per stage.
  auto stages = [&](const ReportFilter& filter, int64_t* profiles) {
    FunnelOptions f = o;
    f.filter = filter;
    auto r = BuildFunnel(store, f);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::tuple<int64_t, int64_t, int64_t>> out;
    if (!r.ok()) return out;
    *profiles = r->profiles;
    for (const auto& s : r->stages) out.emplace_back(s.profiles, s.events, s.reached);
    return out;
  };
  using Rows = std::vector<std::tuple<int64_t, int64_t, int64_t>>;
  int64_t profiles = 0;
  EXPECT_EQ(stages({}, &profiles), (Rows{{4, 4, 4}, {4, 4, 4}, {3, 3, 3}}));
  EXPECT_EQ(profiles, 4);
  // Only p1's events while in VIP: its search came before, so it reaches nothing.
  EXPECT_EQ(stages({"VIP", "", ""}, &profiles), (Rows{{0, 0, 0}, {1, 1, 0}, {1, 1, 0}}));
  EXPECT_EQ(profiles, 1);
  // Only p2 names cardio; its resp plan is left out, its purchase (no product) stays.
  EXPECT_EQ(stages({"", "cardio", ""}, &profiles), (Rows{{1, 1, 1}, {0, 0, 0}, {1, 1, 0}}));
  EXPECT_EQ(profiles, 1);
  // spring reached p4 only; then p4's whole funnel counts, its searches and orders too.
  EXPECT_EQ(stages({"", "", "spring"}, &profiles), (Rows{{1, 1, 1}, {1, 1, 1}, {1, 1, 1}}));
  EXPECT_EQ(profiles, 1);
}

TEST_F(ReportFilterTest, ExposurePanelRowsAndConversionsFollowTheFilter) {
  // Weekly rows from day 0 to day 28: four per profile.
  // p1: in VIP from day -10; email (cardio, spring) day 1, order (cardio) day 9.
  // p2: sms (resp) day 1, order (resp) day 10.
  // p3: web day 2, enters VIP day 15, order day 16.
  Segment(1, -10, true);
  Add(1, 1, "email", "cardio", "spring");
  Convert(1, 9, 4590, "cardio");
  Add(2, 1, "sms", "resp");
  Convert(2, 10, 3875, "resp");
  Add(3, 2, "web");
  Segment(3, 15, true);
  Convert(3, 16, 4590);
  Store& store = Stored();
  ExposureOptions e;
  e.controls.clear();
  e.since = Day(0);
  e.until = Day(28);
  DataDrivenOptions model;
  model.bootstrap = 0;
  // (profile-periods, conversions)
  auto panel = [&](const ReportFilter& filter) {
    ExposureOptions f = e;
    f.filter = filter;
    auto r = AnalyseDataDriven(store, f, model);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::pair{r->observations, r->conversions} : std::pair{-1.0, -1.0};
  };
  EXPECT_EQ(panel({}), (std::pair{12.0, 3.0}));
  // p1's four rows (in VIP at each period's start); p3 only from day 21, after its order.
  EXPECT_EQ(panel({"VIP", "", ""}), (std::pair{5.0, 1.0}));
  // p2's sms and order are resp's: p2 has no touch left.
  EXPECT_EQ(panel({"", "cardio", ""}), (std::pair{8.0, 2.0}));
  // Only p1's e-mail is spring's, and it covers p1's order within the exposure window.
  EXPECT_EQ(panel({"", "", "spring"}), (std::pair{4.0, 1.0}));
  ExposureOptions nothing = e;
  nothing.filter.campaign = "winter";
  auto none = AnalyseDataDriven(store, nothing, model);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("match the filter"), std::string::npos);
}

TEST_F(ReportFilterTest, ACategoryMatchesEveryProductBelowItAndAnAliasItsProduct) {
  // p1: email (cardiozen), order of cardiozen 100.  p2: sms (glucobal), order of glucobal
  // 20.  p3: web and an order of 30 naming cardiozen by aliases.  p4: rep visit with a
  // respiro spacer (services > samples): a null journey.
  Add(1, 1, "email", "cardiozen");
  Convert(1, 2, 10000, "cardiozen");
  Add(2, 1, "sms", "glucobal");
  Convert(2, 2, 2000, "glucobal");
  Add(3, 1, "web", "Cardiozen 10 mg");
  Convert(3, 2, 3000, "CZN");
  Add(4, 1, "rep_visit", "respiro_spacer");

  using Counts = std::map<std::string, PathCount>;
  const Counts cardiozen{{"email", {1, 100, 0}}, {"web", {1, 30, 0}}};
  PathBuildSummary s;
  EXPECT_EQ(Paths(Filtered("", "cardiovascular", ""), &s), cardiozen);
  EXPECT_EQ(Paths(Filtered("", "hypertension", ""), &s), cardiozen);
  EXPECT_EQ(Paths(Filtered("", "cardiozen", ""), &s), cardiozen);
  EXPECT_EQ(Paths(Filtered("", "czn", ""), &s), cardiozen);
  EXPECT_EQ(Paths(Filtered("", "medicines", ""), &s),
            (Counts{{"email", {1, 100, 0}}, {"sms", {1, 20, 0}}, {"web", {1, 30, 0}}}));
  EXPECT_EQ(s.conversions, 3);
  EXPECT_EQ(Paths(Filtered("", "services", ""), &s), (Counts{{"rep_visit", {0, 0, 1}}}));
  EXPECT_EQ(s.conversions, 0);
  EXPECT_TRUE(Paths(Filtered("", "heart", ""), &s).empty());  // no such category

  // A catalog of one's own: "heart" holds cardiozen only.
  auto custom = ProductCatalog::FromToml(R"(
[[category]]
id = "heart"
[[category]]
id = "sugar"
[[product]]
id = "cardiozen"
category = "heart"
aliases = ["Cardiozen 10 mg"]
[[product]]
id = "glucobal"
category = "sugar"
)",
                                         "custom.toml");
  ASSERT_TRUE(custom.ok()) << custom.status().message();
  PathOptions heart = Filtered("", "heart", "");
  heart.filter.products = &*custom;
  // "CZN" is no alias there: p3's order is another product's, so its web touch ends in a
  // null journey.
  EXPECT_EQ(Paths(heart, &s), (Counts{{"email", {1, 100, 0}}, {"web", {0, 0, 1}}}));
  FunnelOptions funnel;
  funnel.filter.product = "metabolic";
  auto f = BuildFunnel(Stored(), funnel);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->profiles, 1);  // p2
}

TEST_F(ReportFilterTest, BlankValuesAreNotSetAndUnknownOnesMatchNothingWithoutError) {
  EXPECT_TRUE((ReportFilter{" ", "", "\t"}).empty());
  EXPECT_FALSE((ReportFilter{"", "x", ""}).empty());
  Add(1, 1, "email", "cardio", "spring", "search");
  Convert(1, 2, 1000);
  Store& store = Stored();
  PathBuildSummary all, blank;
  EXPECT_EQ(Paths(PathOptions{}, &all), Paths(Filtered("  ", "", " "), &blank));
  EXPECT_EQ(blank.conversions, 1);
  EXPECT_EQ(Paths(Filtered("", " cardio ", ""), &blank).size(), 1u);

  PathBuildSummary none;
  EXPECT_TRUE(Paths(Filtered("nobody", "", ""), &none).empty());
  EXPECT_EQ(none.conversions, 0);
  EXPECT_EQ(none.filtered_out, 1);
  FunnelOptions funnel;
  funnel.filter.product = "nothing";
  auto f = BuildFunnel(store, funnel);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->profiles, 0);
  ChannelCatalog catalog = ChannelCatalog::Builtin();
  KpiOptions kpis;
  kpis.paths.filter.campaign = "nothing";
  auto k = BuildChannelKpis(store, catalog, kpis);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->reach, 0);
  EXPECT_EQ(k->conversions, 0);
  RoiOptions roi;
  roi.paths.filter.segment = "nobody";
  auto r = BuildRoiReport(store, catalog, roi);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->conversions, 0);
  EXPECT_EQ(r->cost, 0);
  auto t = BuildTransitions(store, Filtered("nobody", "", ""), {});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->journeys, 0);
}

}  // namespace
}  // namespace unisono::analytics
