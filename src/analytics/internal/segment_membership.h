// Private to analytics: a profile's segments at any moment, as the log records them.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/core.h"

namespace unisono::analytics::internal {

// A profile's segments over time, from its segment_entered / segment_exited events
// (source "segment", properties.segment_id and segment_name). Feed one profile's
// events in time order; Reset() between profiles.
class SegmentMembership {
 public:
  static bool IsMembershipEvent(const Event& e);
  // Applies a membership event; other events are ignored.
  void Apply(const Event& e);
  void Reset() { current_.clear(); }
  const std::set<std::string>& current() const { return current_; }
  // Latest name seen per segment id, over every profile fed so far.
  const std::map<std::string, std::string>& names() const { return names_; }

 private:
  std::set<std::string> current_;
  std::map<std::string, std::string> names_;
};

// The string value of a top-level member of a JSON object; none when the text is not
// an object, the member is missing or is not a string.
std::optional<std::string> JsonStringMember(std::string_view json, std::string_view key);

}  // namespace unisono::analytics::internal
