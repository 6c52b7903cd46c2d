// GET /v1/reports/transitions, /leaks, /funnel, /journeys and /customers: journey
// analytics over the event log, rendered as JSON (or CSV where the answer is a table).
#pragma once

#include <optional>

#include "server/internal/request_util.h"
#include "server/internal/router.h"

namespace unisono::http {

// The response when `target` is one of these reports, nothing otherwise.
std::optional<Response> JourneyReport(const Request& req, const Target& target, Store* store,
                                      const ChannelCatalog& catalog);

}  // namespace unisono::http
