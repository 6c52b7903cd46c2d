#include "server/internal/reports.h"

#include <boost/json.hpp>
#include <sstream>

#include "analytics/analytics.h"
#include "server/internal/render.h"

namespace unisono::http {
namespace json = boost::json;

namespace {

Status Field(Status s, const char* field) { return s.WithField(field); }

}  // namespace

Result<ReportScope> ReportScopeFrom(const Target& t) {
  ReportScope scope;
  for (auto [name, out] : {std::pair{"since", &scope.since}, std::pair{"until", &scope.until}}) {
    if (auto v = t.Get(name); !v.empty()) {
      auto ts = ParseTimestamp(v);
      if (!ts.ok()) return Field(ts.status(), name);
      *out = *ts;
    }
  }
  scope.filter = {Trim(t.Get("segment")), Trim(t.Get("product")), Trim(t.Get("campaign"))};
  return scope;
}

json::object FilterJson(const analytics::ReportFilter& f) {
  auto value = [](const std::string& v) {
    std::string trimmed = Trim(v);
    return trimmed.empty() ? json::value(nullptr) : json::value(trimmed);
  };
  return json::object{{"segment", value(f.segment)},
                      {"product", value(f.product)},
                      {"campaign", value(f.campaign)}};
}

Result<analytics::PathOptions> PathOptionsFrom(const Target& t, const ChannelCatalog& catalog) {
  analytics::PathOptions o;
  if (auto v = t.Get("lookback"); !v.empty()) {
    auto d = ParseDuration(v);
    if (!d.ok()) return Field(d.status(), "lookback");
    o.lookback = *d;
  }
  if (auto v = t.Get("granularity"); !v.empty()) {
    auto g = analytics::ParseGranularity(v);
    if (!g.ok()) return Field(g.status(), "granularity");
    o.granularity = *g;
  }
  auto [first, last] = t.query.equal_range("conversion");
  if (first != last) o.conversion_events.clear();
  for (auto it = first; it != last; ++it) o.conversion_events.push_back(it->second);
  auto scope = ReportScopeFrom(t);
  if (!scope.ok()) return scope.status();
  o.since = scope->since;
  o.until = scope->until;
  o.filter = scope->filter;
  for (auto [name, flag] : {std::pair{"collapse_repeats", &o.collapse_repeats}}) {
    std::string v = t.Get(name);
    if (v.empty() || v == "false") continue;
    if (v != "true")
      return Field(Status::InvalidArgument(std::string(name) + " is true or false"), name);
    *flag = true;
  }
  if (t.Get("exclude_inbound") == "true") {
    for (const auto& c : catalog.channels()) {
      if (c.direction == "inbound") o.excluded_channels.push_back(c.id);
    }
  }
  return o;
}

namespace {

json::object SummaryJson(const analytics::PathBuildSummary& s, size_t distinct_paths) {
  return json::object{
      {"profiles", s.profiles},          {"events", s.events},
      {"conversions", s.conversions},    {"conversions_without_touch", s.conversions_without_touch},
      {"null_paths", s.null_paths},      {"filtered_out", s.filtered_out},
      {"distinct_paths", distinct_paths}};
}

}  // namespace

Response PathsReport(const Target& t, Store* store, const ChannelCatalog& catalog) {
  if (!store) return JsonError(Status::Unavailable("reports need the store; none is attached"));
  auto options = PathOptionsFrom(t, catalog);
  if (!options.ok()) return JsonError(options.status());
  analytics::PathBuildSummary summary;
  auto table = analytics::BuildPaths(*store, *options, &summary);
  if (!table.ok()) return JsonError(table.status());
  if (t.Get("format") == "csv") {
    std::ostringstream out;
    analytics::WritePathFile(*table, out);
    Response r;
    r.body = out.str();
    r.content_type = "text/csv";
    return r;
  }
  // Most converting paths first, as in the path file.
  std::vector<const analytics::Path*> order = analytics::PathsByConversions(*table);
  size_t offset = 0, limit = 100;
  try {
    if (auto c = t.Get("cursor"); !c.empty()) offset = std::stoul(c);
    if (auto l = t.Get("limit"); !l.empty()) limit = std::stoul(l);
  } catch (const std::exception&) {
    return JsonError(Status::InvalidArgument("limit and cursor are whole numbers"));
  }
  if (limit < 1 || limit > 10000) {
    return JsonError(Status::InvalidArgument("limit must be 1 to 10000").WithField("limit"));
  }
  json::array items;
  for (size_t i = offset; i < order.size() && i < offset + limit; ++i) {
    json::array touches;
    for (const auto& touch : order[i]->touches) touches.push_back(json::value(touch));
    items.push_back(json::object{{"path", std::move(touches)},
                                 {"conversions", order[i]->conversions},
                                 {"value", order[i]->value},
                                 {"nulls", order[i]->nulls}});
  }
  json::value next = offset + limit < order.size() ? json::value(std::to_string(offset + limit))
                                                   : json::value(nullptr);
  return Json(json::object{{"items", std::move(items)},
                           {"next_cursor", next},
                           {"filter", FilterJson(options->filter)},
                           {"summary", SummaryJson(summary, order.size())}});
}

Response AttributionReport(const Target& t, Store* store, const ChannelCatalog& catalog) {
  if (!store) return JsonError(Status::Unavailable("reports need the store; none is attached"));
  auto options = PathOptionsFrom(t, catalog);
  if (!options.ok()) return JsonError(options.status());
  auto models = analytics::ParseModelNames(t.Get("model").empty() ? "all" : t.Get("model"));
  if (!models.ok()) return JsonError(Field(models.status(), "model"));
  analytics::ModelSpec spec;
  if (auto o = t.Get("order"); !o.empty()) {
    if (o.size() != 1 || o[0] < '1' || o[0] > '4') {
      return JsonError(Status::InvalidArgument("order must be 1 to 4").WithField("order"));
    }
    spec.markov.order = o[0] - '0';
  }
  // Model options: time decay half-life, position shares, Shapley's worth.
  for (auto [key, out] : {std::pair{"half_life", &spec.time_decay.half_life_touches},
                          std::pair{"first_share", &spec.position.first_share},
                          std::pair{"last_share", &spec.position.last_share}}) {
    std::string text = t.Get(key);
    if (text.empty()) continue;
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || !(v >= 0 && v <= (key[0] == 'h' ? 1e6 : 1.0))) {
      return JsonError(Status::InvalidArgument(std::string(key) + " must be a number" +
                                               (key[0] == 'h' ? " above 0" : " from 0 to 1"))
                           .WithField(key));
    }
    *out = v;
  }
  if (spec.time_decay.half_life_touches <= 0) {
    return JsonError(Status::InvalidArgument("half_life must be above 0").WithField("half_life"));
  }
  if (spec.position.first_share + spec.position.last_share > 1) {
    return JsonError(Status::InvalidArgument("first_share + last_share must be at most 1")
                         .WithField("last_share"));
  }
  if (std::string v = t.Get("shapley_value"); !v.empty()) {
    if (v != "conversions" && v != "conversion_rate") {
      return JsonError(Status::InvalidArgument("shapley_value is conversions or conversion_rate")
                           .WithField("shapley_value"));
    }
    spec.shapley.by_conversion_rate = v == "conversion_rate";
  }
  analytics::PathBuildSummary summary;
  auto table = analytics::BuildPaths(*store, *options, &summary);
  if (!table.ok()) return JsonError(table.status());
  double total = analytics::TotalConversions(*table);
  if (t.Get("view") == "transitions") {
    auto chain = analytics::AnalyseMarkovChain(*table, spec.markov);
    if (!chain.ok()) return JsonError(chain.status());
    json::array transitions, effects;
    for (const auto& tr : chain->transitions) {
      transitions.push_back(
          json::object{{"from", tr.from}, {"to", tr.to}, {"probability", tr.probability}});
    }
    for (const auto& [channel, effect] : chain->removal_effects) {
      effects.push_back(json::object{{"channel", channel}, {"removal_effect", effect}});
    }
    return Json(json::object{{"order", chain->order},
                             {"conversion_probability", chain->conversion_probability},
                             {"transitions", std::move(transitions)},
                             {"removal_effects", std::move(effects)},
                             {"filter", FilterJson(options->filter)}});
  }
  if (t.Get("view") == "ordered_shapley") {
    auto credits = analytics::OrderedShapley(*table, spec.shapley);
    if (!credits.ok()) return JsonError(credits.status());
    json::array items;
    for (const auto& c : *credits) {
      items.push_back(json::object{{"channel", c.channel},
                                   {"position", c.position},
                                   {"conversions", c.conversions},
                                   {"value", c.value}});
    }
    return Json(json::object{{"items", std::move(items)},
                             {"total_conversions", total},
                             {"filter", FilterJson(options->filter)}});
  }
  if (std::string view = t.Get("view"); !view.empty() && view != "models") {
    return JsonError(
        Status::InvalidArgument("view is models (default), transitions or ordered_shapley")
            .WithField("view"));
  }
  json::array items;
  for (const auto& name : *models) {
    spec.model = name;
    auto rows = analytics::Attribute(*table, spec);
    if (!rows.ok()) return JsonError(rows.status());
    for (const auto& r : *rows) {
      items.push_back(json::object{{"model", name},
                                   {"channel", r.channel},
                                   {"conversions", r.conversions},
                                   {"value", r.value},
                                   {"share", total > 0 ? r.conversions / total : 0.0}});
    }
  }
  return Json(json::object{{"items", std::move(items)},
                           {"total_conversions", total},
                           {"total_value", analytics::TotalValue(*table)},
                           {"filter", FilterJson(options->filter)},
                           {"summary", SummaryJson(summary, table->paths.size())}});
}

}  // namespace unisono::http
