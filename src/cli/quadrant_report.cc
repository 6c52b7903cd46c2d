// `unisono report quadrants`.
#include "cli/quadrant_report.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "analytics/analytics.h"
#include "cli/roi_report.h"

namespace unisono::cli {
namespace {

struct QuadrantArgs : CostReportArgs {
  std::string online_threshold;  // empty: the median
  std::string offline_threshold;
  std::string quadrant;
  int64_t limit = 0;  // 0: 20 in a table, all otherwise
  std::string table;  // csv/json: quadrants (default) or customers
};

constexpr int64_t kTableCustomers = 20;

// An error the report names by its query parameter, told as the flag.
Status AsFlag(const Status& s) {
  if (s.field().empty()) return s;
  std::string flag = s.field();
  std::replace(flag.begin(), flag.end(), '_', '-');
  return Status(s.code(), "--" + flag + ": " + s.message());
}

Result<std::optional<double>> Threshold(const std::string& text, const char* flag) {
  if (text.empty()) return std::optional<double>();
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) {
    return Status::InvalidArgument(std::string(flag) + " is a number, not '" + text + "'");
  }
  return std::optional<double>(v);
}

Result<analytics::QuadrantOptions> OptionsFrom(const QuadrantArgs& a,
                                               const ChannelCatalog& catalog) {
  analytics::QuadrantOptions o;
  auto paths = CostPathOptions(a, catalog);
  if (!paths.ok()) return paths.status();
  o.paths = *paths;
  if (!a.follow_ups.empty()) o.costs.follow_up_events = a.follow_ups;
  if (!a.responses.empty()) o.response_events = a.responses;
  auto online = Threshold(a.online_threshold, "--online-threshold");
  if (!online.ok()) return online.status();
  auto offline = Threshold(a.offline_threshold, "--offline-threshold");
  if (!offline.ok()) return offline.status();
  o.online_threshold = *online;
  o.offline_threshold = *offline;
  if (!a.quadrant.empty()) {
    auto q = analytics::ParseQuadrant(a.quadrant);
    if (!q.ok()) return Status::InvalidArgument("--quadrant: " + q.status().message());
    o.quadrant = *q;
  }
  o.limit = a.limit;
  return o;
}

// People get grouped numbers, a decimal or two and percentages; machines every digit.
struct Cells {
  bool machine;
  std::string Count(int64_t n) const { return machine ? std::to_string(n) : WithThousands(n); }
  std::string Mean(const std::optional<double>& v) const {
    return !v ? (machine ? "" : "-") : Fixed(*v, machine ? 6 : 1);
  }
  std::string Money(double v) const {
    std::string fixed = Fixed(v, machine ? 6 : 2);
    if (machine || v < 0) return fixed;
    size_t dot = fixed.find('.');
    return WithThousands(std::stoll(fixed.substr(0, dot))) + fixed.substr(dot);
  }
  std::string Money(const std::optional<double>& v) const {
    return !v ? (machine ? "" : "-") : Money(*v);
  }
  std::string Rate(const std::optional<double>& v) const {
    if (!v) return machine ? "" : "-";
    return machine ? Fixed(*v, 6) : Fixed(100 * *v, 1) + "%";
  }
};

Table QuadrantTable(const analytics::QuadrantReport& r, const Cells& c) {
  Table out = c.machine
                  ? Table({"quadrant", "customers", "share", "online_engagements",
                           "offline_engagements", "online_contacts", "offline_contacts",
                           "online_cost", "offline_cost", "converting_customers", "conversion_rate",
                           "conversions", "value", "value_per_customer"})
                  : Table({"quadrant", "customers", "share", "engaged online", "engaged offline",
                           "contacts online", "contacts offline", "cost online", "cost offline",
                           "converting", "conv. rate", "conversions", "value", "value/customer"});
  for (const analytics::QuadrantRow& q : r.quadrants) {
    out.Add({analytics::QuadrantName(q.quadrant), c.Count(q.customers), c.Rate(q.share),
             c.Mean(q.online_engagements), c.Mean(q.offline_engagements), c.Mean(q.online_contacts),
             c.Mean(q.offline_contacts), c.Money(q.online_cost), c.Money(q.offline_cost),
             c.Count(q.converting_customers), c.Rate(q.conversion_rate), c.Count(q.conversions),
             c.Money(q.value), c.Money(q.value_per_customer)});
  }
  return out;
}

Table CustomerTable(const analytics::QuadrantReport& r, const Cells& c) {
  Table out = c.machine ? Table({"profile_id", "user_id", "online_engagements",
                                 "offline_engagements", "online_contacts", "offline_contacts",
                                 "online_cost", "offline_cost", "conversions", "value", "quadrant"})
                        : Table({"profile_id", "user_id", "engaged online", "engaged offline",
                                 "contacts online", "contacts offline", "cost online",
                                 "cost offline", "conversions", "value", "quadrant"});
  for (const analytics::QuadrantCustomer& x : r.list) {
    out.Add({ProfileIdString(x.profile_id), x.user_id, c.Count(x.online_engagements),
             c.Count(x.offline_engagements), c.Count(x.online_contacts),
             c.Count(x.offline_contacts), c.Money(x.online_cost), c.Money(x.offline_cost),
             c.Count(x.conversions), c.Money(x.value), analytics::QuadrantName(x.quadrant)});
  }
  return out;
}

std::string ThresholdText(double value, bool median) {
  return Fixed(value, value == static_cast<int64_t>(value) ? 0 : 1) + " engagements or more" +
         (median ? " (the median, at least 1)" : "");
}

void PrintForPeople(const analytics::QuadrantReport& r, const QuadrantArgs& a, int64_t total) {
  Cells c{false};
  std::cout << "engaged online at "
            << ThresholdText(r.online_threshold, r.online_threshold_is_median) << ", offline at "
            << ThresholdText(r.offline_threshold, r.offline_threshold_is_median) << "\n\n"
            << QuadrantTable(r, c).Render(Format::kTable) << "\nTop customers by value"
            << (a.quadrant.empty() ? "" : " (" + a.quadrant + ")") << "\n"
            << CustomerTable(r, c).Render(Format::kTable);
  if (static_cast<int64_t>(r.list.size()) < total) {
    std::cout << "(top " << r.list.size() << " of " << WithThousands(total)
              << "; --limit or --format csv --table customers for more)\n";
  }
  std::cout << "\n"
            << WithThousands(r.customers) << " customers"
            << (r.currency.empty() ? "" : "; costs in " + r.currency) << "\n";
  if (r.unknown_channel_events > 0) {
    std::string channels;
    for (const auto& ch : r.unknown_channels) channels += (channels.empty() ? "" : ", ") + ch;
    std::cout << WithThousands(r.unknown_channel_events)
              << " events on channels not in the catalog left out: " << channels << "\n";
  }
  std::cout << FilterFooter(a.filter);
}

int Run(const QuadrantArgs& a) {
  auto format = ParseFormat(a.format);
  if (!format.ok()) return Fail("quadrants", format.status());
  if (!a.table.empty() && a.table != "quadrants" && a.table != "customers") {
    return Fail("quadrants", Status::InvalidArgument("--table is quadrants or customers, not '" +
                                                     a.table + "'"));
  }
  auto catalog = CatalogOf(a.config);
  if (!catalog.ok()) return Fail("quadrants", catalog.status());
  auto options = OptionsFrom(a, *catalog);
  if (!options.ok()) return Fail("quadrants", options.status());
  const bool people = *format == Format::kTable;
  // A table lists the top customers; to say how many there were, ask for them all.
  if (people && a.limit == 0) options->limit = 0;
  auto store = OpenReportStore(a.config);
  if (!store.ok()) return Fail("quadrants", store.status());
  auto report = analytics::BuildEngagementQuadrants(**store, *catalog, *options);
  if (!report.ok()) return Fail("quadrants", AsFlag(report.status()));
  if (people) {
    int64_t total = static_cast<int64_t>(report->list.size());
    if (a.limit == 0 && total > kTableCustomers) report->list.resize(kTableCustomers);
    PrintForPeople(*report, a, total);
    return 0;
  }
  Cells c{true};
  Table out = a.table == "customers" ? CustomerTable(*report, c) : QuadrantTable(*report, c);
  std::cout << out.Render(*format);
  return 0;
}

}  // namespace

