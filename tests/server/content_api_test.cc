// /v1/content over real HTTP: creating and checking items, the approval flow with the
// actor from the body or the X-Unisono-User header, errors that say what to change,
// and previews for a profile ingested through the tracking API.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "content/content.h"
#include "content/content_examples.h"
#include "server/server.h"
#include "support/api_world.h"

namespace unisono {
namespace {

namespace json = boost::json;
using testing::CardiozenLaunch;
using testing::Edited;
using testing::HttpClient;
using testing::TempDir;

class ContentApiTest : public testing::ApiWorld {
 protected:
  ContentApiTest() : ApiWorld(*ParseTimestamp("2026-04-01T08:00:00Z")) {}
  void SetUp() override {
    OpenStore();
    OpenProfiles();
    content_ = ContentLibrary::Create(*store_, clock_, {}).value();
    ServerDeps deps = Deps();
    deps.content = content_.get();
    StartServer(deps);
  }
  // The text of the sms rendition in a preview.
  static std::string SmsText(const testing::HttpResponse& r) {
    return std::string(Body(r).at("items").as_array().at(1).as_object().at("text").as_string());
  }
  void Create(const std::string& definition = CardiozenLaunch()) {
    auto r = Send("POST", "/v1/content", definition, "ana");
    ASSERT_EQ(r.status, 201) << r.body;
  }

  std::unique_ptr<ContentLibrary> content_;
};

TEST_F(ContentApiTest, CreatesListsAndReadsAnItem) {
  auto created = Send("POST", "/v1/content", CardiozenLaunch(), "ana");
  ASSERT_EQ(created.status, 201) << created.body;
  auto item = Body(created);
  EXPECT_EQ(item["id"].as_string(), "cardiozen-launch");
  EXPECT_EQ(item["version"].as_int64(), 1);
  EXPECT_EQ(item["state"].as_string(), "draft");
  EXPECT_EQ(item["approved_version"].as_int64(), 0);
  EXPECT_EQ(item["created_by"].as_string(), "ana");
  EXPECT_EQ(item["created_at"].as_string(), "2026-04-01T08:00:00.000Z");
  EXPECT_TRUE(item["problems"].as_array().empty());
  EXPECT_EQ(item["definition"].as_object()["core"].as_object()["product"].as_string(), "cardiozen");
  EXPECT_EQ(item["history"].as_array()[0].as_object()["by"].as_string(), "ana");

  auto list = Send("GET", "/v1/content");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(Body(list)["items"].as_array().size(), 1u);
  auto got = Send("GET", "/v1/content/cardiozen-launch");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(Body(got)["definition"], item["definition"]);

  // "by" in the body names the author and is not part of the definition.
  auto second =
      Send("POST", "/v1/content",
           Edited(Edited(CardiozenLaunch(), "/id", std::nullopt), "/by", json::value("eva")));
  ASSERT_EQ(second.status, 201) << second.body;
  EXPECT_EQ(Body(second)["id"].as_string(), "cardiozen-launch-2");
  EXPECT_EQ(Body(second)["created_by"].as_string(), "eva");
  EXPECT_FALSE(Body(second)["definition"].as_object().contains("by"));
}

TEST_F(ContentApiTest, DryRunChecksWithoutSaving) {
  auto r = Send("POST", "/v1/content?dry_run=true",
                Edited(CardiozenLaunch(), "/renditions/sms/text", json::value("Cardiozen!")));
  ASSERT_EQ(r.status, 200) << r.body;
  auto problems = Body(r)["problems"].as_array();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].as_object()["rendition"].as_string(), "sms");
  EXPECT_EQ(problems[0].as_object()["field"].as_string(), "/renditions/sms");
  EXPECT_EQ(problems[0].as_object()["message"].as_string(),
            "misses the claim 'lowers blood pressure in 4 weeks'; every rendition says it");

