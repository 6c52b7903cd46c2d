// `unisono report quadrants`: online versus offline engagement per customer, as aligned
// tables (the four quadrants, then the top customers), csv or json.
#pragma once

#include <functional>
#include <optional>

#include "cli/cli.h"

namespace CLI {
class App;
}

namespace unisono::cli {

// Adds the `quadrants` subcommand to `report`, as AddRoiReportCommands adds its own;
// returns what to call once the command line is parsed.
std::function<std::optional<int>()> AddQuadrantReportCommand(
    CLI::App& report, const Config& defaults,
    const std::function<void(CLI::App&, Config&)>& add_common);

}  // namespace unisono::cli
