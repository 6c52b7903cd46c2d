// GET /v1/reports/roi and /v1/reports/kpis: cost, attributed value and ROI per channel,
// campaign, communication, product or segment, and the channel KPIs, as JSON or CSV.
#pragma once

#include "server/internal/request_util.h"
#include "server/internal/router.h"

namespace unisono::http {

Response RoiReport(const Target& target, Store* store, const ChannelCatalog& catalog);
Response KpisReport(const Target& target, Store* store, const ChannelCatalog& catalog);

}  // namespace unisono::http
