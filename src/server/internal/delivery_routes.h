// /v1/delivery: the connectors' counters, the dead letters and their retry, and the
// providers' delivery callbacks (no write key: providers post them). Thin handlers over
// channel's Delivery; the tracking links are in tracking_routes.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "channel/channel.h"
#include "server/internal/request_util.h"
#include "server/internal/router.h"

namespace unisono::http {

// The response when the request is one of these routes (and its metrics name in
// `route`), nothing otherwise.
std::optional<Response> DeliveryRoute(const Request& req, const Target& t,
                                      const std::vector<std::string>& parts, Delivery* delivery,
                                      std::string& route);

}  // namespace unisono::http
