// The real server on an ephemeral loopback port, spoken to over real HTTP.
#include "server/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <thread>

#include "support/api_world.h"

namespace unisono {
namespace {

namespace json = boost::json;
using testing::HttpClient;
using testing::TempDir;

class ServerTest : public testing::ApiWorld {
 protected:
  void SetUp() override {
    OpenStore();
    ProfileServiceOptions po;
    po.ingest_log_dir = dir_.path() + "/ingest-log";  // as serve runs it
    po.on_log_sync = [m = metrics_](size_t requests, int64_t micros) {
      RecordLogSync(*m, requests, micros);
    };
    OpenProfiles(po);
    ServerDeps deps = Deps();
    deps.metrics = metrics_;
    StartServer(deps, {"test-key", "second-key"});
  }
  json::value BodyValue(const testing::HttpResponse& r) { return json::parse(r.body); }
  std::shared_ptr<http::Metrics> metrics_ = MakeMetrics();
  // Acknowledged events are durable in the ingest log at once and in the tables once
  // indexed, which WaitVisible awaits (HTTP reads wait the same way).
  int64_t StoredEvents() {
    EXPECT_TRUE(profiles_->WaitVisible());
    return store_->Stats()->events;
  }
};

// Indexing trails the acknowledgement (up to a 50 ms gather); the server makes every
// read wait for what was acknowledged before it, so a client reads its own writes.
TEST_F(ServerTest, AReadRightAfterAnAcknowledgementSeesTheEvent) {
  for (int i = 1; i <= 25; ++i) {
    auto r =
        client_->Post("/v1/identify", R"({"userId":"ryw","messageId":"ryw-)" + std::to_string(i) +
                                          R"(","traits":{"visits":)" + std::to_string(i) + "}}");
    ASSERT_EQ(r.status, 200) << r.body;
    auto p = client_->Send("GET", "/v1/profiles?user_id=ryw", "");
    ASSERT_EQ(p.status, 200) << "read " << i << ": " << p.body;
    auto profile = BodyValue(p).as_object();
    EXPECT_EQ(profile["event_count"].as_int64(), i);
    EXPECT_EQ(profile["traits"].as_object()["visits"].as_int64(), i);
  }
}

TEST_F(ServerTest, TrackIsAcknowledgedAndVisibleOnTheProfile) {
  auto r = client_->Post("/v1/track", R"({"userId":"u1","event":"Email Opened",
      "messageId":"m1","context":{"channel":"email"},"properties":{"campaign":"spring"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(BodyValue(r), json::parse(R"({"success":true})"));
  EXPECT_EQ(StoredEvents(), 1);  // acknowledged means stored, and visible to reads

  auto p = client_->Send("GET", "/v1/profiles?user_id=u1", "");
  ASSERT_EQ(p.status, 200) << p.body;
  auto profile = BodyValue(p).as_object();
  EXPECT_EQ(profile["event_count"].as_int64(), 1);
  EXPECT_EQ(profile["channel_counts"].as_object()["email"].as_int64(), 1);
  auto items = profile["timeline"].as_object()["items"].as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].as_object()["campaign"].as_string(), "spring");
  EXPECT_EQ(items[0].as_object()["timestamp"].as_string(), "2026-06-01T12:00:00.000Z");

  std::string id(profile["id"].as_string());
  auto by_id = client_->Send("GET", "/v1/profiles/" + id, "");
  EXPECT_EQ(by_id.status, 200);
}

TEST_F(ServerTest, WriteKeyIsRequiredAsBasicUserOrInTheBody) {
  std::string event = R"({"userId":"u","event":"x"})";
  auto none = client_->Post("/v1/track", event, "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(BodyValue(none).as_object()["error"].as_object()["code"].as_string(),
            "unauthenticated");
  EXPECT_EQ(client_->Post("/v1/track", event, "wrong-key").status, 401);
  EXPECT_EQ(client_->Post("/v1/track", event, "second-key").status, 200);
  EXPECT_EQ(
      client_->Post("/v1/track", R"({"writeKey":"test-key","userId":"u","event":"x"})", "").status,
      200);
  EXPECT_EQ(
      client_->Post("/v1/track", R"({"writeKey":"nope","userId":"u","event":"x"})", "").status,
      401);
  EXPECT_EQ(StoredEvents(), 2);
}

