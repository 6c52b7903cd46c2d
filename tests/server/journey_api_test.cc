// /v1/journeys, the profile's journeys, reps' visits and tasks over real HTTP, with the
// segment and journey engines wired to the profile service as `unisono serve` wires
// them, and time moved through POST /v1/admin/clock.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <thread>

#include "channel/channel.h"
#include "journey/journey.h"
#include "server/server.h"
#include "support/test_support.h"

namespace unisono {
namespace {

namespace json = boost::json;
using testing::HttpClient;
using testing::TempDir;

class JourneyApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenSqliteStore(dir_.path()).value();
    ProfileServiceOptions po;
    po.on_committed = [this](const WriteBatch& b, const std::vector<uint8_t>& w) {
      if (SegmentEngine* e = segment_hook_.load()) e->OnCommitted(b, w);
      if (JourneyEngine* j = journey_hook_.load()) j->Nudge();
    };
    profiles_ = ProfileService::Create(*store_, clock_, po).value();
    segments_ = SegmentEngine::Create(*store_, clock_, profiles_.get(), {}).value();
    segment_hook_ = segments_.get();
    JourneyEngineOptions jo;
    DeliveryOptions d;
    d.data_dir = dir_.path();  // every message goes to the log connector's messages.jsonl
    d.dry_run = true;
    delivery_ = Delivery::Create(*store_, clock_, *profiles_, nullptr, d).value();
    delivery_->Start();
    jo.on_queued = [this](const std::vector<OutboxMessage>& m) { delivery_->Enqueue(m); };
    jo.contact_policy_json = R"({"caps": [{"max": 3, "window": "7d"}]})";
    journeys_ = JourneyEngine::Create(*store_, clock_, *profiles_, *segments_, jo).value();
    journey_hook_ = journeys_.get();
    journeys_->Start();
    ServerOptions o;
    o.port = 0;
    o.threads = 2;
    o.write_keys = {"test-key"};
    ServerDeps deps{*profiles_, catalog_, clock_, nullptr, store_.get()};
    deps.segments = segments_.get();
    deps.journeys = journeys_.get();
    deps.manual_clock = &clock_;
    server_ = Server::Start(o, deps).value();
    client_ = std::make_unique<HttpClient>(server_->port());
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    journeys_->Stop();
    delivery_->Stop();
    journey_hook_ = nullptr;
    profiles_.reset();
    segment_hook_ = nullptr;
  }
  testing::HttpResponse Send(const std::string& method, const std::string& target,
                             const std::string& body = "") {
    return client_->Send(method, target, body, {{"Content-Type", "application/json"}});
  }
  json::object Body(const testing::HttpResponse& r) { return json::parse(r.body).as_object(); }
  void Post(const std::string& path, const std::string& body) {
    auto r = client_->Post(path, body);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  // Runs what is due now (the admin clock settles the engines before it answers).
  void Tick(const std::string& by = "1s") {
    auto r = Send("POST", "/v1/admin/clock", "{\"advance\": \"" + by + "\"}");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  std::string Id(const std::string& user) {
    return ProfileIdString(profiles_->FindBy("user_id", user)->record.id);
  }
  std::vector<json::object> Messages() {
    // The delivery thread writes the file; wait a little for what is queued.
    std::vector<json::object> out;
    for (int i = 0; i < 50; ++i) {
      out.clear();
      std::ifstream in(dir_.path() + "/messages.jsonl");
      std::string line;
      while (std::getline(in, line)) out.push_back(json::parse(line).as_object());
      int64_t pending = 0;
      for (const ConnectorStats& c : delivery_->stats()) pending += c.pending;
      if (pending == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return out;
  }

  TempDir dir_;
  ManualClock clock_{*ParseTimestamp("2026-06-01T10:00:00Z")};
  ChannelCatalog catalog_ = ChannelCatalog::Builtin();
  std::unique_ptr<Store> store_;
  std::unique_ptr<ProfileService> profiles_;
  std::unique_ptr<SegmentEngine> segments_;
  std::unique_ptr<Delivery> delivery_;
  std::unique_ptr<JourneyEngine> journeys_;
  std::atomic<SegmentEngine*> segment_hook_{nullptr};
  std::atomic<JourneyEngine*> journey_hook_{nullptr};
  std::unique_ptr<Server> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(JourneyApiTest, ASegmentEntryStartsAJourneyThatSendsWhenTheClockMoves) {
  auto seg =
      Send("POST", "/v1/segments",
           R"({"name": "Cardiologists", "definition": "trait(specialty) = \"cardiology\""})");
  ASSERT_EQ(seg.status, 201) << seg.body;
  auto created = Send("POST", "/v1/journeys", R"({"name": "Welcome",
    "trigger": {"segment": "Cardiologists"},
    "steps": [{"type": "wait", "duration": "1d"},
              {"type": "send", "content": "welcome", "channel": "email"}]})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto journey = Body(created);
  EXPECT_EQ(journey["id"].as_string(), "journey_1");
  EXPECT_EQ(journey["version"].as_int64(), 1);
  EXPECT_EQ(journey["definition"].as_object()["steps"].as_array()[0].as_object()["id"].as_string(),
            "step-1");

  Post("/v1/identify", R"({"userId": "d1", "traits": {"specialty": "cardiology"}})");
  ASSERT_TRUE(
      profiles_->SetConsent(profiles_->FindBy("user_id", "d1")->record.id, "email", true, "test")
          .ok());
  Tick();
  auto mine = Body(Send("GET", "/v1/profiles/" + Id("d1") + "/journeys"));
  ASSERT_EQ(mine["instances"].as_array().size(), 1u);
  EXPECT_EQ(mine["instances"].as_array()[0].as_object()["state"].as_string(), "active");
  EXPECT_TRUE(Messages().empty());

  Tick("1d");
  auto messages = Messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["content"].as_string(), "welcome");
  EXPECT_EQ(messages[0]["journey"].as_string(), "journey_1");
  mine = Body(Send("GET", "/v1/profiles/" + Id("d1") + "/journeys"));
  EXPECT_EQ(mine["instances"].as_array()[0].as_object()["state"].as_string(), "completed");
  std::vector<std::string> actions;
  for (auto& h : mine["history"].as_array()) {
    actions.push_back(std::string(h.as_object()["action"].as_string()));
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"entered", "entered_step", "entered_step", "queued",
                                               "completed"}));
  auto report = Body(Send("GET", "/v1/journeys/journey_1/report"));
  EXPECT_EQ(report["entered"].as_int64(), 1);
  EXPECT_EQ(report["completed"].as_int64(), 1);
}

