// /v1/segments, /v1/computed-traits and /v1/admin/clock over real HTTP, with the segment
// engine wired to the profile service as `unisono serve` wires it.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "segment/segment.h"
#include "server/server.h"
#include "support/test_support.h"

namespace unisono {
namespace {

namespace json = boost::json;
using testing::HttpClient;
using testing::TempDir;

class SegmentApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenSqliteStore(dir_.path()).value();
    ProfileServiceOptions po;
    po.on_committed = [this](const WriteBatch& b, const std::vector<uint8_t>& w) {
      if (SegmentEngine* e = hook_.load()) e->OnCommitted(b, w);
    };
    profiles_ = ProfileService::Create(*store_, clock_, po).value();
    engine_ = SegmentEngine::Create(*store_, clock_, profiles_.get(), {}).value();
    hook_ = engine_.get();
    ServerOptions o;
    o.port = 0;
    o.threads = 2;
    o.write_keys = {"test-key"};
    ServerDeps deps{*profiles_, catalog_, clock_, nullptr, store_.get()};
    deps.segments = engine_.get();
    deps.manual_clock = &clock_;
    server_ = Server::Start(o, deps).value();
    client_ = std::make_unique<HttpClient>(server_->port());
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    profiles_.reset();
    hook_ = nullptr;
  }
  testing::HttpResponse Send(const std::string& method, const std::string& target,
                             const std::string& body = "",
                             const std::map<std::string, std::string>& headers = {}) {
    return client_->Send(method, target, body, headers);
  }
  json::object Body(const testing::HttpResponse& r) { return json::parse(r.body).as_object(); }
  void Track(const std::string& user, const std::string& event, const std::string& channel) {
    auto r = client_->Post("/v1/track", "{\"userId\":\"" + user + "\",\"event\":\"" + event +
                                            "\",\"context\":{\"channel\":\"" + channel + "\"}}");
    ASSERT_EQ(r.status, 200) << r.body;
  }

  TempDir dir_;
  ManualClock clock_{*ParseTimestamp("2026-06-01T12:00:00Z")};
  ChannelCatalog catalog_ = ChannelCatalog::Builtin();
  std::unique_ptr<Store> store_;
  std::unique_ptr<ProfileService> profiles_;
  std::unique_ptr<SegmentEngine> engine_;
  std::atomic<SegmentEngine*> hook_{nullptr};
  std::unique_ptr<Server> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(SegmentApiTest, CreatesFromTextAndAnswersWithBothForms) {
  Track("u1", "Email Opened", "email");
  auto r = Send(
      "POST", "/v1/segments",
      R"J({"name": "openers", "definition": "count(track \"Email Opened\" within 7d) >= 1"})J");
  ASSERT_EQ(r.status, 201) << r.body;
  auto o = Body(r);
  EXPECT_EQ(o["id"].as_string(), "seg_1");
  EXPECT_EQ(o["members"].as_int64(), 1);
  EXPECT_EQ(o["definition"].as_string(), "count(track \"Email Opened\" within 7d) >= 1");
  EXPECT_EQ(o["definition_json"].as_object()["aggregate"].as_string(), "count");

  // The JSON form gives the same segment.
  r = Send("POST", "/v1/segments",
           R"J({"name": "openers2", "definition": {"aggregate": "count", "events": {"type": "track",
               "name": "Email Opened", "within": "7d"}, "op": ">=", "value": 1}})J");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Body(r)["definition"].as_string(), o["definition"].as_string());

  auto profile = Body(Send("GET", "/v1/profiles?user_id=u1"));
  ASSERT_EQ(profile["segments"].as_array().size(), 2u);
  EXPECT_EQ(profile["segments"].as_array()[0].as_object()["name"].as_string(), "openers");
  EXPECT_TRUE(profile["computed_traits"].as_object().contains("relationship_stage"));
  auto mine =
      Body(Send("GET", "/v1/profiles/" + std::string(profile["id"].as_string()) + "/segments"));
  EXPECT_EQ(mine["segments"].as_array().size(), 2u);
}

TEST_F(SegmentApiTest, BadDefinitionsGetTheColumnAndNothingIsSaved) {
  auto r = Send(
      "POST", "/v1/segments",
      R"J({"name": "bad", "definition": "trait(specialty) = \"x\" and count(track) >= and"})J");
  EXPECT_EQ(r.status, 400);
  auto error = Body(r)["error"].as_object();
  EXPECT_EQ(error["field"].as_string(), "definition");
  EXPECT_NE(std::string(error["message"].as_string()).find("column 44"), std::string::npos)
      << error["message"];
  r = Send("POST", "/v1/segments", R"J({"name": "bad", "definition": {"trate": "x"}})J");
  EXPECT_EQ(r.status, 400);
  r = Send("POST", "/v1/segments", R"J({"name": "", "definition": "true"})J");
  EXPECT_EQ(r.status, 400);
  r = Send("POST", "/v1/segments", R"J({"name": "x", "definition": "segment(\"nope\")"})J");
  EXPECT_EQ(r.status, 404);
  r = Send("POST", "/v1/segments", "not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Body(Send("GET", "/v1/segments"))["items"].as_array().size(), 0u);
  // The server keeps serving.
  EXPECT_EQ(Send("GET", "/healthz").status, 200);
}

