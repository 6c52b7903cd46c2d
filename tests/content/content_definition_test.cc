// Reading content definitions: the fields, the canonical form, and every parse error
// naming the JSON pointer of what to change.
#include <gtest/gtest.h>

#include "content/internal/definition.h"
#include "content_examples.h"

namespace unisono::content {
namespace {

using testing::CardiozenLaunch;
using testing::Edited;
namespace json = boost::json;

ContentOptions Options() { return ContentOptions{}; }

// The parse error of `json`: its message must start with its field.
std::string ErrorOf(const std::string& text) {
  auto parsed = ParseContent(text, Options());
  EXPECT_FALSE(parsed.ok()) << text;
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().message().substr(0, parsed.status().field().size() + 2),
            parsed.status().field() + ": ");
  return parsed.status().message();
}

TEST(ContentDefinition, ReadsTheExample) {
  auto d = ParseContent(CardiozenLaunch(), Options());
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->id, "cardiozen-launch");
  EXPECT_EQ(d->name, "Cardiozen launch");
  EXPECT_EQ(d->channels, (std::vector<std::string>{"email", "sms", "whatsapp", "rep"}));
  EXPECT_EQ(d->core.at("product"), "cardiozen");
  EXPECT_EQ(d->RequiredFacts(),
            (std::vector<std::string>{"product", "claim", "call_to_action"}));  // not tone
  EXPECT_EQ(d->MaxSmsSegments(), 3);
  EXPECT_EQ(d->renditions.at("whatsapp").texts.at("template"), "cardiozen_launch_v1");
  EXPECT_EQ(d->renditions.at("rep").lists.at("talking_points").size(), 2u);
  ASSERT_EQ(d->variants.size(), 2u);
  EXPECT_EQ(d->variants[0].relationship_stages, (std::vector<std::string>{"loyal", "active"}));
  EXPECT_TRUE(d->variants[1].Matches("search", "new"));
  EXPECT_FALSE(d->variants[1].Matches("purchase", "new"));
}

TEST(ContentDefinition, AVariantOverridesOnlyTheFieldsItNames) {
  auto d = ParseContent(CardiozenLaunch(), Options());
  ASSERT_TRUE(d.ok());
  auto email = d->Effective("email", d->FindVariant("searching"));
  ASSERT_TRUE(email);
  EXPECT_EQ(email->texts.at("subject"), "New: Cardiozen lowers blood pressure in 4 weeks");
  EXPECT_EQ(email->texts.at("html"), d->renditions.at("email").texts.at("html"));
  EXPECT_FALSE(d->Effective("push", nullptr));
}

TEST(ContentDefinition, TheCanonicalFormReadsBackTheSame) {
  auto d = ParseContent(CardiozenLaunch(), Options());
  ASSERT_TRUE(d.ok());
  std::string canonical = ContentToJson(*d);
  auto again = ParseContent(canonical, Options());
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(ContentToJson(*again), canonical);
  // Fields in a fixed order whatever order they came in.
  EXPECT_EQ(canonical.find("{\"id\":\"cardiozen-launch\",\"name\":\"Cardiozen launch\","
                           "\"channels\":[\"email\",\"sms\",\"whatsapp\",\"rep\"],\"core\":"),
            0u);
}

TEST(ContentDefinition, ChannelsDefaultToTheRenditionsInCanonicalOrder) {
  auto d = ParseContent(
      R"({"name": "x", "renditions": {"rep": {"talking_points": ["a"]}, "sms": {"text": "b"}}})",
      Options());
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->channels, (std::vector<std::string>{"sms", "rep"}));
}

TEST(ContentDefinition, ErrorsNameTheJsonPointer) {
  const std::string base = CardiozenLaunch();
  EXPECT_EQ(ErrorOf("{\"name\": ").rfind("/: not valid JSON at line 1, column 10 (", 0), 0u);
  EXPECT_EQ(ErrorOf("[1]"), "/: expected a JSON object with name, core and renditions");
  EXPECT_EQ(ErrorOf(Edited(base, "/name", std::nullopt)), "/name: required");
  EXPECT_EQ(ErrorOf(Edited(base, "/name", json::value(""))),
            "/name: required, and must not be empty");
  EXPECT_EQ(ErrorOf(Edited(base, "/colour", json::value("red"))),
            "/colour: unknown field; use id, name, channels, core, facts_required, "
            "max_sms_segments, defaults, renditions, variants");
  EXPECT_EQ(ErrorOf(Edited(base, "/id", json::value("has space"))),
            "/id: 'has space' is not an id; use 1 to 64 letters, digits, '-', '_' or '.'");
  EXPECT_EQ(ErrorOf(Edited(base, "/renditions/sms/text", json::value(5))),
            "/renditions/sms/text: must be a string");
  EXPECT_EQ(ErrorOf(Edited(base, "/renditions/sms/subject", json::value("x"))),
            "/renditions/sms/subject: unknown field; use text");
  EXPECT_EQ(ErrorOf(Edited(base, "/renditions/fax", json::object{})),
            "/renditions/fax: 'fax' is not a rendition; use email, sms, whatsapp, push, rep, "
            "postal, webinar");
  EXPECT_EQ(ErrorOf(Edited(base, "/renditions/rep_visit", json::object{})),
            "/renditions/rep_visit: channel 'rep_visit' is carried by the 'rep' rendition; use "
            "'rep'");
  EXPECT_EQ(ErrorOf(Edited(base, "/renditions/rep/talking_points/1", json::value(7))),
            "/renditions/rep/talking_points/1: must be a string");
  EXPECT_EQ(ErrorOf(Edited(base, "/renditions", json::object{})),
            "/renditions: add at least one rendition: email, sms, whatsapp, push, rep, postal, "
            "webinar");
  EXPECT_EQ(ErrorOf(Edited(base, "/channels/1", json::value("fax"))),
            "/channels/1: 'fax' is not a rendition; use email, sms, whatsapp, push, rep, postal, "
            "webinar");
  EXPECT_EQ(ErrorOf(Edited(base, "/channels/1", json::value("email"))),
            "/channels/1: 'email' is listed twice");
  EXPECT_EQ(ErrorOf(Edited(base, "/core/claim", json::value(" "))),
            "/core/claim: must not be empty; leave the fact out instead");
  EXPECT_EQ(ErrorOf(Edited(base, "/core/price", json::value("9"))),
            "/core/price: unknown field; use product, claim, offer, call_to_action, tone");
  EXPECT_EQ(ErrorOf(Edited(base, "/facts_required", json::array{"product", "offer"})),
            "/facts_required/1: 'offer' has no text; set /core/offer or leave it out here");
  EXPECT_EQ(ErrorOf(Edited(base, "/max_sms_segments", json::value(0))),
            "/max_sms_segments: must be a whole number from 1 to 10");
  EXPECT_EQ(ErrorOf(Edited(base, "/defaults", json::array{})),
            "/defaults: must be an object of values, like {\"title\": \"Dr.\"}");
}

