// cli: the `unisono` command. Parses flags, environment (UNISONO_*) and an optional
// TOML config file — in that order of precedence — and wires the concrete modules
// together: the only place that chooses implementations.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analytics/analytics.h"
#include "core/core.h"
#include "segment/segment.h"

namespace CLI {
class App;
}

namespace unisono::cli {

// An identifier type's rule, from [[identifier]] tables in the config file.
struct IdentifierSetting {
  std::string type;
  std::string trait;  // trait carrying it; default: the type's name
  int priority = 100;
  int limit = 5;
};

// Connectors and tracking (docs/delivery.md); the common ones are also flags of serve.
struct DeliverySettings {
  std::string smtp;  // smtp://user:pass@host:port or smtps://...
  std::string smtp_from = "unisono <no-reply@localhost>";
  bool smtp_require_tls = false;
  double smtp_rate = 0;      // messages per second; 0: unlimited
  std::string sms_provider;  // URL the SMS provider takes a form post at
  std::string sms_from;
  std::string sms_auth;  // user:password (HTTP Basic)
  double sms_rate = 0;
  std::string whatsapp_provider;
  std::string whatsapp_from;
  std::string whatsapp_auth;
  // The providers' request shape (docs/delivery.md): form or json, the field templates
  // (empty: Twilio's To, From, Body, StatusCallback), and where the answer's id is.
  std::string sms_format = "form";
  std::map<std::string, std::string> sms_fields;
  std::string sms_id_field = "sid";
  std::string whatsapp_format = "form";
  std::map<std::string, std::string> whatsapp_fields;
  std::string whatsapp_id_field = "sid";
  int max_attempts = 8;
  bool dry_run = false;         // every message to DATA/messages.jsonl: nothing leaves the machine
  std::string public_url;       // where tracking links point; default http://host:port
  std::string tracking_secret;  // default: one generated and kept in the store
};

struct Config {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string data = "data";
  std::string ingest_log;  // the ingest log's directory; empty = DATA/ingest-log
  std::vector<std::string> write_keys;
  std::string channels;  // channel catalog file; empty = built-in
  std::string products;  // product catalog file; empty = built-in
  int threads = 0;
  std::string log_level = "info";
  std::string log_format = "text";  // text | json
  std::string default_country_code = "34";
  std::string currency = "EUR";
  std::vector<IdentifierSetting> identifiers;  // custom types and overrides
  StageConfig stages;                          // [stages]: built-in computed traits
  std::string contact_policy_json = "{}";      // [contact_policy]: journeys' contact pressure
  DeliverySettings delivery;                   // [delivery]: connectors and tracking links
};

// Reads the TOML config file into `config` (only the keys it sets).
Status LoadConfigFile(const std::string& path, Config& config);

// Output helpers for people (aligned tables) and machines (csv, json).
enum class Format { kTable, kCsv, kJson };
Result<Format> ParseFormat(const std::string& name);

// `v` with `decimals` digits after the point, never "-0.00".
std::string Fixed(double v, int decimals);

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string Render(Format format) const;  // kJson: array of objects keyed by header

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// A progress bar on stderr when it is a terminal; silent otherwise.
class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  void Update(double fraction, const std::string& detail = "");
  void Finish(const std::string& detail = "");

 private:
  std::string label_;
  bool enabled_;
  int last_percent_ = -1;
};

std::string WithThousands(int64_t n);

int RunServe(const Config& config, const std::string& clock_spec);
int RunImport(const Config& config, const std::string& file, const std::string& kind,
              const std::vector<std::string>& maps, const std::string& format);
int RunProfile(const Config& config, const std::string& type, const std::string& value,
               const std::string& format, int limit, const std::string& channel);
int RunDemo(const Config& config, int64_t profiles, uint64_t seed, bool if_empty,
            const std::string& format);
struct PathReportArgs;
// Attribution over a path file; `model` is a name, a comma-separated list or "all".
// Model options beyond the model's name, and the inspection views.
struct AttributionOptions {
  double half_life = 2.0;    // time decay, in touches
  double first_share = 0.4;  // position based
  double last_share = 0.4;
  std::string shapley_value = "conversions";  // or conversion_rate
  bool ordered = false;                       // ordered Shapley: credit per channel and position
  bool transitions = false;  // the Markov chain's transition matrix and removal effects
};
int RunAttribution(const Config& config, const PathReportArgs& store_paths,
                   const std::string& paths_file, const std::string& model, int order,
                   const std::string& format, bool against_demo_truth,
                   const AttributionOptions& options = {});

