// Online versus offline engagement per customer: contacts, cost and engagements on each
// axis (the catalog's `online` flag), the customer's quadrant, and what each quadrant
// converts. docs/attribution.md, "Engagement quadrants", has the definitions.
#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>

#include "analytics/analytics.h"
#include "analytics/internal/cost_ledger.h"
#include "analytics/internal/journey_math.h"
#include "analytics/internal/report_filter.h"

namespace unisono::analytics {
namespace {

constexpr std::array<Quadrant, 4> kQuadrants = {Quadrant::kOmnichannel, Quadrant::kDigital,
                                                Quadrant::kPersonal, Quadrant::kDisengaged};

// One customer while the scan is on it; axis 0 is offline, 1 online.
struct CustomerTally {
  QuadrantCustomer row;
  std::array<int64_t, 2> engagements{};
  std::array<int64_t, 2> contacts{};
  std::array<double, 2> cost_minor{};
  bool counted = false;  // has an event the report counts
};

// The customer came, talked or answered; a rep visit that happened is the customer's
// time too. What the company only sent or broadcast is a contact, not engagement.
bool Engages(const Event& e, const Channel& channel, const QuadrantOptions& o) {
  return internal::IsResponse(e, o.response_events) || channel.direction == "inbound" ||
         channel.direction == "both" || channel.family == "personal";
}

Status CheckOptions(const QuadrantOptions& o) {
  if (o.paths.lookback <= Millis(0)) {
    return Status::InvalidArgument("the lookback window must be positive, e.g. 90d")
        .WithField("lookback");
  }
  for (auto [name, threshold] : {std::pair{"online_threshold", o.online_threshold},
                                 std::pair{"offline_threshold", o.offline_threshold}}) {
    if (threshold && !(*threshold >= 0 && std::isfinite(*threshold))) {
      return Status::InvalidArgument(std::string(name) + " must be a number, 0 or more")
          .WithField(name);
    }
  }
  if (o.limit < 0) {
    return Status::InvalidArgument("limit must be 0 (all) or more, not " + std::to_string(o.limit))
        .WithField("limit");
  }
  return Status::Ok();
}

// Folds the window's events, profile by profile, into one tally per customer.
class QuadrantFolder {
 public:
  QuadrantFolder(const ChannelCatalog& catalog, const QuadrantOptions& o,
                 const internal::CostLedger& ledger, QuadrantReport& report)
      : catalog_(catalog),
        o_(o),
        ledger_(ledger),
        report_(report),
        filter_(o.paths.filter, o.paths.since, o.paths.until, o.paths.conversion_events,
                o.paths.lookback) {}

  std::optional<Timestamp> scan_since() const { return filter_.scan_since(); }

  void Add(const Event& e) {
    if (e.profile_id != current_.row.profile_id) Start(e.profile_id);
    internal::FilterVerdict verdict = filter_.Observe(e);
    if (verdict == internal::FilterVerdict::kOutsideWindow) return;
    if (!e.user_id.empty()) current_.row.user_id = e.user_id;
    if (verdict == internal::FilterVerdict::kConversion) {
      current_.counted = true;
      ++current_.row.conversions;
      current_.row.value += e.value_minor.value_or(0) / 100.0;
    }
    if (verdict == internal::FilterVerdict::kKept && filter_.in_segment() &&
        internal::IsTouchLike(e, o_.paths)) {
      Touch(e);
    }
  }

  // The tallies of every customer with a counted event, once the scan is done.
  std::vector<CustomerTally> Done() {
    Start(0);
    return std::move(customers_);
  }
  const std::set<std::string>& unknown_channels() const { return unknown_; }

 private:
  void Start(int64_t profile_id) {
    if (current_.counted) customers_.push_back(std::move(current_));
    current_ = CustomerTally{};
    current_.row.profile_id = profile_id;
    filter_.Reset();
  }

  void Touch(const Event& e) {
    const Channel* channel = catalog_.Find(e.channel);
    if (!channel) {
      ++report_.unknown_channel_events;
      unknown_.insert(e.channel);
      return;
    }
    current_.counted = true;
    const int axis = channel->online ? 1 : 0;
    if (Engages(e, *channel, o_)) ++current_.engagements[axis];
    if (internal::IsContact(e, o_.paths, o_.costs)) ++current_.contacts[axis];
    // As the KPIs: records naming no channel are no channel's, so no axis', cost.
    current_.cost_minor[axis] += ledger_.CostOf(e).channel_minor;
  }

  const ChannelCatalog& catalog_;
  const QuadrantOptions& o_;
  const internal::CostLedger& ledger_;
  QuadrantReport& report_;
  internal::ProfileFilter filter_;
  CustomerTally current_;
  std::vector<CustomerTally> customers_;
  std::set<std::string> unknown_;
};

// The median engagements on an axis over the customers, but at least 1: a customer
// with no engagement at all is never engaged.
double MedianThreshold(const std::vector<CustomerTally>& customers, int axis) {
  std::vector<double> values;
  for (const CustomerTally& c : customers) values.push_back(c.engagements[axis]);
  return std::max(1.0, internal::Quantile(values, 0.5).value_or(1.0));
}

Quadrant QuadrantOf(const CustomerTally& c, double online, double offline) {
  bool on = c.engagements[1] >= online, off = c.engagements[0] >= offline;
  if (on && off) return Quadrant::kOmnichannel;
  if (on) return Quadrant::kDigital;
  if (off) return Quadrant::kPersonal;
  return Quadrant::kDisengaged;
}

// Sums per quadrant, turned into the means and rates of its row.
struct QuadrantSums {
  int64_t customers = 0, converting = 0, conversions = 0;
  std::array<double, 2> engagements{}, contacts{}, cost{};
  double value = 0;

