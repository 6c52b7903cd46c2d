// Conversion paths from the event log, and the path file writer.
#include <algorithm>
#include <iomanip>
#include <map>

#include "analytics/analytics.h"

namespace unisono::analytics {
namespace {

struct Touch {
  Timestamp at;
  std::string label;
};

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

// Folds one profile's events, in time order, into the table.
class ProfileFolder {
 public:
  ProfileFolder(const PathOptions& o, std::map<std::string, Path>& paths, PathBuildSummary& sum)
      : options_(o), paths_(paths), summary_(sum) {}

  void Add(const Event& e) {
    ++summary_.events;
    bool conversion =
        e.type == EventType::kTrack &&
        std::find(options_.conversion_events.begin(), options_.conversion_events.end(), e.name) !=
            options_.conversion_events.end();
    if (conversion) {
      ++summary_.conversions;
      Emit(e.timestamp, 1, e.value_minor.value_or(0) / 100.0, 0);
      touches_.clear();
      return;
    }
    if (e.type == EventType::kIdentify || e.type == EventType::kGroup ||
        e.type == EventType::kAlias || e.channel == "unknown" ||
        std::find(options_.excluded_channels.begin(), options_.excluded_channels.end(),
                  e.channel) != options_.excluded_channels.end()) {
      return;
    }
    std::string label = Label(e, options_.granularity);
    if (label.empty()) return;  // e.g. no campaign at campaign granularity
    if (options_.collapse_repeats && !touches_.empty() && touches_.back().label == label) {
      touches_.back().at = e.timestamp;
      return;
    }
    touches_.push_back({e.timestamp, std::move(label)});
  }

  // The profile's journey after its last conversion did not convert.
  void Finish() {
    if (!touches_.empty()) {
      ++summary_.null_paths;
      Emit(touches_.back().at + Millis(1), 0, 0, 1);
    }
    touches_.clear();
  }

 private:
  void Emit(Timestamp end, double conversions, double value, double nulls) {
    std::string key;
    std::vector<std::string> kept;
    for (const auto& t : touches_) {
      if (t.at < end - options_.lookback || t.at >= end) continue;
      if (!key.empty()) key += " > ";
      key += t.label;
      kept.push_back(t.label);
    }
    if (kept.empty()) {
      if (conversions > 0) ++summary_.conversions_without_touch;
      return;
    }
    Path& p = paths_[key];
    if (p.touches.empty()) p.touches = std::move(kept);
    p.conversions += conversions;
    p.value += value;
    p.nulls += nulls;
  }

  const PathOptions& options_;
  std::map<std::string, Path>& paths_;
  PathBuildSummary& summary_;
  std::vector<Touch> touches_;
};

}  // namespace

Result<PathGranularity> ParseGranularity(std::string_view name) {
  if (name == "channel") return PathGranularity::kChannel;
  if (name == "campaign") return PathGranularity::kCampaign;
  if (name == "communication") return PathGranularity::kCommunication;
  if (name == "channel:touchpoint" || name == "touchpoint") {
    return PathGranularity::kChannelTouchpoint;
  }
  return Status::InvalidArgument("granularity '" + std::string(name) +
                                 "' is not one of channel, campaign, communication, "
                                 "channel:touchpoint");
}

Result<PathTable> BuildPaths(Store& store, const PathOptions& options, PathBuildSummary* summary) {
  if (options.lookback <= Millis(0)) {
    return Status::InvalidArgument("the lookback window must be positive, e.g. 90d");
  }
  PathBuildSummary local;
  PathBuildSummary& sum = summary ? *summary : local;
  sum = PathBuildSummary{};
  std::map<std::string, Path> paths;
  ProfileFolder folder(options, paths, sum);
  int64_t current = 0;
  Status s = store.ScanEventsByProfile(options.since, options.until, [&](const Event& e) {
    if (e.profile_id != current) {
      if (current != 0) folder.Finish();
      current = e.profile_id;
      ++sum.profiles;
    }
    folder.Add(e);
    return true;
  });
  if (!s.ok()) return s;
  if (current != 0) folder.Finish();
  PathTable table;
  for (auto& [key, path] : paths) table.paths.push_back(std::move(path));
  return table;
}

std::vector<const Path*> PathsByConversions(const PathTable& table) {
  std::vector<const Path*> order;
  for (const auto& p : table.paths) order.push_back(&p);
  std::stable_sort(order.begin(), order.end(), [](const Path* a, const Path* b) {
    return a->conversions != b->conversions ? a->conversions > b->conversions : a->nulls > b->nulls;
  });
  return order;
}

std::string JoinPath(const Path& path) {
  std::string joined;
  for (const auto& t : path.touches) joined += (joined.empty() ? "" : " > ") + t;
  return joined;
}

void WritePathFile(const PathTable& table, std::ostream& out) {
  out << "path,total_conversions,total_conversion_value,total_null\n";
  for (const Path* p : PathsByConversions(table)) {
    std::string joined = JoinPath(*p);
    bool quote = joined.find_first_of(",\"") != std::string::npos;
    if (quote) {
      std::string q = "\"";
      for (char c : joined) q += c == '"' ? std::string("\"\"") : std::string(1, c);
      joined = q + "\"";
    }
    out << joined << ',' << p->conversions << ',' << std::fixed << std::setprecision(2) << p->value
        << std::defaultfloat << ',' << p->nulls << '\n';
  }
}

}  // namespace unisono::analytics
