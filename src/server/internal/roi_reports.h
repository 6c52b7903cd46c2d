// GET /v1/reports/roi and /v1/reports/kpis: cost, attributed value and ROI per channel,
// campaign, communication, product or segment, and the channel KPIs, as JSON or CSV.
#pragma once

#include "analytics/analytics.h"
#include "server/internal/request_util.h"
#include "server/internal/router.h"

namespace unisono::http {

Response RoiReport(const Target& target, Store* store, const ChannelCatalog& catalog);
Response KpisReport(const Target& target, Store* store, const ChannelCatalog& catalog);

// What the reports over contacts and their costs read: lookback, conversion
// (repeatable), collapse_repeats, exclude_inbound and the report scope; follow_up
// (repeatable). Errors name the field.
Result<analytics::PathOptions> CostPathOptionsFrom(const Target& target,
                                                   const ChannelCatalog& catalog);
analytics::CostOptions CostOptionsFrom(const Target& target);

}  // namespace unisono::http