  auto clean = Send("POST", "/v1/content?dry_run=true", CardiozenLaunch());
  ASSERT_EQ(clean.status, 200);
  EXPECT_TRUE(Body(clean)["problems"].as_array().empty());
  auto bad = Send("POST", "/v1/content?dry_run=true",
                  Edited(CardiozenLaunch(), "/renditions/sms/text", json::value(1)));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Error(bad)["field"].as_string(), "/renditions/sms/text");
  EXPECT_TRUE(Body(Send("GET", "/v1/content"))["items"].as_array().empty());
}

TEST_F(ContentApiTest, BadInputGetsAClearErrorAndNothingIsStored) {
  auto not_json = Send("POST", "/v1/content", "{\"name\": ");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(Error(not_json)["code"].as_string(), "invalid_argument");
  EXPECT_EQ(Error(not_json)["field"].as_string(), "/");
  auto unknown = Send("POST", "/v1/content", Edited(CardiozenLaunch(), "/colour", json::value(1)));
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(Error(unknown)["field"].as_string(), "/colour");
  auto bad_by = Send("POST", "/v1/content", Edited(CardiozenLaunch(), "/by", json::value(7)));
  EXPECT_EQ(bad_by.status, 400);
  EXPECT_EQ(Error(bad_by)["field"].as_string(), "by");
  auto bad_template =
      Send("POST", "/v1/content",
           Edited(CardiozenLaunch(), "/renditions/email/html", json::value("{{#x}}")));
  EXPECT_EQ(bad_template.status, 400);
  EXPECT_EQ(Error(bad_template)["message"].as_string(),
            "/renditions/email/html: template error: Unclosed section \"x\" at 0");
  EXPECT_TRUE(Body(Send("GET", "/v1/content"))["items"].as_array().empty());
  EXPECT_TRUE(store_->ListDefinitions("content")->empty());

  EXPECT_EQ(Send("GET", "/v1/content/nope").status, 404);
  EXPECT_EQ(Send("PUT", "/v1/content/nope", CardiozenLaunch()).status, 404);
  EXPECT_EQ(Send("POST", "/v1/content/nope/submit", "", "ana").status, 404);
  EXPECT_EQ(Send("DELETE", "/v1/content/nope").status, 404);

  Create();
  auto again = Send("POST", "/v1/content", CardiozenLaunch(), "ana");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(Error(again)["code"].as_string(), "already_exists");
  auto bad_version = Send("GET", "/v1/content/cardiozen-launch?version=x");
  EXPECT_EQ(bad_version.status, 400);
  EXPECT_EQ(Error(bad_version)["field"].as_string(), "version");
  EXPECT_EQ(Send("GET", "/v1/content/cardiozen-launch?version=9").status, 404);
  auto bad_body = Send("POST", "/v1/content/cardiozen-launch/submit", "[1]", "ana");
  EXPECT_EQ(bad_body.status, 400);
  // The server keeps working.
  EXPECT_EQ(Body(Send("GET", "/v1/content/cardiozen-launch"))["state"].as_string(), "draft");
}

