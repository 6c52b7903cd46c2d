// Journeys cut from the event log: per profile, the touches before each conversion
// (within the lookback) and the touches after the last one. BuildPaths and every
// journey report read the log through ForEachJourney.
#include <algorithm>

#include "analytics/analytics.h"

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

// Folds one profile's events, in time order, into journeys.
class JourneyCutter {
 public:
  JourneyCutter(const PathOptions& o, PathBuildSummary& sum,
                const std::function<void(const Journey&)>& fn)
      : options_(o), summary_(sum), fn_(fn) {}

  void Start(int64_t profile_id) {
    touches_.clear();
    journey_.profile_id = profile_id;
    journey_.user_id.clear();
  }

  void Add(const Event& e) {
    ++summary_.events;
    if (!e.user_id.empty()) journey_.user_id = e.user_id;
    if (e.type == EventType::kTrack && Contains(options_.conversion_events, e.name)) {
      ++summary_.conversions;
      Emit(e.timestamp, true, e.value_minor.value_or(0) / 100.0);
      touches_.clear();
      return;
    }
    if (e.type == EventType::kIdentify || e.type == EventType::kGroup ||
        e.type == EventType::kAlias || e.channel == "unknown" ||
        Contains(options_.excluded_channels, e.channel)) {
      return;
    }
    std::string label = Label(e, options_.granularity);
    if (label.empty()) return;  // e.g. no campaign at campaign granularity
    if (options_.collapse_repeats && !touches_.empty() && touches_.back().label == label) {
      touches_.back().last_at = e.timestamp;
      return;
    }
    touches_.push_back({std::move(label), e.stage, e.timestamp, e.timestamp});
  }

  // The profile's journey after its last conversion did not convert.
  void Finish() {
    if (!touches_.empty()) {
      ++summary_.null_paths;
      Emit(touches_.back().last_at + Millis(1), false, 0);
    }
    touches_.clear();
  }

 private:
  // Touches in [end - lookback, end) form the journey; a null journey's `end` is just
  // after its last touch, and it reports that touch's time.
  void Emit(Timestamp end, bool converted, double value) {
    journey_.touches.clear();
    for (const auto& t : touches_) {
      if (t.last_at < end - options_.lookback || t.last_at >= end) continue;
      journey_.touches.push_back(t);
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
  std::vector<JourneyTouch> touches_;
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
  Status s = store.ScanEventsByProfile(options.since, options.until, [&](const Event& e) {
    if (e.profile_id != current) {
      if (current != 0) cutter.Finish();
      current = e.profile_id;
      cutter.Start(current);
      ++sum.profiles;
    }
    cutter.Add(e);
    return true;
  });
  if (!s.ok()) return s;
  if (current != 0) cutter.Finish();
  return Status::Ok();
}

}  // namespace unisono::analytics
