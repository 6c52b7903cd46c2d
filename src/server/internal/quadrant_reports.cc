// Thin handler: parse the query, call analytics::BuildEngagementQuadrants, render.
#include "server/internal/quadrant_reports.h"

#include <boost/json.hpp>
#include <cstdlib>

#include "analytics/analytics.h"
#include "server/internal/render.h"
#include "server/internal/reports.h"
#include "server/internal/roi_reports.h"

namespace unisono::http {
namespace json = boost::json;

namespace {

// An optional number parameter; its range is the report's to check.
Status NumberParam(const Target& t, const char* name, std::optional<double>& out) {
  std::string v = t.Get(name);
  if (v.empty()) return Status::Ok();
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (end != v.c_str() + v.size()) {
    return Status::InvalidArgument(std::string(name) + " is a number, not '" + v + "'")
        .WithField(name);
  }
  out = d;
  return Status::Ok();
}

Result<analytics::QuadrantOptions> OptionsFrom(const Target& t, const ChannelCatalog& catalog) {
  analytics::QuadrantOptions o;
  auto paths = CostPathOptionsFrom(t, catalog);
  if (!paths.ok()) return paths.status();
  o.paths = *paths;
  o.costs = CostOptionsFrom(t);
  auto [first, last] = t.query.equal_range("response");
  if (first != last) o.response_events.clear();
  for (auto it = first; it != last; ++it) o.response_events.push_back(it->second);
  if (Status s = NumberParam(t, "online_threshold", o.online_threshold); !s.ok()) return s;
  if (Status s = NumberParam(t, "offline_threshold", o.offline_threshold); !s.ok()) return s;
  if (Status s = WholeParam(t, "limit", o.limit); !s.ok()) return s;
  if (std::string q = t.Get("quadrant"); !q.empty()) {
    auto quadrant = analytics::ParseQuadrant(q);
    if (!quadrant.ok()) return Status(quadrant.status()).WithField("quadrant");
    o.quadrant = *quadrant;
  }
  return o;
}

// A CSV document: header, then rows; fields quoted when they need it.
Response QuadrantsCsv(const analytics::QuadrantReport& r) {
  Csv out;
  out.Row({"quadrant", "customers", "share", "online_engagements", "offline_engagements",
           "online_contacts", "offline_contacts", "online_cost", "offline_cost",
           "converting_customers", "conversion_rate", "conversions", "value",
           "value_per_customer"});
  for (const auto& q : r.quadrants) {
    out.Row({analytics::QuadrantName(q.quadrant), std::to_string(q.customers), CsvNumber(q.share),
             CsvNumber(q.online_engagements), CsvNumber(q.offline_engagements),
             CsvNumber(q.online_contacts), CsvNumber(q.offline_contacts), CsvNumber(q.online_cost),
             CsvNumber(q.offline_cost), std::to_string(q.converting_customers),
             CsvNumber(q.conversion_rate), std::to_string(q.conversions), CsvNumber(q.value),
             CsvNumber(q.value_per_customer)});
  }
  return out.Done();
}

Response CustomersCsv(const analytics::QuadrantReport& r) {
  Csv out;
  out.Row({"profile_id", "user_id", "online_engagements", "offline_engagements", "online_contacts",
           "offline_contacts", "online_cost", "offline_cost", "conversions", "value", "quadrant"});
  for (const auto& c : r.list) {
    out.Row({ProfileIdString(c.profile_id), c.user_id, std::to_string(c.online_engagements),
             std::to_string(c.offline_engagements), std::to_string(c.online_contacts),
             std::to_string(c.offline_contacts), CsvNumber(c.online_cost),
             CsvNumber(c.offline_cost), std::to_string(c.conversions), CsvNumber(c.value),
             analytics::QuadrantName(c.quadrant)});
  }
  return out.Done();
}

json::object QuadrantJson(const analytics::QuadrantRow& q) {
  return json::object{{"quadrant", analytics::QuadrantName(q.quadrant)},
                      {"customers", q.customers},
                      {"share", JsonOrNull(q.share)},
                      {"online_engagements", JsonOrNull(q.online_engagements)},
                      {"offline_engagements", JsonOrNull(q.offline_engagements)},
                      {"online_contacts", JsonOrNull(q.online_contacts)},
                      {"offline_contacts", JsonOrNull(q.offline_contacts)},
                      {"online_cost", JsonOrNull(q.online_cost)},
                      {"offline_cost", JsonOrNull(q.offline_cost)},
                      {"converting_customers", q.converting_customers},
                      {"conversion_rate", JsonOrNull(q.conversion_rate)},
                      {"conversions", q.conversions},
                      {"value", q.value},
                      {"value_per_customer", JsonOrNull(q.value_per_customer)}};
}

json::object CustomerJson(const analytics::QuadrantCustomer& c) {
  return json::object{{"profile_id", ProfileIdString(c.profile_id)},
                      {"user_id", c.user_id},
                      {"online_engagements", c.online_engagements},
                      {"offline_engagements", c.offline_engagements},
                      {"online_contacts", c.online_contacts},
                      {"offline_contacts", c.offline_contacts},
                      {"online_cost", c.online_cost},
                      {"offline_cost", c.offline_cost},
                      {"conversions", c.conversions},
                      {"value", c.value},
                      {"quadrant", analytics::QuadrantName(c.quadrant)}};
}

Response QuadrantsJson(const analytics::QuadrantReport& r, const analytics::ReportFilter& filter) {
  json::array quadrants, items, unknown;
  for (const auto& q : r.quadrants) quadrants.push_back(QuadrantJson(q));
  for (const auto& c : r.list) items.push_back(CustomerJson(c));
  for (const auto& channel : r.unknown_channels) unknown.push_back(json::value(channel));
  json::object thresholds{{"online", r.online_threshold},
                          {"offline", r.offline_threshold},
                          {"online_from_median", r.online_threshold_is_median},
                          {"offline_from_median", r.offline_threshold_is_median}};
  Response out;
  out.body = json::serialize(json::object{{"thresholds", std::move(thresholds)},
                                          {"currency", r.currency},
                                          {"customers", r.customers},
                                          {"quadrants", std::move(quadrants)},
                                          {"items", std::move(items)},
                                          {"unknown_channel_events", r.unknown_channel_events},
                                          {"unknown_channels", std::move(unknown)},
                                          {"filter", FilterJson(filter)}});
  return out;
}

}  // namespace

Response QuadrantsReport(const Target& t, Store* store, const ChannelCatalog& catalog) {
  if (!store) return JsonError(Status::Unavailable("reports need the store; none is attached"));
  auto options = OptionsFrom(t, catalog);
  if (!options.ok()) return JsonError(options.status());
  std::string format = t.Get("format"), table = t.Get("table");
  if (!format.empty() && format != "json" && format != "csv") {
    return JsonError(
        Status::InvalidArgument("format is json or csv, not '" + format + "'").WithField("format"));
  }
  if (!table.empty() && table != "quadrants" && table != "customers") {
    return JsonError(Status::InvalidArgument("table is quadrants or customers, not '" + table + "'")
                         .WithField("table"));
  }
  auto report = analytics::BuildEngagementQuadrants(*store, catalog, *options);
  if (!report.ok()) return JsonError(report.status());
  if (format != "csv") return QuadrantsJson(*report, options->paths.filter);
  return table == "customers" ? CustomersCsv(*report) : QuadrantsCsv(*report);
}

}  // namespace unisono::http
