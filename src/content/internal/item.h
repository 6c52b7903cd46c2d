// A content item as the library keeps it: every version with its state history, and
// which version senders use. Stored as one definition record (kind "content") holding
// the item's own JSON, so a version and its history are written together. Value
// types and pure functions: thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "content/internal/definition.h"

namespace unisono::content {

struct ContentVersion {
  int number = 1;
  std::string state = "draft";
  std::string definition_json;  // canonical
  // The parsed definition; nullopt when the stored text no longer reads (the stage names
  // changed, say): then `problems` says why and the version cannot be sent.
  std::optional<ContentDefinition> definition;
  std::vector<ContentProblem> problems;
  std::string created_by, submitted_by, approved_by, retired_by;
  std::optional<Timestamp> submitted_at, approved_at, retired_at;
  Timestamp created_at{}, updated_at{};
  std::vector<ContentTransition> history;
};

struct ContentItem {
  std::string id;
  std::vector<ContentVersion> versions;  // version N at [N - 1]
  int approved_version = 0;
  bool retired = false;  // retired since its last approval

  const ContentVersion& latest() const { return versions.back(); }
  ContentVersion& latest() { return versions.back(); }
  const ContentVersion* Find(int number) const;
};

inline constexpr const char* kContentKind = "content";

std::string ItemToJson(const ContentItem& item);
// Reads a stored item; each version's definition is parsed again and checked against
// today's catalog.
Result<ContentItem> ItemFromJson(const std::string& json, const ContentOptions& options);

// The version's definition parsed and checked: fills `definition` and `problems`.
void Examine(ContentVersion& version, const ContentOptions& options);

ContentInfo InfoOf(const ContentItem& item, const ContentVersion& version);

}  // namespace unisono::content
