// Private to analytics: which events are touchpoints and contacts, and what each
// contact costs (the rules of docs/attribution.md, "ROI and KPIs"). Built once per
// report, then read-only.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analytics/analytics.h"

namespace unisono::analytics::internal {

// A track event named as a conversion by `paths`.
bool IsConversion(const Event& e, const PathOptions& paths);
// Could be a touch on a path: not identify, group or alias, not a conversion, not on
// channel "unknown". Excluded channels are not looked at here.
bool IsTouchLike(const Event& e, const PathOptions& paths);
// A touch on a path, as BuildPaths decides: touch-like and not on an excluded channel.
bool IsPathTouch(const Event& e, const PathOptions& paths);
// A touch-like event the company made (or a visit): not a follow-up.
bool IsContact(const Event& e, const PathOptions& paths, const CostOptions& costs);
// The customer's answer: a track event named in `responses`, or a page or screen call
// while "page" or "screen" is listed.
bool IsResponse(const Event& e, const std::vector<std::string>& responses);

// What one event costs, in minor units.
struct EventCost {
  double channel_minor = 0;   // own cost, catalog default or a channel record's share
  double overhead_minor = 0;  // share of records that name no channel
};

// A cost record whose scope holds no contact at all: reported as its channel's (or
// campaign's) cost, as far as its period overlaps the report's window.
struct UnallocatedCost {
  std::string channel;  // "" for a record that names no channel
  std::string campaign;
  double amount_minor = 0;
};

// The store's cost records, reconciled with the contacts they cover.
class CostLedger {
 public:
  // Reads every cost record and scans the log over their periods once, to see which
  // contacts each covers and what those already cost. The report filter plays no part:
  // a contact costs the same whatever the report looks at.
  static Result<CostLedger> Build(Store& store, const ChannelCatalog& catalog,
                                  const PathOptions& paths, const CostOptions& costs);

  // REQUIRES: `e` is touch-like. Follow-ups cost only what they carry themselves.
  EventCost CostOf(const Event& e) const;
  // Records whose period held no contact, prorated to the part of their period inside
  // [since, until).
  std::vector<UnallocatedCost> Unallocated(std::optional<Timestamp> since,
                                           std::optional<Timestamp> until) const;
  // Currencies of every cost counted so far: records, and the own costs and catalog
  // defaults CostOf() has returned. Not thread-safe: one report at a time.
  const std::set<std::string>& currencies() const { return currencies_; }

 private:
  struct Record {
    CostRecord record;
    bool overhead = false;  // names no channel
    int64_t contacts = 0;
    int64_t uncosted = 0;  // contacts without a cost of their own
    int64_t own_minor = 0;
    double share_minor = 0;      // what each eligible contact gets
    bool only_uncosted = false;  // eligible: only contacts without their own cost
  };
  bool Covers(const Record& r, const Event& e) const;
  void Count(const Event& contact);
  void Settle();

  CostOptions costs_;
  PathOptions paths_;
  std::vector<Record> records_;
  std::unordered_map<std::string, std::vector<size_t>> by_channel_;
  std::unordered_map<std::string, std::vector<size_t>> overhead_by_campaign_;  // "" = any
  std::unordered_map<std::string, const Channel*> catalog_;
  mutable std::set<std::string> currencies_;
};

// Minor units to the major units reports use (as BuildPaths does for values).
inline double Major(double minor) { return minor / 100.0; }

}  // namespace unisono::analytics::internal
