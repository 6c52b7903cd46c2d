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
// themselves and channel "unknown" are not touchpoints. Every report over the log reads
// it within PathOptions' window and filter.
enum class PathGranularity { kChannel, kCampaign, kCommunication, kChannelTouchpoint };

// Narrows a report from the event log to one segment, product and/or campaign (all that
// are set must hold). docs/attribution.md "Filters" has the rules. A value that is empty
// after trimming is not set; an unknown one matches nothing.
struct ReportFilter {
  std::string segment;   // a segment id or name, as the segment_entered events carry it
  std::string product;   // Event::product, a product alias or a catalog category id
  std::string campaign;  // Event::campaign
  // Where `product` finds categories and aliases; none: the built-in catalog.
  const ProductCatalog* products = nullptr;
  bool empty() const;
};
Result<PathGranularity> ParseGranularity(std::string_view name);

struct PathOptions {
  std::vector<std::string> conversion_events = {"Prescription Written", "Order Completed"};
  Millis lookback = std::chrono::days(90);
  PathGranularity granularity = PathGranularity::kChannel;
  bool collapse_repeats = false;               // a repeat is a real second contact unless asked
  std::vector<std::string> excluded_channels;  // e.g. the catalog's inbound-only channels
  std::optional<Timestamp> since;
  std::optional<Timestamp> until;
  ReportFilter filter;
};

