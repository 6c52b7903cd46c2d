// `unisono report roi`, `kpis` and `quadrants`: cost, attributed value and ROI per
// channel, campaign, communication, product or segment, the channel KPIs, and online
// versus offline engagement per customer, read from the store beside a running server.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli.h"

namespace CLI {
class App;
}

namespace unisono::cli {

// What the reports over contacts and their costs (roi, kpis, quadrants) read: the
// window, filter, lookback, conversions, exclusions, follow-ups and responses.
struct CostReportArgs {
  Config config;
  std::string lookback = "90d";
  std::vector<std::string> conversions;
  std::vector<std::string> follow_ups;
  std::vector<std::string> responses;
  bool collapse_repeats = false;
  bool exclude_inbound = false;
  std::string since;
  std::string until;
  analytics::ReportFilter filter;
  std::string format = "table";
};

// Adds the flags of CostReportArgs but --response (which each command explains itself).
void AddCostReportOptions(CLI::App& command, CostReportArgs& args);
// The path options the flags describe; errors name the flag.
Result<analytics::PathOptions> CostPathOptions(const CostReportArgs& args,
                                               const ChannelCatalog& catalog);
// config.channels, or the built-in catalog.
Result<ChannelCatalog> CatalogOf(const Config& config);
// Prints "unisono report <command>: <reason>" and returns the exit status: 2 for bad
// input, 1 otherwise.
int Fail(const std::string& command, const Status& s);

// Adds the `roi`, `kpis` and `quadrants` subcommands to `report`. `add_common` adds the flags every
// command shares (--data, --channels, ...) to a subcommand, bound to its own Config
// (a copy of `defaults`). Returns what to call once the command line is parsed: the
// exit status when one of them was the command, nothing otherwise.
std::function<std::optional<int>()> AddRoiReportCommands(
    CLI::App& report, const Config& defaults,
    const std::function<void(CLI::App&, Config&)>& add_common);

}  // namespace unisono::cli
