// GET /v1/reports/...: analytics over the event log, rendered as JSON (or CSV).
#pragma once

#include <boost/json.hpp>
#include <optional>

#include "analytics/analytics.h"
#include "server/internal/request_util.h"
#include "server/internal/router.h"

namespace unisono::http {

// What every report over the event log reads the same way: the window (since, until)
// and the filter (segment, product, campaign; trimmed, empty is not set). Every report
// handler takes them from here.
struct ReportScope {
  std::optional<Timestamp> since;
  std::optional<Timestamp> until;
  analytics::ReportFilter filter;
};
Result<ReportScope> ReportScopeFrom(const Target& target);
// The filter applied, as responses echo it: {"segment", "product", "campaign"}, null
// when not set.
boost::json::object FilterJson(const analytics::ReportFilter& filter);

// The query parameters every path-based report shares: lookback, granularity,
// conversion (repeatable), collapse_repeats, exclude_inbound and the report scope.
// Errors name the field.
Result<analytics::PathOptions> PathOptionsFrom(const Target& target, const ChannelCatalog& catalog);

Response PathsReport(const Target& target, Store* store, const ChannelCatalog& catalog);
Response AttributionReport(const Target& target, Store* store, const ChannelCatalog& catalog);

}  // namespace unisono::http