// --segment, --product and --campaign: every report that takes --since and --until
// takes them too (docs/attribution.md, "Filters").
void AddReportFilterOptions(CLI::App& command, analytics::ReportFilter& filter);
// The line a table's footer adds when a filter is set: what it kept, and with
// `filtered_out` how many journeys it left out. Empty without a filter.
std::string FilterFooter(const analytics::ReportFilter& filter,
                         std::optional<int64_t> filtered_out = std::nullopt);

// `unisono report paths`: conversion paths built from the store's event log.
struct PathReportArgs {
  std::string lookback = "90d";
  std::string granularity = "channel";
  std::vector<std::string> conversions;  // empty: the defaults
  bool collapse_repeats = false;
  bool exclude_inbound = false;
  std::string since;
  std::string until;
  analytics::ReportFilter filter;
  std::string format = "table";
};
int RunReportPaths(const Config& config, const PathReportArgs& args);

// `unisono report incremental`: the data-driven model over the event log.
struct IncrementalArgs {
  std::vector<std::string> conversions;  // empty: the defaults
  std::string period = "7d";
  std::string exposure_window = "28d";
  std::vector<std::string> controls;  // empty: specialty, potential
  bool no_controls = false;
  int bootstrap = 50;
  int count_cap = 3;
  double l2 = 1.0;
  bool interactions = false;
  std::string since;
  std::string until;
  analytics::ReportFilter filter;
  bool against_demo_truth = false;
  std::string format = "table";
};
int RunReportIncremental(const Config& config, const IncrementalArgs& args);
Result<analytics::DataDrivenReport> DataDrivenFromStore(const Config& config,
                                                        const IncrementalArgs& args);

// `unisono segment ...` and `unisono apply`: clients of a running server's /v1/segments
// and /v1/computed-traits (like kubectl), not of the store.
inline constexpr const char* kDefaultServer = "http://127.0.0.1:8080";
struct SegmentArgs {
  std::string server = kDefaultServer;
  std::string segment;  // create: the new name; otherwise an id or a name
  std::string definition;
  std::string description;
  bool manual = false;
  std::string owner_rep;
  int sample = 10;    // preview
  int64_t limit = 0;  // members: 0 means all
  std::string format = "table";
  std::vector<std::string> profiles;  // add, remove: profile ids ...
  std::string file;                   // ... or a one-column CSV (profile_id, email, crm_id...)
  std::string actor;
  std::string reason;
  std::string rep;
};
// `action`: create, list, preview, members, delete, add or remove.
int RunSegment(const std::string& action, const SegmentArgs& args);
// `unisono content ...`: review, approve and preview a running server's /v1/content.
struct ContentArgs {
  std::string server = kDefaultServer;
  std::string content;  // the item's id
  int version = 0;      // show, preview: 0 means the latest
  std::string format = "table";
  std::string by;  // who acts; empty: $USER
  std::string reason;
  std::string profile;  // preview: a profile id (p_12) ...
  std::string traits;   // ... or traits as a JSON object
  std::string variant;
};
// `action`: list, show, submit, approve, reject, retire or preview.
int RunContent(const std::string& action, const ContentArgs& args);
// Creates or updates the segments and computed traits a YAML file declares.
int RunApply(const std::string& server, const std::string& file);
// The path options `args` describe (the catalog from config.channels for inbound).
Result<analytics::PathOptions> PathOptionsFromArgs(const Config& config,
                                                   const PathReportArgs& args);
// The store in config.data, read-only and shared: reports run beside a server.
Result<std::unique_ptr<Store>> OpenReportStore(const Config& config);
// Conversion paths built from the store in config.data (read-only, beside a server).
Result<analytics::PathTable> PathsFromStore(const Config& config, const PathReportArgs& args,
                                            analytics::PathBuildSummary* summary = nullptr);

}  // namespace unisono::cli