TEST_F(ServerTest, BadInputGetsAClearErrorAndTheServerKeepsServing) {
  auto bad = client_->Post("/v1/track", "{\"userId\": ");
  ASSERT_EQ(bad.status, 400);
  auto err = BodyValue(bad).as_object()["error"].as_object();
  EXPECT_EQ(err["code"].as_string(), "invalid_argument");
  EXPECT_NE(std::string(err["message"].as_string()).find("not valid JSON"), std::string::npos);

  auto missing = client_->Post("/v1/identify", R"({"traits":{"a":1}})");
  ASSERT_EQ(missing.status, 400);
  EXPECT_EQ(BodyValue(missing).as_object()["error"].as_object()["field"].as_string(), "userId");

  EXPECT_EQ(client_->Post("/v1/track", R"({"userId":"u","event":"ok"})").status, 200);
  EXPECT_EQ(StoredEvents(), 1);
}

TEST_F(ServerTest, ARejectedBatchStoresNothingAndNamesTheIndex) {
  auto r = client_->Post("/v1/batch", R"({"batch":[
      {"type":"track","userId":"u","event":"one","messageId":"b1"},
      {"type":"identify","userId":"u","traits":{"email":"a@b.com"},"messageId":"b2"},
      {"type":"track","userId":"u","event":"three","timestamp":"not-a-time","messageId":"b3"}]})");
  ASSERT_EQ(r.status, 400) << r.body;
  auto err = BodyValue(r).as_object()["error"].as_object();
  EXPECT_EQ(err["index"].as_int64(), 2);
  EXPECT_EQ(err["field"].as_string(), "timestamp");
  EXPECT_EQ(StoredEvents(), 0);
  EXPECT_EQ(client_->Send("GET", "/v1/profiles?user_id=u", "").status, 404);
}

TEST_F(ServerTest, DuplicateMessageIdsAreAcknowledgedButStoredOnce) {
  std::string event = R"({"userId":"u","event":"x","messageId":"same"})";
  EXPECT_EQ(client_->Post("/v1/track", event).status, 200);
  EXPECT_EQ(client_->Post("/v1/track", event).status, 200);
  EXPECT_EQ(StoredEvents(), 1);
}

TEST_F(ServerTest, AcceptsGzipAndAnyContentTypeCarryingJson) {
  std::string batch = R"({"batch":[{"type":"page","anonymousId":"a1","name":"Home"}]})";
  auto gz = client_->Send("POST", "/v1/batch", testing::Gzip(batch),
                          {{"Authorization", testing::BasicAuth("test-key")},
                           {"Content-Encoding", "gzip"},
                           {"Content-Type", "application/json"}});
  EXPECT_EQ(gz.status, 200) << gz.body;
  auto plain = client_->Send(
      "POST", "/v1/track", R"({"userId":"u","event":"x"})",
      {{"Authorization", testing::BasicAuth("test-key")}, {"Content-Type", "text/plain"}});
  EXPECT_EQ(plain.status, 200) << plain.body;
  auto broken = client_->Send(
      "POST", "/v1/batch", "definitely not gzip",
      {{"Authorization", testing::BasicAuth("test-key")}, {"Content-Encoding", "gzip"}});
  EXPECT_EQ(broken.status, 400);
  EXPECT_EQ(StoredEvents(), 2);
}

TEST_F(ServerTest, AnswersCorsPreflightForBrowsersOnOtherOrigins) {
  auto r = client_->Send("OPTIONS", "/v1/track", "",
                         {{"Origin", "https://shop.example"},
                          {"Access-Control-Request-Method", "POST"},
                          {"Access-Control-Request-Headers", "content-type,authorization"}});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.headers["access-control-allow-origin"], "*");
  EXPECT_NE(r.headers["access-control-allow-headers"].find("Authorization"), std::string::npos);
  auto post = client_->Post("/v1/track", R"({"userId":"u","event":"x"})");
  EXPECT_EQ(post.headers["access-control-allow-origin"], "*");
}

TEST_F(ServerTest, OversizedBodiesAreRefusedWith413) {
  std::string big = R"({"batch":[{"type":"track","userId":"u","event":"x","properties":{"p":")" +
                    std::string(600 * 1024, 'x') + "\"}}]}";
  auto r = client_->Post("/v1/batch", big);
  EXPECT_EQ(r.status, 413);
  // A gzip bomb: small on the wire, over the limit once inflated.
  auto bomb = client_->Send(
      "POST", "/v1/batch", testing::Gzip(big),
      {{"Authorization", testing::BasicAuth("test-key")}, {"Content-Encoding", "gzip"}});
  EXPECT_EQ(bomb.status, 413);
  EXPECT_EQ(client_->Post("/v1/track", R"({"userId":"u","event":"x"})").status, 200);
}

