// Engagement quadrants over a real SQLite event log: four customers, one per quadrant,
// every number worked out by hand; the median thresholds; channels missing from the
// catalog; and the demo population.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "analytics/analytics.h"
#include "demo/demo.h"
#include "profile/profile.h"
#include "support/test_support.h"

namespace unisono::analytics {
namespace {

Timestamp Day(int d) { return *ParseTimestamp("2026-03-01T00:00:00Z") + std::chrono::days(d); }

// Costs in cents. Online: email (one-way, 0.10), web (inbound, free). Offline: rep_visit
// (personal, 50.00), call_center (both ways, 8.00), tv (mass media, 2.00).
constexpr const char* kCatalog = R"(
[[channel]]
id = "email"
family = "messaging"
online = true
cost_per_contact = 10
[[channel]]
id = "web"
family = "owned_digital"
online = true
direction = "inbound"
[[channel]]
id = "rep_visit"
family = "personal"
cost_per_contact = 5000
[[channel]]
id = "call_center"
family = "remote"
direction = "both"
cost_per_contact = 800
[[channel]]
id = "tv"
family = "mass_media"
cost_per_contact = 200
)";

class QuadrantsTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = std::move(OpenSqliteStore(dir_.path())).value(); }

  Event& Add(int64_t profile, int day, const std::string& channel, const std::string& name,
             EventType type = EventType::kTrack) {
    if (known_.insert(profile).second) batch_.profiles.push_back({profile, Day(0)});
    Event& e = batch_.events.emplace_back();
    e.type = type;
    e.message_id = "m" + std::to_string(batch_.events.size());
    e.profile_id = profile;
    e.user_id = "u" + std::to_string(profile);
    e.name = name;
    e.channel = channel;
    e.timestamp = e.original_timestamp = e.received_at = Day(day);
    return e;
  }
  void Convert(int64_t profile, int day, int64_t value_minor) {
    Add(profile, day, "unknown", "Order Completed").value_minor = value_minor;
  }
  // One customer per quadrant (engaged online at 2, offline at 1):
  //   p1 omnichannel: e-mail sent, opened (a response), a page (inbound), a rep visit
  //      (personal), an order of 100.00, and a fax (not in the catalog).
  //   p2 digital: e-mail sent, opened, clicked, a tv spot (a contact, no engagement),
  //      an order of 40.00.
  //   p3 personal: a rep visit, a call (both ways), an e-mail sent.
  //   p4 disengaged: a tv spot, two e-mails sent, an order of 10.00 anyway.
  //   p5: only a carrier pigeon, which the catalog does not know: not a customer.
  void FourCustomers() {
    Add(1, 1, "email", "Email Sent");
    Add(1, 2, "email", "Email Opened");
    Add(1, 3, "web", "Home", EventType::kPage);
    Add(1, 4, "rep_visit", "Rep Visit");
    Convert(1, 5, 10000);
    Add(1, 6, "fax", "Fax Sent");
    Add(2, 1, "email", "Email Sent");
    Add(2, 2, "email", "Email Opened");
    Add(2, 3, "email", "Email Clicked");
    Add(2, 4, "tv", "TV Spot");
    Convert(2, 6, 4000);
    Add(3, 1, "rep_visit", "Rep Visit");
    Add(3, 2, "call_center", "Call Completed");
    Add(3, 3, "email", "Email Sent");
    Add(4, 1, "tv", "TV Spot");
    Add(4, 2, "email", "Email Sent");
    Add(4, 3, "email", "Email Sent");
    Convert(4, 5, 1000);
    Add(5, 1, "pigeon", "Message Delivered");
  }
  Store& Stored() {
    if (!batch_.events.empty()) {
      EXPECT_TRUE(store_->Apply(batch_).ok());
      batch_ = WriteBatch{};
    }
    return *store_;
  }
  QuadrantReport Build(const QuadrantOptions& o) {
    auto r = BuildEngagementQuadrants(Stored(), catalog_, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : QuadrantReport{};
  }
  static QuadrantOptions Thresholds(double online, double offline) {
    QuadrantOptions o;
    o.online_threshold = online;
    o.offline_threshold = offline;
    return o;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  ChannelCatalog catalog_ = ChannelCatalog::FromToml(kCatalog, "test").value();
  WriteBatch batch_;
  std::set<int64_t> known_;
};

TEST_F(QuadrantsTest, OneCustomerPerQuadrantWithEveryNumber) {
  FourCustomers();
  QuadrantReport r = Build(Thresholds(2, 1));
  EXPECT_EQ(r.online_threshold, 2);
  EXPECT_EQ(r.offline_threshold, 1);
  EXPECT_FALSE(r.online_threshold_is_median);
  EXPECT_EQ(r.customers, 4);
  EXPECT_EQ(r.currency, "EUR");
  EXPECT_EQ(r.unknown_channel_events, 2);
  EXPECT_EQ(r.unknown_channels, (std::vector<std::string>{"fax", "pigeon"}));
  ASSERT_EQ(r.quadrants.size(), 4u);

  const QuadrantRow& omni = r.quadrants[0];
  EXPECT_EQ(omni.quadrant, Quadrant::kOmnichannel);
  EXPECT_EQ(omni.customers, 1);
  EXPECT_DOUBLE_EQ(*omni.share, 0.25);
  EXPECT_DOUBLE_EQ(*omni.online_engagements, 2);   // the open and the page
  EXPECT_DOUBLE_EQ(*omni.offline_engagements, 1);  // the visit
  EXPECT_DOUBLE_EQ(*omni.online_contacts, 2);      // the send and the page
  EXPECT_DOUBLE_EQ(*omni.offline_contacts, 1);
  EXPECT_NEAR(*omni.online_cost, 0.10, 1e-12);
  EXPECT_NEAR(*omni.offline_cost, 50.00, 1e-12);
  EXPECT_EQ(omni.converting_customers, 1);
  EXPECT_DOUBLE_EQ(*omni.conversion_rate, 1.0);
  EXPECT_EQ(omni.conversions, 1);
  EXPECT_DOUBLE_EQ(omni.value, 100.0);
  EXPECT_DOUBLE_EQ(*omni.value_per_customer, 100.0);

  const QuadrantRow& digital = r.quadrants[1];
  EXPECT_EQ(digital.quadrant, Quadrant::kDigital);
  EXPECT_EQ(digital.customers, 1);
  EXPECT_DOUBLE_EQ(*digital.online_engagements, 2);   // opened, clicked
  EXPECT_DOUBLE_EQ(*digital.offline_engagements, 0);  // a tv spot engages nobody
  EXPECT_DOUBLE_EQ(*digital.online_contacts, 1);      // the opens and clicks are follow-ups
  EXPECT_DOUBLE_EQ(*digital.offline_contacts, 1);
  EXPECT_NEAR(*digital.online_cost, 0.10, 1e-12);
  EXPECT_NEAR(*digital.offline_cost, 2.00, 1e-12);
  EXPECT_DOUBLE_EQ(digital.value, 40.0);

  const QuadrantRow& personal = r.quadrants[2];
  EXPECT_EQ(personal.quadrant, Quadrant::kPersonal);
  EXPECT_DOUBLE_EQ(*personal.online_engagements, 0);
  EXPECT_DOUBLE_EQ(*personal.offline_engagements, 2);  // the visit and the call
  EXPECT_DOUBLE_EQ(*personal.offline_contacts, 2);
  EXPECT_NEAR(*personal.offline_cost, 58.00, 1e-12);
  EXPECT_EQ(personal.converting_customers, 0);
  EXPECT_DOUBLE_EQ(*personal.conversion_rate, 0.0);
  EXPECT_DOUBLE_EQ(*personal.value_per_customer, 0.0);

  const QuadrantRow& disengaged = r.quadrants[3];
  EXPECT_EQ(disengaged.quadrant, Quadrant::kDisengaged);
  EXPECT_DOUBLE_EQ(*disengaged.online_engagements, 0);
  EXPECT_DOUBLE_EQ(*disengaged.offline_engagements, 0);
  EXPECT_DOUBLE_EQ(*disengaged.online_contacts, 2);
  EXPECT_NEAR(*disengaged.online_cost, 0.20, 1e-12);
  EXPECT_EQ(disengaged.conversions, 1);
  EXPECT_DOUBLE_EQ(disengaged.value, 10.0);

  // The customer list: most value first.
  ASSERT_EQ(r.list.size(), 4u);
  std::vector<int64_t> order;
  for (const auto& c : r.list) order.push_back(c.profile_id);
  EXPECT_EQ(order, (std::vector<int64_t>{1, 2, 4, 3}));
  const QuadrantCustomer& first = r.list[0];
  EXPECT_EQ(first.user_id, "u1");
  EXPECT_EQ(first.online_engagements, 2);
  EXPECT_EQ(first.offline_engagements, 1);
  EXPECT_EQ(first.online_contacts, 2);
  EXPECT_EQ(first.offline_contacts, 1);
  EXPECT_NEAR(first.offline_cost, 50.00, 1e-12);
  EXPECT_EQ(first.conversions, 1);
  EXPECT_EQ(first.quadrant, Quadrant::kOmnichannel);
  EXPECT_EQ(r.list[3].quadrant, Quadrant::kPersonal);
}

TEST_F(QuadrantsTest, TheListCanBeOneQuadrantAndLimited) {
  FourCustomers();
  QuadrantOptions o = Thresholds(2, 1);
  o.quadrant = Quadrant::kPersonal;
  QuadrantReport personal = Build(o);
  ASSERT_EQ(personal.list.size(), 1u);
  EXPECT_EQ(personal.list[0].profile_id, 3);
  EXPECT_EQ(personal.quadrants[0].customers, 1);  // the quadrants still count everyone
  o = Thresholds(2, 1);
  o.limit = 2;
  QuadrantReport top = Build(o);
  ASSERT_EQ(top.list.size(), 2u);
  EXPECT_EQ(top.list[1].profile_id, 2);
  // A threshold of 0 engages everyone on that axis.
  QuadrantReport everyone = Build(Thresholds(0, 0));
  EXPECT_EQ(everyone.quadrants[0].customers, 4);
}

TEST_F(QuadrantsTest, DefaultThresholdsAreTheMedianButAtLeastOne) {
  // Online engagements (page views) 0, 1, 3, 4, 6: the median is 3. Nobody engages
  // offline (tv spots only): the median 0 is raised to 1, so nobody is engaged there.
  int views[] = {0, 1, 3, 4, 6};
  for (int p = 1; p <= 5; ++p) {
    Add(p, 1, "tv", "TV Spot");
    for (int v = 0; v < views[p - 1]; ++v) Add(p, 2 + v, "web", "Home", EventType::kPage);
  }
  QuadrantReport r = Build(QuadrantOptions{});
  EXPECT_TRUE(r.online_threshold_is_median);
  EXPECT_DOUBLE_EQ(r.online_threshold, 3);
  EXPECT_DOUBLE_EQ(r.offline_threshold, 1);
  EXPECT_EQ(r.quadrants[1].customers, 3);  // digital: 3, 4 and 6 views
  EXPECT_EQ(r.quadrants[3].customers, 2);
  EXPECT_DOUBLE_EQ(*r.quadrants[1].online_engagements, (3 + 4 + 6) / 3.0);
  // Given on one axis, the median on the other.
  QuadrantOptions o;
  o.online_threshold = 1;
  QuadrantReport half = Build(o);
  EXPECT_FALSE(half.online_threshold_is_median);
  EXPECT_TRUE(half.offline_threshold_is_median);
  EXPECT_EQ(half.quadrants[1].customers, 4);
}

TEST_F(QuadrantsTest, FiltersAndBadOptions) {
  FourCustomers();
  Add(2, 3, "rep_visit", "Rep Visit").campaign = "spring";
  QuadrantOptions o = Thresholds(2, 1);
  o.paths.filter.campaign = "spring";
  QuadrantReport spring = Build(o);
  EXPECT_EQ(spring.customers, 1);  // only p2's visit; its order came after it
  EXPECT_EQ(spring.quadrants[2].customers, 1);
  EXPECT_EQ(spring.quadrants[2].conversions, 1);

  auto field = [&](const QuadrantOptions& bad) {
    auto r = BuildEngagementQuadrants(Stored(), catalog_, bad);
    return r.ok() ? std::string("ok") : r.status().field();
  };
  QuadrantOptions bad = Thresholds(-1, 1);
  EXPECT_EQ(field(bad), "online_threshold");
  bad = Thresholds(1, std::nan(""));
  EXPECT_EQ(field(bad), "offline_threshold");
  bad = QuadrantOptions{};
  bad.limit = -1;
  EXPECT_EQ(field(bad), "limit");
  EXPECT_EQ(*ParseQuadrant("digital"), Quadrant::kDigital);
  auto unknown = ParseQuadrant("hybrid");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("omnichannel, digital, personal, disengaged"),
            std::string::npos);
  // Nothing in the report is not an error.
  QuadrantOptions nobody;
  nobody.paths.filter.segment = "nobody";
  QuadrantReport empty = Build(nobody);
  EXPECT_EQ(empty.customers, 0);
  EXPECT_DOUBLE_EQ(empty.online_threshold, 1);
  EXPECT_FALSE(empty.quadrants[0].share);
}

