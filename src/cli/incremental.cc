// `unisono report incremental`: the data-driven model on the event log — what each
// channel adds (incremental conversions with a bootstrap interval), its fitted weight,
// and the conversions it is credited with.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "analytics/analytics.h"
#include "cli/cli.h"
#include "demo/demo.h"

namespace unisono::cli {
namespace {

int BadInput(const std::string& message) {
  std::cerr << "unisono report incremental: " << message << "\n";
  return 2;
}

}  // namespace

Result<DemoOptions> StoredDemoOptions(const Config& config);  // attribution.cc

Result<analytics::DataDrivenReport> DataDrivenFromStore(const Config& config,
                                                        const IncrementalArgs& args) {
  analytics::ExposureOptions exposure;
  if (!args.conversions.empty()) exposure.conversion_events = args.conversions;
  auto period = ParseDuration(args.period);
  if (!period.ok()) return Status(period.status()).WithField("period");
  auto window = ParseDuration(args.exposure_window);
  if (!window.ok()) return Status(window.status()).WithField("exposure-window");
  exposure.period = *period;
  exposure.exposure_window = *window;
  exposure.filter = args.filter;
  if (args.no_controls) exposure.controls.clear();
  if (!args.controls.empty()) exposure.controls = args.controls;
  for (auto [text, out] :
       {std::pair{&args.since, &exposure.since}, std::pair{&args.until, &exposure.until}}) {
    if (text->empty()) continue;
    auto t = ParseTimestamp(*text);
    if (!t.ok()) return t.status();
    *out = *t;
  }
  analytics::DataDrivenOptions model;
  model.bootstrap = args.bootstrap;
  model.count_cap = args.count_cap;
  model.l2 = args.l2;
  model.interactions = args.interactions;
  SqliteOptions o;
  o.read_only = true;
  o.exclusive = false;
  auto store = OpenSqliteStore(config.data, o);
  if (!store.ok()) return store.status();
  return analytics::AnalyseDataDriven(**store, exposure, model);
}

int RunReportIncremental(const Config& config, const IncrementalArgs& args) {
  auto format = ParseFormat(args.format);
  if (!format.ok()) return BadInput(format.status().message());
  if (args.bootstrap < 0 || args.bootstrap > 10'000) {
    return BadInput("--bootstrap must be 0..10000");
  }
  auto report = DataDrivenFromStore(config, args);
  if (!report.ok()) return BadInput(report.status().message());
  const bool machine = *format != Format::kTable;
  const int decimals = machine ? 6 : 1;
  if (args.against_demo_truth) {
    auto demo = StoredDemoOptions(config);
    if (!demo.ok()) return BadInput(demo.status().message());
    auto truth = DemoIncrementalConversions(*demo);
    if (!truth.ok()) return BadInput(truth.status().message());
    std::vector<std::pair<std::string, double>> true_conversions;
    for (const auto& c : *truth) true_conversions.emplace_back(c.channel, c.conversions);
    std::vector<analytics::ChannelAttribution> incremental, attributed;
    for (const auto& c : report->channels) {
      incremental.push_back({c.channel, c.incremental, 0});
      attributed.push_back({c.channel, c.attributed, 0});
    }
    Table out({"channel", "true_incremental", "incremental", "low", "high", "attributed"});
    for (const auto& t : *truth) {
      for (const auto& c : report->channels) {
        if (c.channel != t.channel) continue;
        out.Add({c.channel, Fixed(t.conversions, decimals), Fixed(c.incremental, decimals),
                 Fixed(c.low, decimals), Fixed(c.high, decimals), Fixed(c.attributed, decimals)});
      }
    }
    std::cout << out.Render(*format);
    for (const auto& [name, rows] :
         {std::pair{"incremental", &incremental}, std::pair{"attributed", &attributed}}) {
      auto score = analytics::CompareWithTruth(true_conversions, *rows);
      if (!score.ok()) return BadInput(score.status().message());
      std::cerr << name << " against the demo's truth: rank correlation "
                << Fixed(score->rank_correlation, 3) << ", share error "
                << Fixed(score->share_error, 3) << "\n";
    }
    return 0;
  }
  Table out(
      {"channel", "weight", "incremental", "low_95", "high_95", "attributed", "attributed_value"});
  for (const auto& c : report->channels) {
    out.Add({c.channel, Fixed(c.weight, machine ? 6 : 3), Fixed(c.incremental, decimals),
             Fixed(c.low, decimals), Fixed(c.high, decimals), Fixed(c.attributed, decimals),
             Fixed(c.attributed_value, machine ? 6 : 2)});
  }
  std::cout << out.Render(*format);
  if (!machine) {
    std::cout << "\n"
              << Fixed(report->observations, 0) << " profile-periods, "
              << Fixed(report->conversions, 0) << " conversions ("
              << Fixed(report->baseline_conversions, 0)
              << " with no exposure, not attributed); baseline P(conversion) per period "
              << Fixed(report->baseline_probability, 4) << "; " << args.bootstrap
              << " bootstrap resamples\n";
  }
  return 0;
}

}  // namespace unisono::cli
