// What each contact costs: its own cost, the catalog's default, or its share of the cost
// records that cover it (docs/attribution.md, "ROI and KPIs").
#include "analytics/internal/cost_ledger.h"

#include <algorithm>

namespace unisono::analytics::internal {
namespace {

bool Contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// The fraction of [start, end) inside [since, until); an empty period counts whole when
// its start is inside.
double Overlap(Timestamp start, Timestamp end, std::optional<Timestamp> since,
               std::optional<Timestamp> until) {
  Timestamp from = since ? std::max(start, *since) : start;
  if (end <= start) return from == start && (!until || start < *until) ? 1.0 : 0.0;
  Timestamp to = until ? std::min(end, *until) : end;
  if (to <= from) return 0.0;
  return static_cast<double>((to - from).count()) / static_cast<double>((end - start).count());
}

}  // namespace

bool IsConversion(const Event& e, const PathOptions& paths) {
  return e.type == EventType::kTrack && Contains(paths.conversion_events, e.name);
}

bool IsTouchLike(const Event& e, const PathOptions& paths) {
  return e.type != EventType::kIdentify && e.type != EventType::kGroup &&
         e.type != EventType::kAlias && e.channel != "unknown" && !e.channel.empty() &&
         !IsConversion(e, paths);
}

bool IsPathTouch(const Event& e, const PathOptions& paths) {
  return IsTouchLike(e, paths) && !Contains(paths.excluded_channels, e.channel);
}

bool IsContact(const Event& e, const PathOptions& paths, const CostOptions& costs) {
  return IsTouchLike(e, paths) &&
         !(e.type == EventType::kTrack && Contains(costs.follow_up_events, e.name));
}

bool IsResponse(const Event& e, const std::vector<std::string>& responses) {
  switch (e.type) {
    case EventType::kPage:
      return Contains(responses, "page");
    case EventType::kScreen:
      return Contains(responses, "screen");
    case EventType::kTrack:
      return Contains(responses, e.name);
    default:
      return false;
  }
}

Result<CostLedger> CostLedger::Build(Store& store, const ChannelCatalog& catalog,
                                     const PathOptions& paths, const CostOptions& costs) {
  CostLedger ledger;
  ledger.paths_ = paths;
  ledger.costs_ = costs;
  for (const Channel& c : catalog.channels()) ledger.catalog_[c.id] = &c;
  Status s = store.ScanCosts([&](const CostRecord& r) {
    Record rec;
    rec.record = r;
    rec.overhead = r.channel.empty();
    size_t index = ledger.records_.size();
    if (rec.overhead) {
      ledger.overhead_by_campaign_[r.campaign].push_back(index);
    } else {
      ledger.by_channel_[r.channel].push_back(index);
    }
    if (!r.currency.empty()) ledger.currencies_.insert(r.currency);
    ledger.records_.push_back(std::move(rec));
  });
  if (!s.ok()) return s;
  if (ledger.records_.empty()) return ledger;

  // Only the records' periods matter for what they cover.
  Timestamp from = ledger.records_.front().record.period_start, to = from;
  for (const Record& r : ledger.records_) {
    from = std::min(from, r.record.period_start);
    to = std::max(to, r.record.period_end);
  }
  s = store.ScanEventsByProfile(from, to, [&](const Event& e) {
    if (IsContact(e, paths, costs)) ledger.Count(e);
    return true;
  });
  if (!s.ok()) return s;
  ledger.Settle();
  return ledger;
}

bool CostLedger::Covers(const Record& r, const Event& e) const {
  return e.timestamp >= r.record.period_start && e.timestamp < r.record.period_end &&
         (r.record.campaign.empty() || r.record.campaign == e.campaign);
}

void CostLedger::Count(const Event& contact) {
  auto count = [&](const std::vector<size_t>& indices) {
    for (size_t i : indices) {
      Record& r = records_[i];
      if (!Covers(r, contact)) continue;
      ++r.contacts;
      if (contact.cost_minor) {
        r.own_minor += *contact.cost_minor;
      } else {
        ++r.uncosted;
      }
    }
  };
  if (auto it = by_channel_.find(contact.channel); it != by_channel_.end()) count(it->second);
  if (auto it = overhead_by_campaign_.find(""); it != overhead_by_campaign_.end()) {
    count(it->second);
  }
  if (contact.campaign.empty()) return;
  if (auto it = overhead_by_campaign_.find(contact.campaign); it != overhead_by_campaign_.end()) {
    count(it->second);
  }
}

// A channel record is the whole cost of what it covers: what those contacts carry
// themselves counts toward it, and only the rest is spread (over the contacts without a
// cost of their own, or over all of them when every one has one). A record without a
// channel (campaign production, say) comes on top of channel costs, spread evenly.
void CostLedger::Settle() {
  for (Record& r : records_) {
    if (r.contacts == 0) continue;  // unallocated
    double rest = static_cast<double>(r.record.amount_minor - (r.overhead ? 0 : r.own_minor));
    if (rest <= 0) continue;  // the contacts' own costs already make up the record
    r.only_uncosted = !r.overhead && r.uncosted > 0;
    r.share_minor = rest / static_cast<double>(r.only_uncosted ? r.uncosted : r.contacts);
  }
}

EventCost CostLedger::CostOf(const Event& e) const {
  EventCost cost;
  auto note = [&](const std::string& currency) {
    if (!currency.empty()) currencies_.insert(currency);
  };
  if (e.cost_minor) {
    cost.channel_minor = static_cast<double>(*e.cost_minor);
    if (*e.cost_minor != 0) note(e.currency);
  }
  if (!IsContact(e, paths_, costs_)) return cost;

  bool covered = false;
  if (auto it = by_channel_.find(e.channel); it != by_channel_.end()) {
    for (size_t i : it->second) {
      const Record& r = records_[i];
      if (!Covers(r, e)) continue;
      covered = true;
      if (r.share_minor > 0 && (!r.only_uncosted || !e.cost_minor)) {
        cost.channel_minor += r.share_minor;
        note(r.record.currency);
      }
    }
  }
  if (!e.cost_minor && !covered) {
    if (auto it = catalog_.find(e.channel); it != catalog_.end()) {
      cost.channel_minor = static_cast<double>(it->second->cost_per_contact_minor);
      if (it->second->cost_per_contact_minor != 0) note(it->second->currency);
    }
  }
  auto overhead = [&](const std::string& campaign) {
    auto it = overhead_by_campaign_.find(campaign);
    if (it == overhead_by_campaign_.end()) return;
    for (size_t i : it->second) {
      const Record& r = records_[i];
      if (r.share_minor > 0 && Covers(r, e)) cost.overhead_minor += r.share_minor;
    }
  };
  overhead("");
  if (!e.campaign.empty()) overhead(e.campaign);
  return cost;
}

std::vector<UnallocatedCost> CostLedger::Unallocated(std::optional<Timestamp> since,
                                                     std::optional<Timestamp> until) const {
  std::vector<UnallocatedCost> out;
  for (const Record& r : records_) {
    if (r.contacts > 0 || r.record.amount_minor == 0) continue;
    double part = Overlap(r.record.period_start, r.record.period_end, since, until);
    if (part <= 0) continue;
    out.push_back({r.record.channel, r.record.campaign, part * r.record.amount_minor});
  }
  return out;
}

}  // namespace unisono::analytics::internal