// The demo population: every customer is in exactly one quadrant, and the list is in order.
TEST(QuadrantsDemo, QuadrantsAddUpToTheCustomersAndTheListIsByValue) {
  testing::TempDir dir;
  auto store = std::move(OpenSqliteStore(dir.path())).value();
  ManualClock clock(*ParseTimestamp("2026-11-02T00:00:00Z"));
  auto profiles = std::move(ProfileService::Create(*store, clock, {})).value();
  DemoOptions demo;
  demo.profiles = 150;
  ASSERT_TRUE(LoadDemo(*profiles, demo).ok());
  auto r = BuildEngagementQuadrants(*store, ChannelCatalog::Builtin(), QuadrantOptions{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GE(r->customers, 140);
  EXPECT_LE(r->customers, 150);
  EXPECT_EQ(r->unknown_channel_events, 0);  // the demo speaks the built-in catalog
  int64_t in_quadrants = 0, converting = 0;
  double value = 0;
  for (const QuadrantRow& q : r->quadrants) {
    in_quadrants += q.customers;
    converting += q.converting_customers;
    value += q.value;
  }
  EXPECT_EQ(in_quadrants, r->customers);
  ASSERT_EQ(static_cast<int64_t>(r->list.size()), r->customers);
  std::map<Quadrant, int64_t> listed;
  double listed_value = 0;
  int64_t listed_converting = 0;
  for (size_t i = 0; i < r->list.size(); ++i) {
    const QuadrantCustomer& c = r->list[i];
    ++listed[c.quadrant];
    listed_value += c.value;
    listed_converting += c.conversions > 0;
    bool online = c.online_engagements >= r->online_threshold;
    bool offline = c.offline_engagements >= r->offline_threshold;
    Quadrant expected = online && offline ? Quadrant::kOmnichannel
                        : online          ? Quadrant::kDigital
                        : offline         ? Quadrant::kPersonal
                                          : Quadrant::kDisengaged;
    EXPECT_EQ(c.quadrant, expected) << c.profile_id;
    if (i > 0) {
      const QuadrantCustomer& before = r->list[i - 1];
      EXPECT_TRUE(before.value > c.value ||
                  (before.value == c.value && before.profile_id < c.profile_id))
          << i;
    }
  }
  for (const QuadrantRow& q : r->quadrants) EXPECT_EQ(listed[q.quadrant], q.customers);
  EXPECT_NEAR(listed_value, value, 1e-6);
  EXPECT_EQ(listed_converting, converting);
  // The median thresholds split the population: both axes have engaged customers.
  EXPECT_GT(r->quadrants[0].customers, 0);
  EXPECT_GT(r->quadrants[3].customers, 0);
}

}  // namespace
}  // namespace unisono::analytics
