// The one-voice check: each kind of problem, all of them listed at once, each with its
// rendition and the JSON pointer of the field to change.
#include <gtest/gtest.h>

#include "content/internal/check.h"
#include "content_examples.h"

namespace unisono::content {
namespace {

using testing::CardiozenLaunch;
using testing::Edited;
namespace json = boost::json;

std::vector<ContentProblem> Check(const std::string& text) {
  ContentOptions options;
  auto d = ParseContent(text, options);
  EXPECT_TRUE(d.ok()) << d.status().message();
  return d.ok() ? CheckContent(*d, options.products) : std::vector<ContentProblem>{};
}

// "rendition field" of each problem, in order.
std::vector<std::string> Where(const std::vector<ContentProblem>& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.rendition + " " + p.field);
  return out;
}

std::string Describe(const std::vector<ContentProblem>& problems) {
  std::string out;
  for (const auto& p : problems) out += p.rendition + " " + p.field + ": " + p.message + "\n";
  return out;
}

const char* kClaim = "lowers blood pressure in 4 weeks";

TEST(ContentCheck, TheExampleIsClean) {
  auto problems = Check(CardiozenLaunch());
  EXPECT_TRUE(problems.empty()) << Describe(problems);
}

TEST(ContentCheck, ListsEveryProblemWithItsRenditionAndField) {
  std::string text = CardiozenLaunch();
  text = Edited(text, "/channels", json::array{"email", "sms", "whatsapp", "push", "rep"});
  text = Edited(text, "/renditions/postal",
                json::object{{"text",
                              "Cardiozen lowers blood pressure in 4 weeks. Order your "
                              "samples."}});
  text = Edited(text, "/renditions/email/html",
                json::value("<p>Cardiozen lowers blood pressure in 4 weeks. <a "
                            "href=\"htp://example.com/x\">Order your samples</a></p>"));
  text = Edited(text, "/renditions/email/text",
                json::value("Cardiozen lowers blood pressure in 4 weeks. Order your samples."));
  text = Edited(text, "/renditions/sms/text",
                json::value("{{title}} {{last_name}}: Cardiozen. Order your samples at "
                            "https://example.com/s " +
                            std::string(500, 'x')));
  text = Edited(text, "/renditions/whatsapp/template", std::nullopt);
  auto problems = Check(text);
  EXPECT_EQ(Where(problems), (std::vector<std::string>{
                                 "push /renditions/push",
                                 "postal /renditions/postal",
                                 "email /renditions/email/html",
                                 "email /renditions/email/html",
                                 "email /renditions/email/text",
                                 "sms /renditions/sms",
                                 "sms /renditions/sms/text",
                                 "whatsapp /renditions/whatsapp/template",
                             }))
      << Describe(problems);
  ASSERT_EQ(problems.size(), 8u);
  EXPECT_EQ(problems[0].message,
            "missing: /channels lists push; add a push rendition or take it out of /channels");
  EXPECT_EQ(problems[1].message, "not in /channels; add 'postal' there or remove this rendition");
  EXPECT_EQ(problems[2].message,
            "link 'htp://example.com/x' uses 'htp'; only http and https links are allowed");
  EXPECT_EQ(problems[3].message,
            "has no unsubscribe link; add <a href=\"{{unsubscribe_url}}\">unsubscribe</a>");
  EXPECT_EQ(problems[4].message,
            "has no unsubscribe link; add \"Unsubscribe: {{unsubscribe_url}}\"");
  EXPECT_EQ(problems[5].message,
            std::string("misses the claim '") + kClaim + "'; every rendition says it");
  // "Dr. Doctor: Cardiozen. Order your samples at https://example.com/s " is 67 septets.
  EXPECT_EQ(problems[6].message,
            "is 4 SMS segments (567 septets); the most is 3: shorten it to 459 septets or raise "
            "/max_sms_segments");
  EXPECT_EQ(problems[7].message, "required: the name of the approved WhatsApp template");
}

TEST(ContentCheck, TheProductMustBeInTheCatalogAndNamedByItsNameOrId) {
  auto problems = Check(Edited(CardiozenLaunch(), "/core/product", json::value("cardiozenn")));
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0].rendition, "");
  EXPECT_EQ(problems[0].field, "/core/product");
  EXPECT_EQ(problems[0].message.rfind("'cardiozenn' is not in the product catalog; use a product "
                                      "id such as cardiozen",
                                      0),
            0u)
      << problems[0].message;
}

