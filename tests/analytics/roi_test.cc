// ROI and channel KPIs over a tiny real SQLite store, every number worked out by hand,
// and over the demo population, whose costs the generator's model fixes.
#include <gtest/gtest.h>

#include <map>

#include "analytics/analytics.h"
#include "analytics/internal/segment_membership.h"
#include "demo/demo.h"
#include "demo/internal/model.h"
#include "profile/profile.h"
#include "support/test_support.h"

namespace unisono::analytics {
namespace {

Timestamp Day(int d) { return *ParseTimestamp("2026-01-01T00:00:00Z") + std::chrono::days(d); }

// Costs in cents: email 0.10, rep_visit 50.00, social 1.00 (but bought by budget
// below), web free, tv 2.00.
constexpr const char* kCatalog = R"(
[[channel]]
id = "email"
cost_per_contact = 10
[[channel]]
id = "rep_visit"
cost_per_contact = 5000
role = "direct"
[[channel]]
id = "social"
cost_per_contact = 100
[[channel]]
id = "web"
cost_per_contact = 0
[[channel]]
id = "tv"
cost_per_contact = 200
)";

class RoiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(OpenSqliteStore(dir_.path())).value();
    for (int64_t p = 1; p <= 4; ++p) batch_.profiles.push_back({p, Day(0)});
  }

  Event& Add(int64_t profile, int day, const std::string& channel, const std::string& name,
             const std::string& campaign = "", const std::string& product = "",
             const std::string& communication = "", std::optional<int64_t> cost_minor = {},
             EventType type = EventType::kTrack) {
    Event& e = batch_.events.emplace_back();
    e.type = type;
    e.message_id = "m" + std::to_string(batch_.events.size());
    e.profile_id = profile;
    e.name = name;
    e.channel = channel;
    e.campaign = campaign;
    e.product = product;
    e.communication = communication;
    e.cost_minor = cost_minor;
    e.currency = "EUR";
    e.timestamp = e.original_timestamp = e.received_at = Day(day);
    return e;
  }
  void Convert(int64_t profile, int day, int64_t value_minor, const std::string& product) {
    Event& e = Add(profile, day, "unknown", "Order Completed", "", product);
    e.value_minor = value_minor;
  }
  void Segment(int64_t profile, int day, const std::string& id, const std::string& name,
               bool entered) {
    Event& e = Add(profile, day, "unknown", entered ? "segment_entered" : "segment_exited");
    e.source = "segment";
    e.properties_json =
        R"({"segment_id":")" + id + R"(","segment_name":")" + name + R"(","version":1})";
  }
  void Cost(const std::string& channel, const std::string& campaign, int from, int to,
            int64_t amount_minor) {
    batch_.costs.push_back({channel, campaign, Day(from), Day(to), amount_minor, "EUR", "test"});
  }
  void Commit() {
    if (batch_.empty()) return;
    ASSERT_TRUE(store_->Apply(batch_).ok());
    batch_ = WriteBatch{};
  }

  // The store every hand-computed test below reads (days from 2026-01-01; January is
  // days 0-30). Cost per contact, in cents, as the rules give it:
  //   p1 d1  email  spring  no own cost, no email record in January: catalog 10
  //   p1 d2  Email Opened   a follow-up: nothing
  //   p1 d3  social spring  R1 900 over p1 d3 and p2 d4: 450
  //   p1 d5  rep    spring  own 6000; R3 says 10000 in all, so the other 4000 too: 10000
  //   p2 d4  social spring  450
  //   p2 d6  email  spring  catalog 10
  //   p2 d8  web (page)     catalog 0
  //   p3 d7  email  -       catalog 10
  //   p3 d9  social autumn  no record for autumn: catalog 100
  //   p4 d11 rep    -       R3 names spring: catalog 5000
  // plus R4, 1200 for campaign spring on no channel, over spring's 5 contacts: 240 each.
  // Unallocated: R2 tv 3000 (no tv contact) and R5 email 500 in February (no contact).
  // Conversions: p1 d10 200.00 EUR, p2 d12 100.00, p4 d13 50.00; p3 never converts.
  void FillHandWorkedStore() {
    Segment(1, 0, "loyal", "Loyal", true);
    Add(1, 1, "email", "Email Sent", "spring", "cardio", "spring-email-1");
    Add(1, 2, "email", "Email Opened", "spring", "cardio", "spring-email-1");
    Add(1, 3, "social", "Social Ad Engaged", "spring", "cardio", "spring-social-1");
    Segment(1, 4, "vip", "VIP", true);
    Add(1, 5, "rep_visit", "Rep Visit", "spring", "cardio", "spring-rep-1", 6000);
    Convert(1, 10, 20000, "cardio");
    Add(2, 4, "social", "Social Ad Engaged", "spring", "resp", "spring-social-1");
    Add(2, 6, "email", "Email Sent", "spring", "resp", "spring-email-1");
    Add(2, 8, "web", "Home", "", "", "", std::nullopt, EventType::kPage);
    Convert(2, 12, 10000, "resp");
    Add(3, 7, "email", "Email Sent");
    Add(3, 9, "social", "Social Ad Engaged", "autumn");
    Segment(4, 0, "vip", "VIP", true);
    Add(4, 11, "rep_visit", "Rep Visit", "", "cardio");
    Convert(4, 13, 5000, "cardio");
    Segment(4, 15, "vip", "VIP", false);
    Cost("social", "spring", 0, 31, 900);       // R1
    Cost("tv", "", 0, 31, 3000);                // R2
    Cost("rep_visit", "spring", 0, 31, 10000);  // R3
    Cost("", "spring", 0, 31, 1200);            // R4
    Cost("email", "", 31, 59, 500);             // R5
    Commit();
  }

  RoiReport Roi(RoiDimension by, const std::string& model = "last") {
    RoiOptions o;
    o.by = by;
    o.model.model = model;
    auto report = BuildRoiReport(*store_, catalog_, o);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : RoiReport{};
  }
  static std::map<std::string, RoiRow> ByKey(const RoiReport& report) {
    std::map<std::string, RoiRow> rows;
    for (const RoiRow& r : report.rows) rows[r.key] = r;
    return rows;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  ChannelCatalog catalog_ = ChannelCatalog::FromToml(kCatalog, "test").value();
  WriteBatch batch_;
};

