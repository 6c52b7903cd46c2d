// Conversion paths from the event log (journeys.cc cuts them), and the path file writer.
#include <algorithm>
#include <iomanip>
#include <map>

#include "analytics/analytics.h"

namespace unisono::analytics {

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
  std::map<std::string, Path> paths;
  Status s = ForEachJourney(
      store, options,
      [&](const Journey& j) {
        if (j.touches.empty()) return;  // a conversion with nothing to attribute it to
        std::string key;
        for (const auto& t : j.touches) key += (key.empty() ? "" : " > ") + t.label;
        Path& p = paths[key];
        if (p.touches.empty()) {
          for (const auto& t : j.touches) p.touches.push_back(t.label);
        }
        (j.converted ? p.conversions : p.nulls) += 1;
        p.value += j.value;
      },
      summary);
  if (!s.ok()) return s;
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
