// `unisono report transitions|leaks|funnel|journeys|customers`.
#include "cli/journey_report.h"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "analytics/analytics.h"

namespace unisono::cli {
namespace {

namespace json = boost::json;

// Numbers as people read them (table) or as machines do (csv, json).
class Numbers {
 public:
  explicit Numbers(Format f) : people_(f == Format::kTable) {}
  std::string Count(int64_t n) const { return people_ ? WithThousands(n) : std::to_string(n); }
  std::string Rate(double r) const { return people_ ? Fixed(r * 100, 1) + "%" : Raw(r); }
  std::string Rate(const std::optional<double>& r) const { return r ? Rate(*r) : ""; }
  std::string Signed(const std::optional<double>& r) const {  // a difference of rates
    if (!r) return "";
    return people_ ? (*r >= 0 ? "+" : "") + Fixed(*r * 100, 1) + "pp" : Raw(*r);
  }
  std::string Money(double v) const {
    std::string fixed = Fixed(v, 2);
    if (!people_ || v < 0) return fixed;
    size_t dot = fixed.find('.');
    return WithThousands(std::stoll(fixed.substr(0, dot))) + fixed.substr(dot);
  }
  std::string Decimal(const std::optional<double>& d) const {
    return !d ? "" : people_ ? Fixed(*d, 1) : Raw(*d);
  }
  bool people() const { return people_; }

