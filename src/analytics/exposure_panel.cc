// The event log as a discrete-time panel for the data-driven model: per profile and
// period, the capped touches per channel in the exposure window before the period, the
// profile's control categories, and whether it converted in the period. Identical rows
// are merged, so a year of weekly rows for a million profiles fits in a few thousand.
// A report filter narrows touches, conversions and (by segment) rows.
#include <algorithm>
#include <map>
#include <unordered_map>

#include "analytics/internal/data_driven.h"
#include "analytics/internal/report_filter.h"

namespace unisono::analytics {
namespace {

struct Touch {
  int64_t ts = 0;
  uint32_t channel = 0;
  bool conversion = false;
  double value = 0;
};

std::string Unquoted(const std::string& json) {
  if (json.size() >= 2 && json.front() == '"' && json.back() == '"') {
    return json.substr(1, json.size() - 2);
  }
  return json;
}

bool Listed(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// Every profile's touches and conversions, compactly, with interned channels; with a
// segment filter, the times the profile entered or left the segment.
struct PanelInput {
  std::map<std::string, uint32_t> channel_ids;
  std::vector<std::string> channel_names;
  std::unordered_map<int64_t, std::vector<Touch>> by_profile;
  std::unordered_map<int64_t, std::vector<std::pair<int64_t, bool>>> membership;
  int64_t first = INT64_MAX, last = INT64_MIN;

  uint32_t Intern(const std::string& channel) {
    auto [it, added] = channel_ids.emplace(channel, 0);
    if (added) {
      it->second = static_cast<uint32_t>(channel_names.size());
      channel_names.push_back(channel);
    }
    return it->second;
  }
};

// A touch: not a call that only says who the customer is, nor a response (an outcome
// of a contact, not a contact), nor on an excluded channel.
bool IsExposure(const Event& ev, const ExposureOptions& e) {
  return ev.type != EventType::kIdentify && ev.type != EventType::kGroup &&
         ev.type != EventType::kAlias && ev.channel != "unknown" && ev.source != "segment" &&
         !Listed(e.excluded_channels, ev.channel) && !Listed(e.response_events, ev.name);
}

Status ReadPanelInput(Store& store, const ExposureOptions& e, PanelInput& in) {
  internal::ProfileFilter filter(e.filter, e.since, e.until, e.conversion_events,
                                 e.exposure_window);
  const bool by_segment = !filter.filter().segment.empty();
  int64_t current = 0;
  return store.ScanEventsByProfile(filter.scan_since(), e.until, [&](const Event& ev) {
    if (ev.profile_id != current) {
      current = ev.profile_id;
      filter.Reset();
    }
    bool was_in = filter.in_segment();
    internal::FilterVerdict verdict = filter.Observe(ev);
    if (by_segment && filter.in_segment() != was_in) {
      in.membership[ev.profile_id].emplace_back(ToMillis(ev.timestamp), filter.in_segment());
    }
    // A conversion counts on any channel (a prescription has none); a touch needs one.
    bool conversion = verdict == internal::FilterVerdict::kConversion;
    if (!conversion && (verdict != internal::FilterVerdict::kKept || !IsExposure(ev, e))) {
      return true;
    }
    Touch t;
    t.ts = ToMillis(ev.timestamp);
    t.conversion = conversion;
    t.value = ev.value_minor ? *ev.value_minor / 100.0 : 0;
    if (!conversion) t.channel = in.Intern(ev.channel);
    in.by_profile[ev.profile_id].push_back(t);
    in.first = std::min(in.first, t.ts);
    in.last = std::max(in.last, t.ts);
    return true;
  });
}

// Whether a profile is in the filter's segment at the start of each period, asked in
// increasing time order.
class SegmentTimeline {
 public:
  SegmentTimeline(bool by_segment, const std::vector<std::pair<int64_t, bool>>* changes)
      : by_segment_(by_segment), changes_(changes) {}
  bool InAt(int64_t at) {
    if (!by_segment_) return true;
    while (changes_ && next_ < changes_->size() && (*changes_)[next_].first <= at) {
      in_ = (*changes_)[next_++].second;
    }
    return in_;
  }

 private:
  bool by_segment_;
  const std::vector<std::pair<int64_t, bool>>* changes_;
  size_t next_ = 0;
  bool in_ = false;
};

}  // namespace

Result<DataDrivenReport> AnalyseDataDriven(Store& store, const ExposureOptions& e,
                                           const DataDrivenOptions& o) {
  if (e.period.count() <= 0 || e.exposure_window.count() <= 0) {
    return Status::InvalidArgument("the period and the exposure window must be positive");
  }
  // Pass 1: every profile's touches and conversions.
  PanelInput in;
  if (Status s = ReadPanelInput(store, e, in); !s.ok()) return s;
  if (in.by_profile.empty()) {
    return Status::InvalidArgument(e.filter.empty() ? "the event log has no touchpoints"
                                                    : "no touchpoints match the filter");
  }
  auto& by_profile = in.by_profile;
  auto& channel_names = in.channel_names;
  const int64_t first = in.first, last = in.last;
  const bool by_segment = !internal::Trimmed(e.filter).segment.empty();

  // Control categories: "trait=value" of the named traits.
  std::map<std::string, uint32_t> control_ids;
  std::unordered_map<int64_t, std::vector<uint32_t>> controls;
  if (!e.controls.empty()) {
    Status traits =
        store.ScanTraits([&](int64_t profile, const std::string& key, const StoredTrait& t) {
          if (std::find(e.controls.begin(), e.controls.end(), key) == e.controls.end()) return;
          if (!by_profile.count(profile)) return;
          std::string category = key + "=" + Unquoted(t.value_json);
          auto [it, added] =
              control_ids.emplace(category, static_cast<uint32_t>(control_ids.size()));
          controls[profile].push_back(it->second);
        });
    if (!traits.ok()) return traits;
  }

  // Pass 2: periods on one grid from the first event, merged into distinct rows.
  const int64_t origin = e.since ? ToMillis(*e.since) : first;
  const int64_t end = e.until ? ToMillis(*e.until) : last + 1;
  const int64_t period = e.period.count(), window = e.exposure_window.count();
  std::map<std::pair<std::vector<std::pair<uint32_t, double>>, std::vector<uint32_t>>,
           internal::ExposureRow>
      merged;
  std::vector<double> count(channel_names.size(), 0);
  for (auto& [profile, touches] : by_profile) {
    std::sort(touches.begin(), touches.end(),
              [](const Touch& a, const Touch& b) { return a.ts < b.ts; });
    auto changes = in.membership.find(profile);
    SegmentTimeline segment(by_segment,
                            changes == in.membership.end() ? nullptr : &changes->second);
    std::vector<uint32_t> ctl = controls[profile];
    std::sort(ctl.begin(), ctl.end());
    int64_t start = origin + (touches.front().ts - origin) / period * period;
    size_t lo = 0, hi = 0;  // touches in [p - window, p) are [lo, hi)
    size_t conv = 0;        // first touch at or after the period start
    for (int64_t p = start; p + period <= end; p += period) {
      while (hi < touches.size() && touches[hi].ts < p) {
        if (!touches[hi].conversion) count[touches[hi].channel] += 1;
        ++hi;
      }
      while (lo < hi && touches[lo].ts < p - window) {
        if (!touches[lo].conversion) count[touches[lo].channel] -= 1;
        ++lo;
      }
      std::vector<std::pair<uint32_t, double>> exposure;
      for (size_t i = lo; i < hi; ++i) {
        uint32_t c = touches[i].channel;
        if (touches[i].conversion || count[c] <= 0) continue;
        if (std::none_of(exposure.begin(), exposure.end(),
                         [&](const auto& x) { return x.first == c; })) {
          exposure.emplace_back(c, std::min(count[c], static_cast<double>(o.count_cap)));
        }
      }
      std::sort(exposure.begin(), exposure.end());
      bool converted = false;
      double value = 0;
      for (conv = std::max(conv, hi); conv < touches.size() && touches[conv].ts < p + period;
           ++conv) {
        if (touches[conv].conversion) {
          converted = true;
          value += touches[conv].value;
        }
      }
      if (!segment.InAt(p)) continue;  // the row's profile was not in the segment
      auto& row = merged[{exposure, ctl}];
      (converted ? row.conversions : row.nulls) += 1;
      row.value += value;
    }
    std::fill(count.begin(), count.end(), 0);
  }
  std::vector<internal::ExposureRow> rows;
  rows.reserve(merged.size());
  for (auto& [key, row] : merged) {
    row.exposure = key.first;
    row.controls = key.second;
    rows.push_back(std::move(row));
  }
  // Channel ids in name order, as every report lists them.
  std::vector<std::string> sorted = channel_names;
  std::sort(sorted.begin(), sorted.end());
  std::vector<uint32_t> remap(channel_names.size());
  for (size_t i = 0; i < channel_names.size(); ++i) {
    remap[i] = static_cast<uint32_t>(
        std::lower_bound(sorted.begin(), sorted.end(), channel_names[i]) - sorted.begin());
  }
  for (auto& r : rows) {
    for (auto& [c, v] : r.exposure) c = remap[c];
    std::sort(r.exposure.begin(), r.exposure.end());
  }
  return internal::AnalyseRows(sorted, control_ids.size(), rows, o);
}

}  // namespace unisono::analytics
