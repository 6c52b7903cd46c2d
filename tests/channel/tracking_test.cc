// Signed tracking links against a real store and profile service: the links a message
// carries, what opening, clicking and unsubscribing write, and forged links refused.
#include "channel/internal/tracking.h"

#include <gtest/gtest.h>

#include "storage/storage.h"
#include "support/test_support.h"

namespace unisono {
namespace {

using testing::TempDir;

const Timestamp kStart = ParseTimestamp("2026-03-02T09:00:00.000Z").value();

class TrackingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenSqliteStore(dir_.path()).value();
    profiles_ = ProfileService::Create(*store_, clock_, {}).value();
    auto written = profiles_->SubmitAndWait(
        {testing::Identify("ana", {{"email", "\"ana@example.com\""}}, kStart)});
    ASSERT_TRUE(written.ok());
    profile_ = profiles_->FindBy("user_id", "ana").value().record.id;
    message_.id = 41;
    message_.profile_id = profile_;
    message_.channel = "email";
    message_.journey_id = "journey_1";
    message_.content = "cardiozen-launch";
    message_.idempotency_key = "journey_1:41";
    tracker_owner_ = std::make_unique<channel::Tracker>(*profiles_, clock_,
                                                        "http://mail.example.test/", "s3cret");
  }

  // The token in a link made by the tracker: what follows "/t/<kind>/".
  static std::string TokenOf(const std::string& url, const std::string& kind) {
    auto at = url.find("/t/" + kind + "/");
    EXPECT_NE(at, std::string::npos) << url;
    return url.substr(at + 5);
  }

  std::vector<Event> TimelineEvents() {
    TimelineQuery q;
    q.profile_id = profile_;
    q.limit = 100;
    auto page = profiles_->Timeline(q);
    EXPECT_TRUE(page.ok());
    return page.ok() ? page->items : std::vector<Event>{};
  }

  int Count(const std::string& name) {
    int n = 0;
    for (const Event& e : TimelineEvents()) n += e.name == name;
    return n;
  }

  TempDir dir_;
  ManualClock clock_{kStart};
  std::unique_ptr<Store> store_;
  std::unique_ptr<ProfileService> profiles_;
  int64_t profile_ = 0;
  OutboxMessage message_;
  std::unique_ptr<channel::Tracker> tracker_owner_;
  channel::Tracker* tracker() { return tracker_owner_.get(); }
};

TEST_F(TrackingTest, LinksPointAtThePublicUrlWithoutADoubleSlash) {
  EXPECT_TRUE(tracker()->OpenPixelUrl(message_).starts_with("http://mail.example.test/t/o/"));
  EXPECT_TRUE(tracker()->OpenPixelUrl(message_).ends_with(".gif"));
  EXPECT_TRUE(tracker()
                  ->ClickUrl(message_, "https://cardiozen.example/x")
                  .starts_with("http://mail.example.test/t/c/"));
  EXPECT_TRUE(tracker()->UnsubscribeUrl(message_).starts_with("http://mail.example.test/t/u/"));
  tracker()->set_public_url("https://t.example.org");
  EXPECT_TRUE(tracker()->UnsubscribeUrl(message_).starts_with("https://t.example.org/t/u/"));
}

TEST_F(TrackingTest, AClickRedirectsToItsTargetAndIsOnTheTimeline) {
  const std::string target = "https://cardiozen.example/samples?utm_source=email&x=1";
  std::string url = tracker()->ClickUrl(message_, target);
  auto clicked = tracker()->Click(TokenOf(url, "c"), "Mozilla/5.0");
  ASSERT_TRUE(clicked.ok()) << clicked.status().message();
  EXPECT_EQ(clicked->redirect_url, target);
  EXPECT_EQ(clicked->profile_id, profile_);
  ASSERT_EQ(Count("link_clicked"), 1);
  for (const Event& e : TimelineEvents()) {
    if (e.name != "link_clicked") continue;
    EXPECT_EQ(e.channel, "email");
    EXPECT_NE(e.properties_json.find("\"url\":\"" + target + "\""), std::string::npos)
        << e.properties_json;
    EXPECT_NE(e.properties_json.find("\"journey\":\"journey_1\""), std::string::npos);
  }
  // A scanner fetching the link again within the minute is the same click; a minute
  // later it is another one.
  ASSERT_TRUE(tracker()->Click(TokenOf(url, "c"), "").ok());
  EXPECT_EQ(Count("link_clicked"), 1);
  clock_.Advance(std::chrono::minutes(2));
  ASSERT_TRUE(tracker()->Click(TokenOf(url, "c"), "").ok());
  EXPECT_EQ(Count("link_clicked"), 2);
}

TEST_F(TrackingTest, OpensCountOncePerMessage) {
  std::string token = TokenOf(tracker()->OpenPixelUrl(message_), "o");
  token.resize(token.size() - 4);  // ".gif"
  for (int i = 0; i < 3; ++i) {
    auto opened = tracker()->Open(token, "ImageProxy");
    ASSERT_TRUE(opened.ok()) << opened.status().message();
  }
  EXPECT_EQ(Count("email_opened"), 1);
}

