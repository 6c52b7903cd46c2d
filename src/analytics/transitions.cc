// Channel transitions (matrix and Sankey) and leak points, over ForEachJourney.
#include <algorithm>
#include <map>
#include <set>

#include "analytics/analytics.h"

namespace unisono::analytics {
namespace {

constexpr const char* kStart = "(start)";
constexpr const char* kConversion = "(conversion)";
constexpr const char* kNull = "(null)";

const std::string& Outcome(const Journey& j) {
  static const std::string conversion = kConversion, null = kNull;
  return j.converted ? conversion : null;
}

// "(start)" first, the outcomes last, labels by name in between.
int StateRank(const std::string& s) {
  if (s == kStart) return 0;
  if (s == kConversion) return 2;
  if (s == kNull) return 3;
  return 1;
}

bool StateLess(const std::string& a, const std::string& b) {
  int ra = StateRank(a), rb = StateRank(b);
  return ra != rb ? ra < rb : a < b;
}

// Each journey drawn once: its first `steps` touches, then its outcome.
class SankeyBuilder {
 public:
  explicit SankeyBuilder(const SankeyOptions& o) : options_(o) {}

  void Add(const Journey& j) {
    std::vector<std::string> cut;
    size_t n = std::min(j.touches.size(), static_cast<size_t>(options_.steps));
    for (size_t i = 0; i < n; ++i) cut.push_back(j.touches[i].label);
    cut.push_back(Outcome(j));
    Sequence& s = sequences_[cut];
    ++s.journeys;
    if (j.touches.size() > n) ++s.truncated;
  }

  void Finish(TransitionReport& report) const {
    std::vector<std::pair<const std::vector<std::string>*, const Sequence*>> order;
    for (const auto& [cut, s] : sequences_) order.push_back({&cut, &s});
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
      return a.second->journeys > b.second->journeys;  // ties: the map's (path) order
    });
    if (options_.top_paths > 0 && order.size() > static_cast<size_t>(options_.top_paths)) {
      order.resize(options_.top_paths);
    }
    std::map<std::pair<int, std::string>, SankeyNode> nodes;
    std::map<std::pair<std::string, std::string>, int64_t> links;
    auto node = [&](const std::string& name, int step) {
      bool outcome = name == kConversion || name == kNull;
      if (outcome) step = options_.steps + 1;
      std::string id = outcome ? name : std::to_string(step) + ":" + name;
      nodes.emplace(std::pair{step, name}, SankeyNode{id, name, step});
      return id;
    };
    for (const auto& [cut, s] : order) {
      report.drawn += s->journeys;
      report.truncated += s->truncated;
      std::string previous = node((*cut)[0], 1);
      for (size_t i = 1; i < cut->size(); ++i) {
        std::string next = node((*cut)[i], static_cast<int>(i) + 1);
        links[{previous, next}] += s->journeys;
        previous = std::move(next);
      }
    }
    std::map<std::string, size_t> position;
    for (const auto& [key, n] : nodes) {
      position[n.id] = report.nodes.size();
      report.nodes.push_back(n);
    }
    for (const auto& [ends, value] : links)
      report.links.push_back({ends.first, ends.second, value});
    std::sort(report.links.begin(), report.links.end(),
              [&](const SankeyLink& a, const SankeyLink& b) {
                size_t as = position[a.source], bs = position[b.source];
                return as != bs ? as < bs : position[a.target] < position[b.target];
              });
  }

 private:
  struct Sequence {
    int64_t journeys = 0;
    int64_t truncated = 0;
  };
  SankeyOptions options_;
  std::map<std::vector<std::string>, Sequence> sequences_;
};

Status CheckSankey(const SankeyOptions& o) {
  if (o.steps < 1 || o.steps > 20) {
    return Status::InvalidArgument("steps must be 1 to 20, not " + std::to_string(o.steps))
        .WithField("steps");
  }
  if (o.top_paths < 0 || o.top_paths > 10000) {
    return Status::InvalidArgument("top_paths must be 0 (every journey) to 10000, not " +
                                   std::to_string(o.top_paths))
        .WithField("top_paths");
  }
  return Status::Ok();
}

}  // namespace