TEST_F(RoiTest, ChannelCostsFollowTheRulesAndLastTouchGivesROI) {
  FillHandWorkedStore();
  RoiReport report = Roi(RoiDimension::kChannel);
  auto rows = ByKey(report);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(report.rows.back().key, kNoKey);  // (none) comes last

  // email: 3 x catalog 10, plus R5's 500 unallocated.
  EXPECT_EQ(rows["email"].contacts, 3);
  EXPECT_NEAR(rows["email"].cost, 5.30, 1e-9);
  EXPECT_NEAR(rows["email"].unallocated_cost, 5.00, 1e-9);
  EXPECT_NEAR(*rows["email"].roi, -1.0, 1e-12);
  EXPECT_FALSE(rows["email"].cost_per_conversion);
  // social: 450 + 450 + 100.
  EXPECT_EQ(rows["social"].contacts, 3);
  EXPECT_NEAR(rows["social"].cost, 10.00, 1e-9);
  // rep_visit: 10000 + 5000; last touch of p1's and p4's paths: 200 + 50.
  EXPECT_EQ(rows["rep_visit"].contacts, 2);
  EXPECT_NEAR(rows["rep_visit"].cost, 150.00, 1e-9);
  EXPECT_NEAR(rows["rep_visit"].conversions, 2.0, 1e-12);
  EXPECT_NEAR(rows["rep_visit"].value, 250.00, 1e-9);
  EXPECT_NEAR(*rows["rep_visit"].cost_per_conversion, 75.00, 1e-9);
  EXPECT_NEAR(*rows["rep_visit"].roi, (250.0 - 150.0) / 150.0, 1e-12);
  // web: closes p2's path at no cost: no ROI without cost.
  EXPECT_NEAR(rows["web"].value, 100.00, 1e-9);
  EXPECT_NEAR(rows["web"].cost, 0.0, 1e-12);
  EXPECT_FALSE(rows["web"].roi);
  EXPECT_NEAR(*rows["web"].cost_per_conversion, 0.0, 1e-12);
  // tv: R2, all unallocated.
  EXPECT_EQ(rows["tv"].contacts, 0);
  EXPECT_NEAR(rows["tv"].cost, 30.00, 1e-9);
  EXPECT_NEAR(rows["tv"].unallocated_cost, 30.00, 1e-9);
  // (none): R4, a campaign's cost on no channel; every conversion had a touch.
  EXPECT_NEAR(rows[std::string(kNoKey)].cost, 12.00, 1e-9);
  EXPECT_NEAR(rows[std::string(kNoKey)].conversions, 0.0, 1e-12);

  // Every record once, plus the catalog defaults used (30 + 100 + 5000 cents).
  EXPECT_NEAR(report.cost, (900 + 3000 + 10000 + 1200 + 500 + 30 + 100 + 5000) / 100.0, 1e-9);
  EXPECT_NEAR(report.unallocated_cost, 35.00, 1e-9);
  EXPECT_NEAR(report.conversions, 3.0, 1e-12);
  EXPECT_NEAR(report.value, 350.00, 1e-9);
  EXPECT_NEAR(*report.roi, (350.0 - 207.30) / 207.30, 1e-12);
  EXPECT_EQ(report.currency, "EUR");
  EXPECT_EQ(report.model, "last");
}

