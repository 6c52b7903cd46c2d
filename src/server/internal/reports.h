// GET /v1/reports/...: analytics over the event log, rendered as JSON (or CSV).
#pragma once

#include "server/internal/request_util.h"
#include "server/internal/router.h"

namespace unisono::http {

Response PathsReport(const Target& target, Store* store, const ChannelCatalog& catalog);
Response AttributionReport(const Target& target, Store* store, const ChannelCatalog& catalog);

}  // namespace unisono::http
