// The journey reports over real HTTP: one happy path per endpoint, and bad parameters
// answered with 400 naming the field.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "server/server.h"
#include "support/api_world.h"

namespace unisono {
namespace {

namespace json = boost::json;
using testing::HttpClient;
using testing::TempDir;

class JourneyReportsTest : public testing::ApiWorld {
 protected:
  void SetUp() override {
    OpenStore();
    OpenProfiles();
    StartServer(Deps());
    // a: search ad, rep visit, order (80.00), then an e-mail with no conversion after it.
    // b: search ad, e-mail, nothing more.
    ASSERT_EQ(client_
                  ->Post("/v1/batch", R"({"batch":[
      {"type":"track","userId":"a","event":"Search Ad Clicked","timestamp":"2026-05-01T00:00:00Z",
       "context":{"channel":"paid_search"},"properties":{"stage":"search"}},
      {"type":"track","userId":"a","event":"Rep Visit","timestamp":"2026-05-03T00:00:00Z",
       "context":{"channel":"rep_visit"},"properties":{"stage":"plan"}},
      {"type":"track","userId":"a","event":"Order Completed","timestamp":"2026-05-04T00:00:00Z",
       "context":{"channel":"store"},"properties":{"stage":"purchase","value":80}},
      {"type":"track","userId":"a","event":"Email Sent","timestamp":"2026-05-10T00:00:00Z",
       "context":{"channel":"email"},"properties":{"stage":"keep_in_touch"}},
      {"type":"track","userId":"b","event":"Search Ad Clicked","timestamp":"2026-05-01T00:00:00Z",
       "context":{"channel":"paid_search"},"properties":{"stage":"search"}},
      {"type":"track","userId":"b","event":"Email Sent","timestamp":"2026-05-02T00:00:00Z",
       "context":{"channel":"email"},"properties":{"stage":"keep_in_touch"}}]})")
                  .status,
              200);
  }
  json::object Get(const std::string& target) {
    auto r = client_->Send("GET", target, "");
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return r.status == 200 ? json::parse(r.body).as_object() : json::object{};
  }
  // The field a 400 names.
  std::string BadField(const std::string& target) {
    auto r = client_->Send("GET", target, "");
    EXPECT_EQ(r.status, 400) << target << ": " << r.body;
    if (r.status != 400) return "";
    auto error = json::parse(r.body).as_object()["error"].as_object();
    return error.contains("field") ? std::string(error["field"].as_string()) : "";
  }
  static double D(const json::value& v) { return v.to_number<double>(); }
};

TEST_F(JourneyReportsTest, TransitionsGiveTheMatrixAndASankey) {
  auto body = Get("/v1/reports/transitions?steps=2");
  EXPECT_EQ(body["journeys"].as_int64(), 3);  // a's order, a's tail, b
  EXPECT_EQ(body["conversions"].as_int64(), 1);
  auto transitions = body["transitions"].as_array();
  ASSERT_FALSE(transitions.empty());
  auto first = transitions[0].as_object();
  EXPECT_EQ(first["from"].as_string(), "(start)");
  EXPECT_EQ(first["to"].as_string(), "email");  // a's tail
  EXPECT_NEAR(D(first["probability"]), 1.0 / 3, 1e-12);
  auto sankey = body["sankey"].as_object();
  auto nodes = sankey["nodes"].as_array();
  ASSERT_EQ(nodes.size(), 6u);  // 1:email 1:paid_search 2:email 2:rep_visit + outcomes
  EXPECT_EQ(nodes[0], json::parse(R"({"id":"1:email","name":"email","step":1})"));
  EXPECT_EQ(nodes[5], json::parse(R"j({"id":"(null)","name":"(null)","step":3})j"));
  auto links = sankey["links"].as_array();
  EXPECT_EQ(links[0], json::parse(R"j({"source":"1:email","target":"(null)","value":1})j"));

  auto csv = client_->Send("GET", "/v1/reports/transitions?format=csv", "");
  EXPECT_EQ(csv.headers["content-type"], "text/csv");
  EXPECT_EQ(csv.body.substr(0, csv.body.find('\n')), "from,to,count,probability");
}