TEST_F(RoiTest, AnyModelSplitsTheConversionsTheCostsStayTheSame) {
  FillHandWorkedStore();
  // Linear: p1's path email > email > social > rep_visit gives each touch 1/4 of 200;
  // p2's social > email > web gives each 1/3 of 100.
  auto rows = ByKey(Roi(RoiDimension::kChannel, "linear"));
  EXPECT_NEAR(rows["email"].conversions, 0.5 + 1.0 / 3, 1e-12);
  EXPECT_NEAR(rows["email"].value, 100.0 + 100.0 / 3, 1e-9);
  EXPECT_NEAR(rows["email"].cost, 5.30, 1e-9);
  EXPECT_NEAR(*rows["email"].roi, (100.0 + 100.0 / 3 - 5.30) / 5.30, 1e-9);
  EXPECT_NEAR(rows["rep_visit"].conversions, 1.25, 1e-12);
  EXPECT_NEAR(rows["social"].value, 50.0 + 100.0 / 3, 1e-9);
  double conversions = 0;
  for (const char* model : {"first", "time_decay", "position", "markov", "shapley"}) {
    RoiReport report = Roi(RoiDimension::kChannel, model);
    conversions = 0;
    for (const RoiRow& r : report.rows) conversions += r.conversions;
    EXPECT_NEAR(conversions, 3.0, 1e-9) << model;
    EXPECT_NEAR(report.cost, 207.30, 1e-9) << model;
  }
  RoiOptions bad;
  bad.model.model = "magic";
  EXPECT_EQ(BuildRoiReport(*store_, catalog_, bad).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(RoiTest, CampaignRowsCarryTheirRecordsAndUnattributedConversionsGoToNone) {
  FillHandWorkedStore();
  auto rows = ByKey(Roi(RoiDimension::kCampaign));
  ASSERT_EQ(rows.size(), 3u);
  // spring: R1 900 + R3 10000 + R4 1200 + two catalog e-mails.
  EXPECT_EQ(rows["spring"].contacts, 5);
  EXPECT_NEAR(rows["spring"].cost, 121.20, 1e-9);
  EXPECT_NEAR(rows["spring"].conversions, 2.0, 1e-12);  // p1's and p2's paths end on spring
  EXPECT_NEAR(rows["spring"].value, 300.00, 1e-9);
  EXPECT_NEAR(*rows["spring"].roi, (300.0 - 121.20) / 121.20, 1e-12);
  EXPECT_NEAR(rows["autumn"].cost, 1.00, 1e-9);
  EXPECT_NEAR(rows["autumn"].conversions, 0.0, 1e-12);
  // (none): p2's page, p3's e-mail, p4's visit, R2 and R5; p4 converted with no
  // campaign touch.
  const RoiRow& none = rows[std::string(kNoKey)];
  EXPECT_EQ(none.contacts, 3);
  EXPECT_NEAR(none.cost, 85.10, 1e-9);
  EXPECT_NEAR(none.unallocated_cost, 35.00, 1e-9);
  EXPECT_NEAR(none.conversions, 1.0, 1e-12);
  EXPECT_NEAR(none.value, 50.00, 1e-9);

  auto communications = ByKey(Roi(RoiDimension::kCommunication));
  // p2's path spring-social-1 > spring-email-1 ends on the e-mail; both e-mails cost 250.
  EXPECT_NEAR(communications["spring-email-1"].conversions, 1.0, 1e-12);
  EXPECT_NEAR(communications["spring-email-1"].cost, 5.00, 1e-9);
  EXPECT_NEAR(*communications["spring-email-1"].roi, 19.0, 1e-12);
  EXPECT_NEAR(communications["spring-rep-1"].cost, 102.40, 1e-9);
}

TEST_F(RoiTest, ProductRowsTakeEachConversionWhole) {
  FillHandWorkedStore();
  RoiReport report = Roi(RoiDimension::kProduct);
  EXPECT_EQ(report.model, "");  // no model involved
  auto rows = ByKey(report);
  ASSERT_EQ(rows.size(), 3u);
  // cardio: p1's e-mail 250, social 690, visit 10240, p4's visit 5000.
  EXPECT_EQ(rows["cardio"].contacts, 4);
  EXPECT_NEAR(rows["cardio"].cost, 161.80, 1e-9);
  EXPECT_NEAR(rows["cardio"].conversions, 2.0, 1e-12);
  EXPECT_NEAR(rows["cardio"].value, 250.00, 1e-9);
  EXPECT_NEAR(*rows["cardio"].roi, (250.0 - 161.80) / 161.80, 1e-12);
  EXPECT_NEAR(rows["resp"].cost, 9.40, 1e-9);
  EXPECT_NEAR(*rows["resp"].roi, (100.0 - 9.40) / 9.40, 1e-12);
  EXPECT_NEAR(rows[std::string(kNoKey)].cost, 36.10, 1e-9);
  EXPECT_NEAR(rows[std::string(kNoKey)].conversions, 0.0, 1e-12);
}

TEST_F(RoiTest, SegmentRowsFollowMembershipAtTheTimeOfEachContactAndConversion) {
  FillHandWorkedStore();
  RoiReport report = Roi(RoiDimension::kSegment);
  auto rows = ByKey(report);
  ASSERT_EQ(rows.size(), 3u);
  // loyal (p1 from day 0): e-mail 250, social 690, visit 10240; p1's conversion.
  EXPECT_EQ(rows["loyal"].name, "Loyal");
  EXPECT_EQ(rows["loyal"].contacts, 3);
  EXPECT_NEAR(rows["loyal"].cost, 111.80, 1e-9);
  EXPECT_NEAR(rows["loyal"].value, 200.00, 1e-9);
  EXPECT_NEAR(*rows["loyal"].roi, (200.0 - 111.80) / 111.80, 1e-12);
  // vip: p1 from day 4 (its visit, not its e-mail or social) and p4 until day 15.
  EXPECT_EQ(rows["vip"].name, "VIP");
  EXPECT_EQ(rows["vip"].contacts, 2);
  EXPECT_NEAR(rows["vip"].cost, 152.40, 1e-9);
  EXPECT_NEAR(rows["vip"].conversions, 2.0, 1e-12);
  EXPECT_NEAR(rows["vip"].value, 250.00, 1e-9);
  // (none): p2, p3 and the unallocated records.
  EXPECT_EQ(rows[std::string(kNoKey)].contacts, 5);
  EXPECT_NEAR(rows[std::string(kNoKey)].cost, 45.50, 1e-9);
  EXPECT_NEAR(rows[std::string(kNoKey)].value, 100.00, 1e-9);
  // Totals count p1's visit once although it is in two segments.
  EXPECT_NEAR(report.cost, 207.30, 1e-9);
  EXPECT_NEAR(report.conversions, 3.0, 1e-12);

  // A membership that began before the window still holds inside it; records that
  // cover no contact count for the part of their period inside the window.
  RoiOptions o;
  o.by = RoiDimension::kSegment;
  o.paths.since = Day(1);
  auto windowed = BuildRoiReport(*store_, catalog_, o);
  ASSERT_TRUE(windowed.ok());
  auto in_window = ByKey(*windowed);
  EXPECT_NEAR(in_window["vip"].conversions, 2.0, 1e-12);
  EXPECT_NEAR(in_window["loyal"].cost, 111.80, 1e-9);
  EXPECT_NEAR(windowed->unallocated_cost, (3000.0 * 30 / 31 + 500) / 100, 1e-9);
}

TEST_F(RoiTest, ChannelKpisCountReachEngagementConversionsAndClosesVersusAssists) {
  FillHandWorkedStore();
  auto report = BuildChannelKpis(*store_, catalog_, KpiOptions{});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  std::map<std::string, ChannelKpis> k;
  for (const ChannelKpis& c : report->channels) k[c.channel] = c;
  ASSERT_EQ(k.size(), 5u);
  EXPECT_EQ(report->reach, 4);
  EXPECT_EQ(report->conversions, 3);
  // Converting paths: p1 email > email > social > rep_visit, p2 social > email > web,
  // p4 rep_visit: 3 closes in 8 touches.
  EXPECT_NEAR(*report->baseline_close_share, 3.0 / 8, 1e-12);

  const ChannelKpis& email = k["email"];
  EXPECT_EQ(email.declared_role, "collaborative");
  EXPECT_EQ(email.reach, 3);
  EXPECT_EQ(email.contacts, 3);  // the open is a response, not a contact
  EXPECT_NEAR(*email.frequency, 1.0, 1e-12);
  EXPECT_EQ(email.responses, 1);
  EXPECT_NEAR(*email.engagement_rate, 1.0 / 3, 1e-12);
  EXPECT_EQ(email.conversions_touched, 2);
  EXPECT_EQ(email.converting_profiles, 2);  // p1 and p2; p3 never converts
  EXPECT_NEAR(*email.conversion_rate, 2.0 / 3, 1e-12);
  EXPECT_NEAR(email.cost, 5.30, 1e-9);
  EXPECT_NEAR(*email.cost_per_contact, 5.30 / 3, 1e-9);
  EXPECT_EQ(email.closes, 0);
  EXPECT_EQ(email.assists, 3);
  EXPECT_EQ(email.observed_role, "collaborative");

  const ChannelKpis& rep = k["rep_visit"];
  EXPECT_EQ(rep.declared_role, "direct");
  EXPECT_EQ(rep.reach, 2);
  EXPECT_EQ(rep.converting_profiles, 2);
  EXPECT_NEAR(*rep.conversion_rate, 1.0, 1e-12);
  EXPECT_NEAR(rep.cost, 150.00, 1e-9);
  EXPECT_NEAR(*rep.cost_per_contact, 75.00, 1e-9);
  EXPECT_EQ(rep.closes, 2);
  EXPECT_EQ(rep.assists, 0);
  EXPECT_NEAR(*rep.close_share, 1.0, 1e-12);
  EXPECT_EQ(rep.observed_role, "direct");

  EXPECT_EQ(k["social"].contacts, 3);
  EXPECT_EQ(k["social"].assists, 2);
  EXPECT_NEAR(k["social"].cost, 10.00, 1e-9);
  EXPECT_EQ(k["web"].responses, 1);  // a page view is a response by default
  EXPECT_NEAR(*k["web"].engagement_rate, 1.0, 1e-12);
  EXPECT_EQ(k["web"].closes, 1);
  EXPECT_EQ(k["web"].observed_role, "direct");
  // tv: a budget and nobody reached.
  EXPECT_EQ(k["tv"].reach, 0);
  EXPECT_FALSE(k["tv"].frequency);
  EXPECT_FALSE(k["tv"].close_share);
  EXPECT_EQ(k["tv"].observed_role, "");
  EXPECT_NEAR(k["tv"].cost, 30.00, 1e-9);

  KpiOptions no_pages;
  no_pages.response_events = {"Email Opened"};
  auto fewer = BuildChannelKpis(*store_, catalog_, no_pages);
  ASSERT_TRUE(fewer.ok());
  for (const ChannelKpis& c : fewer->channels) {
    if (c.channel == "web") {
      EXPECT_EQ(c.responses, 0);
    }
  }
}

TEST_F(RoiTest, ARecordThatRepeatsTheContactsOwnCostsAddsNothing) {
  // Three e-mails carrying 1 cent each and a monthly record summing them, as the demo
  // writes for per-contact channels; one more e-mail in February, no record, no own
  // cost: the catalog's 10.
  for (int d : {1, 2, 3}) Add(1, d, "email", "Email Sent", "", "", "", 1);
  Add(1, 40, "email", "Email Sent");
  Cost("email", "", 0, 31, 3);
  Commit();
  auto rows = ByKey(Roi(RoiDimension::kChannel));
  EXPECT_NEAR(rows["email"].cost, 0.13, 1e-12);
}

TEST_F(RoiTest, ARecordIsSpreadOverTheContactsWithoutACostOfTheirOwn) {
  // 1000 for four social contacts in January: one carries 400 itself, so the other 600
  // go to the three without a cost, 200 each; nobody gets the catalog's 100.
  Add(1, 1, "social", "Social Ad Engaged", "", "", "", 400);
  Add(2, 2, "social", "Social Ad Engaged");
  Add(3, 3, "social", "Social Ad Engaged");
  Add(4, 4, "social", "Social Ad Engaged");
  Cost("social", "", 0, 31, 1000);
  Commit();
  RoiOptions o;
  o.paths.since = Day(2);  // p1's contact is outside the window, but still in the record
  auto report = BuildRoiReport(*store_, catalog_, o);
  ASSERT_TRUE(report.ok());
  auto rows = ByKey(*report);
  EXPECT_EQ(rows["social"].contacts, 3);
  EXPECT_NEAR(rows["social"].cost, 6.00, 1e-12);
  EXPECT_NEAR(report->unallocated_cost, 0.0, 1e-12);
}

TEST_F(RoiTest, AProductFilterKeepsItsConversionsAndTheTouchesNamingItOrNone) {
  FillHandWorkedStore();
  RoiOptions o;
  o.model.model = "last";
  o.paths.filter.product = "cardio";
  auto report = BuildRoiReport(*store_, catalog_, o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  auto rows = ByKey(*report);
  // p2's resp contacts and order are left out; p2's page and p3's contacts name no
  // product and stay. Each contact costs what it costs unfiltered.
  EXPECT_EQ(rows["email"].contacts, 2);  // p1's and p3's (the open is a follow-up)
  EXPECT_NEAR(rows["email"].cost, 0.20, 1e-9);
  EXPECT_EQ(rows["social"].contacts, 2);  // p1's 450 and p3's 100
  EXPECT_NEAR(rows["social"].cost, 5.50, 1e-9);
  EXPECT_EQ(rows["web"].contacts, 1);
  EXPECT_EQ(rows["rep_visit"].contacts, 2);
  EXPECT_NEAR(rows["rep_visit"].cost, 150.00, 1e-9);
  // Both cardio orders close on a rep visit; p2's and p3's null journeys name no cardio.
  EXPECT_NEAR(rows["rep_visit"].conversions, 2.0, 1e-12);
  EXPECT_NEAR(rows["rep_visit"].value, 250.00, 1e-9);
  // R4's share of p1's three spring contacts; no record that no contact carries.
  EXPECT_NEAR(rows[std::string(kNoKey)].cost, 7.20, 1e-9);
  EXPECT_NEAR(rows[std::string(kNoKey)].conversions, 0.0, 1e-12);
  EXPECT_FALSE(rows.count("tv"));
  EXPECT_NEAR(report->unallocated_cost, 0.0, 1e-12);
  EXPECT_NEAR(report->cost, 162.90, 1e-9);
  EXPECT_NEAR(report->conversions, 2.0, 1e-12);
  EXPECT_NEAR(report->value, 250.00, 1e-9);
  EXPECT_NEAR(*report->roi, (250.0 - 162.90) / 162.90, 1e-12);
}

TEST_F(RoiTest, ASegmentFilterCountsWhatHappenedInsideItFromBeforeTheWindowOn) {
  FillHandWorkedStore();
  RoiOptions o;
  o.model.model = "last";
  o.paths.since = Day(1);
  o.paths.filter.segment = "VIP";
  auto report = BuildRoiReport(*store_, catalog_, o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  auto rows = ByKey(*report);
  // p1 is in VIP from day 4: its visit (10000 + R4's 240) and its order; its e-mail and
  // social ad came before. p4 entered on day 0, before the window: its visit and order.
  ASSERT_EQ(rows.size(), 4u);  // email and social: on p1's path, but no contact in VIP
  EXPECT_EQ(rows["email"].contacts, 0);
  EXPECT_NEAR(rows["email"].cost, 0.0, 1e-12);
  EXPECT_NEAR(rows["social"].conversions, 0.0, 1e-12);
  EXPECT_EQ(rows["rep_visit"].contacts, 2);
  EXPECT_NEAR(rows["rep_visit"].cost, 150.00, 1e-9);
  EXPECT_NEAR(rows["rep_visit"].conversions, 2.0, 1e-12);  // p1's path keeps its early touches
  EXPECT_NEAR(rows["rep_visit"].value, 250.00, 1e-9);
  EXPECT_NEAR(rows[std::string(kNoKey)].cost, 2.40, 1e-9);
  EXPECT_NEAR(report->cost, 152.40, 1e-9);
  EXPECT_NEAR(report->unallocated_cost, 0.0, 1e-12);
  EXPECT_NEAR(report->conversions, 2.0, 1e-12);
}

TEST_F(RoiTest, ACampaignFilterNarrowsKpisToItsTouchesAndTheConversionsTheyReach) {
  FillHandWorkedStore();
  KpiOptions o;
  o.paths.filter.campaign = "spring";
  auto report = BuildChannelKpis(*store_, catalog_, o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  std::map<std::string, ChannelKpis> k;
  for (const ChannelKpis& c : report->channels) k[c.channel] = c;
  // Spring reached p1 and p2, and both orders came after its touches; p4's order had no
  // spring touch. p2's page, p3's and p4's contacts are of no or another campaign; the
  // records of no campaign (tv, February's e-mail) are not spring's.
  ASSERT_EQ(k.size(), 3u);
  EXPECT_EQ(report->reach, 2);
  EXPECT_EQ(report->conversions, 2);
  // Paths: p1 email > email > social > rep_visit, p2 social > email: 2 closes in 6.
  EXPECT_NEAR(*report->baseline_close_share, 2.0 / 6, 1e-12);
  const ChannelKpis& email = k["email"];
  EXPECT_EQ(email.reach, 2);
  EXPECT_EQ(email.contacts, 2);
  EXPECT_EQ(email.responses, 1);
  EXPECT_NEAR(email.cost, 0.20, 1e-9);
  EXPECT_EQ(email.converting_profiles, 2);
  EXPECT_EQ(email.closes, 1);
  EXPECT_EQ(email.assists, 2);
  EXPECT_EQ(email.observed_role, "collaborative");  // exactly the baseline
  EXPECT_EQ(k["social"].contacts, 2);
  EXPECT_NEAR(k["social"].cost, 9.00, 1e-9);
  EXPECT_EQ(k["social"].assists, 2);
  EXPECT_EQ(k["rep_visit"].reach, 1);
  EXPECT_NEAR(k["rep_visit"].cost, 100.00, 1e-9);
  EXPECT_EQ(k["rep_visit"].closes, 1);
  EXPECT_EQ(k["rep_visit"].observed_role, "direct");
}

TEST(RoiParsing, DimensionsAndBadOptions) {
  EXPECT_EQ(*ParseRoiDimension("segment"), RoiDimension::kSegment);
  EXPECT_EQ(RoiDimensionName(RoiDimension::kCommunication), "communication");
  auto bad = ParseRoiDimension("region");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("channel, campaign"), std::string::npos);
}

TEST(RoiParsing, JsonStringMemberReadsTopLevelStringsOnly) {
  using internal::JsonStringMember;
  std::string json = R"({"a":{"segment_id":"inner"},"list":[1,"x]",{"b":2}],)"
                     R"("n":-1.5e3,"segment_id":"s\u00e9g \"1\"","t":true})";
  EXPECT_EQ(JsonStringMember(json, "segment_id"), "s\xc3\xa9g \"1\"");
  EXPECT_EQ(JsonStringMember(json, "n"), std::nullopt);        // not a string
  EXPECT_EQ(JsonStringMember(json, "missing"), std::nullopt);  // not there
  EXPECT_EQ(JsonStringMember("[1]", "a"), std::nullopt);
  EXPECT_EQ(JsonStringMember(R"({"a":"\ud83d\ude00"})", "a"), "\xf0\x9f\x98\x80");
  EXPECT_EQ(JsonStringMember(R"({"a":"unterminated)", "a"), std::nullopt);
}

// The demo population: what each channel costs is fixed by the generator's model
// (docs/demo-data.md): per-contact channels cost their contacts times the catalog's
// cost per contact, carried on the events; budget channels cost their monthly budget
// records; campaign production records belong to no channel.
class RoiDemoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    store_ = std::move(OpenSqliteStore(dir_->path())).value().release();
    ManualClock clock(*ParseTimestamp("2026-11-02T00:00:00Z"));
    auto service = std::move(ProfileService::Create(*store_, clock, {})).value();
    DemoOptions options;
    options.profiles = 300;
    ASSERT_TRUE(LoadDemo(*service, options).ok());
  }
  static void TearDownTestSuite() {
    delete store_;
    delete dir_;
  }
  static testing::TempDir* dir_;
  static Store* store_;
  ChannelCatalog catalog_ = ChannelCatalog::Builtin();
};
testing::TempDir* RoiDemoTest::dir_ = nullptr;
Store* RoiDemoTest::store_ = nullptr;

