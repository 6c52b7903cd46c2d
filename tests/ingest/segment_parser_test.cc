#include <gtest/gtest.h>

#include "ingest/ingest.h"

namespace unisono {
namespace {

class SegmentParserTest : public ::testing::Test {
 protected:
  SegmentParserTest() : catalog_(ChannelCatalog::Builtin()), parser_(Options()) {}
  IngestOptions Options() {
    IngestOptions o;
    o.catalog = &catalog_;
    o.identifier_traits = {{"npi", "npi"}};
    return o;
  }
  Result<ParsedRequest> Parse(Endpoint ep, std::string body) {
    return parser_.Parse(ep, body, now_);
  }
  ChannelCatalog catalog_;
  SegmentParser parser_;
  Timestamp now_ = *ParseTimestamp("2026-06-01T12:00:00Z");
};

TEST_F(SegmentParserTest, TrackKeepsPropertiesAndLiftsOmnichannelFields) {
  auto r = Parse(Endpoint::kTrack, R"({"userId":"u1","event":"Webinar Attended",
    "messageId":"m-1","context":{"channel":"Webinar"},
    "properties":{"campaign":"launch","communication":"invite-2","product":"cardiozen",
      "touchpoint":"live","rep_id":"rep-07","cost":12.5,"stage":"Plan","value":"99.99",
      "nested":{"a":[1,2]}}})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->events.size(), 1u);
  const Event& e = r->events[0];
  EXPECT_EQ(e.type, EventType::kTrack);
  EXPECT_EQ(e.name, "Webinar Attended");
  EXPECT_EQ(e.message_id, "m-1");
  EXPECT_EQ(e.channel, "webinar");
  EXPECT_EQ(e.campaign, "launch");
  EXPECT_EQ(e.communication, "invite-2");
  EXPECT_EQ(e.product, "cardiozen");
  EXPECT_EQ(e.touchpoint, "live");
  EXPECT_EQ(e.rep_id, "rep-07");
  EXPECT_EQ(e.stage, "plan");
  EXPECT_EQ(e.cost_minor, 1250);
  EXPECT_EQ(e.value_minor, 9999);
  EXPECT_EQ(e.currency, "EUR");
  EXPECT_NE(e.properties_json.find(R"("nested":{"a":[1,2]})"), std::string::npos);
  EXPECT_EQ(e.timestamp, now_);  // no timestamp: the time we received it
}

TEST_F(SegmentParserTest, ChannelFallsBackToPropertiesThenUnknown) {
  auto a = Parse(Endpoint::kTrack, R"({"userId":"u","event":"x","properties":{"channel":"sms"}})");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->events[0].channel, "sms");
  auto b = Parse(Endpoint::kTrack, R"({"userId":"u","event":"x"})");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->events[0].channel, "unknown");
  auto page = Parse(Endpoint::kPage, R"({"anonymousId":"a","name":"Home"})");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->events[0].channel, "web");
}

TEST_F(SegmentParserTest, CorrectsClientClockSkewFromSentAt) {
  // The device clock is 1 hour fast: it stamped the event 10 s before sending.
  auto r = Parse(Endpoint::kTrack, R"({"userId":"u","event":"x",
    "timestamp":"2026-06-01T12:59:50Z","sentAt":"2026-06-01T13:00:00Z"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(FormatTimestamp(r->events[0].timestamp), "2026-06-01T11:59:50.000Z");
  EXPECT_EQ(FormatTimestamp(r->events[0].original_timestamp), "2026-06-01T12:59:50.000Z");
  // Without sentAt the client's timestamp is kept (historical imports).
  auto h =
      Parse(Endpoint::kTrack, R"({"userId":"u","event":"x","timestamp":"2025-01-01T00:00:00Z"})");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(FormatTimestamp(h->events[0].timestamp), "2025-01-01T00:00:00.000Z");
}

TEST_F(SegmentParserTest, IdentifyExtractsIdentifiersTraitsAndConsent) {
  auto r = Parse(Endpoint::kIdentify, R"({"userId":42,"anonymousId":"anon-1",
    "traits":{"email":"Ana@Example.com","phone":"612 345 678","npi":"N-9","name":"Ana",
      "consent":{"email":true,"SMS":"opt_out"}},
    "context":{"device":{"id":"dev-1"}}})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Event& e = r->events[0];
  EXPECT_EQ(e.user_id, "42");
  std::vector<std::string> types;
  for (auto& i : e.identifiers) types.push_back(i.type + "=" + i.value);
  EXPECT_EQ(types,
            (std::vector<std::string>{"user_id=42", "anonymous_id=anon-1", "email=Ana@Example.com",
                                      "phone=612 345 678", "npi=N-9", "device_id=dev-1"}));
  ASSERT_EQ(e.consents.size(), 2u);
  EXPECT_EQ(e.consents[0].channel, "email");
  EXPECT_TRUE(e.consents[0].granted);
  EXPECT_EQ(e.consents[1].channel, "sms");
  EXPECT_FALSE(e.consents[1].granted);
  std::vector<std::string> keys;
  for (auto& t : e.traits) keys.push_back(t.key);
  EXPECT_EQ(std::count(keys.begin(), keys.end(), "consent"), 0);
  EXPECT_EQ(std::count(keys.begin(), keys.end(), "name"), 1);
}

