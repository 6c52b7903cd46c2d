// `unisono report transitions|leaks|funnel|journeys|customers`: journey analytics over
// the store in --data (read-only, beside a server), as aligned tables, csv or json.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "cli/cli.h"

namespace CLI {
class App;
}

namespace unisono::cli {

struct JourneyReportArgs {
  PathReportArgs paths;  // lookback, granularity, conversions, since, until, format
  int steps = 5;         // transitions
  int top_paths = 0;     // transitions: Sankey paths (0: all); journeys: top paths
  bool sankey = false;
  int64_t min_switched = 1;  // leaks
  std::string sort = "leaked";
  int limit = 0;        // leaks: rows (0: 25 in a table, all otherwise)
  std::string stages;   // funnel: comma-separated (default: the five stages)
  int max_length = 20;  // journeys
  std::string table;    // journeys, customers: the table csv/json print
  int top = 20;         // customers
  int routes = 10;
  int route_touches = 3;
};

// Runs one report; `name` is transitions, leaks, funnel, journeys or customers.
int RunJourneyReport(const Config& config, const std::string& name, const JourneyReportArgs& args);

// Adds the five subcommands to `report`, each with its own copy of `config` (CLI11
// applies environment variables to every subcommand) and `common` flags (--data, ...).
// Lives as long as the parse; not copyable (the flags point into it).
class JourneyReportCommands {
 public:
  using CommonOptions = std::function<void(CLI::App&, Config&)>;
  JourneyReportCommands(CLI::App& report, const Config& config, const CommonOptions& common);
  JourneyReportCommands(const JourneyReportCommands&) = delete;
  JourneyReportCommands& operator=(const JourneyReportCommands&) = delete;

  bool parsed() const;
  int Run() const;  // the parsed subcommand's exit status

 private:
  static constexpr std::array<const char*, 5> kNames = {"transitions", "leaks", "funnel",
                                                        "journeys", "customers"};
  std::array<Config, 5> configs_;
  std::array<CLI::App*, 5> commands_{};
  JourneyReportArgs args_;
};

}  // namespace unisono::cli
