// The delivery routes through a real server on loopback: connectors, dead letters and
// their retry, and providers' callbacks as forms and JSON; bad input answered with a
// clear error while the server keeps working.
#include <gtest/gtest.h>

#include "delivery_world.h"
#include "server/server.h"

namespace unisono {
namespace {

namespace json = boost::json;
using testing::DeliveryWorld;
using testing::HttpClient;
using testing::HttpResponse;
using testing::ProviderStub;
using testing::TempDir;

class DeliveryApi : public ::testing::Test {
 protected:
  void SetUp() override {
    world_ = std::make_unique<DeliveryWorld>(dir_.path());
    DeliveryOptions o;
    o.sms = HttpProviderOptions{};
    o.sms->url = stub_.url();
    o.sms->connector.max_attempts = 1;
    world_->StartDelivery(o);
    server_ = StartServer(world_->delivery.get());
    client_ = std::make_unique<HttpClient>(server_->port());
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    world_.reset();
  }

  std::unique_ptr<Server> StartServer(Delivery* delivery) {
    ServerOptions o;
    o.port = 0;
    o.threads = 2;
    o.write_keys = {"test-key"};
    ServerDeps deps{*world_->profiles, catalog_, world_->clock, nullptr, world_->store.get()};
    deps.content = world_->content.get();
    deps.delivery = delivery;
    return Server::Start(o, deps).value();
  }

  // An SMS handed to the provider (its id SM<n>) for a profile with consent.
  OutboxMessage SentSms(const std::string& user) {
    int64_t id = world_->Profile(user, {{"phone", "\"+34611111111\""}}, {"sms"});
    OutboxMessage m = world_->Queue(id, "sms", world_->content_id, world_->content_version);
    EXPECT_TRUE(world_->delivery->RunUntilIdle().ok());
    return *world_->Row(m.id);
  }

  HttpResponse Get(const std::string& target) { return client_->Send("GET", target, ""); }
  HttpResponse Form(const std::string& target, const std::string& body) {
    return client_->Send("POST", target, body,
                         {{"Content-Type", "application/x-www-form-urlencoded"}});
  }
  HttpResponse JsonPost(const std::string& target, const std::string& body) {
    return client_->Post(target, body, "");
  }
  static json::object Error(const HttpResponse& r) {
    return json::parse(r.body).as_object().at("error").as_object();
  }
  int Count(int64_t profile, const std::string& name) {
    int n = 0;
    for (const Event& e : world_->Events(profile)) n += e.name == name;
    return n;
  }

  TempDir dir_;
  ProviderStub stub_;
  ChannelCatalog catalog_ = ChannelCatalog::Builtin();
  std::unique_ptr<DeliveryWorld> world_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(DeliveryApi, ConnectorsShowWhatIsConfiguredAndItsCounters) {
  SentSms("d1");
  auto r = Get("/v1/delivery/connectors");
  ASSERT_EQ(r.status, 200) << r.body;
  std::map<std::string, json::object> by_name;
  const json::value body = json::parse(r.body);
  for (const auto& item : body.at("items").as_array()) {
    by_name[std::string(item.at("name").as_string())] = item.as_object();
  }
  ASSERT_TRUE(by_name.count("sms"));
  EXPECT_EQ(by_name["sms"]["configured"], true);
  EXPECT_EQ(by_name["sms"]["delivered"], 1);
  EXPECT_EQ(by_name["sms"]["pending"], 0);
  EXPECT_TRUE(by_name.count("log") && by_name.count("webhook") && by_name.count("postal"));
  EXPECT_FALSE(by_name.count("smtp")) << "not configured and nothing waiting for it";
  EXPECT_EQ(client_->Send("POST", "/v1/delivery/connectors", "").status, 400);
}

TEST_F(DeliveryApi, DeadLettersAreListedInPagesAndRetriedAfterTheFix) {
  stub_.AnswerWith(400);
  OutboxMessage a = SentSms("d1");
  OutboxMessage b = SentSms("d2");
  ASSERT_EQ(a.state, "dead");
  ASSERT_EQ(b.state, "dead");
  auto page = Get("/v1/delivery/dead-letters?limit=1");
  ASSERT_EQ(page.status, 200) << page.body;
  auto body = json::parse(page.body).as_object();
  ASSERT_EQ(body["items"].as_array().size(), 1u);
  auto first = body["items"].as_array()[0].as_object();
  EXPECT_EQ(first["id"], a.id);
  EXPECT_EQ(first["connector"], "sms");
  EXPECT_EQ(first["channel"], "sms");
  EXPECT_EQ(first["profile_id"].as_string(), ProfileIdString(a.profile_id));
  EXPECT_NE(std::string(first["reason"].as_string()).find("HTTP 400"), std::string::npos);
  EXPECT_EQ(first["attempts"], 1);
  ASSERT_TRUE(body.contains("next_cursor"));
  auto next = Get("/v1/delivery/dead-letters?limit=1&cursor=" +
                  std::string(body["next_cursor"].as_string()));
  auto rest = json::parse(next.body).as_object();
  ASSERT_EQ(rest["items"].as_array().size(), 1u);
  EXPECT_EQ(rest["items"].as_array()[0].at("id"), b.id);
  EXPECT_FALSE(rest.contains("next_cursor"));

  stub_.AnswerWith(0);
  auto retried =
      client_->Send("POST", "/v1/delivery/messages/" + std::to_string(a.id) + "/retry", "");
  ASSERT_EQ(retried.status, 202) << retried.body;
  EXPECT_EQ(json::parse(retried.body).at("state"), "pending");
  ASSERT_TRUE(world_->delivery->RunUntilIdle().ok());
  EXPECT_EQ(world_->Row(a.id)->state, "delivered");
  auto left = json::parse(Get("/v1/delivery/dead-letters").body).at("items").as_array();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].at("id"), b.id);

