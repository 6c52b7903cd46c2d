// The segment language front end: the text parser and printer, the JSON form, and the
// tree helpers. Most behaviour is pinned by tests/segment/language_cases.txt.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "segment/internal/ast.h"

namespace unisono::segment {
namespace {

struct Case {
  int line = 0;
  std::string input;
  std::string text;   // expected canonical text, for valid cases
  std::string error;  // expected message, for invalid ones
};

std::vector<Case> ReadCases() {
  std::ifstream in(UNISONO_TEST_DATA_DIR "/segment/language_cases.txt");
  EXPECT_TRUE(in) << "cannot open language_cases.txt";
  std::vector<Case> cases;
  std::string line;
  int number = 0;
  auto after = [&line](std::string_view tag) {
    std::string rest = line.substr(tag.size());
    return rest.starts_with(" ") ? rest.substr(1) : rest;
  };
  while (std::getline(in, line)) {
    ++number;
    if (line.starts_with("input:")) {
      cases.push_back({number, after("input:"), "", ""});
    } else if (line.starts_with("text:") && !cases.empty()) {
      cases.back().text = after("text:");
    } else if (line.starts_with("error:") && !cases.empty()) {
      cases.back().error = after("error:");
    }
  }
  return cases;
}

std::string Trace(const Case& c) {
  return "language_cases.txt:" + std::to_string(c.line) + ": " + c.input;
}

ConditionPtr MustParse(std::string_view text) {
  auto r = ParseText(text);
  EXPECT_TRUE(r.ok()) << text << " -> " << r.status().message();
  return r.ok() ? std::move(r).value() : std::make_unique<Condition>();
}

std::string ErrorOf(std::string_view text) {
  auto r = ParseText(text);
  return r.ok() ? "(parsed: " + ToText(*r.value()) + ")" : r.status().message();
}

std::string JsonErrorOf(std::string_view json) {
  auto r = ParseJson(json);
  return r.ok() ? "(parsed: " + ToText(*r.value()) + ")" : r.status().message();
}

TEST(SegmentLanguage, CaseFileCoversEnoughValidAndInvalidInputs) {
  int valid = 0, invalid = 0;
  for (const Case& c : ReadCases()) {
    EXPECT_NE(c.text.empty(), c.error.empty()) << Trace(c) << ": needs exactly one of text/error";
    c.error.empty() ? ++valid : ++invalid;
  }
  EXPECT_GE(valid, 40);
  EXPECT_GE(invalid, 25);
}

TEST(SegmentLanguage, EveryValidCasePrintsAsItsCanonicalText) {
  for (const Case& c : ReadCases()) {
    if (c.text.empty()) continue;
    SCOPED_TRACE(Trace(c));
    ConditionPtr tree = MustParse(c.input);
    EXPECT_EQ(ToText(*tree), c.text);
  }
}

TEST(SegmentLanguage, CanonicalTextParsesBackToAnEqualTree) {
  for (const Case& c : ReadCases()) {
    if (c.text.empty()) continue;
    SCOPED_TRACE(Trace(c));
    ConditionPtr tree = MustParse(c.input);
    ConditionPtr again = MustParse(ToText(*tree));
    EXPECT_TRUE(Equal(*tree, *again)) << ToText(*again);
    EXPECT_EQ(ToText(*again), ToText(*tree));
  }
}

TEST(SegmentLanguage, JsonFormOfEveryValidCaseReadsBackToAnEqualTree) {
  for (const Case& c : ReadCases()) {
    if (c.text.empty()) continue;
    SCOPED_TRACE(Trace(c));
    ConditionPtr tree = MustParse(c.input);
    std::string json = ToJson(*tree);
    auto back = ParseJson(json);
    ASSERT_TRUE(back.ok()) << json << " -> " << back.status().message();
    EXPECT_TRUE(Equal(*tree, *back.value())) << json;
    EXPECT_EQ(ToJson(*back.value()), json);
  }
}

TEST(SegmentLanguage, EveryInvalidCaseReportsItsExactMessage) {
  for (const Case& c : ReadCases()) {
    if (c.error.empty()) continue;
    SCOPED_TRACE(Trace(c));
    auto r = ParseText(c.input);
    ASSERT_FALSE(r.ok()) << ToText(*r.value());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), c.error);
  }
}

