#include "server/internal/delivery_routes.h"

#include <algorithm>

#include "server/internal/render.h"

namespace unisono::http {
namespace {

namespace json = boost::json;

json::object ConnectorObject(const ConnectorStats& s) {
  return {{"name", s.name},           {"configured", s.configured}, {"pending", s.pending},
          {"delivered", s.delivered}, {"retried", s.retried},       {"dead", s.dead}};
}

json::object DeadLetterObject(const DeadLetter& d) {
  const OutboxMessage& m = d.message;
  json::object o{{"id", m.id},
                 {"key", m.idempotency_key},
                 {"profile_id", ProfileIdString(m.profile_id)},
                 {"journey_id", m.journey_id},
                 {"step", m.step},
                 {"channel", m.channel},
                 {"content", m.content},
                 {"connector", d.connector},
                 {"reason", d.reason},
                 {"attempts", m.attempts},
                 {"created_at", FormatTimestamp(m.created_at)}};
  if (!m.provider_message_id.empty()) o["provider_message_id"] = m.provider_message_id;
  return o;
}

Result<int64_t> WholeNumber(const std::string& text, const char* what) {
  try {
    size_t used = 0;
    int64_t v = std::stoll(text, &used);
    if (used == text.size() && v > 0) return v;
  } catch (const std::exception&) {
  }
  return Status::InvalidArgument(std::string(what) + " must be a positive whole number, not '" +
                                 text + "'");
}

Response DeadLetters(Delivery& delivery, const Target& t) {
  int64_t limit = 100, cursor = 0;
  if (!WholeParam(t, "limit", limit).ok() || limit < 1 || limit > 10'000) {
    return JsonError(
        Status::InvalidArgument("limit must be a whole number from 1 to 10000").WithField("limit"));
  }
  if (!WholeParam(t, "cursor", cursor).ok() || cursor < 0) {
    return JsonError(Status::InvalidArgument("cursor must be the next_cursor of the previous page")
                         .WithField("cursor"));
  }
  std::vector<DeadLetter> dead = delivery.DeadLetters();  // in id order
  json::array items;
  std::string next;
  for (const DeadLetter& d : dead) {
    if (d.message.id <= cursor) continue;
    if (static_cast<int64_t>(items.size()) == limit) {
      next = std::to_string(items.back().as_object().at("id").as_int64());
      break;
    }
    items.push_back(DeadLetterObject(d));
  }
  json::object body{{"items", std::move(items)}};
  if (!next.empty()) body["next_cursor"] = next;
  return Json(body);
}

// A provider's callback: a form as Twilio-style providers post it (MessageSid,
// MessageStatus, ErrorCode), or JSON ({"id", "status", "error"}; SMTP bounces name
// unisono's own "message_id").
Result<ProviderReport> ParseReport(const std::string& provider, const Request& req) {
  ProviderReport r;
  r.provider = provider;
  const bool is_json = req.content_type.starts_with("application/json") ||
                       (!req.content_type.starts_with("application/x-www-form-urlencoded") &&
                        !req.body.empty() && req.body.front() == '{');
  if (is_json) {
    auto o = BodyObject(req, "{\"id\": \"SM123\", \"status\": \"delivered\"}");
    if (!o.ok()) return o.status();
    const char* id_key = o->contains("id") ? "id" : "message_id";
    if (const json::value* id = o->if_contains(id_key)) {
      if (id->is_string()) r.provider_message_id = std::string(id->as_string());
      if (id->is_int64()) r.provider_message_id = std::to_string(id->as_int64());
    }
    if (r.provider_message_id.empty()) {
      return Status::InvalidArgument(
                 "name the message: \"id\" (the provider's id) or, for smtp, "
                 "\"message_id\" (unisono's)")
          .WithField(std::string("/") + id_key);
    }
    r.status = StringField(*o, "status");
    if (r.status.empty()) {
      return Status::InvalidArgument("give the delivery \"status\" as a string")
          .WithField("/status");
    }
    if (const json::value* error = o->if_contains("error")) {
      r.error = error->is_string() ? std::string(error->as_string()) : json::serialize(*error);
    }
    return r;
  }
  Target form = ParseTarget("?" + req.body);
  auto first = [&](std::initializer_list<const char*> names) {
    for (const char* n : names) {
      if (std::string v = form.Get(n); !v.empty()) return v;
    }
    return std::string();
  };
  r.provider_message_id = first({"MessageSid", "SmsSid", "id", "message_id"});
  r.status = first({"MessageStatus", "SmsStatus", "status"});
  r.error = first({"ErrorCode", "error"});
  if (r.provider_message_id.empty()) {
    return Status::InvalidArgument("the form names no message: send MessageSid")
        .WithField("MessageSid");
  }
  if (r.status.empty()) {
    return Status::InvalidArgument("the form has no status: send MessageStatus")
        .WithField("MessageStatus");
  }
  return r;
}

}  // namespace

std::optional<Response> DeliveryRoute(const Request& req, const Target& t,
                                      const std::vector<std::string>& parts, Delivery* delivery,
                                      std::string& route) {
  if (parts.size() < 2 || parts[0] != "v1" || parts[1] != "delivery") return std::nullopt;
  const std::string& m = req.method;
  if (parts.size() == 3 && parts[2] == "connectors") {
    route = "/v1/delivery/connectors";
  } else if (parts.size() == 3 && parts[2] == "dead-letters") {
    route = "/v1/delivery/dead-letters";
  } else if (parts.size() == 5 && parts[2] == "messages" && parts[4] == "retry") {
    route = "/v1/delivery/messages/{id}/retry";
  } else if (parts.size() == 4 && parts[2] == "callbacks") {
    route = "/v1/delivery/callbacks/{provider}";
  } else {
    route = "unmatched";
    return JsonError(
        Status::NotFound("no route for " + m + " " + t.path + "; see docs/openapi.yaml"));
  }
  if (!delivery) return JsonError(Status::Unavailable("delivery is not enabled on this server"));
  const bool post = route.ends_with("retry") || route.ends_with("{provider}");
  if (m != (post ? "POST" : "GET")) {
    return JsonError(
        Status::InvalidArgument("use " + std::string(post ? "POST" : "GET") + " for " + t.path));
  }
  if (parts[2] == "connectors") {
    json::array items;
    for (const ConnectorStats& s : delivery->stats()) items.push_back(ConnectorObject(s));
    return Json(json::object{{"items", std::move(items)}});
  }
  if (parts[2] == "dead-letters") return DeadLetters(*delivery, t);
  if (parts[2] == "messages") {
    auto id = WholeNumber(parts[3], "a message id");
    if (!id.ok()) return JsonError(id.status());
    if (Status s = delivery->Retry(*id); !s.ok()) return JsonError(s);
    return Json(json::object{{"id", *id}, {"state", "pending"}}, 202);
  }
  auto report = ParseReport(parts[3], req);
  if (!report.ok()) return JsonError(report.status());
  if (Status s = delivery->Report(*report); !s.ok()) return JsonError(s);
  return Json(json::object{{"received", true}});
}

}  // namespace unisono::http
