// The content library on a real SQLite store: saving with the check's problems, the
// approval flow with its four-eyes rule, what senders get, rendering for a profile, and
// everything surviving a restart.
#include <gtest/gtest.h>

#include "content/content.h"
#include "content_examples.h"
#include "support/test_support.h"

namespace unisono {
namespace {

using testing::CardiozenLaunch;
using testing::Edited;
namespace json = boost::json;

class ContentLibraryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenSqliteStore(dir_.path()).value();
    library_ = ContentLibrary::Create(*store_, clock_, {}).value();
  }
  // A fresh library on the same store, as after a restart.
  void Reopen() {
    library_.reset();
    library_ = ContentLibrary::Create(*store_, clock_, {}).value();
  }
  ContentInfo Approved(const std::string& definition) {
    auto created = library_->CreateItem(definition, "ana");
    EXPECT_TRUE(created.ok()) << created.status().message();
    EXPECT_TRUE(library_->Submit(created->id, "ana").ok());
    auto approved = library_->Approve(created->id, "bruno");
    EXPECT_TRUE(approved.ok()) << approved.status().message();
    return *approved;
  }

  testing::TempDir dir_;
  ManualClock clock_{*ParseTimestamp("2026-03-01T09:00:00Z")};
  std::unique_ptr<Store> store_;
  std::unique_ptr<ContentLibrary> library_;
};

TEST_F(ContentLibraryTest, CreatingKeepsTheCanonicalDefinitionAndItsProblems) {
  auto created = library_->CreateItem(
      Edited(CardiozenLaunch(), "/renditions/whatsapp/template", std::nullopt), "ana");
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(created->id, "cardiozen-launch");
  EXPECT_EQ(created->version, 1);
  EXPECT_EQ(created->latest_version, 1);
  EXPECT_EQ(created->state, "draft");
  EXPECT_EQ(created->name, "Cardiozen launch");
  EXPECT_EQ(created->channels, (std::vector<std::string>{"email", "sms", "whatsapp", "rep"}));
  EXPECT_EQ(created->created_by, "ana");
  EXPECT_EQ(created->created_at, clock_.Now());
  ASSERT_EQ(created->problems.size(), 1u);
  EXPECT_EQ(created->problems[0].field, "/renditions/whatsapp/template");
  ASSERT_EQ(created->history.size(), 1u);
  EXPECT_EQ(created->history[0].state, "draft");
  EXPECT_EQ(created->history[0].by, "ana");
  EXPECT_EQ(created->definition_json.find("{\"id\":\"cardiozen-launch\""), 0u);
}

TEST_F(ContentLibraryTest, IdsComeFromTheNameAndStayUnique) {
  std::string no_id = Edited(CardiozenLaunch(), "/id", std::nullopt);
  EXPECT_EQ(library_->CreateItem(no_id, "ana")->id, "cardiozen-launch");
  EXPECT_EQ(library_->CreateItem(no_id, "ana")->id, "cardiozen-launch-2");
  auto taken = library_->CreateItem(CardiozenLaunch(), "ana");
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(taken.status().field(), "/id");
  EXPECT_EQ(library_->ListItems().size(), 2u);
}

TEST_F(ContentLibraryTest, BadInputStoresNothing) {
  auto bad = library_->CreateItem(Edited(CardiozenLaunch(), "/renditions/sms/text", 5), "ana");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "/renditions/sms/text");
  EXPECT_TRUE(library_->ListItems().empty());
  EXPECT_TRUE(store_->ListDefinitions("content")->empty());
  EXPECT_EQ(library_->GetItem("cardiozen-launch").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(library_->UpdateItem("nope", CardiozenLaunch(), "ana").status().code(),
            StatusCode::kNotFound);
}