Result<TransitionReport> BuildTransitions(Store& store, const PathOptions& options,
                                          const SankeyOptions& sankey, PathBuildSummary* summary) {
  if (Status s = CheckSankey(sankey); !s.ok()) return s;
  TransitionReport report;
  std::map<std::pair<std::string, std::string>, int64_t> counts;
  SankeyBuilder builder(sankey);
  Status s = ForEachJourney(
      store, options,
      [&](const Journey& j) {
        if (j.touches.empty()) return;
        ++report.journeys;
        ++(j.converted ? report.conversions : report.nulls);
        const std::string* previous = nullptr;
        ++counts[{kStart, j.touches.front().label}];
        for (const auto& t : j.touches) {
          if (previous) ++counts[{*previous, t.label}];
          previous = &t.label;
        }
        ++counts[{*previous, Outcome(j)}];
        builder.Add(j);
      },
      summary);
  if (!s.ok()) return s;

  std::set<std::string, decltype(&StateLess)> states(&StateLess);
  std::map<std::string, int64_t> out_of;
  for (const auto& [ends, n] : counts) {
    states.insert(ends.first);
    states.insert(ends.second);
    out_of[ends.first] += n;
  }
  report.states.assign(states.begin(), states.end());
  for (const auto& [ends, n] : counts) {
    report.transitions.push_back(
        {ends.first, ends.second, n, static_cast<double>(n) / out_of[ends.first]});
  }
  std::sort(report.transitions.begin(), report.transitions.end(),
            [](const TransitionCount& a, const TransitionCount& b) {
              if (a.from != b.from) return StateLess(a.from, b.from);
              return StateLess(a.to, b.to);
            });
  builder.Finish(report);
  return report;
}

Result<LeakReport> BuildLeaks(Store& store, const PathOptions& options, const LeakOptions& leaks,
                              PathBuildSummary* summary) {
  if (leaks.min_switched < 1) {
    return Status::InvalidArgument("min_switched must be at least 1, not " +
                                   std::to_string(leaks.min_switched))
        .WithField("min_switched");
  }
  struct PairCounts {
    int64_t journeys = 0;  // with the pair somewhere
    int64_t last_null = 0;
    int64_t last_converted = 0;
  };
  std::map<std::pair<std::string, std::string>, PairCounts> pairs;
  LeakReport report;
  Status s = ForEachJourney(
      store, options,
      [&](const Journey& j) {
        if (j.touches.empty()) return;
        ++report.journeys;
        if (!j.converted) ++report.nulls;
        std::set<std::pair<std::string, std::string>> seen;  // once per journey
        for (size_t i = 1; i < j.touches.size(); ++i) {
          seen.insert({j.touches[i - 1].label, j.touches[i].label});
        }
        for (const auto& pair : seen) ++pairs[pair].journeys;
        if (size_t n = j.touches.size(); n >= 2) {
          PairCounts& last = pairs[{j.touches[n - 2].label, j.touches[n - 1].label}];
          ++(j.converted ? last.last_converted : last.last_null);
        }
      },
      summary);
  if (!s.ok()) return s;

  report.null_rate = report.journeys ? static_cast<double>(report.nulls) / report.journeys : 0.0;
  for (const auto& [ends, c] : pairs) {
    const auto& [from, to] = ends;
    if (from == to || c.journeys < leaks.min_switched) continue;
    LeakRow row;
    row.from = from;
    row.to = to;
    row.switched = c.journeys;
    row.leaked = c.last_null;
    row.converted_after = c.last_converted;
    row.leak_rate = static_cast<double>(c.last_null) / c.journeys;
    row.conversion_rate = static_cast<double>(c.last_converted) / c.journeys;
    if (auto stay = pairs.find({from, from}); stay != pairs.end()) {
      row.stayed = stay->second.journeys;
      row.stayed_leaked = stay->second.last_null;
      row.stay_leak_rate = static_cast<double>(row.stayed_leaked) / row.stayed;
      row.excess = row.leak_rate - *row.stay_leak_rate;
    }
    report.rows.push_back(std::move(row));
  }
  const bool by_rate = leaks.order == LeakOrder::kRate;
  std::stable_sort(report.rows.begin(), report.rows.end(), [&](const LeakRow& a, const LeakRow& b) {
    std::pair<double, double> ka{a.leaked, a.leak_rate}, kb{b.leaked, b.leak_rate};
    if (by_rate) std::swap(ka.first, ka.second), std::swap(kb.first, kb.second);
    return ka > kb;  // ties keep (from, to) order
  });
  return report;
}

}  // namespace unisono::analytics