TEST(ContentDefinition, TemplatesAreParsedWhenRead) {
  const std::string base = CardiozenLaunch();
  EXPECT_EQ(ErrorOf(Edited(base, "/renditions/email/html", json::value("<p>{{#vip}}Hi</p>"))),
            "/renditions/email/html: template error: Unclosed section \"vip\" at 3");
  EXPECT_EQ(ErrorOf(Edited(base, "/renditions/sms/text", json::value("Hi {{name"))),
            "/renditions/sms/text: template error: Unclosed tag at 3");
  EXPECT_EQ(ErrorOf(Edited(base, "/renditions/sms/text", json::value("Hi {{> footer}}"))),
            "/renditions/sms/text: partials ({{> footer}}) are not supported; write the text in "
            "place");
  EXPECT_EQ(ErrorOf(Edited(base, "/renditions/sms/text", json::value("{{=<% %>=}}<%x%>"))),
            "/renditions/sms/text: changing the delimiters ({{=...=}}) is not supported; keep "
            "{{ and }}");
  EXPECT_EQ(ErrorOf(Edited(base, "/variants/0/renditions/sms/text", json::value("{{/x}}"))),
            "/variants/0/renditions/sms/text: template error: Unopened section \"x\" at 0");
  // A WhatsApp template is a name, not a Mustache template.
  EXPECT_TRUE(
      ParseContent(Edited(base, "/renditions/whatsapp/template", json::value("{{odd")), Options())
          .ok());
}

TEST(ContentDefinition, VariantErrorsNameTheVariant) {
  const std::string base = CardiozenLaunch();
  EXPECT_EQ(ErrorOf(Edited(base, "/variants/0/when/relationship_stage/1", json::value("vip"))),
            "/variants/0/when/relationship_stage/1: 'vip' is not one of new, active, loyal, "
            "at_risk, lapsed");
  EXPECT_EQ(ErrorOf(Edited(base, "/variants/1/when/journey_stage", json::array{})),
            "/variants/1/when/journey_stage: must not be empty; name at least one of search, plan, "
            "purchase, keep_in_touch, share");
  EXPECT_EQ(ErrorOf(Edited(base, "/variants/0/when", json::object{})),
            "/variants/0/when: must name journey_stage and/or relationship_stage, like "
            "{\"relationship_stage\": [\"loyal\"]}");
  EXPECT_EQ(ErrorOf(Edited(base, "/variants/0/when/segment", json::value("x"))),
            "/variants/0/when/segment: unknown field; use journey_stage, relationship_stage");
  EXPECT_EQ(ErrorOf(Edited(base, "/variants/1/id", json::value("loyal"))),
            "/variants/1/id: 'loyal' is already the id of /variants/0; variant ids must be unique");
  EXPECT_EQ(ErrorOf(Edited(base, "/variants/0/renditions/push", json::object{{"title", "x"}})),
            "/variants/0/renditions/push: the item has no 'push' rendition to vary; add it under "
            "/renditions first");
  EXPECT_EQ(ErrorOf(Edited(base, "/variants/0/renditions", json::object{})),
            "/variants/0/renditions: must be an object of the rendition fields this variant "
            "changes");
  EXPECT_EQ(ErrorOf(Edited(base, "/variants/0/when", std::nullopt)),
            "/variants/0/when: required, like {\"relationship_stage\": [\"loyal\"]}");
}

TEST(ContentDefinition, VariantStagesComeFromTheOptions) {
  ContentOptions options;
  options.relationship_stages = {"vip", "regular"};
  auto d = ParseContent(
      Edited(CardiozenLaunch(), "/variants/0/when/relationship_stage", json::array{"vip"}),
      options);
  EXPECT_TRUE(d.ok()) << d.status().message();
}

TEST(ContentDefinition, SlugsAndIds) {
  EXPECT_EQ(Slug("Cardiozen launch"), "cardiozen-launch");
  EXPECT_EQ(Slug("  Campaña de Otoño: ¡2026! "), "campana-de-otono-2026");
  EXPECT_EQ(Slug("***"), "content");
  EXPECT_TRUE(IsContentId("cardiozen-launch_v2.1"));
  EXPECT_FALSE(IsContentId(""));
  EXPECT_FALSE(IsContentId("a/b"));
  EXPECT_FALSE(IsContentId(std::string(65, 'a')));
}

}  // namespace
}  // namespace unisono::content
