// GET /v1/reports/...: analytics over the event log, rendered as JSON (or CSV).
#pragma once

#include "analytics/analytics.h"
#include "server/internal/request_util.h"
#include "server/internal/router.h"

namespace unisono::http {

// The query parameters every path-based report shares: lookback, granularity,
// conversion (repeatable), since, until, collapse_repeats, exclude_inbound. Errors name
// the field.
Result<analytics::PathOptions> PathOptionsFrom(const Target& target, const ChannelCatalog& catalog);

Response PathsReport(const Target& target, Store* store, const ChannelCatalog& catalog);
Response AttributionReport(const Target& target, Store* store, const ChannelCatalog& catalog);

}  // namespace unisono::http
