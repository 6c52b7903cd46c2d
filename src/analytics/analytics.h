// analytics: multi-touch attribution over conversion paths. Reads the plain path file
// (`path,total_conversions,total_conversion_value,total_null`, paths as `a > b > c`) and
// splits conversions and their value among channels with heuristic models (first, last,
// linear, time decay, position based), a Markov chain of order k (exact removal effects)
// and the Shapley value; and a data-driven model (a regularised logistic regression of
// conversion on channel exposure) that estimates what each channel adds. Pure functions
// over values: thread-safe, no state kept.
#pragma once

#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/core.h"
#include "storage/storage.h"

namespace unisono::analytics {

// One distinct path and how often it ended in a conversion or in nothing (null).
struct Path {
  std::vector<std::string> touches;  // channels in time order, repeats allowed
  double conversions = 0;
  double value = 0;  // total conversion value of those conversions
  double nulls = 0;
};

struct PathTable {
  std::vector<Path> paths;
};

double TotalConversions(const PathTable& table);
double TotalValue(const PathTable& table);

// Reads a path file: a header naming the columns path, total_conversions,
// total_conversion_value and total_null (any order, other columns ignored), then one
// path per line. Errors name the line: bad numbers, negative counts, empty paths or
// channels, missing fields.
Result<PathTable> ReadPathFile(std::istream& in);
// Writes the same format back: header, then one row per path in PathsByConversions order.
void WritePathFile(const PathTable& table, std::ostream& out);
// The table's paths, most conversions first, then most nulls (stable otherwise).
std::vector<const Path*> PathsByConversions(const PathTable& table);
// "a > b > c"
std::string JoinPath(const Path& path);

// Paths from the event log. Per profile, the touchpoints before each conversion
// (within the lookback window) form a converting path; touchpoints after the last
// conversion form a null path. Identify, group and alias calls, conversion events
// themselves and channel "unknown" are not touchpoints.
enum class PathGranularity { kChannel, kCampaign, kCommunication, kChannelTouchpoint };
Result<PathGranularity> ParseGranularity(std::string_view name);

struct PathOptions {
  std::vector<std::string> conversion_events = {"Prescription Written", "Order Completed"};
  Millis lookback = std::chrono::days(90);
  PathGranularity granularity = PathGranularity::kChannel;
  bool collapse_repeats = false;               // a repeat is a real second contact unless asked
  std::vector<std::string> excluded_channels;  // e.g. the catalog's inbound-only channels
  std::optional<Timestamp> since;
  std::optional<Timestamp> until;
};

struct PathBuildSummary {
  int64_t profiles = 0;
  int64_t events = 0;
  int64_t conversions = 0;
  int64_t conversions_without_touch = 0;  // left out: nothing to attribute them to
  int64_t null_paths = 0;
};

Result<PathTable> BuildPaths(Store& store, const PathOptions& options,
                             PathBuildSummary* summary = nullptr);

struct TimeDecayOptions {
  // A touch d touches before the last one weighs 2^(-d / half_life_touches).
  double half_life_touches = 2.0;
};

struct PositionOptions {
  double first_share = 0.4;  // the rest (1 - first - last) is spread over middle touches
  double last_share = 0.4;
};

struct MarkovOptions {
  int order = 1;  // 1..4: a state is the last `order` channels
};

// The data-driven model: a ridge logistic regression of conversion on channel exposure
// (min(touches, count_cap) per channel), fitted on converting and null paths.
struct DataDrivenOptions {
  int count_cap = 3;
  double l2 = 1.0;            // penalty on the channel weights (not the intercept)
  bool interactions = false;  // pairwise products of exposures seen together on 30+ journeys
  int bootstrap = 50;         // resamples for the incremental intervals (0: none)
  uint64_t seed = 1;
};

// Which model to run (a registered name, see ModelNames()) and every model's options.
struct ModelSpec {
  std::string model = "markov";
  TimeDecayOptions time_decay;
  PositionOptions position;
  MarkovOptions markov;
  DataDrivenOptions data_driven;
};

struct ChannelAttribution {
  std::string channel;
  double conversions = 0;
  double value = 0;
};

// Splits the table's conversions and value among its channels (every channel seen in
// the table, sorted by name, zero rows included). The rows sum to TotalConversions()
// and TotalValue() up to rounding.
Result<std::vector<ChannelAttribution>> Attribute(const PathTable& table, const ModelSpec& spec);

// The registered models, in presentation order:
// first, last, linear, time_decay, position, markov, shapley, data_driven.
std::vector<std::string> ModelNames();
// "all", one name, or a comma-separated list of names.
Result<std::vector<std::string>> ParseModelNames(std::string_view spec);

// The data-driven model's view per channel: its fitted weight, the conversions the
// fitted model loses without the channel (with a 95% Poisson-bootstrap interval), and
// the conversions it attributes (Shapley over the fitted model, summing to the total).
struct IncrementalChannel {
  std::string channel;
  double weight = 0;
  double incremental = 0;
  double low = 0;
  double high = 0;
  double attributed = 0;
  double attributed_value = 0;
};

struct DataDrivenReport {
  std::vector<IncrementalChannel> channels;  // by channel name
  double baseline_probability = 0;           // P(conversion) with no exposure at all
  double log_likelihood = 0;
  int iterations = 0;
  int64_t rows = 0;         // distinct exposure patterns fitted
  double observations = 0;  // journeys (path file) or profile-periods (event log)
  double conversions = 0;
  double baseline_conversions = 0;  // conversions with no exposure at all: not attributed
};

Result<DataDrivenReport> AnalyseDataDriven(const PathTable& table,
                                           const DataDrivenOptions& options);

// The same model fitted on the event log as a discrete-time panel, which is what it is
// meant for: one row per profile and period (a week by default), its exposure the
// touches per channel in the `exposure_window` before the period (capped), its outcome
// whether the profile converted in the period. Profile traits named in `controls`
// enter as categories, so a channel that reps spend on high-potential customers is not
// credited with their higher base rate.
struct ExposureOptions {
  std::vector<std::string> conversion_events = {"Prescription Written", "Order Completed"};
  Millis period = std::chrono::days(7);
  Millis exposure_window = std::chrono::days(28);
  std::vector<std::string> controls = {"specialty", "potential"};
  // The customer's own responses are outcomes of contacts, not contacts: they are left
  // out of the exposure so an open does not take the credit of the e-mail it answers.
  std::vector<std::string> response_events = {"Email Opened",   "Email Clicked", "Link Clicked",
                                              "Content Shared", "Signed In",     "Unsubscribed"};
  std::vector<std::string> excluded_channels;
  std::optional<Timestamp> since;
  std::optional<Timestamp> until;
};
Result<DataDrivenReport> AnalyseDataDriven(Store& store, const ExposureOptions& exposure,
                                           const DataDrivenOptions& options);

// The Markov chain itself, for inspection. States are "(start)", "(conversion)",
// "(null)" and "a > b" (the last `order` channels; fewer at the start of a path).
struct MarkovTransition {
  std::string from;
  std::string to;
  double probability = 0;
};

struct MarkovChainReport {
  int order = 1;
  std::vector<MarkovTransition> transitions;                    // sorted by from, then to
  double conversion_probability = 0;                            // P(reach conversion | start)
  std::vector<std::pair<std::string, double>> removal_effects;  // by channel name
};

Result<MarkovChainReport> AnalyseMarkovChain(const PathTable& table, const MarkovOptions& options);

// How close an attribution is to a known truth, over the truth's channels.
struct TruthComparison {
  double rank_correlation = 0;  // Spearman, ties ranked by their mean rank
  double share_error = 0;       // half the sum of |share - true share|: 0 same, 1 disjoint
};
// `truth` and `attribution` give conversions per channel; a channel missing from
// `attribution` counts as 0. Fails with fewer than two truth channels.
Result<TruthComparison> CompareWithTruth(const std::vector<std::pair<std::string, double>>& truth,
                                         const std::vector<ChannelAttribution>& attribution);
}  // namespace unisono::analytics
