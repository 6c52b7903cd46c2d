// /v1/content: the content library's items, their approval, the one-voice check and
// previews for a profile — thin handlers over ContentLibrary.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "content/content.h"
#include "profile/profile.h"
#include "server/internal/request_util.h"
#include "server/internal/router.h"

namespace unisono::http {

// The response when the request is one of these routes (and its metrics name in
// `route`), nothing otherwise. No library: 503.
std::optional<Response> ContentRoute(const Request& req, const Target& t,
                                     const std::vector<std::string>& parts, ContentLibrary* content,
                                     ProfileService& profiles, std::string& route);

}  // namespace unisono::http
