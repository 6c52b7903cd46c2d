// Channel KPIs: reach, contacts, frequency, engagement, conversions, cost, and how often
// a channel closes a conversion rather than assists one.
#include <algorithm>
#include <map>

#include "analytics/analytics.h"
#include "analytics/internal/cost_ledger.h"
#include "analytics/internal/report_filter.h"

namespace unisono::analytics {
namespace {

using internal::Major;

struct Counts {
  int64_t reach = 0;
  int64_t contacts = 0;
  int64_t responses = 0;
  int64_t touched = 0;
  int64_t converting = 0;
  int64_t closes = 0;
  int64_t assists = 0;
  double cost_minor = 0;
};

std::optional<double> Ratio(double numerator, double denominator) {
  if (denominator <= 0) return std::nullopt;
  return numerator / denominator;
}

// One profile at a time, in time order: its first contact per channel, its touches
// since the last conversion (cut as BuildPaths cuts them) and its last conversion.
class ProfileKpis {
 public:
  ProfileKpis(const KpiOptions& o, std::map<std::string, Counts>& counts)
      : options_(o), counts_(counts) {}

  void Contact(const Event& e) { first_contact_.try_emplace(e.channel, e.timestamp); }

  void Touch(const Event& e) {
    if (options_.paths.collapse_repeats && !touches_.empty() &&
        touches_.back().channel == e.channel) {
      touches_.back().last_at = e.timestamp;
      return;
    }
    touches_.push_back({e.channel, e.timestamp});
  }

  // The last touch of the conversion's path closes it; every other touch assists. One
  // the filter does not count still ends its path.
  void Conversion(Timestamp at, bool counted) {
    if (!counted) {
      touches_.clear();
      return;
    }
    last_conversion_ = at;
    std::vector<const std::string*> path;
    for (const auto& t : touches_) {
      if (t.last_at < at - options_.paths.lookback || t.last_at >= at) continue;
      path.push_back(&t.channel);
    }
    if (!path.empty()) {
      ++counts_[*path.back()].closes;
      for (size_t i = 0; i + 1 < path.size(); ++i) ++counts_[*path[i]].assists;
      std::sort(path.begin(), path.end(), [](auto* a, auto* b) { return *a < *b; });
      path.erase(std::unique(path.begin(), path.end(), [](auto* a, auto* b) { return *a == *b; }),
                 path.end());
      for (const std::string* channel : path) ++counts_[*channel].touched;
    }
    touches_.clear();  // the path's pointers point into it
  }

  // Returns whether the profile was reached at all.
  bool Finish() {
    bool reached = !first_contact_.empty();
    for (const auto& [channel, first] : first_contact_) {
      Counts& c = counts_[channel];
      ++c.reach;
      if (last_conversion_ && *last_conversion_ > first) ++c.converting;
    }
    first_contact_.clear();
    touches_.clear();
    last_conversion_.reset();
    return reached;
  }

 private:
  struct PathTouch {
    std::string channel;
    Timestamp last_at;
  };
  const KpiOptions& options_;
  std::map<std::string, Counts>& counts_;
  std::map<std::string, Timestamp> first_contact_;
  std::vector<PathTouch> touches_;
  std::optional<Timestamp> last_conversion_;
};

// A touch-like event's share of its channel's contacts, cost and responses.
void Count(const Event& e, const internal::CostLedger& ledger, const KpiOptions& o, Counts& c,
           ProfileKpis& profile) {
  // Records naming no channel are no channel's cost.
  c.cost_minor += ledger.CostOf(e).channel_minor;
  if (internal::IsResponse(e, o.response_events)) ++c.responses;
  if (internal::IsContact(e, o.paths, o.costs)) {
    ++c.contacts;
    profile.Contact(e);
  }
}

}  // namespace

Result<KpiReport> BuildChannelKpis(Store& store, const ChannelCatalog& catalog,
                                   const KpiOptions& o) {
  if (o.paths.lookback <= Millis(0)) {
    return Status::InvalidArgument("the lookback window must be positive, e.g. 90d");
  }
  auto ledger = internal::CostLedger::Build(store, catalog, o.paths, o.costs);
  if (!ledger.ok()) return ledger.status();

  KpiReport report;
  std::map<std::string, Counts> counts;
  ProfileKpis profile(o, counts);
  internal::ProfileFilter filter(o.paths.filter, o.paths.since, o.paths.until,
                                 o.paths.conversion_events, o.paths.lookback);
  int64_t current = 0;
  auto add = [&](const Event& e) {
    if (e.profile_id != current) {
      if (current != 0 && profile.Finish()) ++report.reach;
      current = e.profile_id;
      filter.Reset();
    }
    switch (filter.Observe(e)) {
      case internal::FilterVerdict::kConversion:
        ++report.conversions;
        profile.Conversion(e.timestamp, true);
        return true;
      case internal::FilterVerdict::kUncounted:
        profile.Conversion(e.timestamp, false);
        return true;
      case internal::FilterVerdict::kKept:
        break;
      default:
        return true;
    }
    if (!internal::IsTouchLike(e, o.paths)) return true;
    // A path's touches stay on it whatever the segment; contacts, costs and responses
    // count only while the profile is in it.
    if (internal::IsPathTouch(e, o.paths)) profile.Touch(e);
    if (filter.in_segment()) Count(e, *ledger, o, counts[e.channel], profile);
    return true;
  };
  Status s = store.ScanEventsByProfile(filter.scan_since(), o.paths.until, add);
  if (!s.ok()) return s;
  if (current != 0 && profile.Finish()) ++report.reach;
  for (const internal::UnallocatedCost& u : ledger->Unallocated(o.paths.since, o.paths.until)) {
    if (!u.channel.empty() && filter.KeepsUnallocated(u.campaign)) {
      counts[u.channel].cost_minor += u.amount_minor;
    }
  }

  int64_t closes = 0, path_touches = 0;
  for (const auto& [channel, c] : counts) {
    closes += c.closes;
    path_touches += c.closes + c.assists;
  }
  report.baseline_close_share = Ratio(closes, path_touches);
  report.currency = ledger->currencies().size() > 1 ? "mixed"
                    : ledger->currencies().empty()  ? ""
                                                    : *ledger->currencies().begin();
  for (const auto& [channel, c] : counts) {
    ChannelKpis k;
    k.channel = channel;
    if (const Channel* declared = catalog.Find(channel)) k.declared_role = declared->role;
    k.reach = c.reach;
    k.contacts = c.contacts;
    k.frequency = Ratio(c.contacts, c.reach);
    k.responses = c.responses;
    k.engagement_rate = Ratio(c.responses, c.contacts);
    k.conversions_touched = c.touched;
    k.converting_profiles = c.converting;
    k.conversion_rate = Ratio(c.converting, c.reach);
    k.cost = Major(c.cost_minor);
    k.cost_per_contact = Ratio(k.cost, c.contacts);
    k.closes = c.closes;
    k.assists = c.assists;
    k.close_share = Ratio(c.closes, c.closes + c.assists);
    if (k.close_share) {
      k.observed_role = *k.close_share > *report.baseline_close_share ? "direct" : "collaborative";
    }
    report.channels.push_back(std::move(k));
  }
  return report;
}

}  // namespace unisono::analytics