TEST_F(JourneyApiTest, ARepVisitActivatesAFollowUpAndTheRepWorksTheTask) {
  auto created = Send("POST", "/v1/journeys", R"({"name": "After the visit",
    "trigger": {"rep_activation": true},
    "steps": [{"type": "task", "title": "Send samples", "due": "2d"},
              {"type": "send", "content": "summary", "channel": "email"}]})");
  ASSERT_EQ(created.status, 201) << created.body;
  Post("/v1/identify", R"({"userId": "d1", "traits": {"owner_rep": "rep-7"}})");
  ASSERT_TRUE(
      profiles_->SetConsent(profiles_->FindBy("user_id", "d1")->record.id, "email", true, "test")
          .ok());
  Tick();

  auto wrong = Send("POST", "/v1/reps/rep-8/visits",
                    R"({"user_id": "d1", "activate_journey": "journey_1"})");
  EXPECT_EQ(wrong.status, 403) << wrong.body;
  auto unknown = Send("POST", "/v1/reps/rep-7/visits",
                      R"({"user_id": "d1", "activate_journey": "journey_9"})");
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  auto nobody = Send("POST", "/v1/reps/rep-7/visits", R"({"notes": "who?"})");
  EXPECT_EQ(nobody.status, 400) << nobody.body;
  auto visit =
      Send("POST", "/v1/reps/rep-7/visits",
           R"({"user_id": "d1", "notes": "asked for samples", "activate_journey": "journey_1"})");
  ASSERT_EQ(visit.status, 201) << visit.body;
  Tick();

  auto tasks = Body(Send("GET", "/v1/reps/rep-7/tasks?state=open"))["items"].as_array();
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].as_object()["title"].as_string(), "Send samples");
  EXPECT_EQ(tasks[0].as_object()["due_at"].as_string(), "2026-06-03T10:00:01.000Z");
  ASSERT_EQ(Messages().size(), 1u);
  const int64_t task = tasks[0].as_object()["id"].as_int64();
  auto done = Send("POST", "/v1/tasks/" + std::to_string(task) + "/complete",
                   R"({"notes": "samples left at the practice"})");
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(Body(done)["state"].as_string(), "done");
  EXPECT_EQ(Send("POST", "/v1/tasks/" + std::to_string(task) + "/complete", "").status, 409);
  EXPECT_EQ(Send("POST", "/v1/tasks/abc/complete", "").status, 400);
  EXPECT_EQ(Send("GET", "/v1/reps/rep-7/tasks?state=later").status, 400);
  EXPECT_TRUE(Body(Send("GET", "/v1/reps/rep-7/tasks?state=open"))["items"].as_array().empty());

  // The visit and the completed task are on the profile's timeline.
  auto timeline = Body(Send("GET", "/v1/profiles/" + Id("d1") + "/timeline"));
  std::string names = json::serialize(timeline);
  EXPECT_NE(names.find("Rep Visit"), std::string::npos);
  EXPECT_NE(names.find("Task Completed"), std::string::npos);
}