TEST(SegmentLanguage, EmptyOrBlankInputMatchesEveryProfile) {
  for (const char* blank : {"", "   ", "\n\t "}) {
    EXPECT_EQ(MustParse(blank)->kind, Condition::Kind::kTrue) << "'" << blank << "'";
  }
  EXPECT_EQ(ToJson(*MustParse("")), R"({"all":true})");
}

TEST(SegmentLanguage, RejectsStringsThatAreNotUtf8) {
  // They could not be written to the JSON form.
  EXPECT_EQ(ErrorOf("trait(a) = \"caf\xe9\""),
            "column 16: expected UTF-8 text in a string, found a byte that is not (0xe9)");
}

TEST(SegmentLanguage, ReportsTheColumnOfAMissingComparison) {
  EXPECT_EQ(ErrorOf("consent(email) and trait(specialty) and true"),
            "column 37: expected a comparison (=, !=, <, <=, >, >=, in, contains or exists), "
            "found 'and'");
}

TEST(SegmentLanguage, ReadsTheDocumentedExampleIntoTheExpectedTree) {
  ConditionPtr c = MustParse(
      R"(trait(specialty) = "cardiology" and count(track "email_opened" within 30d) >= 3 )"
      R"(and not exists(track "rep_visit" within 90d) and consent(email))");
  ASSERT_EQ(c->kind, Condition::Kind::kAnd);
  ASSERT_EQ(c->children.size(), 4u);
  const Condition& trait = *c->children[0];
  EXPECT_EQ(trait.kind, Condition::Kind::kTrait);
  EXPECT_EQ(trait.name, "specialty");
  EXPECT_EQ(trait.op, CompareOp::kEq);
  ASSERT_EQ(trait.values.size(), 1u);
  EXPECT_EQ(trait.values[0].kind, Literal::Kind::kString);
  EXPECT_EQ(trait.values[0].text, "cardiology");
  const Condition& count = *c->children[1];
  EXPECT_EQ(count.kind, Condition::Kind::kAggregate);
  EXPECT_EQ(count.aggregate.fn, AggregateFn::kCount);
  EXPECT_EQ(count.aggregate.events.type, EventType::kTrack);
  EXPECT_EQ(count.aggregate.events.name, "email_opened");
  EXPECT_EQ(count.aggregate.events.window.kind, Window::Kind::kWithin);
  EXPECT_EQ(count.aggregate.events.window.within, Millis(30LL * 86'400'000));
  EXPECT_EQ(count.op, CompareOp::kGe);
  EXPECT_EQ(count.values[0].number, 3);
  const Condition& no_visit = *c->children[2];
  ASSERT_EQ(no_visit.kind, Condition::Kind::kNot);
  EXPECT_EQ(no_visit.children[0]->kind, Condition::Kind::kExists);
  EXPECT_EQ(no_visit.children[0]->aggregate.fn, AggregateFn::kCount);
  EXPECT_EQ(no_visit.children[0]->aggregate.events.name, "rep_visit");
  EXPECT_EQ(c->children[3]->kind, Condition::Kind::kConsent);
  EXPECT_EQ(c->children[3]->name, "email");
}