  auto again =
      client_->Send("POST", "/v1/delivery/messages/" + std::to_string(a.id) + "/retry", "");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(Error(again)["code"], "failed_precondition");
  EXPECT_EQ(client_->Send("POST", "/v1/delivery/messages/999/retry", "").status, 404);
  auto bad = client_->Send("POST", "/v1/delivery/messages/abc/retry", "");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Error(bad)["message"], "a message id must be a positive whole number, not 'abc'");
  auto bad_limit = Get("/v1/delivery/dead-letters?limit=0");
  EXPECT_EQ(bad_limit.status, 400);
  EXPECT_EQ(Error(bad_limit)["field"], "limit");
}

TEST_F(DeliveryApi, TwilioStyleFormCallbacksAreRecordedOnce) {
  OutboxMessage m = SentSms("d1");
  ASSERT_EQ(m.provider_message_id, "SM1");
  const std::string form = "MessageSid=SM1&MessageStatus=delivered&To=%2B34611111111";
  auto r = Form("/v1/delivery/callbacks/sms", form);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).at("received"), true);
  EXPECT_EQ(Form("/v1/delivery/callbacks/sms", form).status, 200) << "a repeat is acknowledged";
  EXPECT_EQ(Count(m.profile_id, "sms_delivered"), 1);
  ASSERT_EQ(
      Form("/v1/delivery/callbacks/sms", "MessageSid=SM1&MessageStatus=undelivered&ErrorCode=30003")
          .status,
      200);
  EXPECT_EQ(Count(m.profile_id, "message_failed"), 1);

  auto missing = Form("/v1/delivery/callbacks/sms", "MessageStatus=delivered");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(Error(missing)["field"], "MessageSid");
  auto unknown = Form("/v1/delivery/callbacks/sms", "MessageSid=SM77&MessageStatus=delivered");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Error(unknown)["message"], "no sms message with id 'SM77'");
  EXPECT_EQ(Form("/v1/delivery/callbacks/fax", form).status, 404);
  auto weird = Form("/v1/delivery/callbacks/sms", "MessageSid=SM1&MessageStatus=exploded");
  EXPECT_EQ(weird.status, 400);
  EXPECT_EQ(Error(weird)["field"], "status");
  EXPECT_EQ(Get("/v1/delivery/callbacks/sms").status, 400) << "callbacks are POSTed";
  EXPECT_EQ(Count(m.profile_id, "sms_delivered"), 1) << "bad callbacks stored nothing";
  EXPECT_EQ(Get("/v1/delivery/connectors").status, 200) << "the server keeps working";
}

TEST_F(DeliveryApi, JsonCallbacksAndSmtpBouncesByOurMessageId) {
  OutboxMessage m = SentSms("d1");
  auto r = JsonPost("/v1/delivery/callbacks/sms",
                    R"({"id": "SM1", "status": "failed", "error": {"code": 30006}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Count(m.profile_id, "message_failed"), 1);
  for (const Event& e : world_->Events(m.profile_id)) {
    if (e.name == "message_failed") {
      EXPECT_EQ(json::parse(e.properties_json).at("error"), "{\"code\":30006}");
    }
  }
  auto bounce = JsonPost("/v1/delivery/callbacks/smtp",
                         R"({"message_id": )" + std::to_string(m.id) + R"(, "status": "bounced"})");
  EXPECT_EQ(bounce.status, 404) << "message " << m.id << " is an sms, not an email";
  auto no_status = JsonPost("/v1/delivery/callbacks/sms", R"({"id": "SM1"})");
  EXPECT_EQ(no_status.status, 400);
  EXPECT_EQ(Error(no_status)["field"], "/status");
  auto no_id = JsonPost("/v1/delivery/callbacks/smtp", R"({"status": "bounced"})");
  EXPECT_EQ(no_id.status, 400);
  EXPECT_EQ(Error(no_id)["field"], "/message_id");
  auto not_json = JsonPost("/v1/delivery/callbacks/sms", "{nope");
  EXPECT_EQ(not_json.status, 400);
}

TEST_F(DeliveryApi, AServerWithoutDeliveryAnswers503) {
  client_.reset();
  server_ = StartServer(nullptr);
  client_ = std::make_unique<HttpClient>(server_->port());
  auto r = Get("/v1/delivery/connectors");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(Error(r)["code"], "unavailable");
  EXPECT_EQ(Get("/v1/delivery/nothing-here").status, 404);
}

}  // namespace
}  // namespace unisono
