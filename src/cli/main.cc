// unisono: flags > UNISONO_* environment > TOML config file > defaults.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <map>

#include "cli/cli.h"
#include "cli/journey_report.h"
#include "cli/roi_report.h"

namespace {

using unisono::cli::Config;

// The config file is read before the flags are parsed, so flags and environment
// (which CLI11 applies on top of the bound values) win over it.
std::string FindConfigPath(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) return argv[i + 1];
    if (a.starts_with("--config=")) return a.substr(9);
  }
  if (const char* env = std::getenv("UNISONO_CONFIG")) return env;
  return "";
}

void AddCommonOptions(CLI::App& app, Config& c, std::string& config_path) {
  app.add_option("--config", config_path, "TOML config file (keys as the long flags)")
      ->envname("UNISONO_CONFIG");
  app.add_option("--data", c.data, "data directory of the embedded store")
      ->envname("UNISONO_DATA")
      ->capture_default_str();
  app.add_option("--ingest-log", c.ingest_log,
                 "directory of the ingest log (default: DATA/ingest-log); on a disk of its own "
                 "its syncs do not wait for the store's writes")
      ->envname("UNISONO_INGEST_LOG");
  app.add_option("--channels", c.channels, "channel catalog TOML (default: built-in)")
      ->envname("UNISONO_CHANNELS");
  app.add_option("--products", c.products, "product catalog TOML (default: built-in)")
      ->envname("UNISONO_PRODUCTS");
  app.add_option("--log-level", c.log_level, "trace|debug|info|warn|error")
      ->envname("UNISONO_LOG_LEVEL")
      ->capture_default_str();
  app.add_option("--log-format", c.log_format, "text|json")
      ->envname("UNISONO_LOG_FORMAT")
      ->capture_default_str();
  app.add_option("--default-country-code", c.default_country_code,
                 "calling code for phone numbers without one")
      ->envname("UNISONO_DEFAULT_COUNTRY_CODE")
      ->capture_default_str();
  app.add_option("--currency", c.currency, "currency of amounts that name none")
      ->envname("UNISONO_CURRENCY")
      ->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  Config config;
  std::string config_path = FindConfigPath(argc, argv);
  if (!config_path.empty()) {
    if (auto s = unisono::cli::LoadConfigFile(config_path, config); !s.ok()) {
      std::cerr << "unisono: " << s.message() << "\n";
      return 2;
    }
  }

  // Each subcommand binds its own copy: CLI11 applies environment variables to every
  // subcommand, parsed or not, and a shared copy would let them overwrite the flags.
  Config serve_config = config, import_config = config, profile_config = config,
         demo_config = config;

  CLI::App app{"unisono: one voice towards each customer across every channel"};
  app.require_subcommand(1);
  app.set_version_flag("--version", unisono::kVersion);

  auto* serve = app.add_subcommand("serve", "run the HTTP server (Segment API, profiles)");
  AddCommonOptions(*serve, serve_config, config_path);
  std::string clock_spec = "system";
  serve->add_option("--host", serve_config.host, "address to listen on")
      ->envname("UNISONO_HOST")
      ->capture_default_str();
  serve->add_option("--port", serve_config.port, "port (0 picks a free one and prints it)")
      ->envname("UNISONO_PORT")
      ->capture_default_str();
  serve
      ->add_option("--write-key", serve_config.write_keys,
                   "write key SDKs send as Basic user name; repeatable (default: one kept in "
                   "the store, created on first start)")
      ->envname("UNISONO_WRITE_KEY")
      ->delimiter(',');
  serve->add_option("--threads", serve_config.threads, "I/O threads (0: one per core)")
      ->envname("UNISONO_THREADS");
  serve->add_option("--clock", clock_spec, "system, or manual[:ISO-8601 start] for tests")
      ->envname("UNISONO_CLOCK");
  serve
      ->add_option("--smtp", serve_config.delivery.smtp,
                   "SMTP server for email: smtp://user:pass@host:port (STARTTLS when offered) "
                   "or smtps://...")
      ->envname("UNISONO_SMTP");
  serve->add_option("--smtp-from", serve_config.delivery.smtp_from, "From address of emails")
      ->envname("UNISONO_SMTP_FROM");
  serve
      ->add_option("--sms-provider", serve_config.delivery.sms_provider,
                   "URL of the SMS provider's send API (a form post)")
      ->envname("UNISONO_SMS_PROVIDER");
  serve
      ->add_option("--whatsapp-provider", serve_config.delivery.whatsapp_provider,
                   "URL of the WhatsApp provider's send API (a form post)")
      ->envname("UNISONO_WHATSAPP_PROVIDER");
  serve
      ->add_flag("--dry-run", serve_config.delivery.dry_run,
                 "deliver every message (but webhooks) to DATA/messages.jsonl instead of its "
                 "channel: try journeys without sending anything")
      ->envname("UNISONO_DRY_RUN");
  serve
      ->add_option("--public-url", serve_config.delivery.public_url,
                   "where tracking links point (default http://HOST:PORT)")
      ->envname("UNISONO_PUBLIC_URL");

  auto* import = app.add_subcommand("import", "import an offline CSV file into the store");
  AddCommonOptions(*import, import_config, config_path);
  std::string file, kind = "events", format = "table";
  std::vector<std::string> maps;
  import->add_option("file", file, "CSV file with a header line")->required();
  import->add_option("--kind", kind, "visits|events|purchases|costs")->capture_default_str();
  import->add_option("--map", maps, "field=column header, repeatable (e.g. email=Correo)");
  import->add_option("--format", format, "table|csv|json")->capture_default_str();

  auto* profile = app.add_subcommand("profile", "show one customer's unified profile");
  AddCommonOptions(*profile, profile_config, config_path);
  std::string lookup_type, lookup_value;
  int limit = 20;
  std::string channel;
  for (const char* t : {"id", "user-id", "crm-id", "email", "phone", "anonymous-id", "device-id"}) {
    std::string type = t;
    std::replace(type.begin(), type.end(), '-', '_');
    profile->add_option_function<std::string>(
        std::string("--") + t,
        [&lookup_type, &lookup_value, type](const std::string& v) {
          lookup_type = type;
          lookup_value = v;
        },
        type == "id" ? "profile id (p_42)" : "look up by " + type);
  }
  profile->add_option("--identifier", lookup_value, "custom identifier value (with --type)");
  profile->add_option("--type", lookup_type, "custom identifier type");
  profile->add_option("--limit", limit, "timeline events to show")->capture_default_str();
  profile->add_option("--channel", channel, "only this channel in the timeline");
  profile->add_option("--format", format, "table|json")->capture_default_str();

  auto* demo = app.add_subcommand("demo", "load a synthetic pharma population (deterministic)");
  AddCommonOptions(*demo, demo_config, config_path);
  int64_t profiles = 2000;
  uint64_t seed = 42;
  bool if_empty = false;
  demo->add_option("--profiles", profiles, "HCP profiles to generate")->capture_default_str();
  demo->add_option("--seed", seed, "random seed")->capture_default_str();
  demo->add_flag("--if-empty", if_empty, "do nothing when the store already has events");
  demo->add_option("--format", format, "table|csv|json")->capture_default_str();

  auto* attribution = app.add_subcommand(
      "attribution", "attribute conversions to channels, from a path file or the store");
  std::string paths_file, model = "all";
  int order = 1;
  Config attribution_config = config;
  AddCommonOptions(*attribution, attribution_config, config_path);
  unisono::cli::PathReportArgs attribution_paths;
  attribution->add_option("--paths", paths_file,
                          "CSV: path,total_conversions,total_conversion_value,total_null "
                          "(default: paths built from the store in --data)");
  attribution
      ->add_option("--lookback", attribution_paths.lookback,
                   "with the store: touches this far before a conversion")
      ->capture_default_str();
  attribution
      ->add_option("--granularity", attribution_paths.granularity,
                   "with the store: channel|campaign|communication|channel:touchpoint")
      ->capture_default_str();
  attribution
      ->add_option(
          "--model", model,
          "first|last|linear|time_decay|position|markov|shapley|data_driven|all, or a list")
      ->capture_default_str();
  attribution->add_option("--order", order, "Markov chain order (1-4)")->capture_default_str();
  bool against_demo_truth = false;
  attribution->add_flag("--against-demo-truth", against_demo_truth,
                        "score each model against the demo population's true incremental "
                        "conversions (rank correlation, share error)");
  attribution->add_option("--format", format, "table|csv|json")->capture_default_str();
  unisono::cli::AttributionOptions attribution_options;
  attribution
      ->add_option("--half-life", attribution_options.half_life,
                   "time_decay: a touch this many touches before the last weighs half")
      ->capture_default_str();
  attribution
      ->add_option("--first-share", attribution_options.first_share,
                   "position: share of the first touch")
      ->capture_default_str();
  attribution
      ->add_option("--last-share", attribution_options.last_share,
                   "position: share of the last touch")
      ->capture_default_str();
  attribution
      ->add_option("--shapley-value", attribution_options.shapley_value,
                   "shapley: a coalition's worth is its conversions or its conversion_rate")
      ->capture_default_str();
  attribution->add_flag("--ordered", attribution_options.ordered,
                        "ordered Shapley: credit per channel and position of first touch");
  attribution->add_flag("--transitions", attribution_options.transitions,
                        "the Markov chain (--order): transition matrix and removal effects");

  auto* report = app.add_subcommand("report", "reports over the event log");
  report->require_subcommand(1);
  auto* report_paths = report->add_subcommand(
      "paths", "conversion paths per profile (the path file attribution reads)");
  Config report_config = config;
  AddCommonOptions(*report_paths, report_config, config_path);
  unisono::cli::PathReportArgs path_args;
  report_paths->add_option("--lookback", path_args.lookback, "touches this far before a conversion")
      ->capture_default_str();
  report_paths
      ->add_option("--granularity", path_args.granularity,
                   "channel|campaign|communication|channel:touchpoint")
      ->capture_default_str();
  report_paths->add_option("--conversion", path_args.conversions,
                           "conversion event name, repeatable (default: Prescription Written, "
                           "Order Completed)");
  report_paths->add_flag("--collapse-repeats", path_args.collapse_repeats,
                         "count consecutive touches on the same channel once");
  report_paths->add_flag("--exclude-inbound", path_args.exclude_inbound,
                         "leave out channels the catalog marks inbound-only");
  report_paths->add_option("--since", path_args.since, "only events from this time (ISO-8601)");
  report_paths->add_option("--until", path_args.until, "only events before this time");
  unisono::cli::AddReportFilterOptions(*report_paths, path_args.filter);
  report_paths->add_option("--format", path_args.format, "table|csv|json")->capture_default_str();
  unisono::cli::JourneyReportCommands journey_reports(
      *report, config, [&](CLI::App& sub, Config& c) { AddCommonOptions(sub, c, config_path); });
  auto run_roi_reports = unisono::cli::AddRoiReportCommands(
      *report, config, [&](CLI::App& sub, Config& c) { AddCommonOptions(sub, c, config_path); });

  auto* report_incremental = report->add_subcommand(
      "incremental", "the data-driven model: what each channel adds, with a bootstrap interval");
  Config incremental_config = config;
  AddCommonOptions(*report_incremental, incremental_config, config_path);
  unisono::cli::IncrementalArgs incremental_args;
  report_incremental->add_option("--conversion", incremental_args.conversions,
                                 "conversion event name, repeatable");
  report_incremental
      ->add_option("--period", incremental_args.period, "one row per profile and period")
      ->capture_default_str();
  report_incremental
      ->add_option("--exposure-window", incremental_args.exposure_window,
                   "touches this long before a period count as its exposure")
      ->capture_default_str();
  report_incremental->add_option("--control", incremental_args.controls,
                                 "trait held constant, repeatable (default: specialty, potential)");
  report_incremental->add_flag("--no-controls", incremental_args.no_controls, "no trait controls");
  report_incremental
      ->add_option("--bootstrap", incremental_args.bootstrap, "resamples for the 95% interval")
      ->capture_default_str();
  report_incremental
      ->add_option("--cap", incremental_args.count_cap, "touches per channel counted at most")
      ->capture_default_str();
  report_incremental->add_option("--l2", incremental_args.l2, "ridge penalty")
      ->capture_default_str();
  report_incremental->add_flag("--interactions", incremental_args.interactions,
                               "pairwise channel interactions");
  report_incremental->add_option("--since", incremental_args.since, "only events from this time");
  report_incremental->add_option("--until", incremental_args.until, "only events before this time");
  unisono::cli::AddReportFilterOptions(*report_incremental, incremental_args.filter);
  report_incremental->add_flag("--against-demo-truth", incremental_args.against_demo_truth,
                               "compare with the demo population's true incremental conversions");
  report_incremental->add_option("--format", incremental_args.format, "table|csv|json")
      ->capture_default_str();

  // segment and apply are clients of a running server (like kubectl), not of the store.
  unisono::cli::SegmentArgs segment_args;
  std::string segment_action;
  auto* segment = app.add_subcommand("segment", "manage a running server's segments");
  segment->require_subcommand(1);
  // One --server variable per command, for the reason the configs are copied above.
  std::map<std::string, std::string> segment_servers;
  auto add_segment_command = [&](const char* name, const char* help) {
    auto* sub = segment->add_subcommand(name, help);
    std::string& server = segment_servers[name] = unisono::cli::kDefaultServer;
    sub->add_option("--server", server, "URL of a running unisono server")
        ->envname("UNISONO_SERVER")
        ->capture_default_str();
    sub->callback([&segment_action, name] { segment_action = name; });
    return sub;
  };
  auto* segment_create = add_segment_command("create", "create a segment; prints its members");
  segment_create->add_option("name", segment_args.segment, "segment name")->required();
  segment_create->add_option("--definition", segment_args.definition,
                             "the condition, e.g. 'trait(specialty) = \"cardiology\"'");
  segment_create->add_option("--description", segment_args.description, "what it is for");
  segment_create->add_flag("--manual", segment_args.manual,
                           "a hand-kept list (segment add/remove) instead of a rule");
  segment_create->add_option("--owner-rep", segment_args.owner_rep,
                             "manual lists: the rep who keeps it (may add own customers only)");
  auto* segment_list = add_segment_command("list", "list segments with their member counts");
  segment_list->add_option("--format", segment_args.format, "table|csv|json")
      ->capture_default_str();
  auto* segment_preview =
      add_segment_command("preview", "count the profiles a definition matches, saving nothing");
  segment_preview->add_option("--definition", segment_args.definition, "the condition")->required();
  segment_preview->add_option("--sample", segment_args.sample, "profile ids to show (1-1000)")
      ->capture_default_str();
  segment_preview->add_option("--format", segment_args.format, "table|csv|json")
      ->capture_default_str();
  auto* segment_members = add_segment_command("members", "list a segment's profile ids");
  segment_members->add_option("segment", segment_args.segment, "segment id or name")->required();
  segment_members->add_option("--limit", segment_args.limit, "at most this many (default: all)");
  segment_members->add_option("--format", segment_args.format, "table|csv|json")
      ->capture_default_str();
  auto* segment_delete = add_segment_command("delete", "delete a segment");
  segment_delete->add_option("segment", segment_args.segment, "segment id or name")->required();
  for (const char* action : {"add", "remove"}) {
    auto* sub = add_segment_command(action, std::string(action) == "add"
                                                ? "add profiles to a manual list"
                                                : "remove profiles from a manual list");
    sub->add_option("segment", segment_args.segment, "segment id or name")->required();
    sub->add_option("--profile", segment_args.profiles, "profile id (p_42), repeatable");
    sub->add_option("--file", segment_args.file,
                    "CSV with one column: profile_id, or an identifier such as email or crm_id");
    sub->add_option("--actor", segment_args.actor, "who makes the change (audit trail)")
        ->required();
    sub->add_option("--reason", segment_args.reason, "why (audit trail)");
    sub->add_option("--rep", segment_args.rep, "acting rep: may add own customers only");
  }

  unisono::cli::ContentArgs content_args;
  std::string content_action;
  auto* content = app.add_subcommand("content", "review, approve and preview a server's content");
  content->require_subcommand(1);
  std::map<std::string, std::string> content_servers;
  auto add_content_command = [&](const char* name, const char* help) {
    auto* sub = content->add_subcommand(name, help);
    std::string& server = content_servers[name] = unisono::cli::kDefaultServer;
    sub->add_option("--server", server, "URL of a running unisono server")
        ->envname("UNISONO_SERVER")
        ->capture_default_str();
    sub->callback([&content_action, name] { content_action = name; });
    return sub;
  };
  add_content_command("list", "list content items with their state and problems")
      ->add_option("--format", content_args.format, "table|csv|json")
      ->capture_default_str();
  auto* content_show = add_content_command("show", "one item: state, problems and history");
  content_show->add_option("id", content_args.content, "content id")->required();
  content_show->add_option("--version", content_args.version, "this version (default: latest)");
  content_show->add_option("--format", content_args.format, "table|json")->capture_default_str();
  for (auto [action, help] : {std::pair{"submit", "submit the latest version for review"},
                              std::pair{"approve", "approve it (not by who submitted it)"},
                              std::pair{"reject", "send it back to draft with a reason"},
                              std::pair{"retire", "stop sending the approved version"}}) {
    auto* sub = add_content_command(action, help);
    sub->add_option("id", content_args.content, "content id")->required();
    sub->add_option("--by", content_args.by, "who acts (default: $USER)");
    if (std::string(action) == "reject") {
      sub->add_option("--reason", content_args.reason, "why, for the author")->required();
    }
  }
  auto* content_preview = add_content_command("preview", "every rendition for a profile or traits");
  content_preview->add_option("id", content_args.content, "content id")->required();
  content_preview->add_option("--profile", content_args.profile, "profile id, e.g. p_12");
  content_preview->add_option("--traits", content_args.traits,
                              "traits as JSON, e.g. '{\"last_name\": \"Ruiz\"}'");
  content_preview->add_option("--variant", content_args.variant, "a variant id, e.g. loyal");
  content_preview->add_option("--version", content_args.version, "this version (default: latest)");
  content_preview->add_option("--format", content_args.format, "table|json")->capture_default_str();

  auto* apply = app.add_subcommand(
      "apply",
      "create or update the segments, computed traits, content and journeys a YAML file "
      "declares");
  std::string apply_server = unisono::cli::kDefaultServer, apply_file;
  apply->add_option("-f,--file", apply_file, "YAML file (see examples/segments.yaml)")->required();
  apply->add_option("--server", apply_server, "URL of a running unisono server")
      ->envname("UNISONO_SERVER")
      ->capture_default_str();

  auto* version = app.add_subcommand("version", "print the version");

  auto known = [&](const std::string& name) {
    for (const auto* sub : app.get_subcommands({})) {
      if (sub->get_name() == name) return true;
    }
    return false;
  };
  if (argc > 1 && argv[1][0] != '-' && !known(argv[1])) {
    std::cerr << "unisono: unknown command '" << argv[1]
              << "'; the commands are serve, import, profile, demo, report, attribution, "
                 "segment, content, apply and version (see --help)\n";
    return 2;
  }
  CLI11_PARSE(app, argc, argv);

  if (version->parsed()) {
    std::cout << "unisono " << unisono::kVersion << "\n";
    return 0;
  }
  if (serve->parsed()) return unisono::cli::RunServe(serve_config, clock_spec);
  if (import->parsed()) return unisono::cli::RunImport(import_config, file, kind, maps, format);
  if (profile->parsed()) {
    if (lookup_type.empty() || lookup_value.empty()) {
      std::cerr << "unisono profile: say whose profile, e.g. --email ana@example.com, "
                   "--user-id u1 or --id p_42\n";
      return 2;
    }
    return unisono::cli::RunProfile(profile_config, lookup_type, lookup_value, format, limit,
                                    channel);
  }
  if (report_paths->parsed()) return unisono::cli::RunReportPaths(report_config, path_args);
  if (journey_reports.parsed()) return journey_reports.Run();
  if (auto code = run_roi_reports()) return *code;
  if (report_incremental->parsed()) {
    return unisono::cli::RunReportIncremental(incremental_config, incremental_args);
  }
  if (attribution->parsed()) {
    return unisono::cli::RunAttribution(attribution_config, attribution_paths, paths_file, model,
                                        order, format, against_demo_truth, attribution_options);
  }
  if (segment->parsed()) {
    segment_args.server = segment_servers[segment_action];
    return unisono::cli::RunSegment(segment_action, segment_args);
  }
  if (content->parsed()) {
    content_args.server = content_servers[content_action];
    return unisono::cli::RunContent(content_action, content_args);
  }
  if (apply->parsed()) return unisono::cli::RunApply(apply_server, apply_file);
  if (demo->parsed()) return unisono::cli::RunDemo(demo_config, profiles, seed, if_empty, format);
  return 0;
}