TEST_F(ContentApiTest, SubmitAndApproveWithTwoPeople) {
  Create(Edited(CardiozenLaunch(), "/renditions/sms/text", json::value("Cardiozen!")));
  auto refused = Send("POST", "/v1/content/cardiozen-launch/submit", "", "ana");
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(Error(refused)["code"].as_string(), "failed_precondition");
  EXPECT_NE(Error(refused)["message"].as_string().find("/renditions/sms: misses the claim"),
            std::string::npos);

  auto fixed = Send("PUT", "/v1/content/cardiozen-launch", CardiozenLaunch(), "ana");
  ASSERT_EQ(fixed.status, 200) << fixed.body;
  EXPECT_EQ(Body(fixed)["version"].as_int64(), 2);
  EXPECT_TRUE(Body(fixed)["problems"].as_array().empty());

  auto no_actor = Send("POST", "/v1/content/cardiozen-launch/submit");
  EXPECT_EQ(no_actor.status, 400);
  EXPECT_EQ(Error(no_actor)["field"].as_string(), "by");
  ASSERT_EQ(Send("POST", "/v1/content/cardiozen-launch/submit", "", "ana").status, 200);
  auto self = Send("POST", "/v1/content/cardiozen-launch/approve", R"({"by": "ana"})");
  EXPECT_EQ(self.status, 409);
  EXPECT_NE(Error(self)["message"].as_string().find("four-eyes"), std::string::npos);

  clock_.Advance(std::chrono::hours(2));
  auto approved = Send("POST", "/v1/content/cardiozen-launch/approve", R"({"by": "bruno"})");
  ASSERT_EQ(approved.status, 200) << approved.body;
  auto item = Body(approved);
  EXPECT_EQ(item["state"].as_string(), "approved");
  EXPECT_EQ(item["approved_version"].as_int64(), 2);
  EXPECT_EQ(item["approved_by"].as_string(), "bruno");
  EXPECT_EQ(item["approved_at"].as_string(), "2026-04-01T10:00:00.000Z");
  auto history = item["history"].as_array();
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[2].as_object()["state"].as_string(), "approved");
  EXPECT_EQ(content_->ChooseForSend("cardiozen-launch", "sms", "", "")->version, 2);

  // Reject and retire carry their actor and reason too.
  ASSERT_EQ(Send("PUT", "/v1/content/cardiozen-launch",
                 Edited(CardiozenLaunch(), "/name", json::value("Launch")), "ana")
                .status,
            200);
  ASSERT_EQ(Send("POST", "/v1/content/cardiozen-launch/submit", "", "ana").status, 200);
  auto no_reason = Send("POST", "/v1/content/cardiozen-launch/reject", "", "bruno");
  EXPECT_EQ(no_reason.status, 400);
  EXPECT_EQ(Error(no_reason)["field"].as_string(), "reason");
  auto rejected = Send("POST", "/v1/content/cardiozen-launch/reject",
                       R"({"reason": "keep the old name"})", "bruno");
  ASSERT_EQ(rejected.status, 200) << rejected.body;
  EXPECT_EQ(Body(rejected)["history"].as_array().back().as_object()["reason"].as_string(),
            "keep the old name");
  auto v2 = Send("GET", "/v1/content/cardiozen-launch?version=2");
  EXPECT_EQ(Body(v2)["state"].as_string(), "approved");
  EXPECT_EQ(Body(v2)["latest_version"].as_int64(), 3);
  auto retired = Send("POST", "/v1/content/cardiozen-launch/retire", "", "carla");
  ASSERT_EQ(retired.status, 200) << retired.body;
  EXPECT_EQ(Body(retired)["state"].as_string(), "retired");
  EXPECT_EQ(Body(retired)["approved_version"].as_int64(), 0);
}

