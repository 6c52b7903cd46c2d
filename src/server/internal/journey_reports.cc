#include "server/internal/journey_reports.h"

#include <boost/json.hpp>
#include <sstream>

#include "analytics/analytics.h"
#include "server/internal/render.h"
#include "server/internal/reports.h"

namespace unisono::http {
namespace json = boost::json;

namespace {

json::array PathJson(const std::vector<std::string>& touches) {
  json::array a;
  for (const auto& t : touches) a.push_back(json::value(t));
  return a;
}

std::string JoinTouches(const std::vector<std::string>& touches) {
  std::string s;
  for (const auto& t : touches) s += (s.empty() ? "" : " > ") + t;
  return s;
}

Status IntParam(const Target& t, const char* name, int& out) {
  int64_t wide = out;
  if (Status s = WholeParam(t, name, wide); !s.ok()) return s;
  if (wide < -1'000'000'000 || wide > 1'000'000'000) {
    return Status::InvalidArgument(std::string(name) + " is out of range").WithField(name);
  }
  out = static_cast<int>(wide);
  return Status::Ok();
}

// format: json (default) or csv.
Result<bool> WantsCsv(const Target& t) {
  std::string f = t.Get("format");
  if (f.empty() || f == "json") return false;
  if (f == "csv") return true;
  return Status::InvalidArgument("format is json or csv, not '" + f + "'").WithField("format");
}

json::object SummaryJson(const analytics::PathBuildSummary& s) {
  return json::object{
      {"profiles", s.profiles},       {"events", s.events},
      {"conversions", s.conversions}, {"conversions_without_touch", s.conversions_without_touch},
      {"null_paths", s.null_paths},   {"filtered_out", s.filtered_out}};
}

Response Transitions(const Target& t, Store& store, const analytics::PathOptions& o, bool csv) {
  analytics::SankeyOptions sankey;
  if (Status s = IntParam(t, "steps", sankey.steps); !s.ok()) return JsonError(s);
  if (Status s = IntParam(t, "top_paths", sankey.top_paths); !s.ok()) return JsonError(s);
  analytics::PathBuildSummary summary;
  auto r = analytics::BuildTransitions(store, o, sankey, &summary);
  if (!r.ok()) return JsonError(r.status());
  if (csv) {
    Csv out({"from", "to", "count", "probability"});
    for (const auto& x : r->transitions) {
      out.Row({x.from, x.to, std::to_string(x.count), CsvNumber(x.probability)});
    }
    return out.Done();
  }
  json::array states, transitions, nodes, links;
  for (const auto& s : r->states) states.push_back(json::value(s));
  for (const auto& x : r->transitions) {
    transitions.push_back(json::object{
        {"from", x.from}, {"to", x.to}, {"count", x.count}, {"probability", x.probability}});
  }
  for (const auto& n : r->nodes) {
    nodes.push_back(json::object{{"id", n.id}, {"name", n.name}, {"step", n.step}});
  }
  for (const auto& l : r->links) {
    links.push_back(json::object{{"source", l.source}, {"target", l.target}, {"value", l.value}});
  }
  return Json(json::object{
      {"states", std::move(states)},
      {"transitions", std::move(transitions)},
      {"sankey", json::object{{"nodes", std::move(nodes)}, {"links", std::move(links)}}},
      {"journeys", r->journeys},
      {"conversions", r->conversions},
      {"nulls", r->nulls},
      {"drawn", r->drawn},
      {"truncated", r->truncated},
      {"filter", FilterJson(o.filter)},
      {"summary", SummaryJson(summary)}});
}

Response Leaks(const Target& t, Store& store, const analytics::PathOptions& o, bool csv) {
  analytics::LeakOptions leaks;
  int64_t limit = 100;
  if (Status s = WholeParam(t, "min_switched", leaks.min_switched); !s.ok()) return JsonError(s);
  if (Status s = WholeParam(t, "limit", limit); !s.ok()) return JsonError(s);
  if (limit < 1 || limit > 10000) {
    return JsonError(Status::InvalidArgument("limit must be 1 to 10000").WithField("limit"));
  }
  if (std::string sort = t.Get("sort"); sort == "rate") {
    leaks.order = analytics::LeakOrder::kRate;
  } else if (!sort.empty() && sort != "leaked") {
    return JsonError(
        Status::InvalidArgument("sort is leaked or rate, not '" + sort + "'").WithField("sort"));
  }
  analytics::PathBuildSummary summary;
  auto r = analytics::BuildLeaks(store, o, leaks, &summary);
  if (!r.ok()) return JsonError(r.status());
  if (r->rows.size() > static_cast<size_t>(limit)) r->rows.resize(limit);
  if (csv) {
    Csv out({"from", "to", "switched", "leaked", "converted_after", "leak_rate", "conversion_rate",
             "stayed", "stayed_leaked", "stay_leak_rate", "excess"});
    for (const auto& x : r->rows) {
      out.Row({x.from, x.to, std::to_string(x.switched), std::to_string(x.leaked),
               std::to_string(x.converted_after), CsvNumber(x.leak_rate),
               CsvNumber(x.conversion_rate), std::to_string(x.stayed),
               std::to_string(x.stayed_leaked), CsvNumber(x.stay_leak_rate), CsvNumber(x.excess)});
    }
    return out.Done();
  }
  json::array items;
  for (const auto& x : r->rows) {
    items.push_back(json::object{{"from", x.from},
                                 {"to", x.to},
                                 {"switched", x.switched},
                                 {"leaked", x.leaked},
                                 {"converted_after", x.converted_after},
                                 {"leak_rate", x.leak_rate},
                                 {"conversion_rate", x.conversion_rate},
                                 {"stayed", x.stayed},
                                 {"stayed_leaked", x.stayed_leaked},
                                 {"stay_leak_rate", JsonOrNull(x.stay_leak_rate)},
                                 {"excess", JsonOrNull(x.excess)}});
  }
  return Json(json::object{{"items", std::move(items)},
                           {"journeys", r->journeys},
                           {"nulls", r->nulls},
                           {"null_rate", r->null_rate},
                           {"filter", FilterJson(o.filter)},
                           {"summary", SummaryJson(summary)}});
}

Response Funnel(const Target& t, Store& store, bool csv) {
  analytics::FunnelOptions o;
  if (std::string stages = t.Get("stages"); !stages.empty()) {
    o.stages.clear();
    std::stringstream ss(stages);
    std::string stage;
    while (std::getline(ss, stage, ',')) o.stages.push_back(Trim(stage));
    if (stages.back() == ',') o.stages.push_back("");
  }
  auto scope = ReportScopeFrom(t);
  if (!scope.ok()) return JsonError(scope.status());
  o.since = scope->since;
  o.until = scope->until;
  o.filter = scope->filter;
  auto r = analytics::BuildFunnel(store, o);
  if (!r.ok()) return JsonError(r.status());
  if (csv) {
    Csv out({"stage", "profiles", "events", "reached", "conversion", "median_days"});
    for (const auto& s : r->stages) {
      out.Row({s.stage, std::to_string(s.profiles), std::to_string(s.events),
               std::to_string(s.reached), CsvNumber(s.conversion), CsvNumber(s.median_days)});
    }
    return out.Done();
  }
  json::array items;
  for (const auto& s : r->stages) {
    items.push_back(json::object{{"stage", s.stage},
                                 {"profiles", s.profiles},
                                 {"events", s.events},
                                 {"reached", s.reached},
                                 {"conversion", JsonOrNull(s.conversion)},
                                 {"median_days", JsonOrNull(s.median_days)}});
  }
  return Json(json::object{
      {"items", std::move(items)}, {"profiles", r->profiles}, {"filter", FilterJson(o.filter)}});
}

json::object PathRowJson(const analytics::PathRow& p) {
  return json::object{{"path", PathJson(p.touches)},
                      {"conversions", p.conversions},
                      {"nulls", p.nulls},
                      {"value", p.value},
                      {"conversion_rate", p.conversion_rate}};
}

Response Journeys(const Target& t, Store& store, const analytics::PathOptions& o, bool csv) {
  analytics::JourneyStatsOptions stats;
  if (Status s = IntParam(t, "top_paths", stats.top_paths); !s.ok()) return JsonError(s);
  if (Status s = IntParam(t, "max_length", stats.max_length); !s.ok()) return JsonError(s);
  std::string table = t.Get("table").empty() ? "top_paths" : t.Get("table");
  if (table != "top_paths" && table != "time_to_conversion" && table != "path_lengths") {
    return JsonError(Status::InvalidArgument("table is top_paths, time_to_conversion or "
                                             "path_lengths, not '" +
                                             table + "'")
                         .WithField("table"));
  }
  analytics::PathBuildSummary summary;
  auto r = analytics::BuildJourneyStats(store, o, stats, &summary);
  if (!r.ok()) return JsonError(r.status());
  if (csv && table == "top_paths") {
    Csv out({"path", "conversions", "nulls", "value", "conversion_rate"});
    for (const auto& p : r->top_paths) {
      out.Row({JoinTouches(p.touches), std::to_string(p.conversions), std::to_string(p.nulls),
               CsvNumber(p.value), CsvNumber(p.conversion_rate)});
    }
    return out.Done();
  }
  if (csv && table == "time_to_conversion") {
    Csv out({"bucket", "conversions"});
    for (const auto& b : r->time_to_conversion) out.Row({b.label, std::to_string(b.conversions)});
    return out.Done();
  }
  if (csv) {
    Csv out({"length", "converting", "null"});
    for (const auto& l : r->lengths) {
      out.Row({std::to_string(l.length) + (l.or_more ? "+" : ""), std::to_string(l.converting),
               std::to_string(l.null)});
    }
    return out.Done();
  }
  json::array buckets, lengths, paths;
  for (const auto& b : r->time_to_conversion) {
    buckets.push_back(json::object{{"bucket", b.label}, {"conversions", b.conversions}});
  }
  for (const auto& l : r->lengths) {
    lengths.push_back(json::object{{"length", l.length},
                                   {"or_more", l.or_more},
                                   {"converting", l.converting},
                                   {"null", l.null}});
  }
  for (const auto& p : r->top_paths) paths.push_back(PathRowJson(p));
  return Json(json::object{
      {"time_to_conversion", json::object{{"buckets", std::move(buckets)},
                                          {"median_days", JsonOrNull(r->median_days)},
                                          {"p90_days", JsonOrNull(r->p90_days)}}},
      {"path_lengths", json::object{{"rows", std::move(lengths)},
                                    {"median_converting", JsonOrNull(r->median_length_converting)},
                                    {"median_null", JsonOrNull(r->median_length_null)}}},
      {"top_paths", std::move(paths)},
      {"journeys", r->journeys},
      {"conversions", r->conversions},
      {"nulls", r->nulls},
      {"filter", FilterJson(o.filter)},
      {"summary", SummaryJson(summary)}});
}

Response Customers(const Target& t, Store& store, const analytics::PathOptions& o, bool csv) {
  analytics::CustomerOptions customers;
  if (Status s = IntParam(t, "top", customers.top); !s.ok()) return JsonError(s);
  if (Status s = IntParam(t, "routes", customers.routes); !s.ok()) return JsonError(s);
  if (Status s = IntParam(t, "route_touches", customers.route_touches); !s.ok()) {
    return JsonError(s);
  }
  analytics::PathBuildSummary summary;
  auto r = analytics::BuildCustomers(store, o, customers, &summary);
  if (!r.ok()) return JsonError(r.status());
  if (csv) {
    Csv out({"profile_id", "user_id", "conversions", "value", "route", "route_conversions",
             "channels"});
    for (const auto& c : r->customers) {
      std::string channels;
      for (const auto& [channel, share] : c.channels) {
        channels += (channels.empty() ? "" : " ") + channel + ":" + CsvNumber(share);
      }
      out.Row({ProfileIdString(c.profile_id), c.user_id, std::to_string(c.conversions),
               CsvNumber(c.value), JoinTouches(c.route), std::to_string(c.route_conversions),
               channels});
    }
    return out.Done();
  }
  json::array items, routes;
  for (const auto& c : r->customers) {
    json::array channels;
    for (const auto& [channel, share] : c.channels) {
      channels.push_back(json::object{{"channel", channel}, {"share", share}});
    }
    items.push_back(json::object{{"profile_id", ProfileIdString(c.profile_id)},
                                 {"user_id", c.user_id},
                                 {"conversions", c.conversions},
                                 {"value", c.value},
                                 {"route", PathJson(c.route)},
                                 {"route_conversions", c.route_conversions},
                                 {"channels", std::move(channels)}});
  }
  for (const auto& p : r->routes) routes.push_back(PathRowJson(p));
  return Json(json::object{{"items", std::move(items)},
                           {"routes", std::move(routes)},
                           {"converting_customers", r->converting_customers},
                           {"total_value", r->total_value},
                           {"top_value", r->top_value},
                           {"top_share", r->total_value > 0 ? r->top_value / r->total_value : 0.0},
                           {"filter", FilterJson(o.filter)},
                           {"summary", SummaryJson(summary)}});
}

}  // namespace

std::optional<Response> JourneyReport(const Request& req, const Target& t, Store* store,
                                      const ChannelCatalog& catalog) {
  static constexpr std::string_view kPrefix = "/v1/reports/";
  if (req.method != "GET" || !t.path.starts_with(kPrefix)) return std::nullopt;
  std::string_view name = std::string_view(t.path).substr(kPrefix.size());
  if (name != "transitions" && name != "leaks" && name != "funnel" && name != "journeys" &&
      name != "customers") {
    return std::nullopt;
  }
  if (!store) return JsonError(Status::Unavailable("reports need the store; none is attached"));
  auto csv = WantsCsv(t);
  if (!csv.ok()) return JsonError(csv.status());
  if (name == "funnel") return Funnel(t, *store, *csv);
  auto options = PathOptionsFrom(t, catalog);
  if (!options.ok()) return JsonError(options.status());
  if (name == "transitions") return Transitions(t, *store, *options, *csv);
  if (name == "leaks") return Leaks(t, *store, *options, *csv);
  if (name == "journeys") return Journeys(t, *store, *options, *csv);
  return Customers(t, *store, *options, *csv);
}

}  // namespace unisono::http
