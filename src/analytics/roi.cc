// ROI per channel, campaign, communication, product or segment: what the contacts cost
// (the cost ledger) against the conversions and value attributed to them.
#include <algorithm>
#include <map>
#include <set>

#include "analytics/analytics.h"
#include "analytics/internal/cost_ledger.h"
#include "analytics/internal/report_filter.h"
#include "analytics/internal/segment_membership.h"

namespace unisono::analytics {
namespace {

using internal::Major;

struct Totals {
  int64_t contacts = 0;
  double cost_minor = 0;
  double unallocated_minor = 0;
  double conversions = 0;
  double value = 0;
};

std::string CurrencyOf(const std::set<std::string>& seen) {
  if (seen.empty()) return "";
  if (seen.size() == 1) return *seen.begin();
  return "mixed";
}

// The dimension's key of a contact or conversion; empty when it has none.
const std::string& KeyOf(const Event& e, RoiDimension by) {
  switch (by) {
    case RoiDimension::kCampaign:
      return e.campaign;
    case RoiDimension::kCommunication:
      return e.communication;
    case RoiDimension::kProduct:
      return e.product;
    case RoiDimension::kChannel:
    case RoiDimension::kSegment:
      break;
  }
  return e.channel;
}

std::optional<PathGranularity> GranularityOf(RoiDimension by) {
  switch (by) {
    case RoiDimension::kChannel:
      return PathGranularity::kChannel;
    case RoiDimension::kCampaign:
      return PathGranularity::kCampaign;
    case RoiDimension::kCommunication:
      return PathGranularity::kCommunication;
    case RoiDimension::kProduct:
    case RoiDimension::kSegment:
      break;
  }
  return std::nullopt;
}

// Folds the window's events, profile by profile in time order, into rows: what each
// contact costs and, by product or segment, the conversions themselves (the models
// split them by channel, campaign and communication).
class RowFolder {
 public:
  RowFolder(const RoiOptions& o, const internal::CostLedger& ledger)
      : filter(o.paths.filter, o.paths.since, o.paths.until, o.paths.conversion_events,
               o.paths.lookback),
        o_(o),
        ledger_(ledger),
        whole_conversions_(!GranularityOf(o.by)) {}

  void StartProfile() {
    segments.Reset();
    filter.Reset();
  }

  void Add(const Event& e) {
    if (o_.by == RoiDimension::kSegment && internal::SegmentMembership::IsMembershipEvent(e)) {
      segments.Apply(e);  // also before the window
    }
    switch (filter.Observe(e)) {
      case internal::FilterVerdict::kConversion:
        return Conversion(e);
      case internal::FilterVerdict::kKept:
        // Contacts and their costs count while the profile is in the filter's segment.
        if (internal::IsTouchLike(e, o_.paths) && filter.in_segment()) Touch(e);
        return;
      default:
        return;
    }
  }

  std::map<std::string, Totals> rows;
  internal::SegmentMembership segments;
  internal::ProfileFilter filter;
  std::set<std::string> value_currencies;
  double cost_minor = 0;
  double conversions = 0;
  double value = 0;

 private:
  // Calls fn with every key an event of the current profile counts under.
  template <typename Fn>
  void ForEachKey(const Event& e, Fn&& fn) {
    if (o_.by == RoiDimension::kSegment) {
      if (segments.current().empty()) fn(rows[std::string(kNoKey)]);
      for (const std::string& s : segments.current()) fn(rows[s]);
      return;
    }
    const std::string& key = KeyOf(e, o_.by);
    fn(rows[key.empty() ? std::string(kNoKey) : key]);
  }

  void Conversion(const Event& e) {
    double v = Major(static_cast<double>(e.value_minor.value_or(0)));
    conversions += 1;
    value += v;
    if (e.value_minor && !e.currency.empty()) value_currencies.insert(e.currency);
    if (!whole_conversions_) return;
    ForEachKey(e, [&](Totals& t) {
      t.conversions += 1;
      t.value += v;
    });
  }

  void Touch(const Event& e) {
    internal::EventCost cost = ledger_.CostOf(e);
    int64_t contact = internal::IsContact(e, o_.paths, o_.costs) ? 1 : 0;
    cost_minor += cost.channel_minor + cost.overhead_minor;
    if (o_.by != RoiDimension::kChannel) {
      ForEachKey(e, [&](Totals& t) {
        t.cost_minor += cost.channel_minor + cost.overhead_minor;
        t.contacts += contact;
      });
      return;
    }
    Totals& t = rows[e.channel];
    t.cost_minor += cost.channel_minor;
    t.contacts += contact;
    // Records naming no channel are no channel's cost.
    if (cost.overhead_minor != 0) rows[std::string(kNoKey)].cost_minor += cost.overhead_minor;
  }

