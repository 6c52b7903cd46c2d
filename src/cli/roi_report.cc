// `unisono report roi` and `unisono report kpis`.
#include "cli/roi_report.h"

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

#include "analytics/analytics.h"
#include "cli/quadrant_report.h"
#include "storage/storage.h"

namespace unisono::cli {
namespace {

// roi's own flags on top of the shared ones.
struct RoiArgs : CostReportArgs {
  std::string by = "channel";
  std::string model = "markov";
  int order = 1;
};

// "1234567.891" -> "1,234,567.89" with two decimals.
std::string Grouped(double v, int decimals) {
  std::string text = Fixed(v, decimals);
  size_t start = text[0] == '-' ? 1 : 0;
  size_t point = text.find('.');
  if (point == std::string::npos) point = text.size();
  for (size_t i = point; i > start + 3; i -= 3) text.insert(i - 3, ",");
  return text;
}

// People get grouped money with two decimals and rates as percentages; machines every digit.
std::string Money(double v, bool machine) { return machine ? Fixed(v, 6) : Grouped(v, 2); }
std::string Rate(const std::optional<double>& v, bool machine) {
  if (!v) return machine ? "" : "-";
  return machine ? Fixed(*v, 6) : Grouped(100 * *v, 1) + "%";
}
std::string Maybe(const std::optional<double>& v, bool machine) {
  if (!v) return machine ? "" : "-";
  return Money(*v, machine);
}

int RunRoi(const RoiArgs& a) {
  auto format = ParseFormat(a.format);
  if (!format.ok()) return Fail("roi", format.status());
  auto catalog = CatalogOf(a.config);
  if (!catalog.ok()) return Fail("roi", catalog.status());
  analytics::RoiOptions o;
  auto paths = CostPathOptions(a, *catalog);
  if (!paths.ok()) return Fail("roi", paths.status());
  o.paths = *paths;
  if (!a.follow_ups.empty()) o.costs.follow_up_events = a.follow_ups;
  auto by = analytics::ParseRoiDimension(a.by);
  if (!by.ok()) return Fail("roi", Status::InvalidArgument("--by: " + by.status().message()));
  o.by = *by;
  auto models = analytics::ParseModelNames(a.model);
  if (!models.ok()) return Fail("roi", models.status());
  if (models->size() != 1) return Fail("roi", Status::InvalidArgument("--model: give one model"));
  o.model.model = models->front();
  if (a.order < 1 || a.order > 4) {
    return Fail("roi", Status::InvalidArgument("--order must be 1 to 4"));
  }
  o.model.markov.order = a.order;
  auto store = OpenReportStore(a.config);
  if (!store.ok()) return Fail("roi", store.status());
  auto report = analytics::BuildRoiReport(**store, *catalog, o);
  if (!report.ok()) return Fail("roi", report.status());

  const bool machine = *format != Format::kTable;
  const bool named = report->by == analytics::RoiDimension::kSegment;
  std::vector<std::string> header = {analytics::RoiDimensionName(report->by)};
  if (named) header.push_back("name");
  for (const char* h :
       machine ? std::vector<const char*>{"contacts", "cost", "unallocated_cost", "conversions",
                                          "value", "cost_per_conversion", "roi"}
               : std::vector<const char*>{"contacts", "cost", "unallocated", "conversions", "value",
                                          "cost/conv", "ROI"}) {
    header.push_back(h);
  }
  Table out(header);
  for (const analytics::RoiRow& r : report->rows) {
    std::vector<std::string> row = {r.key};
    if (named) row.push_back(r.name);
    for (std::string cell :
         {machine ? std::to_string(r.contacts) : WithThousands(r.contacts), Money(r.cost, machine),
          Money(r.unallocated_cost, machine),
          machine ? Fixed(r.conversions, 6) : Grouped(r.conversions, 1), Money(r.value, machine),
          Maybe(r.cost_per_conversion, machine), Rate(r.roi, machine)}) {
      row.push_back(std::move(cell));
    }
    out.Add(std::move(row));
  }
  std::cout << out.Render(*format);
  if (!machine) {
    std::string currency = report->currency.empty() ? "" : " " + report->currency;
    std::cout << "\n"
              << (report->model.empty() ? "each conversion whole to its " + header[0]
                                        : report->model + " attribution")
              << "; total cost " << Money(report->cost, false) << currency << " ("
              << Money(report->unallocated_cost, false) << " unallocated), "
              << Fixed(report->conversions, 0) << " conversions worth "
              << Money(report->value, false) << currency << ", ROI " << Rate(report->roi, false)
              << "\n"
              << FilterFooter(a.filter);
  }
  return 0;
}

int RunKpis(const RoiArgs& a) {
  auto format = ParseFormat(a.format);
  if (!format.ok()) return Fail("kpis", format.status());
  auto catalog = CatalogOf(a.config);
  if (!catalog.ok()) return Fail("kpis", catalog.status());
  analytics::KpiOptions o;
  auto paths = CostPathOptions(a, *catalog);
  if (!paths.ok()) return Fail("kpis", paths.status());
  o.paths = *paths;
  if (!a.follow_ups.empty()) o.costs.follow_up_events = a.follow_ups;
  if (!a.responses.empty()) o.response_events = a.responses;
  auto store = OpenReportStore(a.config);
  if (!store.ok()) return Fail("kpis", store.status());
  auto report = analytics::BuildChannelKpis(**store, *catalog, o);
  if (!report.ok()) return Fail("kpis", report.status());

  const bool machine = *format != Format::kTable;
  Table out = machine ? Table({"channel", "declared_role", "reach", "contacts", "frequency",
                               "responses", "engagement_rate", "conversions_touched",
                               "converting_profiles", "conversion_rate", "cost", "cost_per_contact",
                               "closes", "assists", "close_share", "observed_role"})
                      : Table({"channel", "role", "reach", "contacts", "freq", "engaged",
                               "conv. touched", "conv. rate", "cost", "cost/contact", "closes",
                               "assists", "closing", "acts as"});
  auto count = [&](int64_t n) { return machine ? std::to_string(n) : WithThousands(n); };
  for (const analytics::ChannelKpis& k : report->channels) {
    std::string frequency = k.frequency ? Fixed(*k.frequency, machine ? 6 : 1) : "";
    if (machine) {
      out.Add({k.channel, k.declared_role, count(k.reach), count(k.contacts), frequency,
               count(k.responses), Rate(k.engagement_rate, true), count(k.conversions_touched),
               count(k.converting_profiles), Rate(k.conversion_rate, true), Money(k.cost, true),
               Maybe(k.cost_per_contact, true), count(k.closes), count(k.assists),
               Rate(k.close_share, true), k.observed_role});
    } else {
      out.Add({k.channel, k.declared_role, count(k.reach), count(k.contacts),
               frequency.empty() ? "-" : frequency, Rate(k.engagement_rate, false),
               count(k.conversions_touched), Rate(k.conversion_rate, false), Money(k.cost, false),
               Maybe(k.cost_per_contact, false), count(k.closes), count(k.assists),
               Rate(k.close_share, false), k.observed_role.empty() ? "-" : k.observed_role});
    }
  }
  std::cout << out.Render(*format);
  if (!machine) {
    std::cout << "\n"
              << WithThousands(report->reach) << " profiles reached, "
              << WithThousands(report->conversions) << " conversions; a channel acts as direct "
              << "when it closes more often than the average touch ("
              << Rate(report->baseline_close_share, false) << ")"
              << (report->currency.empty() ? "" : "; costs in " + report->currency) << "\n"
              << FilterFooter(a.filter);
  }
  return 0;
}

}  // namespace

int Fail(const std::string& command, const Status& s) {
  std::cerr << "unisono report " << command << ": " << s.message() << "\n";
  return s.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

Result<ChannelCatalog> CatalogOf(const Config& config) {
  if (config.channels.empty()) return ChannelCatalog::Builtin();
  return ChannelCatalog::FromFile(config.channels);
}

Result<analytics::PathOptions> CostPathOptions(const CostReportArgs& a,
                                               const ChannelCatalog& catalog) {
  analytics::PathOptions o;
  auto lookback = ParseDuration(a.lookback);
  if (!lookback.ok()) return Status::InvalidArgument("--lookback: " + lookback.status().message());
  o.lookback = *lookback;
  if (!a.conversions.empty()) o.conversion_events = a.conversions;
  o.collapse_repeats = a.collapse_repeats;
  for (auto [flag, text, out] :
       {std::tuple{"--since", &a.since, &o.since}, std::tuple{"--until", &a.until, &o.until}}) {
    if (text->empty()) continue;
    auto t = ParseTimestamp(*text);
    if (!t.ok()) return Status::InvalidArgument(std::string(flag) + ": " + t.status().message());
    *out = *t;
  }
  o.filter = a.filter;
  if (a.exclude_inbound) {
    for (const auto& c : catalog.channels()) {
      if (c.direction == "inbound") o.excluded_channels.push_back(c.id);
    }
  }
  return o;
}

void AddCostReportOptions(CLI::App& sub, CostReportArgs& a) {
  sub.add_option("--lookback", a.lookback, "touches this far before a conversion")
      ->capture_default_str();
  sub.add_option("--conversion", a.conversions,
                 "conversion event name, repeatable (default: Prescription Written, Order "
                 "Completed)");
  sub.add_option("--follow-up", a.follow_ups,
                 "event answering a contact (no contact, no cost), repeatable (default: Email "
                 "Opened, Email Clicked, Link Clicked, Content Shared, Signed In, "
                 "Unsubscribed)");
  sub.add_flag("--collapse-repeats", a.collapse_repeats,
               "count consecutive touches on the same channel once");
  sub.add_flag("--exclude-inbound", a.exclude_inbound,
               "leave channels the catalog marks inbound-only off the paths");
  sub.add_option("--since", a.since, "only events from this time (ISO-8601)");
  sub.add_option("--until", a.until, "only events before this time");
  AddReportFilterOptions(sub, a.filter);
  sub.add_option("--format", a.format, "table|csv|json")->capture_default_str();
}

std::function<std::optional<int>()> AddRoiReportCommands(
    CLI::App& report, const Config& defaults,
    const std::function<void(CLI::App&, Config&)>& add_common) {
  // CLI11 keeps pointers to the bound variables: they live as long as the returned runner.
  auto roi_args = std::make_shared<RoiArgs>();
  auto kpi_args = std::make_shared<RoiArgs>();
  roi_args->config = kpi_args->config = defaults;

  CLI::App* roi = report.add_subcommand(
      "roi", "cost, attributed conversions and value, cost per conversion and ROI");
  add_common(*roi, roi_args->config);
  roi->add_option("--by", roi_args->by, "channel|campaign|communication|product|segment")
      ->capture_default_str();
  roi->add_option("--model", roi_args->model,
                  "attribution model splitting conversions by channel, campaign or "
                  "communication: first, last, linear, time_decay, position, markov, shapley")
      ->capture_default_str();
  roi->add_option("--order", roi_args->order, "Markov chain order (1-4)")->capture_default_str();
  AddCostReportOptions(*roi, *roi_args);

  CLI::App* kpis = report.add_subcommand(
      "kpis",
      "per channel: reach, contacts, frequency, engagement, conversions, cost, closes "
      "versus assists");
  add_common(*kpis, kpi_args->config);
  kpis->add_option("--response", kpi_args->responses,
                   "response event name, repeatable; 'page' and 'screen' for those calls "
                   "(default: Email Opened, Email Clicked, Content Shared, Webinar Attended, page, "
                   "screen)");
  AddCostReportOptions(*kpis, *kpi_args);

  auto run_quadrants = AddQuadrantReportCommand(report, defaults, add_common);

  return [roi, kpis, roi_args, kpi_args, run_quadrants]() -> std::optional<int> {
    if (roi->parsed()) return RunRoi(*roi_args);
    if (kpis->parsed()) return RunKpis(*kpi_args);
    return run_quadrants();
  };
}

}  // namespace unisono::cli
