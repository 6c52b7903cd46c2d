// /v1/journeys, the profile's journeys, reps' visits and tasks, and the contact policy:
// thin handlers over the journey engine.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "journey/journey.h"
#include "server/internal/request_util.h"
#include "server/internal/router.h"

namespace unisono::http {

// The response when the request is one of these routes (and its metrics name in
// `route`), nothing otherwise.
std::optional<Response> JourneyRoute(const Request& req, const Target& t,
                                     const std::vector<std::string>& parts, JourneyEngine* engine,
                                     ProfileService& profiles, std::string& route);

}  // namespace unisono::http
