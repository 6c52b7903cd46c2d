// SMS and WhatsApp through an HTTP provider (a Python stub on loopback): the request as
// the provider sees it, retries and dead letters, permanent refusals, and the
// provider's delivery callbacks.
#include <gtest/gtest.h>

#include "delivery_world.h"

namespace unisono {
namespace {

namespace json = boost::json;
using testing::DeliveryWorld;
using testing::ProviderStub;
using testing::TempDir;

json::object Request(const ProviderStub& stub, size_t n) {
  auto all = stub.Requests();
  EXPECT_GT(all.size(), n);
  return n < all.size() ? json::parse(all[n]).as_object() : json::object{};
}

std::string Form(const json::object& request, const char* field) {
  auto* form = request.at("form").as_object().if_contains(field);
  return form ? std::string(form->as_string()) : "";
}

std::string Header(const json::object& request, const char* name) {
  auto* h = request.at("headers").as_object().if_contains(name);
  return h ? std::string(h->as_string()) : "";
}

int64_t Patient(DeliveryWorld& w, const std::string& user, const std::string& channel) {
  return w.Profile(user, {{"phone", "\"+34611111111\""}, {"last_name", "\"Müller\""}}, {channel});
}

DeliveryOptions WithSms(const ProviderStub& stub) {
  DeliveryOptions o;
  o.sms = HttpProviderOptions{};
  o.sms->url = stub.url();
  o.sms->from = "+34600000000";
  o.sms->auth = "AC123:tok&en";
  o.sms->connector.max_attempts = 3;
  return o;
}

int CountEvents(DeliveryWorld& w, int64_t profile, const std::string& name) {
  int n = 0;
  for (const Event& e : w.Events(profile)) n += e.name == name;
  return n;
}

TEST(SmsDelivery, AnSmsIsAFormPostWithTheRenderedTextAndTheProvidersIdIsKept) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  ProviderStub stub;
  int64_t d1 = Patient(w, "d1", "sms");
  w.StartDelivery(WithSms(stub));
  OutboxMessage m = w.Queue(d1, "sms", w.content_id, w.content_version);
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  auto row = w.Row(m.id);
  ASSERT_EQ(row->state, "delivered") << row->last_error;
  EXPECT_EQ(row->provider_message_id, "SM1");
  auto r = Request(stub, 0);
  EXPECT_EQ(r["method"], "POST");
  EXPECT_EQ(r["path"], "/messages");
  EXPECT_EQ(Header(r, "content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(Header(r, "idempotency-key"), m.idempotency_key);
  EXPECT_EQ(Header(r, "authorization"), "Basic QUMxMjM6dG9rJmVu");  // AC123:tok&en
  EXPECT_EQ(Form(r, "To"), "+34611111111") << "'+' survives the form encoding";
  EXPECT_EQ(Form(r, "From"), "+34600000000");
  EXPECT_EQ(Form(r, "StatusCallback"), "https://t.example.com/v1/delivery/callbacks/sms");
  const std::string body = Form(r, "Body");
  EXPECT_TRUE(body.starts_with("Dr. Müller: Cardiozen lowers blood pressure in 4 weeks.")) << body;
  EXPECT_EQ(body.find("https://example.com/s"), std::string::npos) << "the link is tracked";
  EXPECT_NE(body.find("https://t.example.com/t/c/"), std::string::npos) << body;
  EXPECT_EQ(stub.Requests().size(), 1u);
}

TEST(SmsDelivery, FailuresAreRetriedWithTheSameKeyThenDeadAndRetryAfterTheFixDelivers) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  ProviderStub stub;
  stub.AnswerWith(500);
  int64_t d1 = Patient(w, "d1", "sms");
  w.StartDelivery(WithSms(stub));
  OutboxMessage m = w.Queue(d1, "sms", w.content_id, w.content_version);
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(w.Row(m.id)->state, "pending");
  w.clock.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  w.clock.Advance(std::chrono::seconds(2));
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  auto row = w.Row(m.id);
  EXPECT_EQ(row->state, "dead");
  EXPECT_EQ(row->attempts, 3);
  EXPECT_EQ(row->last_error,
            "gave up after 3 attempts: sms provider: HTTP 500: {\"message\": \"try again later\"}");
  ASSERT_EQ(stub.Requests().size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(Header(Request(stub, i), "idempotency-key"), m.idempotency_key);
  }
  auto dead = w.delivery->DeadLetters();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].connector, "sms");

  stub.AnswerWith(0);  // the provider is fixed
  ASSERT_TRUE(w.delivery->Retry(m.id).ok());
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(w.Row(m.id)->state, "delivered");
  EXPECT_EQ(w.Row(m.id)->provider_message_id, "SM4");
  EXPECT_TRUE(w.delivery->DeadLetters().empty());
}

TEST(SmsDelivery, AProvidersRefusalIsDeadAtOnceWithItsWords) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  ProviderStub stub({"--always", "400"});
  int64_t d1 = Patient(w, "d1", "sms");
  w.StartDelivery(WithSms(stub));
  OutboxMessage m = w.Queue(d1, "sms", w.content_id, w.content_version);
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  auto row = w.Row(m.id);
  EXPECT_EQ(row->state, "dead");
  EXPECT_EQ(row->attempts, 1);
  EXPECT_NE(row->last_error.find("sms provider refused it: HTTP 400"), std::string::npos);
  EXPECT_NE(row->last_error.find("The 'To' number is not a valid phone number."), std::string::npos)
      << row->last_error;
  w.clock.Advance(std::chrono::hours(2));
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(stub.Requests().size(), 1u) << "never tried again by itself";
}

