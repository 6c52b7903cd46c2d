// The event: one touchpoint of one customer, as every module after ingest sees it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/internal/time.h"

namespace unisono {

enum class EventType : uint8_t { kIdentify, kTrack, kPage, kScreen, kGroup, kAlias };

const char* EventTypeName(EventType type);
std::optional<EventType> ParseEventType(std::string_view name);

// An identifier as it arrived (type as configured: "user_id", "email", "phone", ...);
// normalisation belongs to identity.
struct Identifier {
  std::string type;
  std::string value;
};

// A consent change carried by an event (identify traits, context.consent, CSV, API).
struct ConsentChange {
  std::string channel;
  bool granted = false;
};

// A property value kept as its JSON text, so any JSON type survives unchanged.
struct JsonField {
  std::string key;
  std::string json;
};

struct Event {
  EventType type = EventType::kTrack;
  std::string message_id;
  std::string user_id;
  std::string anonymous_id;
  std::string previous_id;  // alias
  std::string group_id;     // group
  std::string name;         // track event name; page/screen name
  std::string channel;      // catalog id, "unknown" when none was given

  Timestamp timestamp{};           // skew-corrected event time
  Timestamp original_timestamp{};  // as the client sent it (or received_at)
  std::optional<Timestamp> sent_at;
  Timestamp received_at{};

  // Omnichannel properties lifted out of properties for reports.
  std::string campaign;
  std::string communication;
  std::string product;
  std::string touchpoint;
  std::string rep_id;
  std::string stage;
  std::optional<int64_t> cost_minor;   // cost in minor units of `currency`
  std::optional<int64_t> value_minor;  // conversion value (properties.revenue/value)
  std::string currency;

  std::string properties_json = "{}";
  std::string traits_json = "{}";
  std::string context_json = "{}";
  std::vector<JsonField> traits;  // top-level traits, for profile updates
  std::vector<Identifier> identifiers;
  std::vector<ConsentChange> consents;
  std::string source;  // "http", "csv:visits", "demo", ...

  int64_t profile_id = 0;  // set by identity resolution
};

}  // namespace unisono
