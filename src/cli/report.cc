// `unisono report ...`: reports over the event log, read beside a running server.
#include <iomanip>
#include <iostream>
#include <sstream>

#include "analytics/analytics.h"
#include "cli/cli.h"
#include "storage/storage.h"

namespace unisono::cli {

Result<analytics::PathOptions> PathOptionsFromArgs(const Config& config,
                                                   const PathReportArgs& args) {
  analytics::PathOptions options;
  auto lookback = ParseDuration(args.lookback);
  if (!lookback.ok()) return lookback.status();
  options.lookback = *lookback;
  auto granularity = analytics::ParseGranularity(args.granularity);
  if (!granularity.ok()) return granularity.status();
  options.granularity = *granularity;
  if (!args.conversions.empty()) options.conversion_events = args.conversions;
  options.collapse_repeats = args.collapse_repeats;
  options.filter = args.filter;
  for (auto [text, out] :
       {std::pair{&args.since, &options.since}, std::pair{&args.until, &options.until}}) {
    if (text->empty()) continue;
    auto t = ParseTimestamp(*text);
    if (!t.ok()) return t.status();
    *out = *t;
  }
  if (args.exclude_inbound) {
    auto catalog = config.channels.empty() ? Result<ChannelCatalog>(ChannelCatalog::Builtin())
                                           : ChannelCatalog::FromFile(config.channels);
    if (!catalog.ok()) return catalog.status();
    for (const auto& c : catalog->channels()) {
      if (c.direction == "inbound") options.excluded_channels.push_back(c.id);
    }
  }
  return options;
}

Result<std::unique_ptr<Store>> OpenReportStore(const Config& config) {
  SqliteOptions store_options;
  store_options.read_only = true;
  store_options.exclusive = false;
  return OpenSqliteStore(config.data, store_options);
}

Result<analytics::PathTable> PathsFromStore(const Config& config, const PathReportArgs& args,
                                            analytics::PathBuildSummary* summary) {
  auto options = PathOptionsFromArgs(config, args);
  if (!options.ok()) return options.status();
  auto store = OpenReportStore(config);
  if (!store.ok()) return store.status();
  return analytics::BuildPaths(**store, *options, summary);
}

int RunReportPaths(const Config& config, const PathReportArgs& args) {
  auto fail = [](const Status& s) {
    std::cerr << "unisono report paths: " << s.message() << "\n";
    return s.code() == StatusCode::kInvalidArgument ? 2 : 1;
  };
  auto format = ParseFormat(args.format);
  if (!format.ok()) return fail(format.status());
  analytics::PathBuildSummary summary;
  auto table = PathsFromStore(config, args, &summary);
  if (!table.ok()) return fail(table.status());

  if (*format == Format::kCsv) {
    analytics::WritePathFile(*table, std::cout);
    return 0;
  }
  auto number = [](double v, bool fixed2) {
    std::ostringstream s;
    if (fixed2) s << std::fixed << std::setprecision(2);
    s << v;
    return s.str();
  };
  Table out({"path", "conversions", "value", "null"});
  // People get the top paths, shortened; machines (csv, json) get every path whole.
  const bool people = *format == Format::kTable;
  constexpr size_t kTopPaths = 25, kPathWidth = 72;
  size_t shown = 0, total = table->paths.size();
  for (const analytics::Path* p : analytics::PathsByConversions(*table)) {
    if (people && shown == kTopPaths) break;
    std::string path = analytics::JoinPath(*p);
    if (people && path.size() > kPathWidth) path = path.substr(0, kPathWidth - 3) + "...";
    out.Add({path, number(p->conversions, false), number(p->value, true), number(p->nulls, false)});
    ++shown;
  }
  std::cout << out.Render(*format);
  if (people) {
    if (shown < total) {
      std::cout << "(top " << shown << " of " << WithThousands(static_cast<int64_t>(total))
                << " distinct paths; --format csv for all)\n";
    }
    std::cout << "\n"
              << WithThousands(summary.profiles) << " profiles, " << WithThousands(summary.events)
              << " events, " << WithThousands(summary.conversions) << " conversions ("
              << WithThousands(summary.conversions_without_touch)
              << " with no touch in the lookback, left out), " << WithThousands(summary.null_paths)
              << " journeys without conversion\n"
              << FilterFooter(args.filter, summary.filtered_out);
  }
  return 0;
}

}  // namespace unisono::cli
