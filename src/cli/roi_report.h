// `unisono report roi` and `unisono report kpis`: cost, attributed value and ROI per
// channel, campaign, communication, product or segment, and the channel KPIs, read from
// the store beside a running server.
#pragma once

#include <functional>
#include <optional>

#include "cli/cli.h"

namespace CLI {
class App;
}

namespace unisono::cli {

// Adds the `roi` and `kpis` subcommands to `report`. `add_common` adds the flags every
// command shares (--data, --channels, ...) to a subcommand, bound to its own Config
// (a copy of `defaults`). Returns what to call once the command line is parsed: the
// exit status when roi or kpis was the command, nothing otherwise.
std::function<std::optional<int>()> AddRoiReportCommands(
    CLI::App& report, const Config& defaults,
    const std::function<void(CLI::App&, Config&)>& add_common);

}  // namespace unisono::cli