 private:
  static std::string Fixed(double v, int digits) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(digits) << v;
    return s.str();
  }
  static std::string Raw(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
  }
  bool people_;
};

std::string Joined(const std::vector<std::string>& touches) {
  std::string s;
  for (const auto& t : touches) s += (s.empty() ? "" : " > ") + t;
  return s;
}

void Section(const Numbers& n, const std::string& title) {
  if (n.people()) std::cout << "\n" << title << "\n";
}

Status Transitions(Store& store, const analytics::PathOptions& o, const JourneyReportArgs& args,
                   Format format) {
  analytics::PathBuildSummary summary;
  auto r = analytics::BuildTransitions(store, o, {args.steps, args.top_paths}, &summary);
  if (!r.ok()) return r.status();
  Numbers n(format);
  if (args.sankey && format == Format::kJson) {
    json::array nodes, links;
    for (const auto& x : r->nodes) {
      nodes.push_back(json::object{{"id", x.id}, {"name", x.name}, {"step", x.step}});
    }
    for (const auto& l : r->links) {
      links.push_back(json::object{{"source", l.source}, {"target", l.target}, {"value", l.value}});
    }
    std::cout << json::serialize(json::object{{"nodes", nodes}, {"links", links}}) << "\n";
    return Status::Ok();
  }
  if (args.sankey) {
    Table out({"source", "target", "value"});
    for (const auto& l : r->links) out.Add({l.source, l.target, n.Count(l.value)});
    std::cout << out.Render(format);
  } else {
    Table out({"from", "to", "count", "probability"});
    for (const auto& t : r->transitions) {
      out.Add({t.from, t.to, n.Count(t.count), n.Rate(t.probability)});
    }
    std::cout << out.Render(format);
  }
  if (n.people()) {
    std::cout << "\n"
              << n.Count(r->journeys) << " journeys: " << n.Count(r->conversions) << " converted, "
              << n.Count(r->nulls) << " did not";
    if (args.sankey) {
      std::cout << "; " << n.Count(r->drawn) << " drawn, " << n.Count(r->truncated)
                << " longer than " << args.steps << " steps";
    }
    std::cout << "\n" << FilterFooter(o.filter, summary.filtered_out);
  }
  return Status::Ok();
}

Result<analytics::LeakOrder> ParseLeakOrder(const std::string& sort) {
  if (sort == "leaked") return analytics::LeakOrder::kLeaked;
  if (sort == "rate") return analytics::LeakOrder::kRate;
  return Status::InvalidArgument("--sort is leaked or rate, not '" + sort + "'");
}

Status Leaks(Store& store, const analytics::PathOptions& o, const JourneyReportArgs& args,
             Format format) {
  auto order = ParseLeakOrder(args.sort);
  if (!order.ok()) return order.status();
  if (args.limit < 0) return Status::InvalidArgument("--limit must be 0 (default) or more");
  analytics::PathBuildSummary summary;
  auto r = analytics::BuildLeaks(store, o, {args.min_switched, *order}, &summary);
  if (!r.ok()) return r.status();
  Numbers n(format);
  size_t limit = args.limit > 0 ? args.limit : n.people() ? 25 : r->rows.size();
  Table out({"from", "to", "switched", "leaked", "converted_after", "leak_rate", "conversion_rate",
             "stayed", "stayed_leaked", "stay_leak_rate", "excess"});
  for (size_t i = 0; i < r->rows.size() && i < limit; ++i) {
    const auto& x = r->rows[i];
    out.Add({x.from, x.to, n.Count(x.switched), n.Count(x.leaked), n.Count(x.converted_after),
             n.Rate(x.leak_rate), n.Rate(x.conversion_rate), n.Count(x.stayed),
             n.Count(x.stayed_leaked), n.Rate(x.stay_leak_rate), n.Signed(x.excess)});
  }
  std::cout << out.Render(format);
  if (n.people()) {
    if (limit < r->rows.size()) {
      std::cout << "(top " << limit << " of " << n.Count(r->rows.size())
                << " switches; --limit or --format csv for more)\n";
    }
    std::cout << "\n"
              << n.Count(r->journeys) << " journeys, " << n.Count(r->nulls)
              << " without conversion (" << n.Rate(r->null_rate) << ")\n"
              << FilterFooter(o.filter, summary.filtered_out);
  }
  return Status::Ok();
}

Status Funnel(const Config& config, const JourneyReportArgs& args, Format format) {
  analytics::FunnelOptions o;
  if (!args.stages.empty()) {
    o.stages.clear();
    std::stringstream ss(args.stages + ",");
    for (std::string stage; std::getline(ss, stage, ',');) o.stages.push_back(Trim(stage));
  }
  auto options = PathOptionsFromArgs(config, args.paths);  // since, until, filter
  if (!options.ok()) return options.status();
  o.since = options->since;
  o.until = options->until;
  o.filter = options->filter;
  auto store = OpenReportStore(config);
  if (!store.ok()) return store.status();
  auto r = analytics::BuildFunnel(**store, o);
  if (!r.ok()) return r.status();
  Numbers n(format);
  Table out({"stage", "profiles", "events", "reached", "conversion", "median_days"});
  for (const auto& s : r->stages) {
    out.Add({s.stage, n.Count(s.profiles), n.Count(s.events), n.Count(s.reached),
             n.Rate(s.conversion), n.Decimal(s.median_days)});
  }
  std::cout << out.Render(format);
  if (n.people()) {
    std::cout << "\n"
              << n.Count(r->profiles)
              << " profiles with events; reached = in funnel order, median_days = from the "
                 "previous stage\n"
              << FilterFooter(o.filter);
  }
  return Status::Ok();
}

Status Journeys(Store& store, const analytics::PathOptions& o, const JourneyReportArgs& args,
                Format format) {
  std::string table = args.table.empty() ? "top_paths" : args.table;
  if (table != "top_paths" && table != "time_to_conversion" && table != "path_lengths") {
    return Status::InvalidArgument("--table is top_paths, time_to_conversion or path_lengths");
  }
  analytics::JourneyStatsOptions stats;
  if (args.top_paths > 0) stats.top_paths = args.top_paths;
  stats.max_length = args.max_length;
  analytics::PathBuildSummary summary;
  auto r = analytics::BuildJourneyStats(store, o, stats, &summary);
  if (!r.ok()) return r.status();
  Numbers n(format);
  const bool all = n.people();
  if (all || table == "time_to_conversion") {
    Section(n, "Time to conversion (first touch to conversion)");
    Table out({"bucket", "conversions", "share"});
    for (const auto& b : r->time_to_conversion) {
      double share = r->conversions ? static_cast<double>(b.conversions) / r->conversions : 0;
      out.Add({b.label, n.Count(b.conversions), n.Rate(share)});
    }
    std::cout << out.Render(format);
    if (all) {
      std::cout << "median " << n.Decimal(r->median_days) << " days, p90 " << n.Decimal(r->p90_days)
                << " days\n";
    }
  }
  if (all || table == "path_lengths") {
    Section(n, "Touches per journey");
    Table out({"length", "converting", "null"});
    for (const auto& l : r->lengths) {
      out.Add({std::to_string(l.length) + (l.or_more ? "+" : ""), n.Count(l.converting),
               n.Count(l.null)});
    }
    std::cout << out.Render(format);
    if (all) {
      std::cout << "median " << n.Decimal(r->median_length_converting) << " touches converting, "
                << n.Decimal(r->median_length_null) << " without conversion\n";
    }
  }
  if (all || table == "top_paths") {
    Section(n, "Top converting paths");
    Table out({"path", "conversions", "nulls", "value", "conversion_rate"});
    for (const auto& p : r->top_paths) {
      out.Add({Joined(p.touches), n.Count(p.conversions), n.Count(p.nulls), n.Money(p.value),
               n.Rate(p.conversion_rate)});
    }
    std::cout << out.Render(format);
  }
  if (all) {
    std::cout << "\n"
              << n.Count(r->journeys) << " journeys: " << n.Count(r->conversions) << " converted, "
              << n.Count(r->nulls) << " did not\n"
              << FilterFooter(o.filter, summary.filtered_out);
  }
  return Status::Ok();
}

Status Customers(Store& store, const analytics::PathOptions& o, const JourneyReportArgs& args,
                 Format format) {
  std::string table = args.table.empty() ? "customers" : args.table;
  if (table != "customers" && table != "routes") {
    return Status::InvalidArgument("--table is customers or routes");
  }
  analytics::PathBuildSummary summary;
  auto r =
      analytics::BuildCustomers(store, o, {args.top, args.routes, args.route_touches}, &summary);
  if (!r.ok()) return r.status();
  Numbers n(format);
  const bool all = n.people();
  if (all || table == "customers") {
    Table out({"profile_id", "user_id", "conversions", "value", "route", "route_conversions",
               "channels"});
    for (const auto& c : r->customers) {
      std::string channels;
      for (const auto& [channel, share] : c.channels) {
        channels += (channels.empty() ? "" : " ") + channel + ":" + n.Rate(share);
      }
      out.Add({ProfileIdString(c.profile_id), c.user_id, n.Count(c.conversions), n.Money(c.value),
               Joined(c.route), n.Count(c.route_conversions), channels});
    }
    std::cout << out.Render(format);
  }
  if (all || table == "routes") {
    Section(n, "Their most frequent routes");
    Table out({"path", "conversions", "nulls", "value", "conversion_rate"});
    for (const auto& p : r->routes) {
      out.Add({Joined(p.touches), n.Count(p.conversions), n.Count(p.nulls), n.Money(p.value),
               n.Rate(p.conversion_rate)});
    }
    std::cout << out.Render(format);
  }
  if (all) {
    double share = r->total_value > 0 ? r->top_value / r->total_value : 0;
    std::cout << "\n"
              << "these " << r->customers.size() << " of " << n.Count(r->converting_customers)
              << " converting customers hold " << n.Rate(share) << " of " << n.Money(r->total_value)
              << " in conversion value\n"
              << FilterFooter(o.filter, summary.filtered_out);
  }
  return Status::Ok();
}

}  // namespace