struct PathBuildSummary {
  int64_t profiles = 0;  // with an event in the window
  int64_t events = 0;    // in the window
  int64_t conversions = 0;
  int64_t conversions_without_touch = 0;  // left out: nothing to attribute them to
  int64_t null_paths = 0;
  int64_t filtered_out = 0;  // journeys (converting or null) the filter left out
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

struct ShapleyOptions {
  // false: a coalition is worth the conversions of the paths within it; true: the sum of
  // the conversion rates of the channel sets within it (conversions over conversions plus
  // nulls of the paths with exactly that set), the credits then scaled to the conversions.
  bool by_conversion_rate = false;
};

// Which model to run (a registered name, see ModelNames()) and every model's options.
struct ModelSpec {
  std::string model = "markov";
  TimeDecayOptions time_decay;
  PositionOptions position;
  MarkovOptions markov;
  DataDrivenOptions data_driven;
  ShapleyOptions shapley;
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
  // Touches and conversions as the filter's rules keep them (a touch of the campaign
  // covers a conversion within the exposure window); with a segment, only the
  // profile-periods that begin with the profile in it.
  ReportFilter filter;
};
Result<DataDrivenReport> AnalyseDataDriven(Store& store, const ExposureOptions& exposure,
                                           const DataDrivenOptions& options);

// The ordered Shapley value: each path's credit for a channel lands on the position
// (1-based, among the path's distinct channels in order of first touch) where the channel
// first appears. Summed over positions it is the Shapley model's credit.
struct OrderedCredit {
  std::string channel;
  int position = 1;
  double conversions = 0;
  double value = 0;
};
Result<std::vector<OrderedCredit>> OrderedShapley(const PathTable& table,
                                                  const ShapleyOptions& options);

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

// Journey analytics: the journeys BuildPaths cuts, kept whole (times, stages, value), and
// the reports over them: transitions (matrix and Sankey), leak points, the stage funnel,
// time to conversion, path lengths, top converting paths and the most valuable
// customers. Definitions: docs/attribution.md, "Journey analytics".

// One touch of a journey. With collapse_repeats, a run of equal labels is one touch
// spanning first_at..last_at (the lookback keeps it when last_at is inside).
struct JourneyTouch {
  std::string label;  // as PathGranularity labels it
  std::string stage;  // the first contact's stage property ("" when it has none)
  Timestamp first_at{};
  Timestamp last_at{};
};

// A profile's touches before one conversion (within the lookback), or after its last
// conversion (a null journey). A conversion with no touch in its lookback is a
// converting journey with no touches: BuildPaths and the path reports leave it out,
// customer value counts it.
struct Journey {
  int64_t profile_id = 0;
  std::string user_id;  // the latest user_id seen on the profile's events so far
  std::vector<JourneyTouch> touches;
  bool converted = false;
  double value = 0;  // conversion value (value_minor / 100); 0 for a null journey
  Timestamp end{};   // the conversion's time; a null journey's last touch (last_at)
};

// Calls `fn` for every journey, profile by profile in time order, with the same cuts as
// BuildPaths (which is built on it). `summary` counts as BuildPaths does.
Status ForEachJourney(Store& store, const PathOptions& options,
                      const std::function<void(const Journey&)>& fn,
                      PathBuildSummary* summary = nullptr);

// Transitions between consecutive touches of journeys with touches, plus "(start)" ->
// first touch and last touch -> "(conversion)" / "(null)". The Sankey draws each journey
// once: its first `steps` touches as nodes "1:email", "2:rep_visit", ..., then its
// outcome; with top_paths > 0 only the journeys on the top_paths most frequent (cut)
// node sequences are drawn.
struct SankeyOptions {
  int steps = 5;      // 1..20
  int top_paths = 0;  // 0: every journey
};

struct TransitionCount {
  std::string from;
  std::string to;
  int64_t count = 0;       // transitions (a journey may repeat one)
  double probability = 0;  // count / every transition out of `from`
};

struct SankeyNode {
  std::string id;    // "2:email", or "(conversion)", "(null)"
  std::string name;  // "email"
  int step = 0;      // 1..steps; steps + 1 for the outcomes
};

struct SankeyLink {
  std::string source;
  std::string target;
  int64_t value = 0;  // journeys
};

struct TransitionReport {
  std::vector<std::string> states;           // "(start)", labels by name, "(conversion)", "(null)"
  std::vector<TransitionCount> transitions;  // by from, then to, in `states` order
  std::vector<SankeyNode> nodes;             // by step, then name
  std::vector<SankeyLink> links;             // by source, then target, in node order
  int64_t journeys = 0;                      // with touches
  int64_t conversions = 0;
  int64_t nulls = 0;
  int64_t drawn = 0;      // journeys in the Sankey
  int64_t truncated = 0;  // drawn journeys with more than `steps` touches
};

Result<TransitionReport> BuildTransitions(Store& store, const PathOptions& options,
                                          const SankeyOptions& sankey,
                                          PathBuildSummary* summary = nullptr);

// Leak points. For an ordered switch A -> B (A != B, consecutive touches):
//   switched       journeys with A, B consecutive somewhere;
//   leaked         of those, null journeys whose last two touches are A, B;
//   converted_after  converting journeys whose last two touches are A, B;
//   leak_rate      leaked / switched;
//   conversion_rate  converted_after / switched (converted right after the switch);
//   stayed         journeys with A, A consecutive somewhere (stayed on A);
//   stayed_leaked  null journeys whose last two touches are A, A;
//   stay_leak_rate stayed_leaked / stayed (none when stayed = 0);
//   excess         leak_rate - stay_leak_rate.
enum class LeakOrder { kLeaked, kRate };
struct LeakOptions {
  int64_t min_switched = 1;              // rows with fewer switching journeys are left out
  LeakOrder order = LeakOrder::kLeaked;  // most leaked first, or highest leak rate first
};

struct LeakRow {
  std::string from;
  std::string to;
  int64_t switched = 0;
  int64_t leaked = 0;
  int64_t converted_after = 0;
  double leak_rate = 0;
  double conversion_rate = 0;
  int64_t stayed = 0;
  int64_t stayed_leaked = 0;
  std::optional<double> stay_leak_rate;
  std::optional<double> excess;
};

struct LeakReport {
  std::vector<LeakRow> rows;  // ties: higher rate (or more leaked), then from, then to
  int64_t journeys = 0;       // with touches
  int64_t nulls = 0;
  double null_rate = 0;  // nulls / journeys: the baseline
};

Result<LeakReport> BuildLeaks(Store& store, const PathOptions& options, const LeakOptions& leaks,
                              PathBuildSummary* summary = nullptr);

// The stage funnel, from every event's stage property (any channel, conversions
// included; lookback and conversion events play no part). A profile reaches the first
// stage with its first event of that stage, and stage k with its first stage-k event at
// or after it reached stage k-1.
std::vector<std::string> JourneyStages();  // search, plan, purchase, keep_in_touch, share
struct FunnelOptions {
  std::vector<std::string> stages = JourneyStages();  // distinct, non-empty
  std::optional<Timestamp> since;
  std::optional<Timestamp> until;
  // Segment: stage events while in it. Product: stage events naming another product are
  // left out, and a profile counts only when an event of its names the product.
  // Campaign: the whole funnel of the profiles with an event of the campaign.
  ReportFilter filter;
};

struct FunnelStage {
  std::string stage;
  int64_t profiles = 0;  // with any event of the stage, in any order
  int64_t events = 0;
  int64_t reached = 0;                // reached in funnel order
  std::optional<double> conversion;   // reached / previous stage's reached
  std::optional<double> median_days;  // from reaching the previous stage to this one
};

struct FunnelReport {
  int64_t profiles = 0;  // with any event (the filter's: an event it counts)
  std::vector<FunnelStage> stages;
};

Result<FunnelReport> BuildFunnel(Store& store, const FunnelOptions& options);

// Time to conversion (first touch's first_at to the conversion), touches per converting
// and per null journey, and the top converting paths. Quantiles interpolate linearly
// between order statistics (numpy's default).
struct JourneyStatsOptions {
  int top_paths = 10;   // 1..10000
  int max_length = 20;  // 1..1000: longer journeys share the last length row
};

struct DurationBucket {
  std::string label;  // "<1d", "1-7d", ..., ">=90d"
  int64_t conversions = 0;
};

struct LengthRow {
  int length = 0;
  bool or_more = false;  // the last row: length or more touches
  int64_t converting = 0;
  int64_t null = 0;
};

struct PathRow {
  std::vector<std::string> touches;
  int64_t conversions = 0;
  int64_t nulls = 0;
  double value = 0;
  double conversion_rate = 0;  // conversions / (conversions + nulls) of this exact path
};

struct JourneyStats {
  int64_t journeys = 0;  // with touches
  int64_t conversions = 0;
  int64_t nulls = 0;
  std::vector<DurationBucket> time_to_conversion;
  std::optional<double> median_days;
  std::optional<double> p90_days;
  std::vector<LengthRow> lengths;
  std::optional<double> median_length_converting;
  std::optional<double> median_length_null;
  std::vector<PathRow> top_paths;  // most conversions, then rate, then path
};

Result<JourneyStats> BuildJourneyStats(Store& store, const PathOptions& options,
                                       const JourneyStatsOptions& stats,
                                       PathBuildSummary* summary = nullptr);

// The profiles with the highest total conversion value (every conversion, with or
// without a touch in its lookback), each with its most frequent route (the last
// `route_touches` touches before a conversion) and its most used channels, and the
// routes these customers' conversions most often took.
struct CustomerOptions {
  int top = 20;           // 1..10000 customers
  int routes = 10;        // 1..1000 routes in `routes`
  int route_touches = 3;  // 0..20; 0: the whole journey
};

struct CustomerRow {
  int64_t profile_id = 0;
  std::string user_id;
  int64_t conversions = 0;
  double value = 0;
  std::vector<std::string> route;  // most frequent route; ties: more value, then earlier
  int64_t route_conversions = 0;
  // Up to three channels with the most touches in its converting journeys, with their
  // share of those touches.
  std::vector<std::pair<std::string, double>> channels;
};

struct CustomerReport {
  std::vector<CustomerRow> customers;  // most value first, then profile id
  std::vector<PathRow> routes;         // their routes, most conversions first
  int64_t converting_customers = 0;    // profiles with a conversion
  double total_value = 0;              // of every profile
  double top_value = 0;                // of the customers listed
};

Result<CustomerReport> BuildCustomers(Store& store, const PathOptions& options,
                                      const CustomerOptions& customers,
                                      PathBuildSummary* summary = nullptr);

// ROI and channel KPIs
//
// Cost, attributed conversions and value, cost per conversion and ROI per channel,
// campaign, communication, product or segment; reach, frequency, engagement, conversion
// rate, cost and closes versus assists per channel. Costs come from the store and the
// channel catalog (docs/attribution.md, "ROI and KPIs", has the rules): an event's own
// cost_minor; else, for a contact no channel cost record covers, the catalog's
// cost_per_contact; a record is the whole cost of its channel (and campaign) over its
// period, reconciled with what the contacts it covers carry and spread over them, or
// unallocated when it covers none. Money in reports is in major units (as
// ChannelAttribution::value). Same thread-safety as the rest: no state kept.

// What counts as a contact.
struct CostOptions {
  // Touches that answer an earlier contact rather than make one: they stay touches on
  // paths (and may be responses), but are not contacts, so no default cost or share of
  // a budget falls on them.
  std::vector<std::string> follow_up_events = {"Email Opened",   "Email Clicked", "Link Clicked",
                                               "Content Shared", "Signed In",     "Unsubscribed"};
};

enum class RoiDimension { kChannel, kCampaign, kCommunication, kProduct, kSegment };
// "channel", "campaign", "communication", "product" or "segment".
Result<RoiDimension> ParseRoiDimension(std::string_view name);
std::string RoiDimensionName(RoiDimension dimension);

// The row of costs and conversions no key of the dimension can take: contacts without a
// campaign, communication or product, conversions with no touch to attribute them to,
// records that name no channel (by channel), times in no segment.
inline constexpr std::string_view kNoKey = "(none)";

struct RoiOptions {
  RoiDimension by = RoiDimension::kChannel;
  // Channel, campaign and communication: conversions and value are split among the
  // touches of their paths (at that granularity) by this model. Product: a conversion
  // belongs to its own product. Segment: to every segment the profile was in.
  ModelSpec model;
  PathOptions paths;  // conversions, lookback, window, exclusions; granularity follows `by`
  CostOptions costs;
};

struct RoiRow {
  std::string key;   // a channel, campaign, communication, product or segment id, or kNoKey
  std::string name;  // segments: the segment's name; empty otherwise
  int64_t contacts = 0;
  double cost = 0;                            // what its contacts cost, plus unallocated_cost
  double unallocated_cost = 0;                // its records' cost that no contact carries
  double conversions = 0;                     // attributed
  double value = 0;                           // attributed conversion value
  std::optional<double> cost_per_conversion;  // none without conversions
  std::optional<double> roi;                  // (value - cost) / cost; none without cost
};

struct RoiReport {
  RoiDimension by = RoiDimension::kChannel;
  std::string model;         // the model's name, or "" for product and segment
  std::string currency;      // of all costs and values; "mixed" when they differ
  std::vector<RoiRow> rows;  // by key, kNoKey last
  // Each cost and conversion once (a contact or conversion counts in every segment the
  // profile is in, so segment rows may add up to more).
  double cost = 0;
  double unallocated_cost = 0;
  double conversions = 0;
  double value = 0;
  std::optional<double> roi;
};

Result<RoiReport> BuildRoiReport(Store& store, const ChannelCatalog& catalog,
                                 const RoiOptions& options);

struct KpiOptions {
  PathOptions paths;  // conversions, lookback and window of closes and assists; by channel
  CostOptions costs;
  // Responses: track events with these names, and page and screen calls when "page" or
  // "screen" is listed.
  std::vector<std::string> response_events = {"Email Opened",     "Email Clicked", "Content Shared",
                                              "Webinar Attended", "page",          "screen"};
};

struct ChannelKpis {
  std::string channel;
  std::string declared_role;  // the catalog's: "direct" or "collaborative"; "" if unknown
  int64_t reach = 0;          // distinct profiles with a contact on the channel
  int64_t contacts = 0;
  std::optional<double> frequency;  // contacts / reach
  int64_t responses = 0;
  std::optional<double> engagement_rate;  // responses / contacts
  int64_t conversions_touched = 0;        // conversions with the channel on their path
  int64_t converting_profiles = 0;        // reached profiles converting after their first contact
  std::optional<double> conversion_rate;  // converting_profiles / reach
  double cost = 0;                        // contacts' cost plus the channel's unallocated cost
  std::optional<double> cost_per_contact;
  int64_t closes = 0;                 // last touch on a converting path
  int64_t assists = 0;                // every other touch on a converting path
  std::optional<double> close_share;  // closes / (closes + assists)
  // "direct" when close_share is above the report's baseline, else "collaborative";
  // "" when the channel is on no converting path.
  std::string observed_role;
};

struct KpiReport {
  std::string currency;
  int64_t reach = 0;  // distinct profiles with a contact on any channel
  int64_t conversions = 0;
  std::optional<double> baseline_close_share;  // all closes / all touches on converting paths
  std::vector<ChannelKpis> channels;           // by channel id
};

Result<KpiReport> BuildChannelKpis(Store& store, const ChannelCatalog& catalog,
                                   const KpiOptions& options);

// Online versus offline engagement per customer, as a quadrant. Each event's axis is its
// channel's `online` flag in the catalog. An event engages when it is a response, when
// its channel is inbound or both ways (the customer came or talked), or when the channel's
// family is "personal" (a rep visit that happened: the customer gave the rep time);
// mass-media exposures and one-way sends are contacts, not engagement. A customer is
// engaged on an axis when its engagements there reach the axis' threshold.
enum class Quadrant { kOmnichannel, kDigital, kPersonal, kDisengaged };
// "omnichannel" (both axes), "digital" (online only), "personal" (offline only),
// "disengaged" (neither).
std::string QuadrantName(Quadrant quadrant);
Result<Quadrant> ParseQuadrant(std::string_view name);

struct QuadrantOptions {
  PathOptions paths;  // conversions, window and filter (the lookback: campaign coverage)
  CostOptions costs;
  // As KpiOptions::response_events, plus signing in.
  std::vector<std::string> response_events = {"Email Opened",     "Email Clicked", "Content Shared",
                                              "Webinar Attended", "page",          "screen",
                                              "Signed In"};
  // Engagements that make a customer engaged on the axis (0 or more); none: the median
  // over the report's customers, at least 1.
  std::optional<double> online_threshold;
  std::optional<double> offline_threshold;
  std::optional<Quadrant> quadrant;  // list only this quadrant's customers
  int64_t limit = 0;                 // customers listed; 0: all
};

struct QuadrantRow {
  Quadrant quadrant = Quadrant::kDisengaged;
  int64_t customers = 0;
  std::optional<double> share;  // of the report's customers
  // Means per customer (none without customers).
  std::optional<double> online_engagements;
  std::optional<double> offline_engagements;
  std::optional<double> online_contacts;
  std::optional<double> offline_contacts;
  std::optional<double> online_cost;  // what its contacts cost, as the KPIs count it
  std::optional<double> offline_cost;
  int64_t converting_customers = 0;
  std::optional<double> conversion_rate;  // converting_customers / customers
  int64_t conversions = 0;
  double value = 0;
  std::optional<double> value_per_customer;
};

struct QuadrantCustomer {
  int64_t profile_id = 0;
  std::string user_id;  // the latest seen in the window
  int64_t online_engagements = 0;
  int64_t offline_engagements = 0;
  int64_t online_contacts = 0;
  int64_t offline_contacts = 0;
  double online_cost = 0;
  double offline_cost = 0;
  int64_t conversions = 0;
  double value = 0;
  Quadrant quadrant = Quadrant::kDisengaged;
};

struct QuadrantReport {
  double online_threshold = 1;  // the thresholds used
  double offline_threshold = 1;
  bool online_threshold_is_median = false;
  bool offline_threshold_is_median = false;
  std::string currency;
  int64_t customers = 0;               // profiles with a counted event in the window
  std::vector<QuadrantRow> quadrants;  // omnichannel, digital, personal, disengaged
  // Most value first, then profile id; only `quadrant`'s, at most `limit`.
  std::vector<QuadrantCustomer> list;
  int64_t unknown_channel_events = 0;         // on channels not in the catalog: left out
  std::vector<std::string> unknown_channels;  // those channels, by name
};

Result<QuadrantReport> BuildEngagementQuadrants(Store& store, const ChannelCatalog& catalog,
                                                const QuadrantOptions& options);

}  // namespace unisono::analytics
