// Journeys cut from the event log: per profile, the touches before each conversion
// (within the lookback) and the touches after the last one, narrowed by the report
// filter. BuildPaths and every journey report read the log through ForEachJourney.
#include <algorithm>

#include "analytics/analytics.h"
#include "analytics/internal/report_filter.h"

namespace unisono::analytics {
namespace {

std::string Label(const Event& e, PathGranularity g) {
  switch (g) {
    case PathGranularity::kChannel:
      return e.channel;
    case PathGranularity::kCampaign:
      return e.campaign;
    case PathGranularity::kCommunication:
      return e.communication;
    case PathGranularity::kChannelTouchpoint:
      return e.touchpoint.empty() ? e.channel : e.channel + ":" + e.touchpoint;
  }
  return e.channel;
}

bool Contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// Folds one profile's events, in time order, into journeys, as the filter keeps them.
class JourneyCutter {
 public:
  JourneyCutter(const PathOptions& o, PathBuildSummary& sum,
                const std::function<void(const Journey&)>& fn)
      : options_(o),
        summary_(sum),
        fn_(fn),
        filter_(o.filter, o.since, o.until, o.conversion_events, o.lookback) {}

  std::optional<Timestamp> scan_since() const { return filter_.scan_since(); }

  void Start(int64_t profile_id) {
    touches_.clear();
    filter_.Reset();
    in_window_ = false;
    journey_.profile_id = profile_id;
    journey_.user_id.clear();
  }

  void Add(const Event& e) {
    internal::FilterVerdict verdict = filter_.Observe(e);
    if (verdict == internal::FilterVerdict::kOutsideWindow) return;
    if (!in_window_) ++summary_.profiles;
    in_window_ = true;
    ++summary_.events;
    if (!e.user_id.empty()) journey_.user_id = e.user_id;
    switch (verdict) {
      case internal::FilterVerdict::kConversion:
        ++summary_.conversions;
        Emit(e.timestamp, true, e.value_minor.value_or(0) / 100.0);
        touches_.clear();
        return;
      case internal::FilterVerdict::kUncounted:
        ++summary_.filtered_out;
        touches_.clear();  // it still cuts: its touches are used up
        return;
      case internal::FilterVerdict::kKept:
        return AddTouch(e);
      default:
        return;
    }
  }

  // The profile's journey after its last conversion did not convert.
  void Finish() {
    if (!touches_.empty()) {
      Timestamp end = touches_.back().touch.last_at + Millis(1);
      if (filter_.KeepsNullJourney(touches_.back().in_segment, NamesProduct(end))) {
        ++summary_.null_paths;
        Emit(end, false, 0);
      } else {
        ++summary_.filtered_out;
      }
    }
    touches_.clear();
  }

 private:
  // A touch and what the filter needs to know about it.
  struct PendingTouch {
    JourneyTouch touch;
    bool names_product = false;  // any of its contacts (a collapsed run has several)
    bool in_segment = false;     // at its last contact
  };

  void AddTouch(const Event& e) {
    if (e.type == EventType::kIdentify || e.type == EventType::kGroup ||
        e.type == EventType::kAlias || e.channel == "unknown" ||
        Contains(options_.excluded_channels, e.channel)) {
      return;
    }
    std::string label = Label(e, options_.granularity);
    if (label.empty()) return;  // e.g. no campaign at campaign granularity
    if (!options_.collapse_repeats || touches_.empty() || touches_.back().touch.label != label) {
      touches_.push_back({{std::move(label), e.stage, e.timestamp, e.timestamp}});
    }
    PendingTouch& t = touches_.back();
    t.touch.last_at = e.timestamp;
    t.names_product = t.names_product || filter_.NamesProduct(e);
    t.in_segment = filter_.in_segment();
  }

  // Touches in [end - lookback, end) form the journey.
  bool InJourney(const PendingTouch& t, Timestamp end) const {
    return t.touch.last_at >= end - options_.lookback && t.touch.last_at < end;
  }

  bool NamesProduct(Timestamp end) const {
    return std::any_of(touches_.begin(), touches_.end(),
                       [&](const PendingTouch& t) { return t.names_product && InJourney(t, end); });
  }

  // A null journey's `end` is just after its last touch, and it reports that touch's time.
  void Emit(Timestamp end, bool converted, double value) {
    journey_.touches.clear();
    for (const auto& t : touches_) {
      if (InJourney(t, end)) journey_.touches.push_back(t.touch);
    }
    if (journey_.touches.empty() && converted) ++summary_.conversions_without_touch;
    journey_.converted = converted;
    journey_.value = value;
    journey_.end = converted ? end : end - Millis(1);
    fn_(journey_);
  }

  const PathOptions& options_;
  PathBuildSummary& summary_;
  const std::function<void(const Journey&)>& fn_;
  internal::ProfileFilter filter_;
  std::vector<PendingTouch> touches_;
  bool in_window_ = false;  // the profile has an event in the window
  Journey journey_;
};

}  // namespace

Status ForEachJourney(Store& store, const PathOptions& options,
                      const std::function<void(const Journey&)>& fn, PathBuildSummary* summary) {
  if (options.lookback <= Millis(0)) {
    return Status::InvalidArgument("the lookback window must be positive, e.g. 90d");
  }
  PathBuildSummary local;
  PathBuildSummary& sum = summary ? *summary : local;
  sum = PathBuildSummary{};
  JourneyCutter cutter(options, sum, fn);
  int64_t current = 0;
  Status s = store.ScanEventsByProfile(cutter.scan_since(), options.until, [&](const Event& e) {
    if (e.profile_id != current) {
      if (current != 0) cutter.Finish();
      current = e.profile_id;
      cutter.Start(current);
    }
    cutter.Add(e);
    return true;
  });
  if (!s.ok()) return s;
  if (current != 0) cutter.Finish();
  return Status::Ok();
}

}  // namespace unisono::analytics
