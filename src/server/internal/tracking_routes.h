// Tracking links as a mail reader or phone meets them: /t/o/{token}.gif answers a
// transparent pixel, /t/c/{token} redirects to the link's target, /t/u/{token} shows an
// unsubscribe page (GET) and unsubscribes on POST (RFC 8058 one-click). No write key:
// the token's signature is the authority.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "channel/channel.h"
#include "server/internal/request_util.h"
#include "server/internal/router.h"

namespace unisono::http {

// Handles the request when it is one of these routes (false otherwise); `finish` gets the
// route's metrics name and the response, maybe later on another thread.
bool TrackingRoute(const Request& req, const Target& t, const std::vector<std::string>& parts,
                   Delivery* delivery, std::function<void(std::string, Response)> finish);

}  // namespace unisono::http
