// JSON bodies of the management API (Boost.JSON; snake_case, ISO-8601 times).
#pragma once

#include <boost/json.hpp>

#include "profile/profile.h"
#include "server/internal/request_util.h"
#include "server/internal/router.h"

namespace unisono::http {

// A JSON response.
Response Json(const boost::json::value& v, int status = 200);
// The request body as a JSON object, or an error that shows `example`.
Result<boost::json::object> BodyObject(const Request& req, const char* example);
// A string member, "" when missing or not a string.
std::string StringField(const boost::json::object& o, const char* key);
// Stored JSON text as a value (a string when it does not parse).
boost::json::value ParsedOrString(const std::string& json_text);

// A number, or null when there is none.
boost::json::value JsonOrNull(const std::optional<double>& v);
// A number as CSV text; "" when there is none.
std::string CsvNumber(double v);
std::string CsvNumber(const std::optional<double>& v);
// An optional whole-number query parameter: `out` keeps its value when it is absent.
Status WholeParam(const Target& t, const char* name, int64_t& out);

// A CSV body (RFC 4180 quoting), row by row.
class Csv {
 public:
  Csv() = default;
  explicit Csv(std::initializer_list<std::string> header) { Row(header); }
  void Row(std::initializer_list<std::string> fields);
  Response Done();

 private:
  std::string out_;
};

boost::json::object EventJson(const Event& e);
boost::json::object ProfileObject(const Profile& p);
boost::json::object TimelineJson(const TimelinePage& page);

}  // namespace unisono::http
