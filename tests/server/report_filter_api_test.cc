// The report filter and the engagement quadrants over real HTTP: every report family
// takes segment, product and campaign, narrows its numbers and echoes the filter.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "server/server.h"
#include "support/api_world.h"

namespace unisono {
namespace {

namespace json = boost::json;
using testing::HttpClient;
using testing::TempDir;

Timestamp Day(int d) { return *ParseTimestamp("2026-05-01T00:00:00Z") + std::chrono::days(d); }

class ReportFilterApiTest : public testing::ApiWorld {
 protected:
  // a: in VIP; an e-mail and a rep visit about cardio, a cardio order of 100.00.
  // b: not in VIP; an e-mail about resp, a resp order of 50.00.
  // c: in VIP; a web page (no product), a resp order of 30.00.
  void SetUp() override {
    OpenStore();
    Enter(1, 0);
    Add(1, 1, "email", "Email Sent", "cardio");
    Add(1, 2, "rep_visit", "Rep Visit", "cardio");
    Convert(1, 3, 10000, "cardio");
    Add(2, 1, "email", "Email Sent", "resp");
    Convert(2, 2, 5000, "resp");
    Enter(3, 0);
    Add(3, 1, "web", "Home", "", EventType::kPage);
    Convert(3, 2, 3000, "resp");
    ASSERT_TRUE(store_->Apply(batch_).ok());

    OpenProfiles();
    StartServer(Deps());
  }
  Event& Add(int64_t profile, int day, const std::string& channel, const std::string& name,
             const std::string& product = "", EventType type = EventType::kTrack) {
    if (profile > static_cast<int64_t>(batch_.profiles.size())) {
      batch_.profiles.push_back({profile, Day(0)});
    }
    Event& e = batch_.events.emplace_back();
    e.type = type;
    e.message_id = "m" + std::to_string(batch_.events.size());
    e.profile_id = profile;
    e.user_id = std::string(1, static_cast<char>('a' + profile - 1));
    e.name = name;
    e.channel = channel;
    e.product = product;
    e.timestamp = e.original_timestamp = e.received_at = Day(day);
    return e;
  }
  void Convert(int64_t profile, int day, int64_t value_minor, const std::string& product) {
    Event& e = Add(profile, day, "unknown", "Order Completed", product);
    e.value_minor = value_minor;
    e.currency = "EUR";
    e.stage = "purchase";
  }
  void Enter(int64_t profile, int day) {
    Event& e = Add(profile, day, "unknown", "segment_entered");
    e.source = "segment";
    e.properties_json = R"({"segment_id":"seg_1","segment_name":"VIP","version":1})";
  }
  json::object Get(const std::string& target) {
    auto r = client_->Send("GET", target, "");
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return r.status == 200 ? json::parse(r.body).as_object() : json::object{};
  }
  std::string BadField(const std::string& target) {
    auto r = client_->Send("GET", target, "");
    EXPECT_EQ(r.status, 400) << target << ": " << r.body;
    if (r.status != 400) return "";
    auto error = json::parse(r.body).as_object()["error"].as_object();
    return error.contains("field") ? std::string(error["field"].as_string()) : "";
  }
  static double D(const json::value& v) { return v.to_number<double>(); }
  static const json::value kEchoed;

  WriteBatch batch_;
};
const json::value ReportFilterApiTest::kEchoed =
    json::parse(R"({"segment":"VIP","product":"cardio","campaign":null})");

TEST_F(ReportFilterApiTest, PathsAndAttributionNarrowToTheSegmentAndProduct) {
  auto all = Get("/v1/reports/paths");
  EXPECT_EQ(all["items"].as_array().size(), 3u);
  EXPECT_EQ(all["summary"].as_object()["conversions"].as_int64(), 3);
  EXPECT_EQ(all["filter"], json::parse(R"({"segment":null,"product":null,"campaign":null})"));

  // b is not in VIP; c's order is resp's, and its page names no cardio.
  auto vip = Get("/v1/reports/paths?segment=VIP&product=cardio");
  auto items = vip["items"].as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].as_object()["path"], json::parse(R"(["email","rep_visit"])"));
  auto summary = vip["summary"].as_object();
  EXPECT_EQ(summary["conversions"].as_int64(), 1);
  EXPECT_EQ(summary["filtered_out"].as_int64(), 1);
  EXPECT_EQ(summary["null_paths"].as_int64(), 0);
  EXPECT_EQ(vip["filter"], kEchoed);