TEST_F(SegmentParserTest, BatchAppliesEnvelopeContextAndSentAt) {
  auto r = Parse(Endpoint::kBatch, R"({"writeKey":"wk","sentAt":"2026-06-01T12:00:10Z",
    "context":{"channel":"email","library":{"name":"x"}},
    "batch":[{"type":"track","userId":"u","event":"Email Opened","timestamp":"2026-06-01T12:00:00Z"},
             {"type":"page","anonymousId":"a","context":{"channel":"app"}}]})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->write_key, "wk");
  ASSERT_EQ(r->events.size(), 2u);
  EXPECT_EQ(r->events[0].channel, "email");
  EXPECT_EQ(FormatTimestamp(r->events[0].timestamp), "2026-06-01T11:59:50.000Z");
  EXPECT_EQ(r->events[1].channel, "app");  // the message's own context wins
  EXPECT_NE(r->events[1].context_json.find("library"), std::string::npos);
}

// The objects are stored as the client sent them, minus whitespace: numbers keep their
// spelling (10.50 stays 10.50, where re-serialising would print 10.5), strings their bytes.
TEST_F(SegmentParserTest, StoresObjectsAsSentWithoutWhitespace) {
  auto r = Parse(Endpoint::kTrack, R"({"userId":"u","event":"x",
    "properties": {
      "note": "a { b } \"c\"  d",
      "total": 10.50,
      "nested": { "a": [ 1, 2 ] }
    },
    "context": { "ip" : "203.0.113.9" } })");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Event& e = r->events[0];
  EXPECT_EQ(e.properties_json, R"({"note":"a { b } \"c\"  d","total":10.50,"nested":{"a":[1,2]}})");
  EXPECT_EQ(e.context_json, R"({"ip":"203.0.113.9"})");
  EXPECT_EQ(e.traits_json, "{}");
}

// Each batch item gets its own objects, whatever its neighbours carry; a repeated key
// counts once, the last one, as for every other field.
TEST_F(SegmentParserTest, BatchItemsKeepTheirOwnObjects) {
  auto r = Parse(Endpoint::kBatch, R"({"batch":[
    {"type":"track","userId":"u","event":"a","properties":{ "i" : 1 }},
    {"type":"track","userId":"u","event":"b","properties":null},
    {"type":"identify","userId":"u","traits":{ "email" : "A@B.com" }},
    {"type":"track","userId":"u","event":"c","properties":{"i":"old"},"properties":{"i":3}}]})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->events.size(), 4u);
  EXPECT_EQ(r->events[0].properties_json, R"({"i":1})");
  EXPECT_EQ(r->events[1].properties_json, "{}");
  EXPECT_EQ(r->events[2].properties_json, "{}");
  EXPECT_EQ(r->events[2].traits_json, R"({"email":"A@B.com"})");
  EXPECT_EQ(r->events[3].properties_json, R"({"i":3})");
}

struct BadInput {
  Endpoint endpoint;
  const char* body;
  StatusCode code;
  const char* field;
  int index;  // -1: none
  const char* says;
};

