// A profile's segments at any moment, read back from the segment_entered /
// segment_exited events the segment engine writes to the log.
#include "analytics/internal/segment_membership.h"

#include <simdjson.h>

#include <cstdint>

namespace unisono::analytics::internal {

std::optional<std::string> JsonStringMember(std::string_view json, std::string_view key) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(json.data(), json.size()).get(object) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  std::string_view value;
  if (object[key].get(value) != simdjson::SUCCESS) return std::nullopt;
  return std::string(value);
}

bool SegmentMembership::IsMembershipEvent(const Event& e) {
  return e.type == EventType::kTrack && e.source == "segment" &&
         (e.name == "segment_entered" || e.name == "segment_exited");
}

void SegmentMembership::Apply(const Event& e) {
  if (!IsMembershipEvent(e)) return;
  auto id = JsonStringMember(e.properties_json, "segment_id");
  if (!id || id->empty()) return;
  if (auto name = JsonStringMember(e.properties_json, "segment_name")) names_[*id] = *name;
  names_.try_emplace(*id, *id);
  if (e.name == "segment_entered") {
    current_.insert(*id);
  } else {
    current_.erase(*id);
  }
}

}  // namespace unisono::analytics::internal
