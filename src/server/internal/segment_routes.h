// /v1/segments, /v1/computed-traits and the profile's segment view: thin handlers over
// the segment engine.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "segment/segment.h"
#include "server/internal/request_util.h"
#include "server/internal/router.h"

namespace unisono::http {

// The response when the request is one of these routes (and its metrics name in
// `route`), nothing otherwise.
std::optional<Response> SegmentRoute(const Request& req, const Target& t,
                                     const std::vector<std::string>& parts, SegmentEngine* engine,
                                     ProfileService& profiles, std::string& route);

// {"segments": [{"id", "name"}], "computed_traits": {...}}
boost::json::object ProfileSegmentsJson(const ProfileSegmentView& view);

}  // namespace unisono::http