std::function<std::optional<int>()> AddQuadrantReportCommand(
    CLI::App& report, const Config& defaults,
    const std::function<void(CLI::App&, Config&)>& add_common) {
  // CLI11 keeps pointers to the bound variables: they live as long as the returned runner.
  auto args = std::make_shared<QuadrantArgs>();
  args->config = defaults;
  CLI::App* sub = report.add_subcommand(
      "quadrants",
      "online versus offline engagement per customer: omnichannel, digital, personal, "
      "disengaged");
  add_common(*sub, args->config);
  AddCostReportOptions(*sub, *args);
  sub->add_option("--response", args->responses,
                  "response event name, repeatable; 'page' and 'screen' for those calls "
                  "(default: Email Opened, Email Clicked, Content Shared, Webinar Attended, "
                  "page, screen, Signed In)");
  sub->add_option("--online-threshold", args->online_threshold,
                  "online engagements that make a customer engaged online (default: the "
                  "median, at least 1)");
  sub->add_option("--offline-threshold", args->offline_threshold,
                  "offline engagements that make a customer engaged offline (default: the "
                  "median, at least 1)");
  sub->add_option("--quadrant", args->quadrant,
                  "list only this quadrant's customers: omnichannel, digital, personal or "
                  "disengaged");
  sub->add_option("--limit", args->limit,
                  "customers to list (default: 20 in a table, all otherwise)");
  sub->add_option("--table", args->table, "csv/json: quadrants (default) or customers");
  return [sub, args]() -> std::optional<int> {
    if (sub->parsed()) return Run(*args);
    return std::nullopt;
  };
}

}  // namespace unisono::cli