TEST_F(SegmentApiTest, PreviewCountsWithoutSavingAndMembersPageAndExportCsv) {
  for (int i = 0; i < 5; ++i) Track("u" + std::to_string(i), "Rep Visit", "rep_visit");
  auto r = Send("POST", "/v1/segments/preview", R"J({"definition": "exists(on rep_visit)"})J");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["count"].as_int64(), 5);
  EXPECT_EQ(Body(Send("GET", "/v1/segments"))["items"].as_array().size(), 0u);

  ASSERT_EQ(
      Send("POST", "/v1/segments", R"J({"name": "visited", "definition": "exists(on rep_visit)"})J")
          .status,
      201);
  auto page = Body(Send("GET", "/v1/segments/visited/members?limit=2"));
  EXPECT_EQ(page["items"].as_array().size(), 2u);
  EXPECT_EQ(page["total"].as_int64(), 5);
  std::string cursor(page["next_cursor"].as_string());
  ASSERT_FALSE(cursor.empty());
  auto rest = Body(Send("GET", "/v1/segments/visited/members?limit=10&cursor=" + cursor));
  EXPECT_EQ(rest["items"].as_array().size(), 3u);
  EXPECT_EQ(rest["next_cursor"].as_string(), "");
  auto csv = Send("GET", "/v1/segments/seg_1/members?format=csv");
  EXPECT_EQ(csv.headers["content-type"].rfind("text/csv", 0), 0u);
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 6);
  EXPECT_EQ(Send("GET", "/v1/segments/visited/members?limit=0").status, 400);
  EXPECT_EQ(Send("GET", "/v1/segments/nope/members").status, 404);
}

TEST_F(SegmentApiTest, ManualListsTakeJsonOrCsvAndKeepTheAuditTrail) {
  Track("u1", "Rep Visit", "rep_visit");
  Track("u2", "Rep Visit", "rep_visit");
  ASSERT_EQ(Send("POST", "/v1/segments", R"J({"name": "key doctors", "kind": "manual"})J").status,
            201);
  auto r = Send("POST", "/v1/segments/key%20doctors/members",
                R"J({"identifiers": [{"user_id": "u1"}], "actor": "ana", "reason": "congress"})J");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["changed"].as_int64(), 1);
  r = Send("POST", "/v1/segments/seg_1/members?actor=import&reason=q3", "user_id\nu2\n",
           {{"Content-Type", "text/csv"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["members"].as_int64(), 2);
  // One unknown identifier rejects the whole edit.
  r = Send("POST", "/v1/segments/seg_1/members?actor=import", "user_id\nu1\nnobody\n",
           {{"Content-Type", "text/csv"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Body(r)["error"].as_object()["index"].as_int64(), 1);
  r = Send("POST", "/v1/segments/seg_1/members/remove",
           R"J({"identifiers": [{"user_id": "u1"}], "actor": "luis"})J");
  ASSERT_EQ(r.status, 200) << r.body;
  auto changes = Body(Send("GET", "/v1/segments/seg_1/changes"))["items"].as_array();
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].as_object().at("actor").as_string(), "ana");
  EXPECT_EQ(changes[0].as_object().at("reason").as_string(), "congress");
  EXPECT_EQ(changes[2].as_object().at("action").as_string(), "removed");
  r = Send("POST", "/v1/segments/seg_1/members", R"J({"profile_ids": ["p_1"]})J");
  EXPECT_EQ(r.status, 400) << "an edit without an actor is refused";
}

TEST_F(SegmentApiTest, TheManualClockMovesWindowsAndOnlyForward) {
  Track("u1", "Email Opened", "email");
  ASSERT_EQ(
      Send("POST", "/v1/segments",
           R"J({"name": "recent", "definition": "exists(track \"Email Opened\" within 30d)"})J")
          .status,
      201);
  EXPECT_EQ(Body(Send("GET", "/v1/segments/recent"))["members"].as_int64(), 1);
  auto r = Send("POST", "/v1/admin/clock", R"J({"advance": "31d"})J");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["now"].as_string(), "2026-07-02T12:00:00.000Z");
  EXPECT_EQ(Body(Send("GET", "/v1/segments/recent"))["members"].as_int64(), 0);
  EXPECT_EQ(Send("POST", "/v1/admin/clock", R"J({"advance": "-1d"})J").status, 400);
  EXPECT_EQ(Send("POST", "/v1/admin/clock", R"J({"set": "2020-01-01T00:00:00Z"})J").status, 400);
  EXPECT_EQ(Send("POST", "/v1/admin/clock", R"J({"advance": "soon"})J").status, 400);
}

TEST_F(SegmentApiTest, ComputedTraitsAreDefinedOverHttp) {
  Track("u1", "Order Completed", "ecommerce");
  auto r = Send("POST", "/v1/computed-traits",
                R"J({"name": "orders", "definition": "count(track \"Order Completed\")"})J");
  ASSERT_EQ(r.status, 201) << r.body;
  auto profile = Body(Send("GET", "/v1/profiles?user_id=u1"));
  EXPECT_EQ(profile["computed_traits"].as_object()["orders"].to_number<double>(), 1.0);
  r = Send("POST", "/v1/computed-traits", R"J({"name": "bad", "definition": "count("})J");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Send("DELETE", "/v1/computed-traits/orders").status, 204);
  EXPECT_EQ(Send("DELETE", "/v1/computed-traits/orders").status, 404);
}

}  // namespace
}  // namespace unisono