TEST(SegmentLanguage, ReadsFiltersChannelAndABetweenAgoWindow) {
  ConditionPtr c = MustParse(
      R"(sum(revenue, track "Order Completed" on ecommerce where product in ("cardiozen", )"
      R"("respiro") and value > 10 between 90d and 30d ago) >= 100)");
  const Aggregate& a = c->aggregate;
  EXPECT_EQ(a.fn, AggregateFn::kSum);
  EXPECT_EQ(a.property, "revenue");
  EXPECT_EQ(a.events.channel, "ecommerce");
  ASSERT_EQ(a.events.where.size(), 2u);
  EXPECT_EQ(a.events.where[0].property, "product");
  EXPECT_EQ(a.events.where[0].op, CompareOp::kIn);
  EXPECT_EQ(a.events.where[0].values.size(), 2u);
  EXPECT_EQ(a.events.where[1].op, CompareOp::kGt);
  EXPECT_EQ(a.events.window.kind, Window::Kind::kBetweenAgo);
  EXPECT_EQ(a.events.window.older, Millis(90LL * 86'400'000));
  EXPECT_EQ(a.events.window.newer, Millis(30LL * 86'400'000));
}

TEST(SegmentLanguage, FirstAndLastUseTheEventTimeWithoutAProperty) {
  ConditionPtr time = MustParse(R"(last(track "Rep Visit") < 30d ago)");
  EXPECT_EQ(time->aggregate.fn, AggregateFn::kLast);
  EXPECT_EQ(time->aggregate.property, "");
  EXPECT_EQ(time->values[0].kind, Literal::Kind::kAgo);
  ConditionPtr prop = MustParse(R"(last(touchpoint, track "Rep Visit") = "sample_drop")");
  EXPECT_EQ(prop->aggregate.property, "touchpoint");
  EXPECT_EQ(prop->aggregate.events.name, "Rep Visit");
}

TEST(SegmentLanguage, FlattensChainsOfAndIntoOneNodeWithByteOffsets) {
  ConditionPtr c = MustParse("consent(a) and (consent(b) and consent(c)) or not consent(d)");
  ASSERT_EQ(c->kind, Condition::Kind::kOr);
  ASSERT_EQ(c->children.size(), 2u);
  const Condition& conj = *c->children[0];
  ASSERT_EQ(conj.kind, Condition::Kind::kAnd);
  ASSERT_EQ(conj.children.size(), 3u);
  EXPECT_EQ(conj.position, 0u);
  EXPECT_EQ(conj.children[1]->position, 16u);
  EXPECT_EQ(conj.children[2]->position, 31u);
  EXPECT_EQ(c->children[1]->position, 46u);
  EXPECT_EQ(c->children[1]->children[0]->position, 50u);
}

TEST(SegmentLanguage, RefusesToNestDeeperThanAHundredLevels) {
  std::string deep(150, '(');
  deep += "true" + std::string(150, ')');
  EXPECT_EQ(ErrorOf(deep), "column 102: conditions nest more than 100 deep");
  std::string nots;
  for (int i = 0; i < 200; ++i) nots += "not ";
  EXPECT_TRUE(ErrorOf(nots + "true").starts_with("column 405: conditions nest"));
}

TEST(SegmentLanguage, ReadsJsonWrittenByHand) {
  struct Example {
    const char* json;
    const char* text;
  };
  const Example examples[] = {
      {R"({"all": true})", "true"},
      {R"({"trait": "specialty", "op": "=", "value": "cardiology"})",
       R"(trait(specialty) = "cardiology")"},
      {R"({"computed": "engagement_score.email", "op": ">", "value": 0.5})",
       "computed(engagement_score.email) > 0.5"},
      {R"({"and": [{"trait": "region", "op": "in", "values": ["north", 2]},
                   {"not": {"consent": "sms"}}]})",
       R"(trait(region) in ("north", 2) and not consent(sms))"},
      {R"({"or": [{"segment": "seg_3"}, {"exists": {}}]})", "segment(seg_3) or exists()"},
      {R"({"aggregate": "count", "events": {"type": "track", "name": "Email Opened",
           "channel": "email", "where": [{"property": "campaign", "op": "=", "value": "x"}],
           "within": "30d"}, "op": ">=", "value": 3})",
       R"(count(track "Email Opened" on email where campaign = "x" within 30d) >= 3)"},
      {R"({"aggregate": "sum", "property": "revenue", "events": {"between_ago": ["90d", "30d"]},
           "op": ">", "value": 1e2})",
       "sum(revenue, between 90d and 30d ago) > 100"},
      {R"({"aggregate": "last", "op": "<", "value": {"ago": "2w"}})", "last() < 14d ago"},
      {R"({"exists": {"since": "2026-01-01", "until": "2026-02-01T00:00:00Z"}})",
       "exists(since 2026-01-01T00:00:00.000Z until 2026-02-01T00:00:00.000Z)"},
      {R"({"trait": "t", "op": "<", "value": {"date": "2026-01-01T10:00:00+01:00"}})",
       "trait(t) < 2026-01-01T09:00:00.000Z"},
      {R"({"trait": "count", "op": "exists"})", R"(trait("count") exists)"},
  };
  for (const Example& e : examples) {
    auto r = ParseJson(e.json);
    ASSERT_TRUE(r.ok()) << e.json << " -> " << r.status().message();
    EXPECT_EQ(ToText(*r.value()), e.text);
    EXPECT_TRUE(Equal(*r.value(), *MustParse(e.text))) << e.text;
  }
}