TEST(ContentCheck, ARenditionWithoutTheProductNameIsAProblem) {
  auto problems = Check(
      Edited(CardiozenLaunch(), "/renditions/whatsapp/text",
             json::value(std::string("It ") + kClaim + ". Reply YES to order your samples.")));
  ASSERT_EQ(problems.size(), 1u) << Describe(problems);
  EXPECT_EQ(problems[0].rendition, "whatsapp");
  EXPECT_EQ(problems[0].field, "/renditions/whatsapp");
  EXPECT_EQ(problems[0].message,
            "misses the product 'Cardiozen' (or 'cardiozen'); every rendition says it");
  // Upper case counts.
  EXPECT_TRUE(Check(Edited(CardiozenLaunch(), "/renditions/whatsapp/text",
                           json::value(std::string("CARDIOZEN ") + kClaim +
                                       ". Reply YES to order your samples.")))
                  .empty());
}

TEST(ContentCheck, AFactWrittenAsATemplateCountsWithItsDefault) {
  std::string text = Edited(CardiozenLaunch(), "/renditions/sms/text",
                            json::value("Cardiozen {{claim_text}}. Order your samples."));
  auto without_default = Check(text);
  ASSERT_EQ(without_default.size(), 1u) << Describe(without_default);
  EXPECT_EQ(without_default[0].field, "/renditions/sms");
  text = Edited(text, "/defaults/claim_text", json::value("Lowers Blood  Pressure in 4 weeks"));
  auto with_default = Check(text);
  EXPECT_TRUE(with_default.empty()) << Describe(with_default);
}

TEST(ContentCheck, FactsSplitByHtmlTagsAreFound) {
  std::string text = Edited(CardiozenLaunch(), "/renditions/email/subject", json::value("News"));
  text = Edited(text, "/renditions/email/html",
                json::value("<p><b>Cardiozen</b> lowers <i>blood</i>\n pressure in 4&nbsp;weeks. "
                            "<a href=\"https://example.com\">Order your samples</a> <a "
                            "href=\"{{unsubscribe_url}}\">unsubscribe</a></p>"));
  auto problems = Check(text);
  EXPECT_TRUE(problems.empty()) << Describe(problems);
}

TEST(ContentCheck, FactsRequiredNarrowsWhatEveryRenditionSays) {
  std::string text =
      Edited(CardiozenLaunch(), "/renditions/sms/text", json::value("Cardiozen: ask your rep."));
  EXPECT_EQ(Check(text).size(), 2u);  // the claim and the call to action
  text = Edited(text, "/facts_required", json::array{"product"});
  EXPECT_TRUE(Check(text).empty());
  text = Edited(text, "/facts_required", json::array{});
  text = Edited(text, "/renditions/sms/text", json::value("Hello"));
  EXPECT_TRUE(Check(text).empty());
}

TEST(ContentCheck, SmsSegmentsAreMeasuredAfterRenderingAndAgainstTheLimit) {
  // 2 segments in UCS-2 ("á" is outside GSM-7), against a limit of 1.
  std::string sms = "Cardiozen lowers blood pressure in 4 weeks. Order your samples, señor Gómez á";
  std::string text = Edited(CardiozenLaunch(), "/renditions/sms/text", json::value(sms));
  EXPECT_TRUE(Check(text).empty());
  text = Edited(text, "/max_sms_segments", json::value(1));
  auto problems = Check(text);
  ASSERT_EQ(problems.size(), 1u) << Describe(problems);
  EXPECT_EQ(problems[0].field, "/renditions/sms/text");
  EXPECT_EQ(problems[0].message,
            "is 2 SMS segments (77 UCS-2 units); the most is 1: shorten it to 70 UCS-2 units or "
            "raise /max_sms_segments (one character outside GSM-7 makes the whole text UCS-2)");
}

TEST(ContentCheck, LinksMustBeAbsoluteHttpWithAHost) {
  std::string text = Edited(CardiozenLaunch(), "/renditions/sms/text",
                            json::value("Cardiozen lowers blood pressure in 4 weeks. Order your "
                                        "samples at www.example.com or https://{{shop}}/s"));
  auto problems = Check(text);
  EXPECT_EQ(Describe(problems),
            "sms /renditions/sms/text: link 'www.example.com' has no scheme; write "
            "https://www.example.com\n"
            "sms /renditions/sms/text: link 'https:///s' has no host\n");
  text = Edited(text, "/defaults/shop", json::value("shop.example.com"));
  text = Edited(text, "/renditions/sms/text",
                json::value("Cardiozen lowers blood pressure in 4 weeks. Order your samples at "
                            "https://{{shop}}/s"));
  EXPECT_TRUE(Check(text).empty());
}

