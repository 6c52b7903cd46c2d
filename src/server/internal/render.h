// JSON bodies of the management API (Boost.JSON; snake_case, ISO-8601 times).
#pragma once

#include <boost/json.hpp>

#include "profile/profile.h"

namespace unisono::http {

boost::json::object EventJson(const Event& e);
boost::json::object ProfileObject(const Profile& p);
boost::json::object TimelineJson(const TimelinePage& page);

}  // namespace unisono::http