TEST_F(TrackingTest, UnsubscribingRefusesTheChannelsConsent) {
  ASSERT_TRUE(profiles_->SetConsent(profile_, "email", true, "form").ok());
  auto done = tracker()->Unsubscribe(TokenOf(tracker()->UnsubscribeUrl(message_), "u"));
  ASSERT_TRUE(done.ok()) << done.status().message();
  auto profile = profiles_->Get(profile_);
  ASSERT_TRUE(profile.ok());
  ASSERT_TRUE(profile->consent.count("email"));
  EXPECT_FALSE(profile->consent.at("email").granted);
  EXPECT_EQ(Count("unsubscribed"), 1);
  // Other channels are untouched.
  EXPECT_FALSE(profile->consent.count("sms"));
}

TEST_F(TrackingTest, ForgedAlteredOrMisusedTokensAreRefusedAndWriteNothing) {
  std::string click = TokenOf(tracker()->ClickUrl(message_, "https://ok.example/"), "c");
  std::string unsubscribe = TokenOf(tracker()->UnsubscribeUrl(message_), "u");
  // Another key signed it.
  channel::Tracker other(*profiles_, clock_, "http://mail.example.test", "other-secret");
  std::string foreign = TokenOf(other.ClickUrl(message_, "https://evil.example/"), "c");
  EXPECT_EQ(tracker()->Click(foreign, "").status().code(), StatusCode::kPermissionDenied);
  // One character of the payload changed.
  std::string altered = click;
  altered[3] = altered[3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(tracker()->Click(altered, "").status().code(), StatusCode::kPermissionDenied);
  // Garbage, an empty token, a missing signature.
  for (const std::string& bad : {std::string("nonsense"), std::string(""), std::string("."),
                                 click.substr(0, click.find('.')), std::string("%%%.###")}) {
    EXPECT_FALSE(tracker()->Click(bad, "").ok()) << bad;
    EXPECT_FALSE(tracker()->Unsubscribe(bad).ok()) << bad;
  }
  // A click token does not unsubscribe, nor the other way round.
  EXPECT_EQ(tracker()->Unsubscribe(click).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(tracker()->Click(unsubscribe, "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Count("link_clicked"), 0);
  EXPECT_EQ(Count("unsubscribed"), 0);
  EXPECT_FALSE(profiles_->Get(profile_)->consent.count("email"));
}

TEST_F(TrackingTest, HtmlLinksGoThroughClicksAndThePixelGoesBeforeTheBodyEnds) {
  const std::string unsubscribe = tracker()->UnsubscribeUrl(message_);
  const std::string html =
      "<html><body><p>Dear Dr. Ruiz,</p>"
      "<a href=\"https://cardiozen.example/a?x=1&amp;y=2\">A</a> "
      "<a href='http://cardiozen.example/b'>B</a> "
      "<a href=\"mailto:info@cardiozen.example\">mail</a> "
      "<a href=\"" +
      unsubscribe + "\">unsubscribe</a></BODY></html>";
  std::string out = tracker()->RewriteHtml(html, message_);
  EXPECT_EQ(out.find("href=\"https://cardiozen.example/a"), std::string::npos) << out;
  EXPECT_EQ(out.find("href='http://cardiozen.example/b'"), std::string::npos) << out;
  EXPECT_NE(out.find("href=\"mailto:info@cardiozen.example\""), std::string::npos);
  EXPECT_NE(out.find("href=\"" + unsubscribe + "\""), std::string::npos);
  size_t pixel = out.find(tracker()->OpenPixelUrl(message_));
  ASSERT_NE(pixel, std::string::npos);
  EXPECT_LT(pixel, out.find("</BODY>"));
  // The rewritten first link leads to its original target, &amp; decoded.
  size_t first = out.find("/t/c/");
  std::string token = out.substr(first + 5, out.find('"', first) - first - 5);
  auto clicked = tracker()->Click(token, "");
  ASSERT_TRUE(clicked.ok());
  EXPECT_EQ(clicked->redirect_url, "https://cardiozen.example/a?x=1&y=2");
}

TEST_F(TrackingTest, TextLinksGoThroughClicksAndKeepTheSentencesPunctuation) {
  std::string out = tracker()->RewriteText(
      "Order at https://cardiozen.example/order. Or see (https://cardiozen.example/faq), "
      "thanks. Not a link: xhttps://nope and httpbin.",
      message_);
  EXPECT_EQ(out.find("https://cardiozen.example"), std::string::npos) << out;
  EXPECT_NE(out.find("xhttps://nope"), std::string::npos);
  EXPECT_NE(out.find("httpbin."), std::string::npos);
  size_t first = out.find("/t/c/");
  ASSERT_NE(first, std::string::npos);
  // The token is base64url with one '.' inside, so look for the sentence's full stop.
  size_t end = out.find(". Or see", first);
  ASSERT_NE(end, std::string::npos) << out;
  auto clicked = tracker()->Click(out.substr(first + 5, end - first - 5), "");
  ASSERT_TRUE(clicked.ok()) << clicked.status().message();
  EXPECT_EQ(clicked->redirect_url, "https://cardiozen.example/order");
  size_t second = out.find("/t/c/", first + 5);
  size_t close = out.find(')', second);
  auto faq = tracker()->Click(out.substr(second + 5, close - second - 5), "");
  ASSERT_TRUE(faq.ok());
  EXPECT_EQ(faq->redirect_url, "https://cardiozen.example/faq");
}

}  // namespace
}  // namespace unisono