  auto attribution = Get("/v1/reports/attribution?model=last&segment=%20VIP%20&product=cardio");
  EXPECT_EQ(D(attribution["total_conversions"]), 1.0);
  EXPECT_EQ(D(attribution["total_value"]), 100.0);
  EXPECT_EQ(attribution["filter"], kEchoed);  // trimmed
}

TEST_F(ReportFilterApiTest, JourneyReportsNarrowAndEchoTheFilter) {
  auto customers = Get("/v1/reports/customers?segment=VIP&product=cardio");
  auto items = customers["items"].as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].as_object()["user_id"].as_string(), "a");
  EXPECT_EQ(D(customers["total_value"]), 100.0);
  EXPECT_EQ(customers["summary"].as_object()["filtered_out"].as_int64(), 1);
  EXPECT_EQ(customers["filter"], kEchoed);
  EXPECT_EQ(D(Get("/v1/reports/customers")["total_value"]), 180.0);

  auto transitions = Get("/v1/reports/transitions?segment=seg_1&product=cardio");
  EXPECT_EQ(transitions["journeys"].as_int64(), 1);
  EXPECT_EQ(transitions["filter"].as_object()["segment"].as_string(), "seg_1");

  auto funnel = Get("/v1/reports/funnel?stages=purchase&segment=VIP&product=cardio");
  EXPECT_EQ(funnel["items"].as_array()[0].as_object()["profiles"].as_int64(), 1);
  EXPECT_EQ(funnel["filter"], kEchoed);
  EXPECT_EQ(Get("/v1/reports/funnel?stages=purchase")["items"]
                .as_array()[0]
                .as_object()["profiles"]
                .as_int64(),
            3);
  auto nobody = Get("/v1/reports/leaks?segment=nobody");
  EXPECT_EQ(nobody["journeys"].as_int64(), 0);
}

TEST_F(ReportFilterApiTest, RoiAndKpisNarrowAndEchoTheFilter) {
  auto roi = Get("/v1/reports/roi?by=channel&model=last&segment=VIP&product=cardio");
  std::map<std::string, json::object> rows;
  for (auto& item : roi["items"].as_array()) {
    rows[std::string(item.as_object()["channel"].as_string())] = item.as_object();
  }
  // a's e-mail (0.01) and visit (150.00), c's page (0.01); a's order closes on the visit.
  EXPECT_EQ(rows["email"]["contacts"].as_int64(), 1);
  EXPECT_EQ(rows["web"]["contacts"].as_int64(), 1);
  EXPECT_EQ(D(rows["rep_visit"]["conversions"]), 1.0);
  EXPECT_EQ(D(rows["rep_visit"]["value"]), 100.0);
  auto totals = roi["totals"].as_object();
  EXPECT_NEAR(D(totals["cost"]), 150.02, 1e-9);
  EXPECT_EQ(D(totals["conversions"]), 1.0);
  EXPECT_EQ(roi["filter"], kEchoed);
  EXPECT_EQ(D(Get("/v1/reports/roi?model=last")["totals"].as_object()["conversions"]), 3.0);

  auto kpis = Get("/v1/reports/kpis?segment=VIP&product=cardio");
  EXPECT_EQ(kpis["reach"].as_int64(), 2);  // a and c
  EXPECT_EQ(kpis["conversions"].as_int64(), 1);
  EXPECT_EQ(kpis["filter"], kEchoed);
  auto everyone = Get("/v1/reports/kpis");
  EXPECT_EQ(everyone["reach"].as_int64(), 3);
  EXPECT_EQ(everyone["conversions"].as_int64(), 3);
  EXPECT_EQ(BadField("/v1/reports/kpis?since=yesterday&segment=VIP"), "since");
}