TEST_F(JourneyReportsTest, LeaksFunnelJourneysAndCustomers) {
  auto leaks = Get("/v1/reports/leaks");
  auto rows = leaks["items"].as_array();
  ASSERT_EQ(rows.size(), 2u);
  auto top = rows[0].as_object();  // b died right after paid_search -> email
  EXPECT_EQ(top["from"].as_string(), "paid_search");
  EXPECT_EQ(top["to"].as_string(), "email");
  EXPECT_EQ(top["leaked"].as_int64(), 1);
  EXPECT_EQ(D(top["leak_rate"]), 1.0);
  EXPECT_TRUE(top["stay_leak_rate"].is_null());
  EXPECT_NEAR(D(leaks["null_rate"]), 2.0 / 3, 1e-12);

  auto funnel = Get("/v1/reports/funnel");
  auto stages = funnel["items"].as_array();
  ASSERT_EQ(stages.size(), 5u);
  EXPECT_EQ(stages[0].as_object()["reached"].as_int64(), 2);
  EXPECT_EQ(stages[1].as_object()["reached"].as_int64(), 1);  // only a planned
  EXPECT_EQ(D(stages[1].as_object()["median_days"]), 2.0);
  EXPECT_EQ(stages[3].as_object()["profiles"].as_int64(), 2);
  auto csv = client_->Send("GET", "/v1/reports/funnel?stages=search,keep_in_touch&format=csv", "");
  EXPECT_EQ(csv.body,
            "stage,profiles,events,reached,conversion,median_days\n"
            "search,2,2,2,,\n"
            "keep_in_touch,2,2,2,1,5\n");  // a 9 days, b 1 day

  auto journeys = Get("/v1/reports/journeys");
  EXPECT_EQ(D(journeys["time_to_conversion"].as_object()["median_days"]), 3.0);
  auto paths = journeys["top_paths"].as_array();
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].as_object()["path"], json::parse(R"(["paid_search","rep_visit"])"));
  auto lengths = client_->Send("GET", "/v1/reports/journeys?format=csv&table=path_lengths", "");
  EXPECT_EQ(lengths.body, "length,converting,null\n1,0,1\n2,1,1\n");

  auto customers = Get("/v1/reports/customers?top=5");
  auto items = customers["items"].as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].as_object()["user_id"].as_string(), "a");
  EXPECT_EQ(D(items[0].as_object()["value"]), 80.0);
  EXPECT_EQ(items[0].as_object()["route"], json::parse(R"(["paid_search","rep_visit"])"));
  EXPECT_EQ(D(customers["top_share"]), 1.0);
}

TEST_F(JourneyReportsTest, BadParametersAreRejectedNamingTheField) {
  EXPECT_EQ(BadField("/v1/reports/transitions?steps=0"), "steps");
  EXPECT_EQ(BadField("/v1/reports/transitions?steps=two"), "steps");
  EXPECT_EQ(BadField("/v1/reports/transitions?top_paths=-3"), "top_paths");
  EXPECT_EQ(BadField("/v1/reports/transitions?lookback=soon"), "lookback");
  EXPECT_EQ(BadField("/v1/reports/leaks?min_switched=0"), "min_switched");
  EXPECT_EQ(BadField("/v1/reports/leaks?sort=loudest"), "sort");
  EXPECT_EQ(BadField("/v1/reports/leaks?limit=0"), "limit");
  EXPECT_EQ(BadField("/v1/reports/funnel?stages=plan,plan"), "stages");
  EXPECT_EQ(BadField("/v1/reports/funnel?since=yesterday"), "since");
  EXPECT_EQ(BadField("/v1/reports/journeys?max_length=0"), "max_length");
  EXPECT_EQ(BadField("/v1/reports/journeys?table=everything&format=csv"), "table");
  EXPECT_EQ(BadField("/v1/reports/customers?top=100000"), "top");
  EXPECT_EQ(BadField("/v1/reports/customers?route_touches=21"), "route_touches");
  EXPECT_EQ(BadField("/v1/reports/customers?granularity=region"), "granularity");
  EXPECT_EQ(BadField("/v1/reports/customers?format=xml"), "format");
  EXPECT_EQ(client_->Send("POST", "/v1/reports/funnel", "").status, 404);
}

}  // namespace
}  // namespace unisono
