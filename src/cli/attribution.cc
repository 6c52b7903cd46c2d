// `unisono attribution`: runs attribution models over a path file and prints one row per
// model and channel.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "analytics/analytics.h"
#include "cli/cli.h"

namespace unisono::cli {
namespace {

int BadInput(const std::string& message) {
  std::cerr << "unisono attribution: " << message << "\n";
  return 2;
}

std::string Fixed(double v, int decimals) {
  if (std::fabs(v) < 0.5 * std::pow(10.0, -decimals)) v = 0;  // no "-0.00"
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

int RunAttribution(const Config& config, const PathReportArgs& store_paths,
                   const std::string& paths_file, const std::string& model, int order,
                   const std::string& format_name) {
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

  const bool machine = *format != Format::kTable;
  const int decimals = machine ? 6 : 2;
  const double total = analytics::TotalConversions(*table);
  Table out = machine ? Table({"model", "channel", "conversions", "value"})
                      : Table({"model", "channel", "conversions", "value", "share %"});
  for (const auto& name : *models) {
    analytics::ModelSpec spec;
    spec.model = name;
    spec.markov.order = order;
    auto rows = analytics::Attribute(*table, spec);
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