TEST_F(ReportFilterApiTest, QuadrantsAsJsonAndCsv) {
  auto body = Get(
      "/v1/reports/quadrants?segment=VIP&product=cardio&online_threshold=1&offline_threshold=1");
  EXPECT_EQ(body["customers"].as_int64(), 2);
  EXPECT_EQ(body["thresholds"], json::parse(R"({"online":1.0,"offline":1.0,
      "online_from_median":false,"offline_from_median":false})"));
  EXPECT_EQ(body["filter"], kEchoed);
  std::map<std::string, json::object> quadrants;
  for (auto& q : body["quadrants"].as_array()) {
    quadrants[std::string(q.as_object()["quadrant"].as_string())] = q.as_object();
  }
  ASSERT_EQ(quadrants.size(), 4u);
  // a: a rep visit (offline engagement) and an e-mail sent (no engagement): personal.
  // c: a page view (online engagement): digital.
  EXPECT_EQ(quadrants["personal"]["customers"].as_int64(), 1);
  EXPECT_EQ(D(quadrants["personal"]["value"]), 100.0);
  EXPECT_EQ(D(quadrants["personal"]["offline_cost"]), 150.0);
  EXPECT_EQ(quadrants["digital"]["customers"].as_int64(), 1);
  EXPECT_EQ(quadrants["digital"]["conversions"].as_int64(), 0);
  EXPECT_TRUE(quadrants["omnichannel"]["conversion_rate"].is_null());
  auto items = body["items"].as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].as_object()["profile_id"].as_string(), "p_1");
  EXPECT_EQ(items[0].as_object()["quadrant"].as_string(), "personal");
  EXPECT_EQ(items[1].as_object()["user_id"].as_string(), "c");

  auto csv = client_->Send("GET", "/v1/reports/quadrants?format=csv&table=customers&limit=1", "");
  EXPECT_EQ(csv.headers["content-type"], "text/csv");
  EXPECT_EQ(csv.body,
            "profile_id,user_id,online_engagements,offline_engagements,online_contacts,"
            "offline_contacts,online_cost,offline_cost,conversions,value,quadrant\n"
            "p_1,a,0,1,1,1,0.01,150,1,100,personal\n");
  auto table = client_->Send("GET", "/v1/reports/quadrants?format=csv", "");
  EXPECT_EQ(table.body.substr(0, table.body.find(',')), "quadrant");
  EXPECT_EQ(std::count(table.body.begin(), table.body.end(), '\n'), 5);
}

TEST_F(ReportFilterApiTest, BadQuadrantParametersNameTheField) {
  EXPECT_EQ(BadField("/v1/reports/quadrants?quadrant=hybrid"), "quadrant");
  EXPECT_EQ(BadField("/v1/reports/quadrants?online_threshold=-1"), "online_threshold");
  EXPECT_EQ(BadField("/v1/reports/quadrants?offline_threshold=lots"), "offline_threshold");
  EXPECT_EQ(BadField("/v1/reports/quadrants?limit=-2"), "limit");
  EXPECT_EQ(BadField("/v1/reports/quadrants?limit=ten"), "limit");
  EXPECT_EQ(BadField("/v1/reports/quadrants?format=csv&table=everything"), "table");
  EXPECT_EQ(BadField("/v1/reports/quadrants?until=never"), "until");
  EXPECT_EQ(client_->Send("POST", "/v1/reports/quadrants", "").status, 404);
}

}  // namespace
}  // namespace unisono
