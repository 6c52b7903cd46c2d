// segment: the segment language, computed traits and customer stages, and the engine
// that keeps every profile's memberships current — incrementally on each committed
// event, on a schedule as time windows expire, and in full for new or edited
// definitions. Membership changes are written back as segment_entered /
// segment_exited events. Manual lists are kept by hand with an audit trail.
// SegmentEngine is thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/core.h"
#include "profile/profile.h"
#include "storage/storage.h"

namespace unisono {

// How the built-in computed traits read events. Defaults suit the demo data.
struct StageConfig {
  // Customer responses (an open, a click, a webinar attended); every other event on a
  // channel is a contact. Page and screen events are always responses.
  std::vector<std::string> response_events = {
      "Email Opened",     "Email Clicked",     "Link Clicked",     "Content Shared",
      "Webinar Attended", "Congress Attended", "Signed In",        "Chat Started",
      "Product Viewed",   "SMS Replied",       "WhatsApp Replied", "Form Submitted",
      "email_opened",     "link_clicked",      "unsubscribed",     "whatsapp_read"};
  std::vector<std::string> conversion_events = {"Order Completed", "Prescription Written"};
  // Two-way contacts that count as the customer engaging (besides responses and
  // conversions): a visit the doctor received, a call taken.
  std::vector<std::string> engagement_events = {"Rep Visit", "Tablet Detailing", "Remote Detailing",
                                                "Call Completed", "Service Call"};
  Millis engagement_half_life = std::chrono::days(30);
  Millis online_window = std::chrono::days(90);

  // Relationship stage: lapsed, at_risk, new, loyal, active (first that applies).
  Millis new_within = std::chrono::days(30);     // first seen this recently: new
  Millis at_risk_after = std::chrono::days(60);  // no engagement for this long: at_risk
  Millis lapsed_after = std::chrono::days(180);  // ... for this long: lapsed
  int loyal_conversions = 3;                     // conversions within loyal_window: loyal
  Millis loyal_window = std::chrono::days(365);

  // Journey stage: the latest event's `stage` property, else this map by event name.
  std::map<std::string, std::string> journey_stage_by_event = {
      {"Order Completed", "purchase"}, {"Prescription Written", "purchase"},
      {"Content Shared", "share"},     {"Search Ad Clicked", "search"},
      {"Product Viewed", "plan"},      {"Webinar Attended", "plan"}};
};

struct SegmentEngineOptions {
  StageConfig stages;
  ChannelCatalog catalog = ChannelCatalog::Builtin();
  int threads = 0;  // batch evaluation; 0: one per core
  // Emits membership changes as events through the profile service (off in tools
  // that only read).
  bool write_events = true;
};

// What a client sends to create or edit a segment.
struct SegmentSpec {
  std::string name;
  std::string description;
  std::string kind = "rule";    // "rule" (automatic) or "manual" (a hand-kept list)
  std::string definition_text;  // one of the two forms, for rule segments
  std::string definition_json;
  std::string owner_rep;  // manual lists: the rep who keeps it (may add own customers only)
};

struct SegmentInfo {
  std::string id;
  std::string name;
  std::string description;
  std::string kind;
  int version = 1;
  std::string definition_text;  // canonical
  std::string definition_json;
  std::string owner_rep;
  int64_t members = 0;
  Timestamp created_at{};
  Timestamp updated_at{};
};

struct SegmentPreview {
  int64_t count = 0;
  int64_t profiles = 0;  // evaluated
  std::vector<int64_t> sample;
  std::string definition_text;
  std::string definition_json;
};

struct MemberPage {
  std::vector<int64_t> profile_ids;  // ascending
  std::string next_cursor;           // empty on the last page
  int64_t total = 0;
};

struct ListEdit {
  std::vector<int64_t> profile_ids;
  bool add = true;
  std::string actor;
  std::string reason;
  std::string rep_id;  // when given, only profiles this rep owns may be added
};

struct ListEditResult {
  int64_t changed = 0;
  int64_t unchanged = 0;  // already in (add) or not in (remove)
};

struct ComputedTraitInfo {
  std::string name;
  std::string description;
  std::string definition_text;
  bool builtin = false;
  Timestamp updated_at{};
};

// A profile's computed traits (JSON values by name) and current segments.
struct ProfileSegmentView {
  std::vector<std::pair<std::string, std::string>> segments;  // id, name
  std::vector<std::pair<std::string, std::string>> computed;  // name, JSON value
};

class SegmentEngine {
 public:
  // Loads every profile's events, traits and consent from the store and brings
  // memberships up to date (writing the changes since the last run).
  static Result<std::unique_ptr<SegmentEngine>> Create(Store& store, Clock& clock,
                                                       ProfileService* profiles,
                                                       SegmentEngineOptions options);
  ~SegmentEngine();