TEST_F(JourneyApiTest, BadDefinitionsGetAClearErrorAndTheServerKeepsServing) {
  auto not_json = Send("POST", "/v1/journeys", "{\"name\": ");
  EXPECT_EQ(not_json.status, 400);
  auto typo = Send("POST", "/v1/journeys", R"({"name": "x", "trigger": {"event": {"name": "Go"}},
    "steps": [{"type": "wait", "duraton": "1d"}]})");
  EXPECT_EQ(typo.status, 400);
  EXPECT_NE(Body(typo)["error"].as_object()["message"].as_string().find("/steps/0"),
            std::string::npos)
      << typo.body;
  auto missing = Send("POST", "/v1/journeys", R"({"name": "x", "trigger": {"segment": "nope"},
    "steps": [{"type": "exit"}]})");
  EXPECT_EQ(missing.status, 404);
  auto dry =
      Send("POST", "/v1/journeys?dry_run=true",
           R"({"name": "x", "trigger": {"event": {"name": "Go"}}, "steps": [{"type": "exit"}]})");
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_TRUE(Body(Send("GET", "/v1/journeys"))["items"].as_array().empty())
      << "neither a refused nor a checked definition is stored";
  EXPECT_EQ(Send("GET", "/v1/journeys/journey_1").status, 404);
  EXPECT_EQ(Send("GET", "/healthz").status, 200);
  auto policy = Body(Send("GET", "/v1/contact-policy"));
  EXPECT_EQ(policy["caps"].as_array()[0].as_object()["max"].as_int64(), 3);
}

TEST_F(JourneyApiTest, PausedJourneysTakeNoNewEntriesAndDeletedOnesLetTheirInstancesExit) {
  auto created = Send("POST", "/v1/journeys", R"({"name": "Nurture",
    "trigger": {"event": {"name": "Signed Up"}},
    "steps": [{"type": "wait", "duration": "3d"}]})");
  ASSERT_EQ(created.status, 201);
  Post("/v1/track", R"({"userId": "d1", "event": "Signed Up"})");
  Tick();
  ASSERT_EQ(Send("POST", "/v1/journeys/journey_1/pause").status, 200);
  Post("/v1/track", R"({"userId": "d2", "event": "Signed Up"})");
  Tick();
  EXPECT_EQ(Body(Send("GET", "/v1/journeys/journey_1"))["active"].as_int64(), 1);
  EXPECT_EQ(Body(Send("GET", "/v1/journeys/journey_1"))["status"].as_string(), "paused");
  ASSERT_EQ(Send("DELETE", "/v1/journeys/journey_1").status, 204);
  auto mine = Body(Send("GET", "/v1/profiles/" + Id("d1") + "/journeys"));
  EXPECT_EQ(mine["instances"].as_array()[0].as_object()["state"].as_string(), "exited");
  EXPECT_EQ(Send("DELETE", "/v1/journeys/journey_1").status, 404);
}

}  // namespace
}  // namespace unisono