TEST_F(SegmentParserTest, BadInputGetsAReasonFieldAndIndex) {
  const BadInput cases[] = {
      {Endpoint::kTrack, "{not json", StatusCode::kInvalidArgument, "", -1, "not valid JSON"},
      {Endpoint::kTrack, "[1,2]", StatusCode::kInvalidArgument, "", -1, "JSON object"},
      {Endpoint::kTrack, R"({"event":"x"})", StatusCode::kInvalidArgument, "userId", -1,
       "anonymousId"},
      {Endpoint::kTrack, R"({"userId":"u"})", StatusCode::kInvalidArgument, "event", -1,
       "required"},
      {Endpoint::kTrack, R"({"userId":"u","event":""})", StatusCode::kInvalidArgument, "event", -1,
       "empty"},
      {Endpoint::kTrack, R"({"userId":{"a":1},"event":"x"})", StatusCode::kInvalidArgument,
       "userId", -1, "string"},
      {Endpoint::kTrack, R"({"userId":"u","event":"x","properties":[1]})",
       StatusCode::kInvalidArgument, "properties", -1, "object"},
      {Endpoint::kTrack, R"({"userId":"u","event":"x","timestamp":"2026-13-01"})",
       StatusCode::kInvalidArgument, "timestamp", -1, "ISO-8601"},
      {Endpoint::kTrack, R"({"userId":"u","event":"x","properties":{"cost":"cheap"}})",
       StatusCode::kInvalidArgument, "properties.cost", -1, "number"},
      {Endpoint::kAlias, R"({"userId":"u"})", StatusCode::kInvalidArgument, "previousId", -1,
       "required"},
      {Endpoint::kGroup, R"({"userId":"u"})", StatusCode::kInvalidArgument, "groupId", -1,
       "required"},
      {Endpoint::kIdentify, R"({"userId":"u","traits":{"consent":{"email":"maybe"}}})",
       StatusCode::kInvalidArgument, "traits.consent.email", -1, "opt_in"},
      {Endpoint::kBatch, R"({"batch":{}})", StatusCode::kInvalidArgument, "batch", -1, "array"},
      {Endpoint::kBatch, R"({"batch":[]})", StatusCode::kInvalidArgument, "batch", -1, "empty"},
      {Endpoint::kBatch,
       R"({"batch":[{"type":"track","userId":"u","event":"ok"},{"type":"wave","userId":"u"}]})",
       StatusCode::kInvalidArgument, "type", 1, "wave"},
      {Endpoint::kBatch, R"({"batch":[{"userId":"u","event":"x"}]})", StatusCode::kInvalidArgument,
       "type", 0, "missing"},
  };
  for (const auto& c : cases) {
    auto r = Parse(c.endpoint, c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status().code(), c.code) << c.body;
    EXPECT_EQ(r.status().field(), c.field) << c.body;
    if (c.index >= 0) {
      ASSERT_TRUE(r.status().index().has_value()) << c.body;
      EXPECT_EQ(*r.status().index(), c.index) << c.body;
    } else {
      EXPECT_FALSE(r.status().index().has_value()) << c.body;
    }
    EXPECT_NE(r.status().message().find(c.says), std::string::npos)
        << c.body << " -> " << r.status().message();
  }
}

TEST_F(SegmentParserTest, EnforcesSegmentSizeLimits) {
  std::string big(33 * 1024, 'x');
  auto one =
      Parse(Endpoint::kTrack, R"({"userId":"u","event":"x","properties":{"b":")" + big + "\"}}");
  ASSERT_FALSE(one.ok());
  EXPECT_EQ(one.status().code(), StatusCode::kTooLarge);
  // Inside a batch the oversized message is named by index.
  std::string batch = R"({"batch":[{"type":"track","userId":"u","event":"x"},)"
                      R"({"type":"track","userId":"u","event":"x","properties":{"b":")" +
                      big + "\"}}]}";
  auto b = Parse(Endpoint::kBatch, batch);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kTooLarge);
  EXPECT_EQ(b.status().index(), 1);
  std::string huge = R"({"batch":[)";
  for (int i = 0; i < 2000; ++i) {
    huge += std::string(i ? "," : "") + R"({"type":"track","userId":"u","event":")" +
            std::string(250, 'e') + "\"}";
  }
  huge += "]}";
  auto h = Parse(Endpoint::kBatch, huge);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), StatusCode::kTooLarge);
}

TEST_F(SegmentParserTest, GeneratesAMessageIdWhenNoneIsSent) {
  auto a = Parse(Endpoint::kTrack, R"({"userId":"u","event":"x"})");
  auto b = Parse(Endpoint::kTrack, R"({"userId":"u","event":"x"})");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(a->events[0].message_id.empty());
  EXPECT_NE(a->events[0].message_id, b->events[0].message_id);
}

}  // namespace
}  // namespace unisono