TEST(ContentCheck, ALiteralUnsubscribeLinkIsEnough) {
  std::string text =
      Edited(CardiozenLaunch(), "/renditions/email/html",
             json::value("<p>Cardiozen lowers blood pressure in 4 weeks. Order your samples. "
                         "<a href=\"https://example.com/unsubscribe?list=hcp\">Stop</a></p>"));
  text = Edited(text, "/renditions/email/text", std::nullopt);
  auto problems = Check(text);
  EXPECT_TRUE(problems.empty()) << Describe(problems);
}

TEST(ContentCheck, PushTitleAndBodyLengths) {
  std::string text = Edited(CardiozenLaunch(), "/channels",
                            json::array{"email", "sms", "whatsapp", "push", "rep"});
  std::string body = "Cardiozen lowers blood pressure in 4 weeks. Order your samples.";
  text =
      Edited(text, "/renditions/push",
             json::object{{"title", std::string(66, 'T')}, {"body", body + std::string(200, '.')}});
  auto problems = Check(text);
  EXPECT_EQ(Describe(problems),
            "push /renditions/push/title: is 66 characters; a push title may have at most 65\n"
            "push /renditions/push/body: is 263 characters; a push body may have at most 240\n");
  text = Edited(text, "/renditions/push",
                json::object{{"title", "Ñ" + std::string(64, 'T')}, {"body", body}});
  EXPECT_TRUE(Check(text).empty()) << Describe(Check(text));  // 65 characters, 66 bytes
}

TEST(ContentCheck, RequiredFieldsOfEachRendition) {
  std::string text = CardiozenLaunch();
  text = Edited(text, "/channels",
                json::array{"email", "sms", "whatsapp", "push", "rep", "postal", "webinar"});
  text = Edited(text, "/facts_required", json::array{});
  text = Edited(text, "/renditions/email", json::object{{"subject", " "}});
  text = Edited(text, "/renditions/sms/text", json::value(""));
  text = Edited(text, "/renditions/push", json::object{});
  text = Edited(text, "/renditions/rep/talking_points", json::array{});
  text = Edited(text, "/renditions/postal", json::object{});
  text = Edited(text, "/renditions/webinar", json::object{{"subject", "Join us"}, {"text", "Hi"}});
  text = Edited(text, "/variants", json::array{});
  EXPECT_EQ(Where(Check(text)), (std::vector<std::string>{
                                    "email /renditions/email/subject",
                                    "email /renditions/email/html",
                                    "sms /renditions/sms/text",
                                    "push /renditions/push/title",
                                    "push /renditions/push/body",
                                    "rep /renditions/rep/talking_points",
                                    "postal /renditions/postal/text",
                                    "webinar /renditions/webinar/url",
                                }))
      << Describe(Check(text));
}

TEST(ContentCheck, VariantProblemsPointIntoTheVariant) {
  std::string text = Edited(CardiozenLaunch(), "/variants/0/renditions/sms/text",
                            json::value("Thanks! Cardiozen. Order your samples: htp://x.com"));
  auto problems = Check(text);
  EXPECT_EQ(Describe(problems),
            std::string("sms /variants/0/renditions/sms: variant 'loyal': misses the claim '") +
                kClaim +
                "'; every rendition says it\n"
                "sms /variants/0/renditions/sms/text: variant 'loyal': link 'htp://x.com' uses "
                "'htp'; only http and https links are allowed\n");
  // A variant that changes only the subject is not blamed for the base's html.
  text = Edited(CardiozenLaunch(), "/renditions/email/html",
                json::value("<p>Cardiozen lowers blood pressure in 4 weeks. <a "
                            "href=\"htp://x.com\">Order your samples</a> <a "
                            "href=\"{{unsubscribe_url}}\">unsubscribe</a></p>"));
  EXPECT_EQ(Where(Check(text)), (std::vector<std::string>{"email /renditions/email/html"}));
}

}  // namespace
}  // namespace unisono::content