TEST(SegmentLanguage, FlattensNestedJsonAndLikeTheTextForm) {
  auto r = ParseJson(R"({"and": [{"and": [{"consent": "a"}, {"consent": "b"}]},
                                 {"consent": "c"}]})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(Equal(*r.value(), *MustParse("consent(a) and consent(b) and consent(c)")));
}

TEST(SegmentLanguage, WritesCompactJsonWithAStableKeyOrder) {
  EXPECT_EQ(ToJson(*MustParse(R"(sum(revenue, track "Order Completed" within 30d) >= 10.5)")),
            R"({"aggregate":"sum","property":"revenue","events":{"type":"track",)"
            R"("name":"Order Completed","within":"30d"},"op":">=","value":10.5})");
}

TEST(SegmentLanguage, NamesTheJsonPointerOfABadNode) {
  struct Bad {
    const char* json;
    const char* message;
  };
  const Bad bad[] = {
      {R"({"and": [{"consent": "a"}, {"trait": "x", "op": "=="}]})",
       "/and/1/op: expected one of =, !=, <, <=, >, >=, in, contains, exists"},
      {R"({"and": [{"trate": "x"}, {"consent": "a"}]})", "/and/0: unknown key 'trate'"},
      {R"({"trait": "x", "op": "=", "value": 1, "colour": 2})", "/: unknown key 'colour'"},
      {R"({"op": "="})",
       "/: expected one of and, or, not, all, trait, computed, aggregate, exists, segment, "
       "consent"},
      {R"({"and": [{"consent": "a"}]})", "/and: expected an array of at least two conditions"},
      {R"({"not": {"exists": {"type": "click"}}})",
       "/not/exists/type: expected one of track, page, screen, identify, group, alias"},
      {R"({"exists": {"within": "30x"}})",
       "/exists/within: expected a duration string (use 30d, 12h, 15m)"},
      {R"({"exists": {"between_ago": ["30d", "90d"]}})",
       "/exists/between_ago: expected the older edge first"},
      {R"({"exists": {"within": "30d", "since": "2026-01-01"}})",
       "/exists: use only one window: within, between_ago or since/until"},
      {R"({"aggregate": "sum", "events": {}, "op": ">", "value": 1})",
       "/property: sum needs a property"},
      {R"({"aggregate": "count", "property": "x", "op": ">", "value": 1})",
       "/property: count takes no property"},
      {R"({"aggregate": "median", "op": ">", "value": 1})",
       "/aggregate: expected one of count, sum, min, max, avg, first, last, most_frequent, "
       "days_since"},
      {R"({"trait": "x", "op": "in", "values": []})",
       "/values: expected a non-empty array of values"},
      {R"({"trait": "x", "op": "exists", "value": 1})", "/value: 'exists' takes no value"},
      {R"({"trait": "x", "op": "=", "value": [1]})",
       "/value: expected null, a boolean, a number, a string, {\"date\": \"2026-01-01\"} or "
       "{\"ago\": \"30d\"}"},
      {R"({"trait": "x", "op": "=", "value": {"date": "soon"}})",
       "/value/date: expected a date string (use 2026-01-31 or 2026-01-31T09:30:00Z)"},
      {R"({"exists": {"where": [{"property": "p", "op": "in", "values": [1, {"ago": 3}]}]}})",
       "/exists/where/0/values/1/ago: expected a duration string (use 30d, 12h, 15m)"},
      {R"({"trait": "", "op": "exists"})", "/trait: expected a non-empty string"},
      {R"({"segment": "a", "consent": "b"})",
       "/: expected only one of and, or, not, all, trait, computed, aggregate, exists, segment, "
       "consent, found 'segment' and 'consent'"},
      {R"([1, 2])", "/: expected an object"},
  };
  for (const Bad& b : bad) EXPECT_EQ(JsonErrorOf(b.json), b.message) << b.json;
}

