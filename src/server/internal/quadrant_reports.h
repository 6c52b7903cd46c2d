// GET /v1/reports/quadrants: online versus offline engagement per customer, as JSON or
// CSV (table=quadrants, the default, or table=customers).
#pragma once

#include "server/internal/request_util.h"
#include "server/internal/router.h"

namespace unisono::http {

Response QuadrantsReport(const Target& target, Store* store, const ChannelCatalog& catalog);

}  // namespace unisono::http
