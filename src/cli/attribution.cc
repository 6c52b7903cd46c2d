// `unisono attribution`: runs attribution models over a path file and prints one row per
// model and channel.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "analytics/analytics.h"
#include "cli/cli.h"
#include "demo/demo.h"

namespace unisono::cli {
namespace {

int BadInput(const std::string& message) {
  std::cerr << "unisono attribution: " << message << "\n";
  return 2;
}

}  // namespace

// The options the store's demo population was generated with (kept by `unisono demo`).
Result<DemoOptions> StoredDemoOptions(const Config& config) {
  SqliteOptions o;
  o.read_only = true;
  o.exclusive = false;
  auto store = OpenSqliteStore(config.data, o);
  if (!store.ok()) return store.status();
  auto kept = (*store)->GetSetting("demo_options");
  if (!kept.ok()) return kept.status();
  if (!*kept) {
    return Status::FailedPrecondition("the store in '" + config.data +
                                      "' holds no demo population; load one with unisono demo");
  }
  DemoOptions d;
  long long profiles = 0, end_ms = 0;
  unsigned long long seed = 0;
  int months = 0;
  if (std::sscanf((*kept)->c_str(), "profiles=%lld seed=%llu end_ms=%lld months=%d", &profiles,
                  &seed, &end_ms, &months) != 4) {
    return Status::Internal("unreadable demo_options setting: " + **kept);
  }
  d.profiles = profiles;
  d.seed = seed;
  d.end = FromMillis(end_ms);
  d.months = months;
  return d;
}

// Each model against the demo's counterfactual truth (docs/demo-data.md).
int CompareModelsWithDemoTruth(const Config& config, const analytics::PathTable& table,
                               const std::vector<std::string>& models, int order, Format format,
                               bool from_store) {
  auto demo = StoredDemoOptions(config);
  if (!demo.ok()) return BadInput(demo.status().message());
  auto truth = DemoIncrementalConversions(*demo);
  if (!truth.ok()) return BadInput(truth.status().message());
  std::vector<std::pair<std::string, double>> true_conversions;
  for (const auto& c : *truth) true_conversions.emplace_back(c.channel, c.conversions);
  Table out({"model", "rank_correlation", "share_error"});
  for (const auto& name : models) {
    analytics::ModelSpec spec;
    spec.model = name;
    spec.markov.order = order;
    auto rows = analytics::Attribute(table, spec);
    if (!rows.ok()) return BadInput(rows.status().message());
    auto score = analytics::CompareWithTruth(true_conversions, *rows);
    if (!score.ok()) return BadInput(score.status().message());
    out.Add({name, Fixed(score->rank_correlation, 3), Fixed(score->share_error, 3)});
  }
  if (from_store) {
    // The data-driven model is meant for the event log: fitted on profile-weeks there.
    IncrementalArgs args;
    args.bootstrap = 0;
    auto report = DataDrivenFromStore(config, args);
    if (!report.ok()) return BadInput(report.status().message());
    std::vector<analytics::ChannelAttribution> incremental;
    for (const auto& c : report->channels) incremental.push_back({c.channel, c.incremental, 0});
    auto score = analytics::CompareWithTruth(true_conversions, incremental);
    if (!score.ok()) return BadInput(score.status().message());
    out.Add({"data_driven (event log)", Fixed(score->rank_correlation, 3),
             Fixed(score->share_error, 3)});
  }
  std::cout << out.Render(format);
  return 0;
}

namespace {

// The model options the flags set, checked.
Result<analytics::ModelSpec> SpecFor(const std::string& name, int order,
                                     const AttributionOptions& o) {
  analytics::ModelSpec spec;
  spec.model = name;
  spec.markov.order = order;
  if (!(o.half_life > 0)) return Status::InvalidArgument("--half-life must be above 0");
  spec.time_decay.half_life_touches = o.half_life;
  if (!(o.first_share >= 0 && o.last_share >= 0 && o.first_share + o.last_share <= 1)) {
    return Status::InvalidArgument(
        "--first-share and --last-share must be 0 or more and add up to at most 1");
  }
  spec.position.first_share = o.first_share;
  spec.position.last_share = o.last_share;
  if (o.shapley_value != "conversions" && o.shapley_value != "conversion_rate") {
    return Status::InvalidArgument("--shapley-value is conversions or conversion_rate");
  }
  spec.shapley.by_conversion_rate = o.shapley_value == "conversion_rate";
  return spec;
}

int PrintOrdered(const analytics::PathTable& table, const analytics::ModelSpec& spec,
                 Format format) {
  auto credits = analytics::OrderedShapley(table, spec.shapley);
  if (!credits.ok()) return BadInput(credits.status().message());
  const int decimals = format == Format::kTable ? 2 : 6;
  Table out({"channel", "position", "conversions", "value"});
  for (const auto& c : *credits) {
    out.Add({c.channel, std::to_string(c.position), Fixed(c.conversions, decimals),
             Fixed(c.value, decimals)});
  }
  std::cout << out.Render(format);
  return 0;
}

int PrintTransitions(const analytics::PathTable& table, int order, Format format) {
  analytics::MarkovOptions options;
  options.order = order;
  auto chain = analytics::AnalyseMarkovChain(table, options);
  if (!chain.ok()) return BadInput(chain.status().message());
  const int decimals = format == Format::kTable ? 4 : 6;
  Table out({"from", "to", "probability"});
  for (const auto& t : chain->transitions) {
    out.Add({t.from, t.to, Fixed(t.probability, decimals)});
  }
  std::cout << out.Render(format);
  Table effects({"channel", "removal_effect"});
  for (const auto& [channel, effect] : chain->removal_effects) {
    effects.Add({channel, Fixed(effect, decimals)});
  }
  if (format == Format::kTable) {
    std::cout << "\nP(conversion) = " << Fixed(chain->conversion_probability, 4) << "\n\n"
              << effects.Render(format);
  }
  return 0;
}

}  // namespace

int RunAttribution(const Config& config, const PathReportArgs& store_paths,
                   const std::string& paths_file, const std::string& model, int order,
                   const std::string& format_name, bool against_demo_truth,
                   const AttributionOptions& options) {
  auto format = ParseFormat(format_name);
  if (!format.ok()) return BadInput(format.status().message());
  auto models = analytics::ParseModelNames(model);
  if (!models.ok()) return BadInput(models.status().message());
  Result<analytics::PathTable> table = Status::Internal("no paths");
  if (paths_file.empty()) {
    table = PathsFromStore(config, store_paths);
    if (!table.ok()) return BadInput(table.status().message());
  } else {
    std::ifstream in(paths_file);
    if (!in) return BadInput("cannot open path file '" + paths_file + "'");
    table = analytics::ReadPathFile(in);
    if (!table.ok()) return BadInput(paths_file + ": " + table.status().message());
  }

  if (auto checked = SpecFor("shapley", order, options); !checked.ok()) {
    return BadInput(checked.status().message());
  } else if (options.ordered) {
    return PrintOrdered(*table, *checked, *format);
  }
  if (options.transitions) return PrintTransitions(*table, order, *format);
  if (against_demo_truth)
    return CompareModelsWithDemoTruth(config, *table, *models, order, *format, paths_file.empty());
  const bool machine = *format != Format::kTable;
  const int decimals = machine ? 6 : 2;
  const double total = analytics::TotalConversions(*table);
  Table out = machine ? Table({"model", "channel", "conversions", "value"})
                      : Table({"model", "channel", "conversions", "value", "share %"});
  for (const auto& name : *models) {
    auto spec = SpecFor(name, order, options);
    if (!spec.ok()) return BadInput(spec.status().message());
    auto rows = analytics::Attribute(*table, *spec);
    if (!rows.ok()) return BadInput(rows.status().message());
    for (const auto& r : *rows) {
      std::vector<std::string> row = {name, r.channel, Fixed(r.conversions, decimals),
                                      Fixed(r.value, decimals)};
      if (!machine) row.push_back(Fixed(total > 0 ? 100 * r.conversions / total : 0, 1));
      out.Add(std::move(row));
    }
  }
  std::cout << out.Render(*format);
  return 0;
}

}  // namespace unisono::cli