  const RoiOptions& o_;
  const internal::CostLedger& ledger_;
  const bool whole_conversions_;
};

// Splits the window's conversions among the dimension's keys with the model; what no
// path carries (conversions without a touch at this granularity) goes to kNoKey.
Status AddAttributed(Store& store, const RoiOptions& o, PathGranularity granularity,
                     double total_conversions, double total_value,
                     std::map<std::string, Totals>& rows) {
  PathOptions paths = o.paths;
  paths.granularity = granularity;
  auto table = BuildPaths(store, paths);
  if (!table.ok()) return table.status();
  double conversions = 0, value = 0;
  if (!table->paths.empty()) {
    auto attributed = Attribute(*table, o.model);
    if (!attributed.ok()) return attributed.status();
    for (const ChannelAttribution& a : *attributed) {
      Totals& t = rows[a.channel];
      t.conversions += a.conversions;
      t.value += a.value;
      conversions += a.conversions;
      value += a.value;
    }
  }
  // Rounding in the models leaves crumbs of 1e-12; only real leftovers make a row.
  constexpr double kEpsilon = 1e-9;
  if (total_conversions - conversions > kEpsilon || total_value - value > kEpsilon) {
    Totals& none = rows[std::string(kNoKey)];
    none.conversions += std::max(0.0, total_conversions - conversions);
    none.value += std::max(0.0, total_value - value);
  }
  return Status::Ok();
}

RoiRow MakeRow(const std::string& key, const Totals& t) {
  RoiRow row;
  row.key = key;
  row.contacts = t.contacts;
  row.cost = Major(t.cost_minor + t.unallocated_minor);
  row.unallocated_cost = Major(t.unallocated_minor);
  row.conversions = t.conversions;
  row.value = t.value;
  if (row.conversions > 0) row.cost_per_conversion = row.cost / row.conversions;
  if (row.cost > 0) row.roi = (row.value - row.cost) / row.cost;
  return row;
}

}  // namespace

Result<RoiDimension> ParseRoiDimension(std::string_view name) {
  for (RoiDimension d :
       {RoiDimension::kChannel, RoiDimension::kCampaign, RoiDimension::kCommunication,
        RoiDimension::kProduct, RoiDimension::kSegment}) {
    if (name == RoiDimensionName(d)) return d;
  }
  return Status::InvalidArgument("'" + std::string(name) +
                                 "' is not one of channel, campaign, communication, product, "
                                 "segment");
}

std::string RoiDimensionName(RoiDimension dimension) {
  switch (dimension) {
    case RoiDimension::kChannel:
      return "channel";
    case RoiDimension::kCampaign:
      return "campaign";
    case RoiDimension::kCommunication:
      return "communication";
    case RoiDimension::kProduct:
      return "product";
    case RoiDimension::kSegment:
      return "segment";
  }
  return "channel";
}

Result<RoiReport> BuildRoiReport(Store& store, const ChannelCatalog& catalog, const RoiOptions& o) {
  if (o.paths.lookback <= Millis(0)) {
    return Status::InvalidArgument("the lookback window must be positive, e.g. 90d");
  }
  auto granularity = GranularityOf(o.by);
  if (granularity) {
    auto models = ModelNames();
    if (std::find(models.begin(), models.end(), o.model.model) == models.end()) {
      return Status::InvalidArgument("unknown attribution model '" + o.model.model + "'");
    }
  }
  auto ledger = internal::CostLedger::Build(store, catalog, o.paths, o.costs);
  if (!ledger.ok()) return ledger.status();

  RowFolder folder(o, *ledger);
  int64_t current = 0;
  auto add = [&](const Event& e) {
    if (e.profile_id != current) {
      current = e.profile_id;
      folder.StartProfile();
    }
    folder.Add(e);
    return true;
  };
  // Segments entered before the window still hold inside it: read those from the start.
  const bool by_segment = o.by == RoiDimension::kSegment;
  Status s = store.ScanEventsByProfile(by_segment ? std::nullopt : folder.filter.scan_since(),
                                       o.paths.until, add);
  if (!s.ok()) return s;
  std::map<std::string, Totals>& rows = folder.rows;

  double unallocated_minor = 0;
  for (const internal::UnallocatedCost& u : ledger->Unallocated(o.paths.since, o.paths.until)) {
    if (!folder.filter.KeepsUnallocated(u.campaign)) continue;
    const std::string& key = o.by == RoiDimension::kChannel    ? u.channel
                             : o.by == RoiDimension::kCampaign ? u.campaign
                                                               : std::string();
    rows[key.empty() ? std::string(kNoKey) : key].unallocated_minor += u.amount_minor;
    unallocated_minor += u.amount_minor;
  }
  if (granularity) {
    Status a = AddAttributed(store, o, *granularity, folder.conversions, folder.value, rows);
    if (!a.ok()) return a;
  }

  RoiReport report;
  report.by = o.by;
  report.model = granularity ? o.model.model : "";
  std::set<std::string> currencies = ledger->currencies();
  currencies.insert(folder.value_currencies.begin(), folder.value_currencies.end());
  report.currency = CurrencyOf(currencies);
  for (const auto& [key, totals] : rows) {
    if (key == kNoKey) continue;
    report.rows.push_back(MakeRow(key, totals));
    if (by_segment) report.rows.back().name = folder.segments.names().at(key);
  }
  if (auto none = rows.find(std::string(kNoKey)); none != rows.end()) {
    report.rows.push_back(MakeRow(none->first, none->second));
  }
  report.cost = Major(folder.cost_minor + unallocated_minor);
  report.unallocated_cost = Major(unallocated_minor);
  report.conversions = folder.conversions;
  report.value = folder.value;
  if (report.cost > 0) report.roi = (report.value - report.cost) / report.cost;
  return report;
}

}  // namespace unisono::analytics