// The server reads each connection into one buffer and parses from it: two requests in
// one packet are both answered, in order, and a request that arrives in pieces (header
// split mid-line, body split) waits for the rest instead of failing.
TEST_F(ServerTest, PipelinedAndSplitRequestsAreEachAnswered) {
  auto request = [](const std::string& message_id) {
    std::string body = R"({"userId":"pipe","event":"Piped","messageId":")" + message_id + "\"}";
    return "POST /v1/track HTTP/1.1\r\nHost: x\r\nAuthorization: " +
           testing::BasicAuth("test-key") + "\r\nContent-Type: application/json\r\n" +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(server_->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval limit{5, 0};  // a reply that never comes fails the test instead of hanging it
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  auto send_all = [&](const std::string& bytes) {
    ASSERT_EQ(send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  };
  std::string received;
  auto responses = [&](size_t n) {  // reads until n complete {"success":true} replies
    auto count = [&] {
      size_t c = 0;
      for (size_t at = 0; (at = received.find("{\"success\":true}", at)) != std::string::npos;
           ++at) {
        ++c;
      }
      return c;
    };
    char buf[4096];
    while (count() < n) {
      ssize_t r = recv(fd, buf, sizeof buf, 0);
      if (r <= 0) break;
      received.append(buf, static_cast<size_t>(r));
    }
    return count();
  };
  send_all(request("pipe-1") + request("pipe-2"));
  EXPECT_EQ(responses(2), 2u) << received;
  EXPECT_EQ(received.find("HTTP/1.1 200 OK"), 0u);
  EXPECT_NE(received.find("HTTP/1.1 200 OK", 1), std::string::npos);

  std::string third = request("pipe-3");
  size_t header_end = third.find("\r\n\r\n");
  send_all(third.substr(0, 20));  // mid request line
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  send_all(third.substr(20, header_end + 4 + 10 - 20));  // the rest of the head, some body
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  send_all(third.substr(header_end + 4 + 10));
  EXPECT_EQ(responses(3), 3u) << received;
  close(fd);

  EXPECT_EQ(StoredEvents(), 3);
  auto timeline = client_->Send("GET", "/v1/profiles?user_id=pipe", "");
  ASSERT_EQ(timeline.status, 200) << timeline.body;
  EXPECT_EQ(BodyValue(timeline).as_object()["event_count"].as_int64(), 3);
}

TEST_F(ServerTest, ProfileLookupsAndTimelinePaging) {
  std::string batch = R"({"batch":[)";
  for (int i = 0; i < 30; ++i) {
    batch += std::string(i ? "," : "") + R"({"type":"track","userId":"u","event":"e)" +
             std::to_string(i) + R"(","timestamp":"2026-05-)" + (i < 9 ? "0" : "") +
             std::to_string(i + 1) + R"(T00:00:00Z","context":{"channel":")" +
             (i % 3 ? "email" : "sms") + "\"}}";
  }
  batch += R"(,{"type":"identify","userId":"u","traits":{"email":"Ana@X.com"}}]})";
  ASSERT_EQ(client_->Post("/v1/batch", batch).status, 200);
  auto by_email = client_->Send("GET", "/v1/profiles?email=ana%40x.com&limit=5", "");
  ASSERT_EQ(by_email.status, 200) << by_email.body;
  auto profile = BodyValue(by_email).as_object();
  std::string id(profile["id"].as_string());
  EXPECT_EQ(profile["timeline"].as_object()["items"].as_array().size(), 5u);

  int seen = 0;
  std::string cursor;
  for (int page = 0; page < 20; ++page) {
    auto r = client_->Send("GET",
                           "/v1/profiles/" + id + "/timeline?channel=sms&limit=4" +
                               (cursor.empty() ? "" : "&cursor=" + cursor),
                           "");
    ASSERT_EQ(r.status, 200) << r.body;
    auto body = BodyValue(r).as_object();
    for (auto& item : body["items"].as_array()) {
      EXPECT_EQ(item.as_object()["channel"].as_string(), "sms");
      ++seen;
    }
    if (body["next_cursor"].is_null()) break;
    cursor = std::string(body["next_cursor"].as_string());
  }
  EXPECT_EQ(seen, 10);
  EXPECT_EQ(client_->Send("GET", "/v1/profiles?email=nobody%40x.com", "").status, 404);
  EXPECT_EQ(client_->Send("GET", "/v1/profiles/p_999", "").status, 404);
  EXPECT_EQ(client_->Send("GET", "/v1/profiles/banana", "").status, 400);
  EXPECT_EQ(client_->Send("GET", "/v1/profiles/" + id + "/timeline?limit=0", "").status, 400);
  EXPECT_EQ(client_->Send("GET", "/v1/profiles/" + id + "/timeline?since=yesterday", "").status,
            400);
}

TEST_F(ServerTest, ConsentCanBeSetThroughTheApi) {
  ASSERT_EQ(
      client_->Post("/v1/identify", R"({"userId":"u","traits":{"consent":{"email":true}}})").status,
      200);
  auto p = BodyValue(client_->Send("GET", "/v1/profiles?user_id=u", "")).as_object();
  std::string id(p["id"].as_string());
  EXPECT_TRUE(p["consent"].as_object()["email"].as_object()["granted"].as_bool());
  EXPECT_EQ(p["consent"].as_object()["email"].as_object()["source"].as_string(),
            "identify via http");
  EXPECT_FALSE(p["traits"].as_object().contains("consent"));
  auto put = client_->Send("PUT", "/v1/profiles/" + id + "/consent",
                           R"({"consent":{"email":false,"WhatsApp":true},"source":"call_center"})");
  ASSERT_EQ(put.status, 200) << put.body;
  auto consent = BodyValue(put).as_object()["consent"].as_object();
  EXPECT_FALSE(consent["email"].as_object()["granted"].as_bool());
  EXPECT_TRUE(consent["whatsapp"].as_object()["granted"].as_bool());
  EXPECT_EQ(consent["email"].as_object()["source"].as_string(), "call_center");
  auto bad =
      client_->Send("PUT", "/v1/profiles/" + id + "/consent", R"({"consent":{"email":"perhaps"}})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(BodyValue(bad).as_object()["error"].as_object()["field"].as_string(), "consent.email");
}

TEST_F(ServerTest, ChannelsHealthAndMetrics) {
  auto channels = client_->Send("GET", "/v1/channels", "");
  ASSERT_EQ(channels.status, 200);
  EXPECT_GE(BodyValue(channels).as_object()["items"].as_array().size(), 20u);
  EXPECT_EQ(client_->Send("GET", "/healthz", "").status, 200);
  client_->Post("/v1/track", R"({"userId":"u","event":"x"})");
  client_->Post("/v1/track", R"({"event":"x"})");
  auto metrics = client_->Send("GET", "/metrics", "");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("unisono_events_accepted_total 1"), std::string::npos);
  EXPECT_NE(metrics.body.find("unisono_events_rejected_total{reason=\"invalid_argument\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("unisono_http_request_duration_seconds_bucket"), std::string::npos);
  // The accepted event took one sync of the ingest log; the refused one none.
  EXPECT_NE(metrics.body.find("unisono_ingest_log_syncs_total 1\n"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("unisono_ingest_log_synced_requests_total 1\n"), std::string::npos);
  EXPECT_NE(metrics.body.find("unisono_ingest_log_sync_duration_seconds_count 1\n"),
            std::string::npos);
  EXPECT_EQ(client_->Send("GET", "/v1/nothing", "").status, 404);
  EXPECT_EQ(client_->Send("GET", "/v1/track", "").status, 400);
}

TEST_F(ServerTest, ReportsBuildPathsAndAttributionFromTheEventLog) {
  ASSERT_EQ(client_
                ->Post("/v1/batch", R"({"batch":[
      {"type":"track","userId":"a","event":"Email Opened","timestamp":"2026-05-01T00:00:00Z",
       "context":{"channel":"email"},"properties":{"campaign":"spring"}},
      {"type":"page","userId":"a","name":"Home","timestamp":"2026-05-02T00:00:00Z"},
      {"type":"track","userId":"a","event":"Order Completed","timestamp":"2026-05-03T00:00:00Z",
       "properties":{"value":100}},
      {"type":"track","userId":"b","event":"SMS Sent","timestamp":"2026-05-01T00:00:00Z",
       "context":{"channel":"sms"}}]})")
                .status,
            200);
  auto paths = client_->Send("GET", "/v1/reports/paths", "");
  ASSERT_EQ(paths.status, 200) << paths.body;
  auto body = BodyValue(paths).as_object();
  auto items = body["items"].as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].as_object()["path"], json::parse(R"(["email","web"])"));
  EXPECT_EQ(items[0].as_object()["conversions"].to_number<double>(), 1.0);
  EXPECT_EQ(items[0].as_object()["value"].to_number<double>(), 100.0);
  EXPECT_EQ(body["summary"].as_object()["null_paths"].as_int64(), 1);

  auto csv = client_->Send("GET", "/v1/reports/paths?format=csv&granularity=campaign", "");
  EXPECT_EQ(csv.body,
            "path,total_conversions,total_conversion_value,total_null\nspring,1,100.00,0\n");

  auto last = client_->Send("GET", "/v1/reports/attribution?model=last", "");
  ASSERT_EQ(last.status, 200) << last.body;
  auto rows = BodyValue(last).as_object()["items"].as_array();
  ASSERT_EQ(rows.size(), 3u);  // every channel on a path; sms has only a null path
  for (auto& row : rows) {
    auto r = row.as_object();
    double expected = r["channel"].as_string() == "web" ? 1.0 : 0.0;
    EXPECT_EQ(r["conversions"].to_number<double>(), expected) << r["channel"].as_string();
  }
  EXPECT_EQ(client_->Send("GET", "/v1/reports/paths?granularity=region", "").status, 400);
  EXPECT_EQ(client_->Send("GET", "/v1/reports/attribution?model=magic", "").status, 400);
  EXPECT_EQ(client_->Send("GET", "/v1/reports/attribution?order=7", "").status, 400);
  EXPECT_EQ(client_->Send("GET", "/v1/reports/paths?lookback=soon", "").status, 400);
}

TEST_F(ServerTest, AttributionTakesModelOptionsAndShowsTheChainAndOrderedShapley) {
  ASSERT_EQ(client_
                ->Post("/v1/batch", R"({"batch":[
      {"type":"track","userId":"a","event":"Email Sent","timestamp":"2026-05-01T00:00:00Z",
       "context":{"channel":"email"}},
      {"type":"track","userId":"a","event":"Rep Visit","timestamp":"2026-05-02T00:00:00Z",
       "context":{"channel":"rep_visit"}},
      {"type":"track","userId":"a","event":"Order Completed","timestamp":"2026-05-03T00:00:00Z"},
      {"type":"track","userId":"b","event":"Email Sent","timestamp":"2026-05-01T00:00:00Z",
       "context":{"channel":"email"}}]})")
                .status,
            200);
  // email > rep_visit converts, email alone does not.
  auto chain = BodyValue(client_->Send("GET", "/v1/reports/attribution?view=transitions", ""));
  EXPECT_DOUBLE_EQ(chain.as_object()["conversion_probability"].to_number<double>(), 0.5);
  auto ordered =
      BodyValue(client_->Send("GET", "/v1/reports/attribution?view=ordered_shapley", ""));
  auto items = ordered.as_object()["items"].as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].as_object()["channel"].as_string(), "email");
  EXPECT_EQ(items[0].as_object()["position"].as_int64(), 1);
  EXPECT_EQ(items[1].as_object()["position"].as_int64(), 2);
  auto position = BodyValue(client_->Send(
      "GET", "/v1/reports/attribution?model=position&first_share=1&last_share=0", ""));
  for (auto& row : position.as_object()["items"].as_array()) {
    auto r = row.as_object();
    double expected = r["channel"].as_string() == "email" ? 1.0 : 0.0;
    EXPECT_DOUBLE_EQ(r["conversions"].to_number<double>(), expected);
  }
  EXPECT_EQ(client_->Send("GET", "/v1/reports/attribution?shapley_value=magic", "").status, 400);
  EXPECT_EQ(
      client_->Send("GET", "/v1/reports/attribution?first_share=0.8&last_share=0.8", "").status,
      400);
  EXPECT_EQ(client_->Send("GET", "/v1/reports/attribution?half_life=0", "").status, 400);
  EXPECT_EQ(client_->Send("GET", "/v1/reports/attribution?view=pie", "").status, 400);
}

}  // namespace
}  // namespace unisono