  void Add(const CustomerTally& c) {
    ++customers;
    converting += c.row.conversions > 0;
    conversions += c.row.conversions;
    value += c.row.value;
    for (int axis : {0, 1}) {
      engagements[axis] += c.engagements[axis];
      contacts[axis] += c.contacts[axis];
      cost[axis] += internal::Major(c.cost_minor[axis]);
    }
  }

  QuadrantRow Row(Quadrant q, int64_t all_customers) const {
    QuadrantRow r;
    r.quadrant = q;
    r.customers = customers;
    r.converting_customers = converting;
    r.conversions = conversions;
    r.value = value;
    if (all_customers > 0) r.share = static_cast<double>(customers) / all_customers;
    if (customers == 0) return r;
    auto mean = [&](double total) { return total / static_cast<double>(customers); };
    r.online_engagements = mean(engagements[1]);
    r.offline_engagements = mean(engagements[0]);
    r.online_contacts = mean(contacts[1]);
    r.offline_contacts = mean(contacts[0]);
    r.online_cost = mean(cost[1]);
    r.offline_cost = mean(cost[0]);
    r.conversion_rate = mean(static_cast<double>(converting));
    r.value_per_customer = mean(value);
    return r;
  }
};

QuadrantCustomer ListRow(CustomerTally& c, Quadrant q) {
  QuadrantCustomer row = std::move(c.row);
  row.online_engagements = c.engagements[1];
  row.offline_engagements = c.engagements[0];
  row.online_contacts = c.contacts[1];
  row.offline_contacts = c.contacts[0];
  row.online_cost = internal::Major(c.cost_minor[1]);
  row.offline_cost = internal::Major(c.cost_minor[0]);
  row.quadrant = q;
  return row;
}

void ListCustomers(std::vector<CustomerTally>& customers, const QuadrantOptions& o,
                   QuadrantReport& report) {
  for (CustomerTally& c : customers) {
    Quadrant q = QuadrantOf(c, report.online_threshold, report.offline_threshold);
    if (!o.quadrant || *o.quadrant == q) report.list.push_back(ListRow(c, q));
  }
  std::sort(report.list.begin(), report.list.end(),
            [](const QuadrantCustomer& a, const QuadrantCustomer& b) {
              if (a.value != b.value) return a.value > b.value;
              return a.profile_id < b.profile_id;
            });
  if (o.limit > 0 && report.list.size() > static_cast<size_t>(o.limit)) {
    report.list.resize(o.limit);
  }
}

}  // namespace

std::string QuadrantName(Quadrant quadrant) {
  switch (quadrant) {
    case Quadrant::kOmnichannel:
      return "omnichannel";
    case Quadrant::kDigital:
      return "digital";
    case Quadrant::kPersonal:
      return "personal";
    case Quadrant::kDisengaged:
      return "disengaged";
  }
  return "disengaged";
}

Result<Quadrant> ParseQuadrant(std::string_view name) {
  for (Quadrant q : kQuadrants) {
    if (name == QuadrantName(q)) return q;
  }
  return Status::InvalidArgument("'" + std::string(name) +
                                 "' is not one of omnichannel, digital, personal, disengaged");
}

Result<QuadrantReport> BuildEngagementQuadrants(Store& store, const ChannelCatalog& catalog,
                                                const QuadrantOptions& o) {
  if (Status s = CheckOptions(o); !s.ok()) return s;
  auto ledger = internal::CostLedger::Build(store, catalog, o.paths, o.costs);
  if (!ledger.ok()) return ledger.status();
  QuadrantReport report;
  QuadrantFolder folder(catalog, o, *ledger, report);
  Status s = store.ScanEventsByProfile(folder.scan_since(), o.paths.until, [&](const Event& e) {
    folder.Add(e);
    return true;
  });
  if (!s.ok()) return s;
  std::vector<CustomerTally> customers = folder.Done();
  report.unknown_channels.assign(folder.unknown_channels().begin(),
                                 folder.unknown_channels().end());
  report.customers = static_cast<int64_t>(customers.size());
  report.online_threshold_is_median = !o.online_threshold;
  report.offline_threshold_is_median = !o.offline_threshold;
  report.online_threshold = o.online_threshold.value_or(MedianThreshold(customers, 1));
  report.offline_threshold = o.offline_threshold.value_or(MedianThreshold(customers, 0));
  report.currency = ledger->currencies().size() > 1 ? "mixed"
                    : ledger->currencies().empty()  ? ""
                                                    : *ledger->currencies().begin();

  std::map<Quadrant, QuadrantSums> sums;
  for (const CustomerTally& c : customers) {
    sums[QuadrantOf(c, report.online_threshold, report.offline_threshold)].Add(c);
  }
  for (Quadrant q : kQuadrants) report.quadrants.push_back(sums[q].Row(q, report.customers));
  ListCustomers(customers, o, report);
  return report;
}

}  // namespace unisono::analytics
