// Thin handlers: parse the query, call analytics::BuildRoiReport or BuildChannelKpis, render.
#include "server/internal/roi_reports.h"

#include <boost/json.hpp>
#include <cstdio>

#include "analytics/analytics.h"
#include "server/internal/render.h"
#include "server/internal/reports.h"

namespace unisono::http {
namespace json = boost::json;

namespace {

Status Field(Status s, const char* field) { return s.WithField(field); }

std::vector<std::string> All(const Target& t, const std::string& key) {
  std::vector<std::string> out;
  auto [first, last] = t.query.equal_range(key);
  for (auto it = first; it != last; ++it) out.push_back(it->second);
  return out;
}

Result<bool> Flag(const Target& t, const char* name) {
  std::string v = t.Get(name);
  if (v.empty() || v == "false") return false;
  if (v == "true") return true;
  return Field(Status::InvalidArgument(std::string(name) + " is true or false"), name);
}

Result<bool> WantsCsv(const Target& t) {
  std::string f = t.Get("format");
  if (f.empty() || f == "json") return false;
  if (f == "csv") return true;
  return Field(Status::InvalidArgument("format is json or csv, not '" + f + "'"), "format");
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string CsvField(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

std::string CsvField(const std::optional<double>& v) { return v ? CsvField(*v) : ""; }

Response Body(std::string body, bool csv) {
  Response r;
  r.body = std::move(body);
  if (csv) r.content_type = "text/csv";
  return r;
}

}  // namespace

// The lookback, conversions, exclusions and report scope, as /v1/reports/paths reads
// them (the granularity follows the report).
Result<analytics::PathOptions> CostPathOptionsFrom(const Target& t, const ChannelCatalog& catalog) {
  analytics::PathOptions o;
  if (auto v = t.Get("lookback"); !v.empty()) {
    auto d = ParseDuration(v);
    if (!d.ok()) return Field(d.status(), "lookback");
    o.lookback = *d;
  }
  if (auto conversions = All(t, "conversion"); !conversions.empty()) {
    o.conversion_events = conversions;
  }
  auto scope = ReportScopeFrom(t);
  if (!scope.ok()) return scope.status();
  o.since = scope->since;
  o.until = scope->until;
  o.filter = scope->filter;
  auto collapse = Flag(t, "collapse_repeats");
  if (!collapse.ok()) return collapse.status();
  o.collapse_repeats = *collapse;
  auto exclude_inbound = Flag(t, "exclude_inbound");
  if (!exclude_inbound.ok()) return exclude_inbound.status();
  for (const auto& c : catalog.channels()) {
    if (*exclude_inbound && c.direction == "inbound") o.excluded_channels.push_back(c.id);
  }
  return o;
}

analytics::CostOptions CostOptionsFrom(const Target& t) {
  analytics::CostOptions o;
  if (auto follow_ups = All(t, "follow_up"); !follow_ups.empty()) o.follow_up_events = follow_ups;
  return o;
}

Response RoiReport(const Target& t, Store* store, const ChannelCatalog& catalog) {
  if (!store) return JsonError(Status::Unavailable("reports need the store; none is attached"));
  analytics::RoiOptions o;
  auto paths = CostPathOptionsFrom(t, catalog);
  if (!paths.ok()) return JsonError(paths.status());
  o.paths = *paths;
  o.costs = CostOptionsFrom(t);
  if (auto by = t.Get("by"); !by.empty()) {
    auto d = analytics::ParseRoiDimension(by);
    if (!d.ok()) return JsonError(Field(d.status(), "by"));
    o.by = *d;
  }
  if (auto model = t.Get("model"); !model.empty()) {
    auto names = analytics::ParseModelNames(model);
    if (!names.ok()) return JsonError(Field(names.status(), "model"));
    if (names->size() != 1) {
      return JsonError(
          Status::InvalidArgument("ROI takes one model, not '" + model + "'").WithField("model"));
    }
    o.model.model = names->front();
  }
  if (auto order = t.Get("order"); !order.empty()) {
    if (order.size() != 1 || order[0] < '1' || order[0] > '4') {
      return JsonError(Status::InvalidArgument("order must be 1 to 4").WithField("order"));
    }
    o.model.markov.order = order[0] - '0';
  }
  auto csv = WantsCsv(t);
  if (!csv.ok()) return JsonError(csv.status());
  auto report = analytics::BuildRoiReport(*store, catalog, o);
  if (!report.ok()) return JsonError(report.status());

  const std::string by = analytics::RoiDimensionName(report->by);
  const bool named = report->by == analytics::RoiDimension::kSegment;
  if (*csv) {
    std::string out = by + (named ? ",name" : "") +
                      ",contacts,cost,unallocated_cost,conversions,value,cost_per_conversion,"
                      "roi\n";
    for (const auto& r : report->rows) {
      out += CsvField(r.key) + (named ? "," + CsvField(r.name) : "") + "," +
             std::to_string(r.contacts) + "," + CsvField(r.cost) + "," +
             CsvField(r.unallocated_cost) + "," + CsvField(r.conversions) + "," +
             CsvField(r.value) + "," + CsvField(r.cost_per_conversion) + "," + CsvField(r.roi) +
             "\n";
    }
    return Body(std::move(out), true);
  }
  json::array items;
  for (const auto& r : report->rows) {
    json::object row{{by, r.key}};
    if (named) row["name"] = r.name;
    row["contacts"] = r.contacts;
    row["cost"] = r.cost;
    row["unallocated_cost"] = r.unallocated_cost;
    row["conversions"] = r.conversions;
    row["value"] = r.value;
    row["cost_per_conversion"] = JsonOrNull(r.cost_per_conversion);
    row["roi"] = JsonOrNull(r.roi);
    items.push_back(std::move(row));
  }
  json::object totals{{"cost", report->cost},
                      {"unallocated_cost", report->unallocated_cost},
                      {"conversions", report->conversions},
                      {"value", report->value},
                      {"roi", JsonOrNull(report->roi)}};
  return Body(
      json::serialize(json::object{
          {"by", by},
          {"model", report->model.empty() ? json::value(nullptr) : json::value(report->model)},
          {"currency", report->currency},
          {"items", std::move(items)},
          {"totals", std::move(totals)},
          {"filter", FilterJson(o.paths.filter)}}),
      false);
}

Response KpisReport(const Target& t, Store* store, const ChannelCatalog& catalog) {
  if (!store) return JsonError(Status::Unavailable("reports need the store; none is attached"));
  analytics::KpiOptions o;
  auto paths = CostPathOptionsFrom(t, catalog);
  if (!paths.ok()) return JsonError(paths.status());
  o.paths = *paths;
  o.costs = CostOptionsFrom(t);
  if (auto responses = All(t, "response"); !responses.empty()) o.response_events = responses;
  auto csv = WantsCsv(t);
  if (!csv.ok()) return JsonError(csv.status());
  auto report = analytics::BuildChannelKpis(*store, catalog, o);
  if (!report.ok()) return JsonError(report.status());

  if (*csv) {
    std::string out =
        "channel,declared_role,reach,contacts,frequency,responses,engagement_rate,"
        "conversions_touched,converting_profiles,conversion_rate,cost,cost_per_contact,closes,"
        "assists,close_share,observed_role\n";
    for (const auto& k : report->channels) {
      out += CsvField(k.channel) + "," + k.declared_role + "," + std::to_string(k.reach) + "," +
             std::to_string(k.contacts) + "," + CsvField(k.frequency) + "," +
             std::to_string(k.responses) + "," + CsvField(k.engagement_rate) + "," +
             std::to_string(k.conversions_touched) + "," + std::to_string(k.converting_profiles) +
             "," + CsvField(k.conversion_rate) + "," + CsvField(k.cost) + "," +
             CsvField(k.cost_per_contact) + "," + std::to_string(k.closes) + "," +
             std::to_string(k.assists) + "," + CsvField(k.close_share) + "," + k.observed_role +
             "\n";
    }
    return Body(std::move(out), true);
  }
  json::array items;
  for (const auto& k : report->channels) {
    items.push_back(json::object{{"channel", k.channel},
                                 {"declared_role", k.declared_role},
                                 {"reach", k.reach},
                                 {"contacts", k.contacts},
                                 {"frequency", JsonOrNull(k.frequency)},
                                 {"responses", k.responses},
                                 {"engagement_rate", JsonOrNull(k.engagement_rate)},
                                 {"conversions_touched", k.conversions_touched},
                                 {"converting_profiles", k.converting_profiles},
                                 {"conversion_rate", JsonOrNull(k.conversion_rate)},
                                 {"cost", k.cost},
                                 {"cost_per_contact", JsonOrNull(k.cost_per_contact)},
                                 {"closes", k.closes},
                                 {"assists", k.assists},
                                 {"close_share", JsonOrNull(k.close_share)},
                                 {"observed_role", k.observed_role}});
  }
  return Body(json::serialize(
                  json::object{{"currency", report->currency},
                               {"reach", report->reach},
                               {"conversions", report->conversions},
                               {"baseline_close_share", JsonOrNull(report->baseline_close_share)},
                               {"items", std::move(items)},
                               {"filter", FilterJson(o.paths.filter)}}),
              false);
}

}  // namespace unisono::http
