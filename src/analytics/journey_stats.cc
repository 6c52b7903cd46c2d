// Time to conversion, path lengths, top converting paths and the most valuable
// customers, over ForEachJourney.
#include <algorithm>
#include <map>

#include "analytics/analytics.h"
#include "analytics/internal/journey_math.h"

namespace unisono::analytics {
namespace {

// The journey's path from touch `from` on.
std::string Key(const Journey& j, size_t from = 0) {
  std::string key;
  for (size_t i = from; i < j.touches.size(); ++i) {
    key += (key.empty() ? "" : " > ") + j.touches[i].label;
  }
  return key;
}

// Distinct paths with their conversions and nulls, by path text (the tie order).
using PathCounts = std::map<std::string, PathRow>;

void Count(PathCounts& paths, const std::string& key, const Journey& j, size_t from = 0) {
  PathRow& row = paths[key];
  if (row.touches.empty()) {
    for (size_t i = from; i < j.touches.size(); ++i) row.touches.push_back(j.touches[i].label);
  }
  ++(j.converted ? row.conversions : row.nulls);
  row.value += j.value;
}

void Merge(PathCounts& paths, const std::string& key, const PathRow& counts) {
  PathRow& row = paths[key];
  if (row.touches.empty()) row.touches = counts.touches;
  row.conversions += counts.conversions;
  row.nulls += counts.nulls;
  row.value += counts.value;
}

// The `limit` paths with the most conversions (then rate, then path); only paths with
// a conversion.
std::vector<PathRow> TopPaths(const PathCounts& paths, size_t limit) {
  std::vector<PathRow> out;
  for (const auto& [key, row] : paths) {
    if (row.conversions == 0) continue;
    out.push_back(row);
    out.back().conversion_rate =
        static_cast<double>(row.conversions) / static_cast<double>(row.conversions + row.nulls);
  }
  std::stable_sort(out.begin(), out.end(), [](const PathRow& a, const PathRow& b) {
    return a.conversions != b.conversions ? a.conversions > b.conversions
                                          : a.conversion_rate > b.conversion_rate;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

struct Bucket {
  const char* label;
  Millis below;
};

const Bucket kDurationBuckets[] = {
    {"<1d", std::chrono::days(1)},     {"1-7d", std::chrono::days(7)},
    {"7-14d", std::chrono::days(14)},  {"14-30d", std::chrono::days(30)},
    {"30-60d", std::chrono::days(60)}, {"60-90d", std::chrono::days(90)},
    {">=90d", Millis::max()},
};

Status CheckRange(int value, int low, int high, const char* field) {
  if (value >= low && value <= high) return Status::Ok();
  return Status::InvalidArgument(std::string(field) + " must be " + std::to_string(low) + " to " +
                                 std::to_string(high) + ", not " + std::to_string(value))
      .WithField(field);
}

// One profile's conversions while the scan is on it.
struct CustomerState {
  CustomerRow row;
  PathCounts paths;  // routes of converting and null journeys
  std::map<std::string, size_t> first_seen;
  std::map<std::string, int64_t> touches;  // per channel, in converting journeys
};

bool MoreValuable(const CustomerState& a, const CustomerState& b) {
  if (a.row.value != b.row.value) return a.row.value > b.row.value;
  return a.row.profile_id < b.row.profile_id;
}

// The most frequent converting path; ties: more value, then seen earlier.
void PickRoute(CustomerState& c) {
  const PathRow* best = nullptr;
  size_t best_seen = 0;
  for (const auto& [key, p] : c.paths) {
    if (p.conversions == 0) continue;
    size_t seen = c.first_seen[key];
    if (!best || p.conversions > best->conversions ||
        (p.conversions == best->conversions &&
         (p.value > best->value || (p.value == best->value && seen < best_seen)))) {
      best = &p;
      best_seen = seen;
    }
  }
  if (best) {
    c.row.route = best->touches;
    c.row.route_conversions = best->conversions;
  }
  // The three channels with the most touches (ties by name), as shares.
  std::vector<std::pair<std::string, int64_t>> by_count(c.touches.begin(), c.touches.end());
  std::stable_sort(by_count.begin(), by_count.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  int64_t total = 0;
  for (const auto& [channel, n] : by_count) total += n;
  for (size_t i = 0; i < by_count.size() && i < 3; ++i) {
    c.row.channels.push_back({by_count[i].first, static_cast<double>(by_count[i].second) / total});
  }
}

}  // namespace

Result<JourneyStats> BuildJourneyStats(Store& store, const PathOptions& options,
                                       const JourneyStatsOptions& stats,
                                       PathBuildSummary* summary) {
  if (Status s = CheckRange(stats.top_paths, 1, 10000, "top_paths"); !s.ok()) return s;
  if (Status s = CheckRange(stats.max_length, 1, 1000, "max_length"); !s.ok()) return s;
  JourneyStats out;
  for (const auto& b : kDurationBuckets) out.time_to_conversion.push_back({b.label, 0});
  std::vector<double> days, converting_lengths, null_lengths;
  std::vector<LengthRow> lengths(stats.max_length);
  PathCounts paths;
  Status s = ForEachJourney(
      store, options,
      [&](const Journey& j) {
        if (j.touches.empty()) return;
        ++out.journeys;
        size_t n = j.touches.size();
        LengthRow& length = lengths[std::min<size_t>(n, stats.max_length) - 1];
        ++(j.converted ? length.converting : length.null);
        (j.converted ? converting_lengths : null_lengths).push_back(static_cast<double>(n));
        Count(paths, Key(j), j);
        if (!j.converted) {
          ++out.nulls;
          return;
        }
        ++out.conversions;
        Millis took = j.end - j.touches.front().first_at;
        days.push_back(internal::Days(took));
        for (size_t b = 0; b < std::size(kDurationBuckets); ++b) {
          if (took < kDurationBuckets[b].below) {
            ++out.time_to_conversion[b].conversions;
            break;
          }
        }
      },
      summary);
  if (!s.ok()) return s;
  out.median_days = internal::Quantile(days, 0.5);
  out.p90_days = internal::Quantile(days, 0.9);
  out.median_length_converting = internal::Quantile(converting_lengths, 0.5);
  out.median_length_null = internal::Quantile(null_lengths, 0.5);
  // Rows up to the longest journey seen (or the cap, which counts it and longer ones).
  size_t longest = 0;
  for (size_t i = 0; i < lengths.size(); ++i) {
    lengths[i].length = static_cast<int>(i) + 1;
    if (lengths[i].converting + lengths[i].null > 0) longest = i + 1;
  }
  lengths.resize(longest);
  if (longest == static_cast<size_t>(stats.max_length)) lengths.back().or_more = true;
  out.lengths = std::move(lengths);
  out.top_paths = TopPaths(paths, stats.top_paths);
  return out;
}

Result<CustomerReport> BuildCustomers(Store& store, const PathOptions& options,
                                      const CustomerOptions& customers, PathBuildSummary* summary) {
  if (Status s = CheckRange(customers.top, 1, 10000, "top"); !s.ok()) return s;
  if (Status s = CheckRange(customers.routes, 1, 1000, "routes"); !s.ok()) return s;
  if (Status s = CheckRange(customers.route_touches, 0, 20, "route_touches"); !s.ok()) return s;
  CustomerReport out;
  const size_t top = customers.top;
  std::vector<CustomerState> kept;  // candidates; trimmed to the top now and then
  CustomerState current;
  auto finish_profile = [&] {
    if (current.row.conversions == 0) return;
    ++out.converting_customers;
    out.total_value += current.row.value;
    PickRoute(current);
    kept.push_back(std::move(current));
    if (kept.size() >= 2 * top) {
      std::nth_element(kept.begin(), kept.begin() + top - 1, kept.end(), MoreValuable);
      kept.resize(top);
    }
  };
  Status s = ForEachJourney(
      store, options,
      [&](const Journey& j) {
        if (j.profile_id != current.row.profile_id) {
          finish_profile();
          current = CustomerState{};
          current.row.profile_id = j.profile_id;
        }
        current.row.user_id = j.user_id;
        if (j.converted) {
          ++current.row.conversions;
          current.row.value += j.value;
        }
        if (j.touches.empty()) return;
        size_t n = j.touches.size(), take = customers.route_touches;
        size_t from = take == 0 || take >= n ? 0 : n - take;
        std::string key = Key(j, from);
        current.first_seen.emplace(key, current.first_seen.size());
        Count(current.paths, key, j, from);
        if (j.converted) {
          for (const auto& t : j.touches) ++current.touches[t.label];
        }
      },
      summary);
  if (!s.ok()) return s;
  finish_profile();
  std::sort(kept.begin(), kept.end(), MoreValuable);
  if (kept.size() > top) kept.resize(top);
  PathCounts routes;
  for (auto& c : kept) {
    out.top_value += c.row.value;
    for (const auto& [key, p] : c.paths) Merge(routes, key, p);
    out.customers.push_back(std::move(c.row));
  }
  out.routes = TopPaths(routes, customers.routes);
  return out;
}

}  // namespace unisono::analytics
