// The stage funnel: which profiles reach search, plan, purchase, keep_in_touch and
// share (events' stage property), and how long they take between stages.
#include <algorithm>
#include <set>

#include "analytics/analytics.h"
#include "analytics/internal/journey_math.h"
#include "analytics/internal/report_filter.h"

namespace unisono::analytics {
namespace {

Status CheckStages(const std::vector<std::string>& stages) {
  if (stages.empty()) {
    return Status::InvalidArgument("name at least one stage, e.g. search,plan,purchase")
        .WithField("stages");
  }
  std::set<std::string> seen;
  for (const auto& s : stages) {
    if (s.empty()) return Status::InvalidArgument("a stage name is empty").WithField("stages");
    if (!seen.insert(s).second) {
      return Status::InvalidArgument("stage '" + s + "' is named twice").WithField("stages");
    }
  }
  return Status::Ok();
}

// One profile's stage events in time order, folded into the report at its end.
class FunnelFolder {
 public:
  // Stages come mostly from events without a campaign (a search on the web, the purchase
  // itself), so a campaign picks the profiles it reached and their whole funnel counts.
  explicit FunnelFolder(const FunnelOptions& o)
      : stages_(o.stages),
        days_(o.stages.size()),
        filter_(o.filter, o.since, o.until, {}, Millis(0), internal::CampaignScope::kProfiles) {}

  std::optional<Timestamp> scan_since() const { return filter_.scan_since(); }

  void Start() {
    filter_.Reset();
    counted_ = names_product_ = of_campaign_ = false;
  }

  void Add(const Event& e) {
    // Left out: before the window, a membership change, an event of another product.
    if (filter_.Observe(e) != internal::FilterVerdict::kKept) return;
    names_product_ = names_product_ || filter_.NamesProduct(e);
    of_campaign_ = of_campaign_ || filter_.OfCampaign(e);
    if (!filter_.in_segment()) return;
    counted_ = true;
    auto it = std::find(stages_.begin(), stages_.end(), e.stage);
    if (e.stage.empty() || it == stages_.end()) return;
    events_.push_back({static_cast<size_t>(it - stages_.begin()), e.timestamp});
  }

  void Finish(FunnelReport& report) {
    if (counted_ && filter_.KeepsFunnelProfile(names_product_, of_campaign_)) Fold(report);
    events_.clear();
  }

  void Summarise(FunnelReport& report) {
    for (size_t k = 0; k < stages_.size(); ++k) {
      FunnelStage& s = report.stages[k];
      if (k == 0) continue;
      int64_t before = report.stages[k - 1].reached;
      if (before > 0) s.conversion = static_cast<double>(s.reached) / before;
      s.median_days = internal::Quantile(days_[k], 0.5);
    }
  }

 private:
  void Fold(FunnelReport& report) {
    ++report.profiles;
    std::vector<bool> any(stages_.size(), false);
    for (const auto& [stage, at] : events_) {
      any[stage] = true;
      ++report.stages[stage].events;
    }
    for (size_t k = 0; k < stages_.size(); ++k) report.stages[k].profiles += any[k];
    // Stage k is reached by its first event at or after the time stage k-1 was reached.
    std::optional<Timestamp> previous;
    for (size_t k = 0; k < stages_.size(); ++k) {
      std::optional<Timestamp> reached;
      for (const auto& [stage, at] : events_) {
        if (stage == k && (!previous || at >= *previous)) {
          reached = at;
          break;
        }
      }
      if (!reached) break;
      ++report.stages[k].reached;
      if (previous) days_[k].push_back(internal::Days(*reached - *previous));
      previous = reached;
    }
  }

  const std::vector<std::string>& stages_;
  std::vector<std::pair<size_t, Timestamp>> events_;
  std::vector<std::vector<double>> days_;  // per stage: days from the previous stage
  internal::ProfileFilter filter_;
  bool counted_ = false;        // an event of the profile counts (in the segment)
  bool names_product_ = false;  // an event in the window names the filter's product
  bool of_campaign_ = false;    // an event in the window is of the filter's campaign
};

}  // namespace

std::vector<std::string> JourneyStages() {
  return {"search", "plan", "purchase", "keep_in_touch", "share"};
}

Result<FunnelReport> BuildFunnel(Store& store, const FunnelOptions& options) {
  if (Status s = CheckStages(options.stages); !s.ok()) return s;
  FunnelReport report;
  for (const auto& name : options.stages) {
    report.stages.emplace_back();
    report.stages.back().stage = name;
  }
  FunnelFolder folder(options);
  int64_t current = 0;
  Status s = store.ScanEventsByProfile(folder.scan_since(), options.until, [&](const Event& e) {
    if (e.profile_id != current) {
      if (current != 0) folder.Finish(report);
      current = e.profile_id;
      folder.Start();
    }
    folder.Add(e);
    return true;
  });
  if (!s.ok()) return s;
  if (current != 0) folder.Finish(report);
  folder.Summarise(report);
  return report;
}

}  // namespace unisono::analytics
