// Private to analytics: the rows the data-driven model fits, shared by its two inputs
// (distinct paths of a path file, profile-periods of the event log).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "analytics/analytics.h"

namespace unisono::analytics::internal {

// One distinct exposure pattern and how often it ended in a conversion or not.
struct ExposureRow {
  std::vector<std::pair<uint32_t, double>> exposure;  // channel id, min(touches, cap); sorted
  std::vector<uint32_t> controls;                     // control categories present
  double conversions = 0;
  double value = 0;
  double nulls = 0;
};

// Fits the model on the rows and reports incremental and attributed conversions.
Result<DataDrivenReport> AnalyseRows(const std::vector<std::string>& channels, size_t controls,
                                     const std::vector<ExposureRow>& rows,
                                     const DataDrivenOptions& options);

}  // namespace unisono::analytics::internal