TEST_F(ContentApiTest, PreviewsEveryRenditionForAnIngestedProfile) {
  auto identify = client_->Post(
      "/v1/identify",
      R"({"userId": "d1", "traits": {"title": "Prof.", "last_name": "O'Brien & Co"}})");
  ASSERT_EQ(identify.status, 200) << identify.body;
  const int64_t id = profiles_->FindBy("user_id", "d1")->record.id;
  Create();

  auto r = Send("POST", "/v1/content/cardiozen-launch/preview",
                R"({"profile_id": ")" + ProfileIdString(id) + R"(", "variant": "loyal"})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = Body(r);
  EXPECT_EQ(body["version"].as_int64(), 1);
  EXPECT_EQ(body["variant"].as_string(), "loyal");
  EXPECT_TRUE(body["problems"].as_array().empty());
  auto items = body["items"].as_array();
  ASSERT_EQ(items.size(), 4u);
  auto email = items[0].as_object();
  EXPECT_EQ(email["rendition"].as_string(), "email");
  EXPECT_EQ(email["subject"].as_string(), "Cardiozen lowers blood pressure in 4 weeks");
  EXPECT_NE(email["html"].as_string().find("Dear Prof. O&apos;Brien &amp; Co,"), std::string::npos);
  auto sms = items[1].as_object();
  EXPECT_EQ(std::string(sms["text"].as_string()).substr(0, 29), "Thanks Prof. O'Brien & Co! Ca");
  EXPECT_EQ(items[2].as_object()["template"].as_string(), "cardiozen_launch_v1");
  EXPECT_EQ(items[2].as_object()["parameters"].as_array()[0].as_string(), "O'Brien & Co");
  EXPECT_EQ(items[3].as_object()["talking_points"].as_array().size(), 2u);

  // A numeric id, given traits, and the defaults alone.
  auto numeric = Send("POST", "/v1/content/cardiozen-launch/preview",
                      R"({"profile_id": )" + std::to_string(id) + "}");
  ASSERT_EQ(numeric.status, 200) << numeric.body;
  EXPECT_EQ(SmsText(numeric).substr(0, 16), "Prof. O'Brien & ");
  auto given = Send(
      "POST", "/v1/content/cardiozen-launch/preview",
      R"({"traits": {"last_name": "Ruiz"}, "extra": {"unsubscribe_url": "https://u.example.com/x"}})");
  ASSERT_EQ(given.status, 200) << given.body;
  auto given_email = Body(given)["items"].as_array()[0].as_object();
  EXPECT_NE(given_email["html"].as_string().find("Dear Dr. Ruiz"), std::string::npos);
  EXPECT_NE(given_email["text"].as_string().find("Unsubscribe: https://u.example.com/x"),
            std::string::npos);
  auto plain = Send("POST", "/v1/content/cardiozen-launch/preview", "{}");
  EXPECT_EQ(SmsText(plain).substr(0, 11), "Dr. Doctor:");
}

TEST_F(ContentApiTest, PreviewErrorsNameTheField) {
  Create();
  auto missing = Send("POST", "/v1/content/cardiozen-launch/preview", R"({"profile_id": "p_999"})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Error(missing)["field"].as_string(), "profile_id");
  auto bad_id = Send("POST", "/v1/content/cardiozen-launch/preview", R"({"profile_id": "doc"})");
  EXPECT_EQ(bad_id.status, 400);
  EXPECT_EQ(Error(bad_id)["field"].as_string(), "profile_id");
  auto both =
      Send("POST", "/v1/content/cardiozen-launch/preview", R"({"profile_id": 1, "traits": {}})");
  EXPECT_EQ(both.status, 400);
  auto unknown = Send("POST", "/v1/content/cardiozen-launch/preview", R"({"profile": 1})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(Error(unknown)["field"].as_string(), "profile");
  auto variant = Send("POST", "/v1/content/cardiozen-launch/preview", R"({"variant": "vip"})");
  EXPECT_EQ(variant.status, 400);
  EXPECT_EQ(Error(variant)["field"].as_string(), "variant");
  auto version = Send("POST", "/v1/content/cardiozen-launch/preview", R"({"version": 4})");
  EXPECT_EQ(version.status, 404);
  auto extra = Send("POST", "/v1/content/cardiozen-launch/preview", R"({"extra": {"a": 1}})");
  EXPECT_EQ(extra.status, 400);
  EXPECT_EQ(Error(extra)["field"].as_string(), "extra");
  EXPECT_EQ(Send("POST", "/v1/content/nope/preview", "{}").status, 404);
}

TEST(ContentApiDisabled, AnswersServiceUnavailable) {
  TempDir dir;
  ManualClock clock{*ParseTimestamp("2026-04-01T08:00:00Z")};
  ChannelCatalog catalog = ChannelCatalog::Builtin();
  auto store = OpenSqliteStore(dir.path()).value();
  auto profiles = ProfileService::Create(*store, clock, {}).value();
  ServerOptions o;
  o.port = 0;
  o.threads = 1;
  o.write_keys = {"test-key"};
  auto server = Server::Start(o, ServerDeps{*profiles, catalog, clock, nullptr, store.get()});
  ASSERT_TRUE(server.ok()) << server.status().message();
  HttpClient client((*server)->port());
  auto r = client.Send("GET", "/v1/content", "");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("\"unavailable\""), std::string::npos);
}

}  // namespace
}  // namespace unisono
