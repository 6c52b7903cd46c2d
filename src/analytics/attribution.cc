// The model registry and the public entry points that dispatch to it.
#include <algorithm>

#include "analytics/analytics.h"
#include "analytics/internal/models.h"

namespace unisono::analytics {

namespace internal {

std::vector<std::pair<std::string, ModelFn>> ModelRegistry() {
  return {{"first", FirstTouch},     {"last", LastTouch},         {"linear", Linear},
          {"time_decay", TimeDecay}, {"position", PositionBased}, {"markov", Markov},
          {"shapley", Shapley},      {"data_driven", DataDriven}};
}

Credits SplitByWeights(const IndexedPaths& paths, const TouchWeights& weights) {
  Credits credits(paths.channels.size());
  std::vector<double> w;
  for (const auto& p : paths.paths) {
    if (p.conversions == 0 && p.value == 0) continue;
    w.assign(p.touches.size(), 0.0);
    weights(p.touches.size(), w);
    for (size_t i = 0; i < p.touches.size(); ++i) {
      credits[p.touches[i]].conversions += p.conversions * w[i];
      credits[p.touches[i]].value += p.value * w[i];
    }
  }
  return credits;
}

}  // namespace internal

std::vector<std::string> ModelNames() {
  std::vector<std::string> names;
  for (const auto& [name, fn] : internal::ModelRegistry()) names.push_back(name);
  return names;
}

Result<std::vector<std::string>> ParseModelNames(std::string_view spec) {
  std::vector<std::string> known = ModelNames();
  if (Trim(spec) == "all") return known;
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= spec.size()) {
    size_t comma = spec.find(',', start);
    std::string name = ToLower(Trim(spec.substr(start, comma - start)));
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string list;
      for (const auto& k : known) list += k + "|";
      return Status::InvalidArgument("unknown attribution model '" + name + "' (use " + list +
                                     "all)");
    }
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<std::vector<ChannelAttribution>> Attribute(const PathTable& table, const ModelSpec& spec) {
  auto registry = internal::ModelRegistry();
  auto it = std::find_if(registry.begin(), registry.end(),
                         [&](const auto& entry) { return entry.first == spec.model; });
  if (it == registry.end()) {
    return Status::InvalidArgument("unknown attribution model '" + spec.model + "'");
  }
  auto indexed = internal::Index(table);
  if (!indexed.ok()) return indexed.status();
  auto credits = it->second(*indexed, spec);
  if (!credits.ok()) return credits.status();
  std::vector<ChannelAttribution> out;
  out.reserve(indexed->channels.size());
  for (size_t id = 0; id < indexed->channels.size(); ++id) {
    out.push_back({indexed->channels[id], (*credits)[id].conversions, (*credits)[id].value});
  }
  return out;
}

}  // namespace unisono::analytics