  // The profile service's commit hook: applies a committed group, re-evaluates the
  // profiles it touched and emits their membership changes.
  void OnCommitted(const WriteBatch& batch, const std::vector<uint8_t>& written);
  // After a bulk import: reloads from the store and re-evaluates everything.
  Status Reload();
  // Evaluates every rule segment for every profile now, in one pass over the profiles
  // (as at start), writing what changed; returns the number of membership changes.
  size_t ReevaluateAll();
  // Re-evaluates the profiles whose time windows have moved by now; returns how many.
  size_t RunDue();
  // Runs RunDue every `period` on a thread of its own until destruction.
  // Also writes the membership changes found while loading.
  void StartScheduler(Millis period);
  void StopScheduler();

  Result<SegmentInfo> CreateSegment(const SegmentSpec& spec);
  Result<SegmentInfo> UpdateSegment(const std::string& id, const SegmentSpec& spec);
  Status DeleteSegment(const std::string& id);
  Result<SegmentInfo> GetSegment(const std::string& id_or_name) const;
  std::vector<SegmentInfo> ListSegments() const;
  Result<SegmentPreview> Preview(const SegmentSpec& spec, size_t sample_size) const;
  Result<MemberPage> Members(const std::string& id, const std::string& cursor, int limit) const;

  Result<ListEditResult> EditList(const std::string& id, const ListEdit& edit);
  Result<std::vector<ListChange>> ListChanges(const std::string& id) const;

  Result<ComputedTraitInfo> PutComputedTrait(const ComputedTraitInfo& trait);
  Status DeleteComputedTrait(const std::string& name);
  std::vector<ComputedTraitInfo> ListComputedTraits() const;

  Result<ProfileSegmentView> ForProfile(int64_t profile_id) const;

  // What journeys read about a profile now, from the engine's memory.
  struct ProfileFacts {
    std::map<std::string, bool> consent;       // latest per channel
    std::map<std::string, double> engagement;  // engagement_score per channel
    std::string timezone;                      // trait timezone ("" when missing)
    std::string owner_rep;                     // trait owner_rep
    std::string relationship_stage;            // "" when unknown
    std::string journey_stage;
  };
  Result<ProfileFacts> Facts(int64_t profile_id) const;
  // Checks a condition in the segment language (text form) and returns its canonical
  // text; segments named in it must exist.
  Result<std::string> CheckCondition(const std::string& condition);
  // Whether the condition (checked before) holds for the profile now. Compiled once
  // per distinct text.
  Result<bool> Holds(int64_t profile_id, const std::string& condition);
  // Whether the profile is in the segment (id or name) now; false for unknown ones.
  bool IsMember(int64_t profile_id, const std::string& segment) const;

  struct Stats {
    size_t profiles = 0;
    size_t events = 0;
    size_t bytes = 0;  // in-memory state
    size_t segments = 0;
  };
  Stats stats() const;

  class Impl;

 private:
  explicit SegmentEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Checks a definition without an engine: the canonical text and JSON, or the error
// with its column (text) or JSON pointer.
struct CheckedDefinition {
  std::string text;
  std::string json;
};
Result<CheckedDefinition> CheckSegmentDefinition(const std::string& text, const std::string& json);

}  // namespace unisono
