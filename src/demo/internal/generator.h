// The pure generator behind LoadDemo: turns DemoOptions into a deterministic stream of
// Events — one HCP at a time, each HCP's events oldest first — and, once every HCP is
// done, the cost records. It reads no clock and touches no store or file, so tests can
// run it directly. A DemoGenerator is single-threaded; the free functions are pure.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/core.h"
#include "demo/demo.h"
#include "demo/internal/model.h"
#include "storage/storage.h"

namespace unisono::demo {

// The generated period: `months` calendar months ending at `end`, and the full weeks
// (counted from `start`) the conversion model runs on.
struct DemoWindow {
  Timestamp start{};
  Timestamp end{};
  std::vector<Timestamp> month_starts;  // months + 1 entries; the last one is `end`
  int weeks = 0;                        // full 7-day weeks from `start` ending by `end`

  int months() const { return static_cast<int>(month_starts.size()) - 1; }
  Timestamp WeekStart(int week) const { return start + std::chrono::days(7) * week; }
  // The month holding t. REQUIRES start <= t < end.
  int MonthOf(Timestamp t) const;
  // Campaign phase (0..2) of a month, and the first month of a phase (== months() if
  // the window is too short to have it).
  int PhaseOf(int month) const { return month * static_cast<int>(kPhases) / months(); }
  int PhaseStart(int phase) const {
    return (phase * months() + static_cast<int>(kPhases) - 1) / static_cast<int>(kPhases);
  }
};
DemoWindow MakeWindow(Timestamp end, int months);

// Ok, or why the options cannot be generated (profiles 1..10,000,000, months 1..120).
Status ValidateOptions(const DemoOptions& options);

std::string UserId(int64_t profile_number);  // "hcp-000123" (numbers start at 1)
std::string RepId(int rep_index);            // "rep-01" for index 0
int RepCount(int64_t profiles);              // one per ~150 HCPs, at least 2

struct GeneratorOptions {
  DemoOptions demo;
  // Channels whose effect is switched off. The contacts and every random draw stay the
  // same, so the conversions lost against the normal run are exactly the channel's
  // incremental contribution (the counterfactual truth for attribution).
  std::array<bool, kChannelCount> without_effect{};
};

class DemoGenerator {
 public:
  // REQUIRES: ValidateOptions(options.demo).ok().
  explicit DemoGenerator(const GeneratorOptions& options);
  ~DemoGenerator();
  DemoGenerator(const DemoGenerator&) = delete;
  DemoGenerator& operator=(const DemoGenerator&) = delete;

  // Appends the next HCP's events, oldest first; false once every HCP is done.
  bool NextProfile(std::vector<Event>& out);
  // Runs NextProfile to the end, handing each event to `sink`.
  void ForEachEvent(const std::function<void(Event&)>& sink);
  // Cost records for the whole window: per channel, campaign and month, plus campaign
  // production. REQUIRES NextProfile to have returned false.
  std::vector<CostRecord> Costs();

  // Counts so far (cost_records once Costs() ran).
  const DemoSummary& summary() const;
  int64_t profiles_done() const;
  const DemoWindow& window() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace unisono::demo
