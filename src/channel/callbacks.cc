// Providers' delivery reports: the message is found by the provider's id (or by our own
// id for SMTP bounces) and the report becomes an event on the profile's timeline. The
// event's message id names the provider, its id and the status, so a callback the
// provider sends twice is stored once.
#include <boost/json.hpp>

#include "channel/internal/delivery_impl.h"

namespace unisono {
namespace {

namespace json = boost::json;

// Statuses that say the message is on its way; acknowledged, nothing to record.
constexpr std::string_view kInFlight[] = {"queued",    "accepted", "sending",  "sent",
                                          "scheduled", "enroute",  "submitted"};

// The event a final status becomes ("" for an in-flight one).
Result<std::string> EventFor(const std::string& channel, const std::string& status) {
  if (status == "delivered") return channel + "_delivered";
  if (status == "read") return channel + "_read";
  if (status == "failed" || status == "undelivered" || status == "rejected" ||
      status == "canceled" || status == "expired") {
    return std::string("message_failed");
  }
  if (status == "bounced") return std::string("message_bounced");
  for (std::string_view s : kInFlight) {
    if (status == s) return std::string();
  }
  return Status::InvalidArgument("unknown delivery status '" + status +
                                 "'; expected delivered, read, failed, undelivered, bounced, or "
                                 "one on the way (queued, accepted, sending, sent)")
      .WithField("status");
}

}  // namespace

Status Delivery::Impl::Report(const ProviderReport& report) {
  const std::string provider = ToLower(report.provider);
  if (provider != "sms" && provider != "whatsapp" && provider != "smtp") {
    return Status::NotFound("no provider '" + report.provider +
                            "'; callbacks come from sms, "
                            "whatsapp or smtp");
  }
  if (report.provider_message_id.empty()) {
    return Status::InvalidArgument("the report names no message").WithField("id");
  }
  const std::string status = ToLower(Trim(report.status));
  if (status.empty())
    return Status::InvalidArgument("the report has no status").WithField("status");

  Result<std::optional<OutboxMessage>> found = std::optional<OutboxMessage>();
  if (provider == "smtp") {
    // Bounces name our own message id: the mail server never gave us one of its own.
    int64_t id = 0;
    try {
      size_t used = 0;
      id = std::stoll(report.provider_message_id, &used);
      if (used != report.provider_message_id.size()) id = 0;
    } catch (const std::exception&) {
      id = 0;
    }
    if (id <= 0) {
      return Status::InvalidArgument("smtp reports name unisono's message id (a number), not '" +
                                     report.provider_message_id + "'")
          .WithField("message_id");
    }
    found = store_.GetOutboxMessage(id);
  } else {
    found = store_.FindOutboxByProviderId(report.provider_message_id);
  }
  if (!found.ok()) return found.status();
  const std::string wanted = provider == "smtp" ? "email" : provider;
  if (!*found || (*found)->channel != wanted) {
    return Status::NotFound("no " + provider + " message with id '" + report.provider_message_id +
                            "'");
  }
  const OutboxMessage& m = **found;
  auto name = EventFor(m.channel, status);
  if (!name.ok()) return name.status();
  // SMTP acceptance was recorded when the server took the message.
  if (name->empty() || (provider == "smtp" && status == "delivered")) return Status::Ok();

  Event e;
  e.type = EventType::kTrack;
  e.name = *name;
  e.channel = m.channel;
  e.profile_id = m.profile_id;
  e.timestamp = e.original_timestamp = e.received_at = clock_.Now();
  e.source = "delivery";
  e.message_id = "cb:" + provider + ":" + report.provider_message_id + ":" + status;
  json::object props{
      {"message_id", m.id}, {"journey", m.journey_id}, {"content", m.content}, {"status", status}};
  if (!m.provider_message_id.empty()) props["provider_message_id"] = m.provider_message_id;
  if (!report.error.empty()) props["error"] = report.error;
  e.properties_json = json::serialize(props);
  auto written = profiles_.SubmitAndWait({std::move(e)});
  return written.ok() ? Status::Ok() : written.status();
}

}  // namespace unisono