TEST_F(RoiDemoTest, ChannelAndCampaignCostsAreTheGeneratorsCosts) {
  // The generator's side: contacts per channel (its own definition of a contact) times
  // its cost per contact, and its cost records by source.
  std::map<std::string, double> per_contact, records_by_channel, budget, by_campaign;
  std::map<std::string, int64_t> contacts;
  double production = 0, all_records = 0, no_campaign = 0;
  auto count_contact = [&](const Event& e) {
    for (const demo::ChannelModel& m : demo::kChannels) {
      if (m.id != e.channel) continue;
      // web and app: every page and screen; store: none (it only closes orders).
      bool contact = m.contact_event.empty() ? m.type != EventType::kTrack && e.type == m.type
                                             : e.name == m.contact_event;
      if (!contact) continue;
      ++contacts[e.channel];
      if (m.costing == demo::Costing::kPerContact) {
        per_contact[e.channel] += static_cast<double>(m.cost_per_contact_minor);
      }
    }
    return true;
  };
  ASSERT_TRUE(store_->ScanEventsByProfile(std::nullopt, std::nullopt, count_contact).ok());
  auto add_record = [&](const CostRecord& r) {
    double amount = static_cast<double>(r.amount_minor);
    all_records += amount;
    by_campaign[r.campaign] += amount;
    if (r.campaign.empty()) no_campaign += amount;
    if (r.source == "demo:campaign") production += amount;
    if (r.source == "demo:budget") budget[r.channel] += amount;
    if (r.source != "demo:campaign") records_by_channel[r.channel] += amount;
  };
  ASSERT_TRUE(store_->ScanCosts(add_record).ok());
  ASSERT_GT(production, 0);
  ASSERT_GT(budget["tv"], 0);

  RoiOptions o;
  o.model.model = "markov";
  auto report = BuildRoiReport(*store_, catalog_, o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  std::map<std::string, RoiRow> rows;
  for (const RoiRow& r : report->rows) rows[r.key] = r;
  for (const demo::ChannelModel& m : demo::kChannels) {
    std::string id(m.id);
    double expected = per_contact[id] + budget[id];
    EXPECT_NEAR(rows[id].cost * 100, expected, 1e-3) << id;  // cents
    EXPECT_NEAR(rows[id].cost * 100, records_by_channel[id], 1e-3) << id;
    EXPECT_EQ(rows[id].contacts, contacts[id]) << id;
  }
  EXPECT_NEAR(rows[std::string(kNoKey)].cost * 100, production, 1e-3);
  EXPECT_NEAR(report->cost * 100, all_records, 1e-3);
  EXPECT_NEAR(report->unallocated_cost, 0.0, 1e-9);  // every record covers some contact

  RoiOptions by_campaign_options;
  by_campaign_options.by = RoiDimension::kCampaign;
  auto campaigns = BuildRoiReport(*store_, catalog_, by_campaign_options);
  ASSERT_TRUE(campaigns.ok());
  double attributed = 0;
  for (const RoiRow& r : campaigns->rows) {
    double expected = r.key == kNoKey ? no_campaign : by_campaign[r.key];
    EXPECT_NEAR(r.cost * 100, expected, 1e-3) << r.key;
    attributed += r.conversions;
  }
  EXPECT_NEAR(attributed, report->conversions, 1e-6);
  EXPECT_NEAR(campaigns->cost, report->cost, 1e-5);
}

TEST_F(RoiDemoTest, KpisAgreeWithTheRoiReportAndTheGeneratorsContacts) {
  auto kpis = BuildChannelKpis(*store_, catalog_, KpiOptions{});
  ASSERT_TRUE(kpis.ok()) << kpis.status().ToString();
  RoiOptions o;
  o.model.model = "last";
  auto roi = BuildRoiReport(*store_, catalog_, o);
  ASSERT_TRUE(roi.ok());
  std::map<std::string, RoiRow> rows;
  for (const RoiRow& r : roi->rows) rows[r.key] = r;
  int64_t closes = 0;
  for (const ChannelKpis& k : kpis->channels) {
    EXPECT_NEAR(k.cost, rows[k.channel].cost, 1e-6) << k.channel;
    EXPECT_EQ(k.contacts, rows[k.channel].contacts) << k.channel;
    // The last-touch model credits exactly the closes.
    EXPECT_NEAR(static_cast<double>(k.closes), rows[k.channel].conversions, 1e-9) << k.channel;
    EXPECT_LE(k.reach, 300);
    closes += k.closes;
    if (k.channel == "email") {
      // 25% of e-mails are opened and 20% of those clicked.
      EXPECT_GT(*k.engagement_rate, 0.2);
      EXPECT_LT(*k.engagement_rate, 0.4);
    }
    if (k.channel == "webinar") {
      EXPECT_NEAR(*k.engagement_rate, 1.0, 1e-12);
    }
  }
  EXPECT_GE(kpis->reach, 290);  // nearly every HCP is contacted within the year
  EXPECT_LE(closes, kpis->conversions);
}

}  // namespace
}  // namespace unisono::analytics