TEST(SegmentLanguage, RejectsMalformedJsonWithTheParsersReason) {
  std::string message = JsonErrorOf(R"({"trait": )");
  EXPECT_TRUE(message.starts_with("not valid JSON: ")) << message;
}

TEST(SegmentLanguage, ParsesAndPrintsAComputedTraitDefinition) {
  auto a = ParseAggregateText(R"(count(track "Order Completed" within 90d))");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->fn, AggregateFn::kCount);
  EXPECT_EQ(a->events.name, "Order Completed");
  EXPECT_EQ(ToText(*a), R"(count(track "Order Completed" within 90d))");
  auto m = ParseAggregateText("most_frequent(channel)");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(ToText(*m), "most_frequent(channel)");
  EXPECT_EQ(ParseAggregateText("trait(x) = 1").status().message(),
            "column 1: expected an aggregate (count, sum, min, max, avg, first, last, "
            "most_frequent or days_since), found 'trait'");
  EXPECT_EQ(ParseAggregateText("count() > 3").status().message(),
            "column 9: expected end of input, found '>'");
}

TEST(SegmentLanguage, EqualIgnoresPositionsButNotContent) {
  ConditionPtr a = MustParse("trait(x) = 1 and consent(email)");
  ConditionPtr b = MustParse("trait(x)=1   and   consent(email)");
  EXPECT_NE(a->children[1]->position, b->children[1]->position);
  EXPECT_TRUE(Equal(*a, *b));
  EXPECT_FALSE(Equal(*a, *MustParse("trait(x) = 2 and consent(email)")));
  EXPECT_FALSE(Equal(*a, *MustParse("trait(x) = \"1\" and consent(email)")));
  EXPECT_FALSE(Equal(*a, *MustParse("consent(email) and trait(x) = 1")));
}

TEST(SegmentLanguage, CloneMakesAnEqualIndependentCopy) {
  ConditionPtr original = MustParse(R"(not (segment(seg_1) or count(page within 7d) > 2))");
  ConditionPtr copy = Clone(*original);
  EXPECT_TRUE(Equal(*original, *copy));
  EXPECT_EQ(copy->children[0]->children[1]->position, original->children[0]->children[1]->position);
  copy->children[0]->children[0]->name = "seg_2";
  EXPECT_EQ(original->children[0]->children[0]->name, "seg_1");
  EXPECT_FALSE(Equal(*original, *copy));
}

TEST(SegmentLanguage, NamesOperatorsAndAggregatesAsTheTextFormSpellsThem) {
  EXPECT_STREQ(CompareOpText(CompareOp::kGe), ">=");
  EXPECT_STREQ(CompareOpText(CompareOp::kNe), "!=");
  EXPECT_STREQ(CompareOpText(CompareOp::kContains), "contains");
  EXPECT_STREQ(AggregateFnName(AggregateFn::kMostFrequent), "most_frequent");
  EXPECT_STREQ(AggregateFnName(AggregateFn::kDaysSince), "days_since");
}

}  // namespace
}  // namespace unisono::segment
