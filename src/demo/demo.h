// demo: a deterministic synthetic pharma population — HCPs with specialties and
// territories, their reps, twelve months of touchpoints over every channel family,
// conversions (prescriptions, orders) with value, and channel and campaign costs —
// written through the normal ingest path. Each channel's true effect on conversion
// is a known parameter (DemoTruth), so analytics can be checked against it.
// See docs/demo-data.md for the generating process.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/core.h"
#include "profile/profile.h"

namespace unisono {

struct DemoOptions {
  int64_t profiles = 2000;
  uint64_t seed = 42;
  // The generated year ends here; fixed by default so a seed always gives the same data.
  Timestamp end = FromMillis(1793491200000);  // 2026-11-01T00:00:00Z
  int months = 12;
};

struct DemoSummary {
  int64_t profiles = 0;
  int64_t reps = 0;
  int64_t events = 0;
  int64_t conversions = 0;
  int64_t conversion_value_minor = 0;
  int64_t cost_records = 0;
};

// The known truth of the generating process, per channel.
struct DemoChannelTruth {
  std::string channel;
  double contacts_per_profile_month = 0;  // mean contact rate
  double effect = 0;                      // additive lift of the weekly conversion log-odds
                                          // per contact in the last 4 weeks
  int64_t cost_per_contact_minor = 0;
};

std::vector<DemoChannelTruth> DemoTruth();

// What each channel really adds to this population: the conversions lost when only
// that channel's effect is switched off, every contact and random draw unchanged.
// Regenerates the population once per channel (no store involved).
struct ChannelIncrement {
  std::string channel;
  double conversions = 0;
};
Result<std::vector<ChannelIncrement>> DemoIncrementalConversions(const DemoOptions& options);

// Generates the population and writes it in one transaction (all or nothing).
// `progress` gets the fraction done, 0..1.
Result<DemoSummary> LoadDemo(ProfileService& profiles, const DemoOptions& options,
                             const std::function<void(double)>& progress = {});

}  // namespace unisono