TEST_F(ContentLibraryTest, SubmitIsRefusedWhileTheCheckFindsProblems) {
  auto created = library_->CreateItem(
      Edited(CardiozenLaunch(), "/renditions/sms/text", json::value("Cardiozen!")), "ana");
  ASSERT_TRUE(created.ok());
  auto submitted = library_->Submit(created->id, "ana");
  ASSERT_FALSE(submitted.ok());
  EXPECT_EQ(submitted.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(submitted.status().message(),
            "content 'cardiozen-launch' version 1 has 2 problem(s) to fix first: /renditions/sms: "
            "misses the claim 'lowers blood pressure in 4 weeks'; every rendition says it; "
            "/renditions/sms: misses the call to action 'order your samples'; every rendition "
            "says it");
  EXPECT_EQ(library_->GetItem(created->id)->state, "draft");

  // Many problems: the first five, and how many more GET shows.
  auto many = library_->UpdateItem(
      created->id, Edited(CardiozenLaunch(), "/core/claim", json::value("works in 3 weeks")),
      "ana");
  ASSERT_EQ(many->problems.size(), 6u);  // 4 renditions and 2 variant renditions
  auto refused = library_->Submit(created->id, "ana");
  EXPECT_TRUE(refused.status().message().ends_with("every rendition says it; and 1 more"))
      << refused.status().message();
}

TEST_F(ContentLibraryTest, ApprovalNeedsReviewAndASecondPerson) {
  ASSERT_TRUE(library_->CreateItem(CardiozenLaunch(), "ana").ok());
  const std::string id = "cardiozen-launch";
  auto early = library_->Approve(id, "bruno");
  EXPECT_EQ(early.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(early.status().message(),
            "content 'cardiozen-launch' version 1 is draft; only a version in review can be "
            "approved");
  EXPECT_EQ(library_->Submit(id, " ").status().field(), "by");

  clock_.Advance(std::chrono::minutes(5));
  auto submitted = library_->Submit(id, "ana");
  ASSERT_TRUE(submitted.ok()) << submitted.status().message();
  EXPECT_EQ(submitted->state, "in_review");
  EXPECT_EQ(submitted->submitted_by, "ana");
  EXPECT_EQ(library_->Submit(id, "ana").status().code(), StatusCode::kFailedPrecondition);

  auto self = library_->Approve(id, "ANA");
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(self.status().message(),
            "content 'cardiozen-launch' version 1 was submitted by 'ana'; someone else must "
            "approve it (four-eyes rule)");
  EXPECT_EQ(library_->ChooseForSend(id, "email", "", "").status().message(),
            "content 'cardiozen-launch' has no approved version");

  clock_.Advance(std::chrono::minutes(5));
  auto approved = library_->Approve(id, "bruno");
  ASSERT_TRUE(approved.ok()) << approved.status().message();
  EXPECT_EQ(approved->state, "approved");
  EXPECT_EQ(approved->approved_by, "bruno");
  EXPECT_EQ(approved->approved_at, clock_.Now());
  EXPECT_EQ(approved->approved_version, 1);
  ASSERT_EQ(approved->history.size(), 3u);
  EXPECT_EQ(approved->history[1].state, "in_review");
  EXPECT_EQ(approved->history[1].by, "ana");
  EXPECT_EQ(approved->history[1].at, *ParseTimestamp("2026-03-01T09:05:00Z"));
  EXPECT_EQ(approved->history[2].state, "approved");
  EXPECT_EQ(approved->history[2].by, "bruno");
}

TEST_F(ContentLibraryTest, RejectingSendsItBackWithTheReason) {
  ASSERT_TRUE(library_->CreateItem(CardiozenLaunch(), "ana").ok());
  ASSERT_TRUE(library_->Submit("cardiozen-launch", "ana").ok());
  EXPECT_EQ(library_->Reject("cardiozen-launch", "carla", "").status().field(), "reason");
  auto rejected = library_->Reject("cardiozen-launch", "carla", "cite the study");
  ASSERT_TRUE(rejected.ok());
  EXPECT_EQ(rejected->state, "draft");
  EXPECT_EQ(rejected->history.back().state, "draft");
  EXPECT_EQ(rejected->history.back().by, "carla");
  EXPECT_EQ(rejected->history.back().reason, "cite the study");
  EXPECT_EQ(library_->Reject("cardiozen-launch", "carla", "again").status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(ContentLibraryTest, AnEditNeedsApprovalWhileTheApprovedVersionKeepsSending) {
  Approved(CardiozenLaunch());
  const std::string edited =
      Edited(CardiozenLaunch(), "/renditions/sms/text",
             json::value("Cardiozen lowers blood pressure in 4 weeks. Order your samples now."));
  auto v2 = library_->UpdateItem("cardiozen-launch", edited, "ana");
  ASSERT_TRUE(v2.ok()) << v2.status().message();
  EXPECT_EQ(v2->version, 2);
  EXPECT_EQ(v2->state, "draft");
  EXPECT_EQ(v2->approved_version, 1);
  EXPECT_EQ(library_->ChooseForSend("cardiozen-launch", "sms", "", "")->version, 1);
  EXPECT_EQ(library_->GetItem("cardiozen-launch", 1)->state, "approved");

  // The same text again is not another version.
  EXPECT_EQ(library_->UpdateItem("cardiozen-launch", edited, "ana")->version, 2);
  auto wrong_id =
      library_->UpdateItem("cardiozen-launch", Edited(edited, "/id", json::value("other")), "ana");
  EXPECT_EQ(wrong_id.status().field(), "/id");

  ASSERT_TRUE(library_->Submit("cardiozen-launch", "ana").ok());
  EXPECT_EQ(library_->ChooseForSend("cardiozen-launch", "sms", "", "")->version, 1);
  ASSERT_TRUE(library_->Approve("cardiozen-launch", "bruno").ok());
  EXPECT_EQ(library_->ChooseForSend("cardiozen-launch", "sms", "", "")->version, 2);
  EXPECT_EQ(library_->GetItem("cardiozen-launch")->approved_version, 2);
  EXPECT_EQ(library_->GetItem("cardiozen-launch", 3).status().code(), StatusCode::kNotFound);
}

TEST_F(ContentLibraryTest, AnEditWhileInReviewWithdrawsTheReview) {
  ASSERT_TRUE(library_->CreateItem(CardiozenLaunch(), "ana").ok());
  ASSERT_TRUE(library_->Submit("cardiozen-launch", "ana").ok());
  auto v2 = library_->UpdateItem("cardiozen-launch",
                                 Edited(CardiozenLaunch(), "/name", json::value("Launch")), "ana");
  ASSERT_TRUE(v2.ok());
  auto v1 = library_->GetItem("cardiozen-launch", 1);
  EXPECT_EQ(v1->state, "draft");
  EXPECT_EQ(v1->history.back().reason, "superseded by version 2");
  EXPECT_EQ(library_->Approve("cardiozen-launch", "bruno").status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(ContentLibraryTest, RetiringMakesItUnsendable) {
  Approved(CardiozenLaunch());
  auto retired = library_->Retire("cardiozen-launch", "carla");
  ASSERT_TRUE(retired.ok()) << retired.status().message();
  EXPECT_EQ(retired->state, "retired");
  EXPECT_EQ(retired->retired_by, "carla");
  EXPECT_EQ(retired->approved_version, 0);
  EXPECT_EQ(library_->ChooseForSend("cardiozen-launch", "email", "", "").status().message(),
            "content 'cardiozen-launch' is retired");
  EXPECT_EQ(library_->Retire("cardiozen-launch", "carla").status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(ContentLibraryTest, ChooseForSendPicksTheRenditionAndTheFirstMatchingVariant) {
  Approved(CardiozenLaunch());
  auto plain = library_->ChooseForSend("cardiozen-launch", "email", "purchase", "new");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->id, "cardiozen-launch");
  EXPECT_EQ(plain->version, 1);
  EXPECT_EQ(plain->variant, "");
  EXPECT_EQ(library_->ChooseForSend("cardiozen-launch", "sms", "purchase", "loyal")->variant,
            "loyal");
  EXPECT_EQ(library_->ChooseForSend("cardiozen-launch", "email", "search", "new")->variant,
            "searching");
  // Both match: the first wins.
  EXPECT_EQ(library_->ChooseForSend("cardiozen-launch", "email", "plan", "active")->variant,
            "loyal");
  EXPECT_TRUE(library_->ChooseForSend("cardiozen-launch", "rep_visit", "", "").ok());
  EXPECT_EQ(library_->ChooseForSend("cardiozen-launch", "postal", "", "").status().message(),
            "content 'cardiozen-launch' has no rendition for channel postal");
  EXPECT_EQ(library_->ChooseForSend("nope", "email", "", "").status().code(),
            StatusCode::kNotFound);
}

TEST_F(ContentLibraryTest, RendersWithDefaultsTraitsAndExtraValues) {
  std::string text = Edited(CardiozenLaunch(), "/renditions/sms/text",
                            json::value("{{title}} {{last_name}} ({{address.city}}, "
                                        "{{#specialties}}{{.}};{{/specialties}} {{visits}} "
                                        "{{vip}}{{missing}}): Cardiozen lowers blood pressure "
                                        "in 4 weeks. Order your samples."));
  Approved(text);
  auto choice = library_->ChooseForSend("cardiozen-launch", "sms", "", "new");
  RenderInput input;
  input.traits_json =
      R"({"last_name": "O'Brien & Co", "address": {"city": "Sevilla"}, "title": null,)"
      R"( "specialties": ["cardiology", "geriatrics"], "visits": 3, "vip": true})";
  auto sms = library_->Render(*choice, "sms", input);
  ASSERT_TRUE(sms.ok()) << sms.status().message();
  EXPECT_EQ(sms->rendition, "sms");
  EXPECT_EQ(sms->text,
            "Dr. O'Brien & Co (Sevilla, cardiology;geriatrics; 3 true): Cardiozen lowers blood "
            "pressure in 4 weeks. Order your samples.");

  input.extra["unsubscribe_url"] = "https://t.example.com/u/abc?x=1&y=2";
  auto email = library_->Render(*choice, "email", input);
  ASSERT_TRUE(email.ok());
  EXPECT_NE(email->html.find("Dear Dr. O&apos;Brien &amp; Co,"), std::string::npos) << email->html;
  EXPECT_NE(email->html.find("href=\"https://t.example.com/u/abc?x=1&amp;y=2\""),
            std::string::npos);
  EXPECT_NE(email->text.find("Dear Dr. O'Brien & Co,"), std::string::npos);
  EXPECT_NE(email->text.find("Unsubscribe: https://t.example.com/u/abc?x=1&y=2"),
            std::string::npos);
  EXPECT_EQ(email->subject, "Cardiozen lowers blood pressure in 4 weeks");

  auto whatsapp = library_->Render(*choice, "whatsapp", input);
  EXPECT_EQ(whatsapp->whatsapp_template, "cardiozen_launch_v1");
  EXPECT_EQ(whatsapp->whatsapp_parameters, (std::vector<std::string>{"O'Brien & Co"}));
  auto rep = library_->Render(*choice, "rep_visit", input);
  EXPECT_EQ(rep->talking_points.size(), 2u);
  EXPECT_EQ(library_->Render(*choice, "push", input).status().code(),
            StatusCode::kFailedPrecondition);
  input.traits_json = "[1]";
  EXPECT_EQ(library_->Render(*choice, "sms", input).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ContentLibraryTest, RendersTheChosenVariantOverTheDefaults) {
  Approved(CardiozenLaunch());
  auto loyal = library_->ChooseForSend("cardiozen-launch", "sms", "", "loyal");
  auto sms = library_->Render(*loyal, "sms", {});
  ASSERT_TRUE(sms.ok());
  EXPECT_EQ(sms->text.rfind("Thanks Dr. Doctor! Cardiozen", 0), 0u) << sms->text;
  auto searching = library_->ChooseForSend("cardiozen-launch", "email", "search", "new");
  auto email = library_->Render(*searching, "email", {});
  EXPECT_EQ(email->subject, "New: Cardiozen lowers blood pressure in 4 weeks");
  EXPECT_NE(email->html.find("Dear Dr. Doctor"), std::string::npos);  // the default html
}

TEST_F(ContentLibraryTest, PreviewRendersEveryRenditionOfAnyVersion) {
  ASSERT_TRUE(library_->CreateItem(CardiozenLaunch(), "ana").ok());
  auto all = library_->Preview("cardiozen-launch", std::nullopt, "loyal",
                               RenderInput{R"({"last_name": "Ruiz"})", {}});
  ASSERT_TRUE(all.ok()) << all.status().message();
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].rendition, "email");
  EXPECT_EQ((*all)[1].rendition, "sms");
  EXPECT_EQ((*all)[1].text.rfind("Thanks Dr. Ruiz!", 0), 0u);
  EXPECT_EQ((*all)[3].rendition, "rep");
  auto unknown = library_->Preview("cardiozen-launch", std::nullopt, "vip", {});
  EXPECT_EQ(unknown.status().field(), "variant");
  EXPECT_EQ(library_->Preview("cardiozen-launch", 2, "", {}).status().code(),
            StatusCode::kNotFound);
}

TEST_F(ContentLibraryTest, EverythingSurvivesARestart) {
  Approved(CardiozenLaunch());
  clock_.Advance(std::chrono::hours(1));
  ASSERT_TRUE(library_
                  ->UpdateItem("cardiozen-launch",
                               Edited(CardiozenLaunch(), "/name", json::value("Launch 2")), "dan")
                  .ok());
  ASSERT_TRUE(library_->Submit("cardiozen-launch", "dan").ok());
  ASSERT_TRUE(library_->Reject("cardiozen-launch", "bruno", "too long").ok());
  ASSERT_TRUE(
      library_->CreateItem(Edited(CardiozenLaunch(), "/id", json::value("other")), "ana").ok());
  auto before = library_->GetItem("cardiozen-launch");
  auto before_v1 = library_->GetItem("cardiozen-launch", 1);

  Reopen();
  EXPECT_EQ(library_->ListItems().size(), 2u);
  auto after = library_->GetItem("cardiozen-launch");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->version, 2);
  EXPECT_EQ(after->name, "Launch 2");
  EXPECT_EQ(after->state, "draft");
  EXPECT_EQ(after->definition_json, before->definition_json);
  EXPECT_EQ(after->approved_version, 1);
  ASSERT_EQ(after->history.size(), before->history.size());
  EXPECT_EQ(after->history.back().reason, "too long");
  EXPECT_EQ(after->history.back().at, before->history.back().at);
  auto after_v1 = library_->GetItem("cardiozen-launch", 1);
  EXPECT_EQ(after_v1->approved_by, "bruno");
  EXPECT_EQ(after_v1->approved_at, before_v1->approved_at);
  EXPECT_EQ(library_->ChooseForSend("cardiozen-launch", "sms", "", "loyal")->version, 1);
  // Ids stay taken after the restart.
  EXPECT_EQ(library_->CreateItem(CardiozenLaunch(), "ana").status().code(),
            StatusCode::kAlreadyExists);
}

TEST(ContentRenditions, CatalogChannelsMapToTheirRendition) {
  EXPECT_EQ(RenditionFor("email"), "email");
  EXPECT_EQ(RenditionFor("SMS"), "sms");
  EXPECT_EQ(RenditionFor("app"), "push");
  EXPECT_EQ(RenditionFor("rep_visit"), "rep");
  EXPECT_EQ(RenditionFor("rep_tablet"), "rep");
  EXPECT_EQ(RenditionFor("e_rep"), "rep");
  EXPECT_EQ(RenditionFor("postal"), "postal");
  EXPECT_EQ(RenditionFor("webinar"), "webinar");
  EXPECT_EQ(RenditionFor("tv"), "");
  EXPECT_EQ(RenditionFor("call_center"), "");
}

}  // namespace
}  // namespace unisono