TEST(SmsDelivery, DeliveryCallbacksBecomeEventsOnceEach) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  ProviderStub stub;
  int64_t d1 = Patient(w, "d1", "sms");
  w.StartDelivery(WithSms(stub));
  OutboxMessage m = w.Queue(d1, "sms", w.content_id, w.content_version);
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  ASSERT_EQ(w.Row(m.id)->provider_message_id, "SM1");

  EXPECT_TRUE(w.delivery->Report({"sms", "SM1", "sent", ""}).ok())
      << "on its way: nothing to record";
  ASSERT_TRUE(w.delivery->Report({"sms", "SM1", "delivered", ""}).ok());
  ASSERT_TRUE(w.delivery->Report({"sms", "SM1", "delivered", ""}).ok())
      << "a repeat is acknowledged";
  EXPECT_EQ(CountEvents(w, d1, "sms_delivered"), 1);
  ASSERT_TRUE(w.delivery->Report({"sms", "SM1", "undelivered", "30003"}).ok());
  EXPECT_EQ(CountEvents(w, d1, "message_failed"), 1);
  for (const Event& e : w.Events(d1)) {
    if (e.name == "message_failed") {
      auto props = json::parse(e.properties_json).as_object();
      EXPECT_EQ(props["error"], "30003");
      EXPECT_EQ(props["message_id"], m.id);
      EXPECT_EQ(e.channel, "sms");
    }
  }
  EXPECT_EQ(w.delivery->Report({"sms", "SM999", "delivered", ""}).code(), StatusCode::kNotFound);
  EXPECT_EQ(w.delivery->Report({"whatsapp", "SM1", "delivered", ""}).code(), StatusCode::kNotFound)
      << "an id of another provider";
  EXPECT_EQ(w.delivery->Report({"fax", "SM1", "delivered", ""}).code(), StatusCode::kNotFound);
  Status weird = w.delivery->Report({"sms", "SM1", "exploded", ""});
  EXPECT_EQ(weird.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(weird.field(), "status");
  EXPECT_EQ(w.delivery->Report({"sms", "", "delivered", ""}).code(), StatusCode::kInvalidArgument);
}

TEST(SmsDelivery, WhatsappGoesAsJsonWithItsTemplateAndParameters) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  ProviderStub stub;
  int64_t d1 = Patient(w, "d1", "whatsapp");
  DeliveryOptions o;
  o.whatsapp = HttpProviderOptions{};
  o.whatsapp->url = stub.url();
  o.whatsapp->body_format = "json";
  o.whatsapp->fields = {{"to", "whatsapp:{{to}}"},
                        {"template", "{{template}}"},
                        {"parameters", "{{parameters_json}}"},
                        {"reference", "{{message_id}}"},
                        {"callback", "{{status_callback}}"}};
  w.StartDelivery(o);
  OutboxMessage m = w.Queue(d1, "whatsapp", w.content_id, w.content_version);
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  ASSERT_EQ(w.Row(m.id)->state, "delivered") << w.Row(m.id)->last_error;
  auto r = Request(stub, 0);
  EXPECT_EQ(Header(r, "content-type"), "application/json");
  auto body = json::parse(std::string(r["body"].as_string())).as_object();
  EXPECT_EQ(body["to"], "whatsapp:+34611111111");
  EXPECT_EQ(body["template"], "cardiozen_launch_v1");
  EXPECT_EQ(json::parse(std::string(body["parameters"].as_string())), json::array{"Müller"});
  EXPECT_EQ(body["reference"].as_string(), std::to_string(m.id));
  EXPECT_EQ(body["callback"], "https://t.example.com/v1/delivery/callbacks/whatsapp");
  ASSERT_TRUE(w.delivery->Report({"whatsapp", "SM1", "read", ""}).ok());
  EXPECT_EQ(CountEvents(w, d1, "whatsapp_read"), 1);
}

TEST(SmsDelivery, LinksAndCallbacksFollowThePublicUrlSetBeforeStart) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  ProviderStub stub;
  int64_t d1 = Patient(w, "d1", "sms");
  w.StartDelivery(WithSms(stub));
  // `serve` learns its port only after binding.
  w.delivery->SetPublicUrl("http://127.0.0.1:9999/");
  OutboxMessage m = w.Queue(d1, "sms", w.content_id, w.content_version);
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  auto r = Request(stub, 0);
  EXPECT_EQ(Form(r, "StatusCallback"), "http://127.0.0.1:9999/v1/delivery/callbacks/sms");
  EXPECT_NE(Form(r, "Body").find("http://127.0.0.1:9999/t/c/"), std::string::npos)
      << Form(r, "Body");
  EXPECT_EQ(w.Row(m.id)->state, "delivered");
}

TEST(SmsDelivery, NoConsentForSmsMeansNoRequest) {
  TempDir dir;
  DeliveryWorld w(dir.path());
  ProviderStub stub;
  int64_t d1 = w.Profile("d1", {{"phone", "\"+34611111111\""}}, {});
  w.StartDelivery(WithSms(stub));
  OutboxMessage m = w.Queue(d1, "sms", w.content_id, w.content_version);
  ASSERT_TRUE(w.delivery->RunUntilIdle().ok());
  EXPECT_EQ(w.Row(m.id)->state, "dead");
  EXPECT_EQ(w.Row(m.id)->last_error, "no consent for sms at delivery (never granted)");
  EXPECT_TRUE(stub.Requests().empty());
}

}  // namespace
}  // namespace unisono