int RunJourneyReport(const Config& config, const std::string& name, const JourneyReportArgs& args) {
  auto fail = [&](const Status& s) {
    std::cerr << "unisono report " << name << ": " << s.message() << "\n";
    return s.code() == StatusCode::kInvalidArgument ? 2 : 1;
  };
  auto format = ParseFormat(args.paths.format);
  if (!format.ok()) return fail(format.status());
  if (name == "funnel") {
    Status s = Funnel(config, args, *format);
    return s.ok() ? 0 : fail(s);
  }
  auto options = PathOptionsFromArgs(config, args.paths);
  if (!options.ok()) return fail(options.status());
  auto store = OpenReportStore(config);
  if (!store.ok()) return fail(store.status());
  Status s;
  if (name == "transitions") s = Transitions(**store, *options, args, *format);
  if (name == "leaks") s = Leaks(**store, *options, args, *format);
  if (name == "journeys") s = Journeys(**store, *options, args, *format);
  if (name == "customers") s = Customers(**store, *options, args, *format);
  return s.ok() ? 0 : fail(s);
}

JourneyReportCommands::JourneyReportCommands(CLI::App& report, const Config& config,
                                             const CommonOptions& common) {
  const char* help[] = {
      "channel transitions between consecutive touches, and a Sankey (--sankey)",
      "leak points: journeys that ended without conversion right after a channel switch",
      "profiles reaching search, plan, purchase, keep_in_touch and share",
      "time to conversion, touches per journey and the top converting paths",
      "the most valuable customers and the routes they take"};
  for (size_t i = 0; i < kNames.size(); ++i) {
    configs_[i] = config;
    CLI::App* sub = commands_[i] = report.add_subcommand(kNames[i], help[i]);
    common(*sub, configs_[i]);
    std::string name = kNames[i];
    PathReportArgs& p = args_.paths;
    if (name != "funnel") {
      sub->add_option("--lookback", p.lookback, "touches this far before a conversion")
          ->capture_default_str();
      sub->add_option("--granularity", p.granularity,
                      "channel|campaign|communication|channel:touchpoint")
          ->capture_default_str();
      sub->add_option("--conversion", p.conversions,
                      "conversion event name, repeatable (default: Prescription Written, "
                      "Order Completed)");
      sub->add_flag("--collapse-repeats", p.collapse_repeats,
                    "count consecutive touches on the same channel once");
      sub->add_flag("--exclude-inbound", p.exclude_inbound,
                    "leave out channels the catalog marks inbound-only");
    }
    sub->add_option("--since", p.since, "only events from this time (ISO-8601)");
    sub->add_option("--until", p.until, "only events before this time");
    AddReportFilterOptions(*sub, p.filter);
    sub->add_option("--format", p.format, "table|csv|json")->capture_default_str();
  }
  CLI::App& transitions = *commands_[0];
  transitions.add_option("--steps", args_.steps, "Sankey steps before the outcome (1-20)")
      ->capture_default_str();
  transitions.add_option("--top-paths", args_.top_paths,
                         "Sankey: only the most frequent step sequences (0: all)");
  transitions.add_flag("--sankey", args_.sankey,
                       "print the Sankey's links (json: {\"nodes\", \"links\"}) instead of "
                       "the matrix");
  CLI::App& leaks = *commands_[1];
  leaks.add_option("--min-switched", args_.min_switched, "leave out rarer switches")
      ->capture_default_str();
  leaks.add_option("--sort", args_.sort, "leaked|rate")->capture_default_str();
  leaks.add_option("--limit", args_.limit, "rows (default: 25 in a table, all otherwise)");
  commands_[2]->add_option("--stages", args_.stages,
                           "comma-separated stages in funnel order (default: search,plan,"
                           "purchase,keep_in_touch,share)");
  CLI::App& journeys = *commands_[3];
  journeys.add_option("--top-paths", args_.top_paths, "top converting paths (default 10)");
  journeys.add_option("--max-length", args_.max_length, "longest length row (1-1000)")
      ->capture_default_str();
  journeys.add_option("--table", args_.table,
                      "csv/json: top_paths (default), time_to_conversion or path_lengths");
  CLI::App& customers = *commands_[4];
  customers.add_option("--top", args_.top, "customers to list (1-10000)")->capture_default_str();
  customers.add_option("--routes", args_.routes, "their top routes to list (1-1000)")
      ->capture_default_str();
  customers
      .add_option("--route-touches", args_.route_touches,
                  "a route is the last N touches before a conversion (0: all, up to 20)")
      ->capture_default_str();
  customers.add_option("--table", args_.table, "csv/json: customers (default) or routes");
}

bool JourneyReportCommands::parsed() const {
  for (const CLI::App* c : commands_) {
    if (c->parsed()) return true;
  }
  return false;
}

int JourneyReportCommands::Run() const {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (commands_[i]->parsed()) return RunJourneyReport(configs_[i], kNames[i], args_);
  }
  return 0;
}

}  // namespace unisono::cli
