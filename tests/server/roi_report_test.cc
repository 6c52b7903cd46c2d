// /v1/reports/roi and /v1/reports/kpis on the real server, over real HTTP.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "server/server.h"
#include "support/api_world.h"

namespace unisono {
namespace {

namespace json = boost::json;
using testing::HttpClient;
using testing::TempDir;

class RoiReportTest : public testing::ApiWorld {
 protected:
  void SetUp() override {
    OpenStore();
    // 20.00 EUR of social budget for campaign spring in May 2026.
    WriteBatch costs;
    costs.costs.push_back({"social", "spring", *ParseTimestamp("2026-05-01"),
                           *ParseTimestamp("2026-06-01"), 2000, "EUR", "test"});
    ASSERT_TRUE(store_->Apply(costs).ok());
    OpenProfiles();
    StartServer(Deps());
    // a: an e-mail carrying its own 0.50, the social ad, an order of 100.00;
    // b: an SMS at the built-in catalog's 0.06.
    ASSERT_EQ(client_
                  ->Post("/v1/batch", R"({"batch":[
      {"type":"track","userId":"a","event":"Email Sent","timestamp":"2026-05-01T00:00:00Z",
       "context":{"channel":"email"},"properties":{"campaign":"spring","cost":0.50}},
      {"type":"track","userId":"a","event":"Social Ad Engaged","timestamp":"2026-05-02T00:00:00Z",
       "context":{"channel":"social"},"properties":{"campaign":"spring"}},
      {"type":"track","userId":"a","event":"Order Completed","timestamp":"2026-05-03T00:00:00Z",
       "properties":{"value":100}},
      {"type":"track","userId":"b","event":"SMS Sent","timestamp":"2026-05-01T00:00:00Z",
       "context":{"channel":"sms"}}]})")
                  .status,
              200);
  }
  json::object Get(const std::string& target, int status = 200) {
    auto r = client_->Send("GET", target, "");
    EXPECT_EQ(r.status, status) << target << ": " << r.body;
    return json::parse(r.body).as_object();
  }
  std::string ErrorField(const std::string& target) {
    json::object body = Get(target, 400);
    return std::string(body["error"].as_object()["field"].as_string());
  }
};

TEST_F(RoiReportTest, RoiPerChannelAsJsonAndPerCampaignAsCsv) {
  json::object body = Get("/v1/reports/roi?by=channel&model=last");
  EXPECT_EQ(body["by"].as_string(), "channel");
  EXPECT_EQ(body["model"].as_string(), "last");
  EXPECT_EQ(body["currency"].as_string(), "EUR");
  std::map<std::string, json::object> rows;
  for (auto& item : body["items"].as_array()) {
    rows[std::string(item.as_object()["channel"].as_string())] = item.as_object();
  }
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_DOUBLE_EQ(rows["social"]["cost"].to_number<double>(), 20.0);
  EXPECT_DOUBLE_EQ(rows["social"]["conversions"].to_number<double>(), 1.0);
  EXPECT_DOUBLE_EQ(rows["social"]["roi"].to_number<double>(), 4.0);
  EXPECT_DOUBLE_EQ(rows["email"]["cost"].to_number<double>(), 0.5);
  EXPECT_DOUBLE_EQ(rows["email"]["roi"].to_number<double>(), -1.0);
  EXPECT_TRUE(rows["email"]["cost_per_conversion"].is_null());
  EXPECT_DOUBLE_EQ(rows["sms"]["cost"].to_number<double>(), 0.06);
  auto totals = body["totals"].as_object();
  EXPECT_DOUBLE_EQ(totals["cost"].to_number<double>(), 20.56);
  EXPECT_DOUBLE_EQ(totals["value"].to_number<double>(), 100.0);

  auto csv = client_->Send("GET", "/v1/reports/roi?by=campaign&model=last&format=csv", "");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.headers["content-type"], "text/csv");
  EXPECT_EQ(csv.body,
            "campaign,contacts,cost,unallocated_cost,conversions,value,cost_per_conversion,roi\n"
            "spring,2,20.500000,0.000000,1.000000,100.000000,20.500000,3.878049\n"
            "(none),1,0.060000,0.000000,0.000000,0.000000,,-1.000000\n");
}

TEST_F(RoiReportTest, KpisPerChannel) {
  json::object body = Get("/v1/reports/kpis");
  EXPECT_EQ(body["reach"].as_int64(), 2);
  EXPECT_EQ(body["conversions"].as_int64(), 1);
  std::map<std::string, json::object> k;
  for (auto& item : body["items"].as_array()) {
    k[std::string(item.as_object()["channel"].as_string())] = item.as_object();
  }
  ASSERT_EQ(k.size(), 3u);
  EXPECT_EQ(k["social"]["closes"].as_int64(), 1);
  EXPECT_EQ(k["email"]["assists"].as_int64(), 1);
  EXPECT_EQ(k["email"]["declared_role"].as_string(), "collaborative");
  EXPECT_DOUBLE_EQ(k["email"]["conversion_rate"].to_number<double>(), 1.0);
  EXPECT_DOUBLE_EQ(k["sms"]["conversion_rate"].to_number<double>(), 0.0);
  EXPECT_TRUE(k["sms"]["close_share"].is_null());
  auto csv = client_->Send("GET", "/v1/reports/kpis?format=csv", "");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.body.substr(0, csv.body.find('\n')),
            "channel,declared_role,reach,contacts,frequency,responses,engagement_rate,"
            "conversions_touched,converting_profiles,conversion_rate,cost,cost_per_contact,closes,"
            "assists,close_share,observed_role");
}

TEST_F(RoiReportTest, BadParametersAre400sNamingTheField) {
  EXPECT_EQ(ErrorField("/v1/reports/roi?by=region"), "by");
  EXPECT_EQ(ErrorField("/v1/reports/roi?model=magic"), "model");
  EXPECT_EQ(ErrorField("/v1/reports/roi?model=all"), "model");  // ROI takes one model
  EXPECT_EQ(ErrorField("/v1/reports/roi?order=9"), "order");
  EXPECT_EQ(ErrorField("/v1/reports/roi?format=xml"), "format");
  EXPECT_EQ(ErrorField("/v1/reports/roi?since=yesterday"), "since");
  EXPECT_EQ(ErrorField("/v1/reports/kpis?lookback=soon"), "lookback");
  EXPECT_EQ(ErrorField("/v1/reports/kpis?exclude_inbound=maybe"), "exclude_inbound");
}

}  // namespace
}  // namespace unisono
