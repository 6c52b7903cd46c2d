// Segment evaluation at scale, on demo-like data written into a real store: batch
// evaluation of 20 varied segments against the same segments as SQL run by SQLite on
// the same file (member counts must agree), the latency of incremental evaluation
// from one committed event, and the memory of the engine's per-profile state.
//   build/bench/segment_bench [--profiles N] [--events-per-profile K] [--runs R]
//       [--sql-runs R] [--data DIR] [--threads T] [--incremental N] [--format text|json]
// The data directory is reused when it already holds the same data set. Exits 1 when a
// member count differs from SQLite's, or incremental memberships from a re-evaluation.
#include <fmt/core.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "segment/segment.h"
#include "storage/storage.h"

using namespace unisono;
using Steady = std::chrono::steady_clock;

namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr uint64_t kSeed = 20261101;
constexpr const char* kDatasetKey = "segment_bench.dataset";

struct Options {
  int64_t profiles = 1'000'000;
  int events_per_profile = 20;
  int runs = 3;
  int sql_runs = -1;  // -1: as many as runs; 0: no SQL (for profiling the engine)
  int threads = static_cast<int>(std::thread::hardware_concurrency());
  int64_t incremental = 100'000;
  std::string data = "segment-bench-data";
  bool json = false;
};

// splitmix64 seeds xoshiro256** (Blackman & Vigna): the same data on every machine.
uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  Rng(uint64_t seed, uint64_t stream) {
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);
    for (auto& v : s_) v = SplitMix64(x);
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  int64_t Below(int64_t n) { return static_cast<int64_t>(Next() % static_cast<uint64_t>(n)); }
  bool Chance(double p) { return Unit() < p; }
  template <typename Weights>
  size_t Pick(const Weights& weights) {
    double total = 0;
    for (double w : weights) total += w;
    double u = Unit() * total;
    for (size_t i = 0; i + 1 < std::size(weights); ++i) {
      if ((u -= weights[i]) < 0) return i;
    }
    return std::size(weights) - 1;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// The demo's vocabulary (src/demo/internal/model.h), with simpler behaviour.
enum class Gate { kNone, kEmail, kSms, kWhatsapp };
enum class Kind { kContact, kPage, kScreen, kOrder, kPrescription };
struct Touch {
  const char* channel;
  const char* name;  // empty for pages and screens
  const char* touchpoint;
  double weight;  // relative frequency among a profile's events
  Gate gate;      // consent needed to be contacted
  Kind kind;
  bool campaign;  // carries campaign and product
  bool rep;       // carries the owner rep
  bool field;     // frequency scales with the prescribing potential
};
constexpr Touch kTouches[] = {
    {"rep_visit", "Rep Visit", "detailing", 0.80, Gate::kNone, Kind::kContact, true, true, true},
    {"rep_tablet", "Tablet Detailing", "clm_presentation", 0.30, Gate::kNone, Kind::kContact, true,
     true, true},
    {"congress", "Congress Attended", "congress", 0.06, Gate::kNone, Kind::kContact, true, false,
     true},
    {"call_center", "Call Completed", "outbound_call", 0.25, Gate::kNone, Kind::kContact, true,
     false, false},
    {"e_rep", "Remote Detailing", "remote_detailing", 0.30, Gate::kNone, Kind::kContact, true, true,
     true},
    {"webinar", "Webinar Attended", "webinar", 0.20, Gate::kNone, Kind::kContact, true, false,
     true},
    {"whatsapp", "WhatsApp Sent", "whatsapp_update", 0.80, Gate::kWhatsapp, Kind::kContact, true,
     false, false},
    {"sms", "SMS Sent", "sms_reminder", 0.60, Gate::kSms, Kind::kContact, true, false, false},
    {"email", "Email Sent", "email", 2.00, Gate::kEmail, Kind::kContact, true, false, false},
    {"email", "Email Opened", "email", 0.50, Gate::kEmail, Kind::kContact, true, false, false},
    {"email", "Email Clicked", "email", 0.12, Gate::kEmail, Kind::kContact, true, false, false},
    {"chat", "Chat Started", "web_chat", 0.10, Gate::kNone, Kind::kContact, false, false, false},
    {"customer_service", "Service Call", "service_call", 0.10, Gate::kNone, Kind::kContact, false,
     false, false},
    {"billing", "Invoice Sent", "invoice", 0.30, Gate::kNone, Kind::kContact, false, false, false},
    {"postal", "Postal Mail Sent", "postal_mailing", 0.15, Gate::kNone, Kind::kContact, true, false,
     false},
    {"catalogue", "Catalogue Sent", "product_catalogue", 0.08, Gate::kNone, Kind::kContact, true,
     false, false},
    {"ecommerce", "Product Viewed", "product_view", 0.30, Gate::kNone, Kind::kContact, false, false,
     false},
    {"app", "", "", 0.60, Gate::kNone, Kind::kScreen, false, false, false},
    {"web", "", "", 1.20, Gate::kNone, Kind::kPage, false, false, false},
    {"web", "Signed In", "sign_in", 0.10, Gate::kNone, Kind::kContact, false, false, false},
    {"social", "Social Ad Engaged", "social", 0.30, Gate::kNone, Kind::kContact, true, false,
     false},
    {"paid_search", "Search Ad Clicked", "sem", 0.25, Gate::kNone, Kind::kContact, true, false,
     false},
    {"display", "Display Ad Viewed", "banner", 0.60, Gate::kNone, Kind::kContact, true, false,
     false},
    {"tv", "TV Spot Exposure", "tv_spot", 0.40, Gate::kNone, Kind::kContact, true, false, false},
    {"radio", "Radio Spot Exposure", "radio_spot", 0.20, Gate::kNone, Kind::kContact, true, false,
     false},
    {"print", "Journal Ad Exposure", "journal_ad", 0.20, Gate::kNone, Kind::kContact, true, false,
     false},
    {"ecommerce", "Order Completed", "online_order", 0.25, Gate::kNone, Kind::kOrder, false, false,
     false},
    {"store", "Order Completed", "pharmacy_order", 0.15, Gate::kNone, Kind::kOrder, false, false,
     false},
    {"unknown", "Prescription Written", "prescription", 0.45, Gate::kNone, Kind::kPrescription,
     false, false, false},
};
constexpr size_t kTouchCount = std::size(kTouches);

constexpr const char* kProducts[] = {"cardiozen", "glucobal", "respiro"};
constexpr const char* kProductNames[] = {"Cardiozen", "Glucobal", "Respiro"};
constexpr int64_t kPriceMinor[] = {4590, 6250, 3875};
constexpr const char* kCampaigns[] = {
    "cardiozen-launch",   "cardiozen-evidence", "cardiozen-adherence",
    "glucobal-awareness", "glucobal-switch",    "glucobal-loyalty",
    "respiro-season",     "respiro-control",    "respiro-education"};
struct Specialty {
  const char* id;
  double share;
  double product_mix[3];
};
constexpr Specialty kSpecialties[] = {
    {"general_practice", 0.36, {0.40, 0.35, 0.25}}, {"cardiology", 0.12, {0.85, 0.10, 0.05}},
    {"endocrinology", 0.10, {0.10, 0.85, 0.05}},    {"internal_medicine", 0.12, {0.40, 0.40, 0.20}},
    {"pneumology", 0.08, {0.05, 0.05, 0.90}},       {"geriatrics", 0.06, {0.45, 0.35, 0.20}},
    {"pediatrics", 0.10, {0.05, 0.05, 0.90}},       {"oncology", 0.06, {0.34, 0.33, 0.33}}};
constexpr const char* kPotentials[] = {"high", "medium", "low"};
constexpr double kPotentialShares[] = {0.20, 0.35, 0.45};
// Field-force contacts by potential (the multipliers average 1 over the population).
constexpr double kFieldMultiplier[] = {2.0 / 0.9525, 1.0 / 0.9525, 0.45 / 0.9525};
constexpr const char* kTerritories[] = {
    "andalucia", "cataluna",        "madrid",     "comunidad_valenciana",
    "galicia",   "castilla_y_leon", "pais_vasco", "canarias"};
constexpr double kTerritoryShares[] = {0.20, 0.18, 0.17, 0.12, 0.08, 0.08, 0.07, 0.10};
struct Page {
  const char* slug;
  const char* title;
  bool product;
};
constexpr Page kPages[] = {{"home", "Home", false},     {"overview", "Overview", true},
                           {"dosing", "Dosing", true},  {"evidence", "Clinical Evidence", true},
                           {"safety", "Safety", true},  {"news", "News", false},
                           {"events", "Events", false}, {"contact", "Contact", false}};
constexpr Page kScreens[] = {{"dose_calculator", "Dose Calculator", true},
                             {"clinical_news", "Clinical News", false},
                             {"patient_materials", "Patient Materials", true},
                             {"product_info", "Product Info", true}};
constexpr const char* kVisitTouchpoints[] = {"detailing", "sample_drop", "follow_up"};
constexpr double kVisitTouchpointWeights[] = {0.70, 0.20, 0.10};

struct Hcp {
  size_t specialty, potential, territory;
  bool email, sms, whatsapp;
  std::string rep;
};

Hcp DrawProfile(Rng& rng, int64_t reps) {
  Hcp p;
  double shares[std::size(kSpecialties)];
  for (size_t i = 0; i < std::size(kSpecialties); ++i) shares[i] = kSpecialties[i].share;
  p.specialty = rng.Pick(shares);
  p.potential = rng.Pick(kPotentialShares);
  p.territory = rng.Pick(kTerritoryShares);
  p.email = rng.Chance(0.70);
  p.sms = rng.Chance(0.40);
  p.whatsapp = rng.Chance(0.30);
  p.rep = fmt::format("rep_{:04d}", rng.Below(reps));
  return p;
}

// One event of touch `t` for profile `id` at `ts_ms`.
Event DrawEvent(Rng& rng, const Hcp& p, int64_t id, const Touch& t, int64_t ts_ms,
                int64_t year_start_ms) {
  Event e;
  e.type = t.kind == Kind::kPage     ? EventType::kPage
           : t.kind == Kind::kScreen ? EventType::kScreen
                                     : EventType::kTrack;
  e.channel = t.channel;
  e.name = t.name;
  e.touchpoint = t.touchpoint;
  e.timestamp = e.original_timestamp = e.received_at = FromMillis(ts_ms);
  e.source = "bench";
  e.profile_id = id;
  size_t product = rng.Pick(kSpecialties[p.specialty].product_mix);
  if (t.kind == Kind::kPage || t.kind == Kind::kScreen) {
    const Page& page = t.kind == Kind::kPage ? kPages[rng.Below(std::size(kPages))]
                                             : kScreens[rng.Below(std::size(kScreens))];
    e.touchpoint = page.slug;
    e.name = page.title;
    if (page.product) {
      e.name = std::string(kProductNames[product]) + " " + page.title;
      e.product = kProducts[product];
    }
  } else if (t.kind == Kind::kOrder || t.kind == Kind::kPrescription) {
    // Orders restock 2-12 packs; a prescription covers 3, 6 or 12 months.
    static constexpr int64_t kPacks[] = {3, 6, 12};
    static constexpr double kPackWeights[] = {0.2, 0.3, 0.5};
    int64_t units = t.kind == Kind::kOrder ? 2 + rng.Below(11) : kPacks[rng.Pick(kPackWeights)];
    e.product = kProducts[product];
    e.value_minor = kPriceMinor[product] * units;
    e.currency = "EUR";
    e.stage = "purchase";
  } else if (t.campaign) {
    if (std::strcmp(t.channel, "email") == 0 && rng.Chance(0.5)) {
      e.campaign = "hcp-newsletter";
    } else {
      // Each product runs three campaigns in sequence over the year.
      int64_t phase = std::min<int64_t>(2, (ts_ms - year_start_ms) / (122 * kDayMs));
      e.campaign = kCampaigns[product * 3 + static_cast<size_t>(phase)];
      e.product = kProducts[product];
    }
  }
  if (std::strcmp(t.name, "Rep Visit") == 0) {
    e.touchpoint = kVisitTouchpoints[rng.Pick(kVisitTouchpointWeights)];
  }
  if (t.rep) e.rep_id = p.rep;
  return e;
}

double Seconds(Steady::duration d) { return std::chrono::duration<double>(d).count(); }

long RssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

[[noreturn]] void Die(const std::string& what) {
  fmt::print(stderr, "segment_bench: {}\n", what);
  std::exit(2);
}

std::string DatasetSpec(const Options& o) {
  return fmt::format("v1 profiles={} events_per_profile={} seed={}", o.profiles,
                     o.events_per_profile, kSeed);
}

// Writes the data set: profiles 1..N, each with traits, consent and 1..2K-1 events
// (K on average) spread over the year before `now`, in transactions of ~200k events.
void Generate(Store& store, const Options& o, int64_t now_ms) {
  const int64_t start_ms = now_ms - 365 * kDayMs;
  const int64_t reps = std::max<int64_t>(2, o.profiles / 150);
  std::vector<double> weights[3];
  for (size_t pot = 0; pot < 3; ++pot) {
    for (const Touch& t : kTouches) {
      weights[pot].push_back(t.weight * (t.field ? kFieldMultiplier[pot] : 1));
    }
  }
  if (Status s = store.PutSetting(kDatasetKey, "incomplete " + DatasetSpec(o)); !s.ok()) {
    Die(s.ToString());
  }
  auto t0 = Steady::now();
  WriteBatch batch;
  int64_t events = 0, seq = 0;
  auto flush = [&](int64_t done) {
    auto txn = store.BeginWrite();
    if (!txn.ok()) Die(txn.status().ToString());
    if (auto r = (*txn)->Write(batch); !r.ok()) Die(r.status().ToString());
    if (Status s = (*txn)->Commit(); !s.ok()) Die(s.ToString());
    batch = WriteBatch{};
    double secs = Seconds(Steady::now() - t0);
    fmt::print(stderr, "\rgenerating: {} of {} profiles, {} events, {:.0f} s ({:.0f} events/s)   ",
               done, o.profiles, events, secs, events / std::max(secs, 1e-9));
  };
  for (int64_t id = 1; id <= o.profiles; ++id) {
    Rng rng(kSeed, static_cast<uint64_t>(id));
    Hcp p = DrawProfile(rng, reps);
    const int64_t joined = start_ms + rng.Below(14 * kDayMs);
    batch.profiles.push_back({id, FromMillis(joined)});
    auto trait = [&](const char* key, std::string json) {
      batch.traits.push_back({id, key, std::move(json), FromMillis(joined)});
    };
    trait("specialty", fmt::format("\"{}\"", kSpecialties[p.specialty].id));
    trait("potential", fmt::format("\"{}\"", kPotentials[p.potential]));
    trait("territory", fmt::format("\"{}\"", kTerritories[p.territory]));
    trait("owner_rep", fmt::format("\"{}\"", p.rep));
    trait("patients", std::to_string(50 + rng.Below(1951)));
    int64_t offset = 0;
    for (auto [channel, granted] : {std::pair{"email", p.email}, std::pair{"sms", p.sms},
                                    std::pair{"whatsapp", p.whatsapp}}) {
      batch.consents.push_back({id, channel, granted, "bench", FromMillis(joined + ++offset)});
    }
    if (p.email && rng.Chance(0.05)) {  // unsubscribes once during the year
      int64_t at = joined + 1000 + rng.Below(now_ms - joined - 1000);
      batch.consents.push_back({id, "email", false, "bench", FromMillis(at)});
    }
    int64_t count = 1 + rng.Below(2 * o.events_per_profile - 1);
    std::vector<int64_t> times;
    for (int64_t k = 0; k < count; ++k) {  // whole seconds inside the year, before now
      times.push_back(start_ms + 1000 * (1 + rng.Below(365 * 86'400 - 1)));
    }
    std::sort(times.begin(), times.end());
    for (int64_t ts : times) {
      const Touch* t = nullptr;
      do {  // contacts on a channel only when consented
        t = &kTouches[rng.Pick(weights[p.potential])];
      } while ((t->gate == Gate::kEmail && !p.email) || (t->gate == Gate::kSms && !p.sms) ||
               (t->gate == Gate::kWhatsapp && !p.whatsapp));
      Event e = DrawEvent(rng, p, id, *t, ts, start_ms);
      e.message_id = fmt::format("sb{:012x}", ++seq);  // ascending: appends to the index
      batch.events.push_back(std::move(e));
      ++events;
    }
    if (batch.events.size() >= 200'000 || id == o.profiles) flush(id);
  }
  fmt::print(stderr, "\n");
  if (Status s = store.PutSetting(kDatasetKey, DatasetSpec(o)); !s.ok()) Die(s.ToString());
}

// Opens the bench's store, generating the data set unless the directory holds it.
std::unique_ptr<Store> OpenData(const Options& o, int64_t now_ms, double* generate_s) {
  auto store = OpenSqliteStore(o.data);
  if (!store.ok()) Die(store.status().ToString());
  auto have = (*store)->GetSetting(kDatasetKey);
  if (!have.ok()) Die(have.status().ToString());
  if (*have && **have == DatasetSpec(o)) return std::move(store).value();
  auto empty = (*store)->IsEmpty();
  if (!*have && !(empty.ok() && *empty)) {
    Die(o.data + " holds a store this benchmark did not write; pass another --data");
  }
  if (*have) {  // another size, or an interrupted generation: start again
    store.value().reset();
    std::filesystem::remove_all(o.data);
    store = OpenSqliteStore(o.data);
    if (!store.ok()) Die(store.status().ToString());
  }
  auto t0 = Steady::now();
  Generate(**store, o, now_ms);
  *generate_s = Seconds(Steady::now() - t0);
  return std::move(store).value();
}

// A segment in the engine's language and the same condition in SQL over the store's
// tables, evaluated per profile `p` (correlated subqueries that use the store's
// indexes: events(profile_id, timestamp), traits(profile_id, key) and
// consents(profile_id, channel, at)).
struct BenchSegment {
  std::string name;
  std::string text;
  std::string sql_where;
};

std::string Trait(const std::string& key, const std::string& predicate) {
  return "EXISTS(SELECT 1 FROM traits t WHERE t.profile_id = p.id AND t.key = '" + key + "' AND " +
         predicate + ")";
}
// The latest consent record of the channel says granted.
std::string Consent(const std::string& channel) {
  return "coalesce((SELECT c.granted FROM consents c WHERE c.profile_id = p.id AND c.channel = '" +
         channel + "' ORDER BY c.at DESC, c.id DESC LIMIT 1), 0) = 1";
}
std::string Events(const std::string& what, const std::string& where) {
  return "(SELECT " + what + " FROM events e WHERE e.profile_id = p.id AND " + where + ")";
}
std::string Exists(const std::string& where) {
  return "EXISTS(SELECT 1 FROM events e WHERE e.profile_id = p.id AND " + where + ")";
}
std::string Quoted(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "'" : ", '") + n + "'";
  return out;
}

std::vector<BenchSegment> Segments() {
  // relationship_stage is at_risk or lapsed when the last engagement (a response, a
  // conversion or a two-way contact; else the first event) is 60 days old or more.
  StageConfig stages;
  std::vector<std::string> engaging = stages.response_events;
  engaging.insert(engaging.end(), stages.conversion_events.begin(), stages.conversion_events.end());
  engaging.insert(engaging.end(), stages.engagement_events.begin(), stages.engagement_events.end());
  // `within 30d` is (now - 30d, now]. Money is value_minor (cents) in SQL and `value`
  // (cents / 100, a double) in the engine: a sum is compared with an amount no sum of
  // prices can reach exactly (prices are multiples of 5 cents), so rounding cannot tip a
  // boundary case; a single value compares exactly.
  const std::string in_window = "e.timestamp <= :now AND e.timestamp > ";
  return {
      {"cardiology high potential",
       R"(trait(specialty) = "cardiology" and trait(potential) = "high")",
       Trait("specialty", "t.value = '\"cardiology\"'") + " AND " +
           Trait("potential", "t.value = '\"high\"'")},
      {"big territories, email ok",
       R"(trait(territory) in ("madrid", "cataluna", "andalucia") and consent(email))",
       Trait("territory", "t.value IN ('\"madrid\"', '\"cataluna\"', '\"andalucia\"')") + " AND " +
           Consent("email")},
      {"email readers 30d", R"(count(track "Email Opened" on email within 30d) >= 2)",
       Events("count(*)",
              "e.type = 'track' AND e.name = 'Email Opened' AND e.channel = 'email' AND " +
                  in_window + ":d30") +
           " >= 2"},
      {"high potential, no visit 90d",
       R"(trait(potential) = "high" and not exists(track "Rep Visit" within 90d))",
       Trait("potential", "t.value = '\"high\"'") + " AND NOT " +
           Exists("e.type = 'track' AND e.name = 'Rep Visit' AND " + in_window + ":d90")},
      {"lapsing buyers",
       R"(exists(track "Order Completed" between 180d and 60d ago) and not exists(track "Order Completed" within 60d))",
       Exists("e.type = 'track' AND e.name = 'Order Completed' AND e.timestamp > :d180 AND "
              "e.timestamp <= :d60") +
           " AND NOT " +
           Exists("e.type = 'track' AND e.name = 'Order Completed' AND " + in_window + ":d60")},
      {"big spenders 365d", R"(sum(value, track "Order Completed" within 365d) > 999.99)",
       Events("sum(e.value_minor)",
              "e.type = 'track' AND e.name = 'Order Completed' AND " + in_window + ":d365") +
           " > 99999"},
      {"adherence campaign x2 90d",
       R"(count(track where campaign = "cardiozen-adherence" within 90d) >= 2)",
       Events("count(*)",
              "e.type = 'track' AND e.campaign = 'cardiozen-adherence' AND " + in_window + ":d90") +
           " >= 2"},
      {"glucobal web or app 60d",
       R"(exists(page where product = "glucobal" within 60d) or exists(screen where product = "glucobal" within 60d))",
       "(" + Exists("e.type = 'page' AND e.product = 'glucobal' AND " + in_window + ":d60") +
           " OR " +
           Exists("e.type = 'screen' AND e.product = 'glucobal' AND " + in_window + ":d60") + ")"},
      {"last visit over 30d ago", R"(last(track "Rep Visit") < 30d ago)",
       Events("max(e.timestamp)", "e.type = 'track' AND e.name = 'Rep Visit'") + " < :d30"},
      {"no big order for 90 days", R"(days_since(track "Order Completed" where value >= 250) > 90)",
       "(:now - " +
           Events("max(e.timestamp)",
                  "e.type = 'track' AND e.name = 'Order Completed' AND e.value_minor >= 25000") +
           ") / 86400000 > 90"},
      {"busy 90d", "count(within 90d) >= 8", Events("count(*)", in_window + ":d90") + " >= 8"},
      {"sample drops, cardio/endo",
       R"(count(track "Rep Visit" where touchpoint = "sample_drop") >= 1 and trait(specialty) in ("cardiology", "endocrinology"))",
       Events("count(*)",
              "e.type = 'track' AND e.name = 'Rep Visit' AND e.touchpoint = 'sample_drop'") +
           " >= 1 AND " + Trait("specialty", "t.value IN ('\"cardiology\"', '\"endocrinology\"')")},
      {"sms but no email", "consent(sms) and not consent(email)",
       Consent("sms") + " AND NOT " + Consent("email")},
      {"whatsapp active 30d", "consent(whatsapp) and exists(track on whatsapp within 30d)",
       Consent("whatsapp") + " AND " +
           Exists("e.type = 'track' AND e.channel = 'whatsapp' AND " + in_window + ":d30")},
      {"at risk or lapsed", R"(computed(relationship_stage) in ("at_risk", "lapsed"))",
       "coalesce(" +
           Events("max(e.timestamp)",
                  "e.timestamp <= :now AND (e.type IN ('page', 'screen') OR "
                  "e.name IN (" +
                      Quoted(engaging) + "))") +
           ", " + Events("min(e.timestamp)", "e.timestamp <= :now") + ") <= :d60"},
      {"one rep or big canarias",
       R"(trait(owner_rep) = "rep_0007" or (trait(territory) = "canarias" and trait(patients) >= 1500))",
       "(" + Trait("owner_rep", "t.value = '\"rep_0007\"'") + " OR (" +
           Trait("territory", "t.value = '\"canarias\"'") + " AND " +
           Trait("patients", "CAST(t.value AS REAL) >= 1500") + "))"},
      {"large prescriptions 180d",
       R"(max(value, track "Prescription Written" where product in ("cardiozen", "glucobal") within 180d) > 500)",
       Events("max(e.value_minor)",
              "e.type = 'track' AND e.name = 'Prescription Written' AND e.product IN "
              "('cardiozen', 'glucobal') AND " +
                  in_window + ":d180") +
           " > 50000"},
      {"clickers who did not buy",
       R"(exists(track "Email Clicked" within 90d) and not exists(track "Order Completed" within 90d) and consent(email))",
       Exists("e.type = 'track' AND e.name = 'Email Clicked' AND " + in_window + ":d90") +
           " AND NOT " +
           Exists("e.type = 'track' AND e.name = 'Order Completed' AND " + in_window + ":d90") +
           " AND " + Consent("email")},
      {"summer webinar or new buyer",
       R"(count(track "Webinar Attended" since 2026-05-01 until 2026-08-01) >= 1 or first(track "Order Completed") >= 2026-08-01)",
       "(" +
           Events("count(*)",
                  "e.type = 'track' AND e.name = 'Webinar Attended' AND "
                  "e.timestamp >= :may1 AND e.timestamp < :aug1") +
           " >= 1 OR " +
           Events("min(e.timestamp)", "e.type = 'track' AND e.name = 'Order Completed'") +
           " >= :aug1)"},
      {"field-only, last visit a sample",
       R"(count(track on rep_visit within 180d) >= 3 and not consent(email) and last(touchpoint, track "Rep Visit") = "sample_drop")",
       Events("count(*)",
              "e.type = 'track' AND e.channel = 'rep_visit' AND " + in_window + ":d180") +
           " >= 3 AND NOT " + Consent("email") + " AND " +
           "(SELECT e.touchpoint FROM events e WHERE e.profile_id = p.id AND e.type = 'track' AND "
           "e.name = 'Rep Visit' ORDER BY e.timestamp DESC, e.seq DESC LIMIT 1) = 'sample_drop'"},
  };
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

// SQLite on the store's own file: one read-only connection with a 1 GiB page cache and
// the file memory-mapped.
class SqlBaseline {
 public:
  SqlBaseline(const std::string& path, int64_t now_ms) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      Die("cannot open " + path + ": " + sqlite3_errmsg(db_));
    }
    sqlite3_exec(db_, "PRAGMA cache_size = -1048576; PRAGMA mmap_size = 17179869184;", nullptr,
                 nullptr, nullptr);
    params_ = {{":now", now_ms},
               {":may1", ToMillis(*ParseTimestamp("2026-05-01"))},
               {":aug1", ToMillis(*ParseTimestamp("2026-08-01"))}};
    for (int days : {30, 60, 90, 180, 365}) {
      params_[":d" + std::to_string(days)] = now_ms - days * kDayMs;  // ":d30" is 30 days ago
    }
  }
  ~SqlBaseline() { sqlite3_close(db_); }

  static std::string Query(const BenchSegment& s) {
    return "SELECT count(*) FROM profiles p WHERE p.merged_into IS NULL AND " + s.sql_where;
  }
  int64_t Count(const BenchSegment& s) {
    sqlite3_stmt* st = nullptr;
    std::string sql = Query(s);
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      Die(fmt::format("SQL of '{}': {}\n{}", s.name, sqlite3_errmsg(db_), sql));
    }
    for (int i = 1; i <= sqlite3_bind_parameter_count(st); ++i) {
      sqlite3_bind_int64(st, i, params_.at(sqlite3_bind_parameter_name(st, i)));
    }
    if (sqlite3_step(st) != SQLITE_ROW) {
      Die(fmt::format("SQL of '{}': {}", s.name, sqlite3_errmsg(db_)));
    }
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
  }

 private:
  sqlite3* db_ = nullptr;
  std::map<std::string, int64_t> params_;
};

struct Row {
  const BenchSegment* segment = nullptr;
  int64_t members = 0, sql_members = -1, after_incremental = 0, recomputed = 0;
  std::vector<double> engine_s, sql_s;
};

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(q * sorted.size()))];
}

struct Incremental {
  std::vector<double> latency_us;  // sorted
  std::vector<double> changed_us;  // of the commits that changed a membership, sorted
};

struct Report {
  int64_t profiles = 0, events = 0;
  double generate_s = 0, load_s = 0, bytes_per_profile = 0, rss_per_profile = 0;
  double one_pass_s = 0;  // all 20 re-evaluated together, one pass over the profiles
  double engine_total_s = 0, sql_total_s = 0;
  int mismatches = 0;
  std::vector<Row> rows;
  Incremental incremental;
};

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) Die("missing value after " + flag);
    std::string v = argv[++i];
    if (flag == "--profiles") {
      o.profiles = std::stoll(v);
    } else if (flag == "--events-per-profile") {
      o.events_per_profile = std::stoi(v);
    } else if (flag == "--runs") {
      o.runs = std::stoi(v);
    } else if (flag == "--sql-runs") {
      o.sql_runs = std::stoi(v);
    } else if (flag == "--threads") {
      o.threads = std::stoi(v);
    } else if (flag == "--incremental") {
      o.incremental = std::stoll(v);
    } else if (flag == "--data") {
      o.data = v;
    } else if (flag == "--format") {
      o.json = v == "json";
    } else {
      Die("unknown flag " + flag);
    }
  }
  if (o.profiles < 1 || o.events_per_profile < 1 || o.runs < 1) Die("sizes must be positive");
  o.threads = std::max(1, o.threads);
  if (o.sql_runs < 0) o.sql_runs = o.runs;
  return o;
}

SegmentSpec Spec(const BenchSegment& s) { return {s.name, "", "rule", s.text, "", ""}; }

// Creates every segment (a full evaluation each), `runs` times; the last set stays.
void RunBatch(SegmentEngine& engine, const Options& o, std::vector<Row>& rows) {
  for (int run = 0; run < o.runs; ++run) {
    fmt::print(stderr, "batch run {} of {}...\n", run + 1, o.runs);
    std::vector<std::string> ids;
    for (auto& row : rows) {
      auto t = Steady::now();
      auto info = engine.CreateSegment(Spec(*row.segment));
      row.engine_s.push_back(Seconds(Steady::now() - t));
      if (!info.ok())
        Die(fmt::format("segment '{}': {}", row.segment->name, info.status().ToString()));
      if (run > 0 && info->members != row.members) {
        Die(fmt::format("segment '{}' had {} members in run 1 and {} in run {}", row.segment->name,
                        row.members, info->members, run + 1));
      }
      row.members = info->members;
      ids.push_back(info->id);
    }
    if (run + 1 < o.runs) {
      for (const auto& id : ids) engine.DeleteSegment(id);
    }
  }
}

void RunSql(const Options& o, int64_t now_ms, std::vector<Row>& rows) {
  SqlBaseline sql(o.data + "/unisono.db", now_ms);
  for (int run = 0; run < o.sql_runs; ++run) {
    for (auto& row : rows) {
      fmt::print(stderr, "\rSQLite run {} of {}: {:<40}", run + 1, o.sql_runs, row.segment->name);
      auto t = Steady::now();
      row.sql_members = sql.Count(*row.segment);
      row.sql_s.push_back(Seconds(Steady::now() - t));
    }
  }
  if (o.sql_runs > 0) fmt::print(stderr, "\n");
}

// One event per commit, for random profiles, at now; times each OnCommitted.
Incremental RunIncremental(SegmentEngine& engine, const Options& o, int64_t now_ms) {
  fmt::print(stderr, "incremental: {} single-event commits...\n", o.incremental);
  Rng rng(kSeed, 0);
  std::vector<WriteBatch> batches(static_cast<size_t>(o.incremental));
  for (size_t i = 0; i < batches.size(); ++i) {
    int64_t id = 1 + rng.Below(o.profiles);
    Rng draw(kSeed, static_cast<uint64_t>(id));  // the profile as generated
    Hcp p = DrawProfile(draw, std::max<int64_t>(2, o.profiles / 150));
    const Touch* t = nullptr;
    do {
      t = &kTouches[rng.Below(kTouchCount)];
    } while ((t->gate == Gate::kEmail && !p.email) || (t->gate == Gate::kSms && !p.sms) ||
             (t->gate == Gate::kWhatsapp && !p.whatsapp));
    Event e = DrawEvent(rng, p, id, *t, now_ms, now_ms - 365 * kDayMs);
    e.message_id = fmt::format("inc{:012x}", i);
    batches[i].events.push_back(std::move(e));
  }
  const std::vector<uint8_t> written{1};
  Incremental out;
  out.latency_us.reserve(batches.size());
  // A commit touches one profile, so a segment's count moves exactly when that profile
  // entered or left it. (Counts, not the profile: reading it would warm the cache.)
  auto counts = [&] {
    std::vector<int64_t> c;
    for (const auto& s : engine.ListSegments()) c.push_back(s.members);
    return c;
  };
  std::vector<int64_t> before = counts();
  for (const auto& batch : batches) {
    auto t = Steady::now();
    engine.OnCommitted(batch, written);
    double us = std::chrono::duration<double, std::micro>(Steady::now() - t).count();
    out.latency_us.push_back(us);
    std::vector<int64_t> after = counts();
    if (after != before) out.changed_us.push_back(us);
    before = std::move(after);
  }
  std::sort(out.latency_us.begin(), out.latency_us.end());
  std::sort(out.changed_us.begin(), out.changed_us.end());
  return out;
}

// The memberships kept incrementally against a fresh evaluation of every profile.
void CheckIncremental(const SegmentEngine& engine, std::vector<Row>& rows) {
  for (auto& row : rows) {
    auto info = engine.GetSegment(row.segment->name);
    auto fresh = engine.Preview(Spec(*row.segment), 0);
    if (!info.ok() || !fresh.ok()) Die("cannot read segment " + row.segment->name);
    row.after_incremental = info->members;
    row.recomputed = fresh->count;
  }
}

void PrintJson(const Options& o, const Report& r) {
  const auto& inc = r.incremental;
  fmt::print(
      "{{\"profiles\":{},\"events\":{},\"threads\":{},\"runs\":{},\"sql_runs\":{},"
      "\"generate_s\":{:.2f},\"load_s\":{:.2f},\"state_bytes_per_profile\":{:.1f},"
      "\"rss_bytes_per_profile\":{:.1f},\"segments\":[",
      r.profiles, r.events, o.threads, o.runs, o.sql_runs, r.generate_s, r.load_s,
      r.bytes_per_profile, r.rss_per_profile);
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const Row& row = r.rows[i];
    fmt::print(
        "{}{{\"name\":\"{}\",\"definition\":{:?},\"members\":{},\"sqlite_members\":{},"
        "\"engine_s\":{:.4f},\"sqlite_s\":{:.4f}}}",
        i ? "," : "", row.segment->name, row.segment->text, row.members, row.sql_members,
        Median(row.engine_s), Median(row.sql_s));
  }
  fmt::print(
      "],\"engine_total_s\":{:.3f},\"one_pass_s\":{:.3f},\"sqlite_total_s\":{:.3f},"
      "\"incremental\":{{\"commits\":{},"
      "\"p50_us\":{:.1f},\"p99_us\":{:.1f},\"p999_us\":{:.1f},\"max_us\":{:.1f},"
      "\"membership_changes\":{},"
      "\"changed_p50_us\":{:.1f},\"changed_p99_us\":{:.1f}}},\"mismatches\":{}}}\n",
      r.engine_total_s, r.one_pass_s, r.sql_total_s, inc.latency_us.size(),
      Percentile(inc.latency_us, 0.5), Percentile(inc.latency_us, 0.99),
      Percentile(inc.latency_us, 0.999), inc.latency_us.empty() ? 0 : inc.latency_us.back(),
      inc.changed_us.size(), Percentile(inc.changed_us, 0.5), Percentile(inc.changed_us, 0.99),
      r.mismatches);
}

void PrintText(const Options& o, const Report& r) {
  const bool sql = o.sql_runs > 0;
  fmt::print("data        {} profiles, {} events ({} per profile on average), {}\n", r.profiles,
             r.events, o.events_per_profile,
             r.generate_s > 0 ? fmt::format("generated in {:.0f} s", r.generate_s) : "reused");
  fmt::print(
      "load        {:.2f} s; state {:.0f} bytes per profile (stats().bytes; RSS grew {:.0f} "
      "bytes per profile)\n",
      r.load_s, r.bytes_per_profile, r.rss_per_profile);
  fmt::print(
      "batch       CreateSegment on {} thread(s), median of {} runs; SQLite (one thread) one "
      "query each, median of {} runs\n\n",
      o.threads, o.runs, o.sql_runs);
  fmt::print("{:>2}  {:<32} {:>9} {:>9} {:>10} {:>10} {:>8}  {}\n", "#", "segment", "members",
             "sqlite", "engine ms", "sqlite ms", "ratio", "counts");
  auto or_dash = [&](double v, const char* format) {
    return sql ? fmt::format(fmt::runtime(format), v) : std::string("-");
  };
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const Row& row = r.rows[i];
    double e = Median(row.engine_s), s = Median(row.sql_s);
    const char* counts = !sql ? "-" : row.members == row.sql_members ? "equal" : "DIFFER";
    fmt::print("{:>2}  {:<32} {:>9} {:>9} {:>10.1f} {:>10} {:>8}  {}\n", i + 1, row.segment->name,
               row.members, sql ? std::to_string(row.sql_members) : "-", e * 1e3,
               or_dash(s * 1e3, "{:.1f}"), or_dash(s / e, "{:.1f}x"), counts);
  }
  fmt::print("{:>2}  {:<32} {:>9} {:>9} {:>10.1f} {:>10} {:>8}\n\n", "", "all 20", "", "",
             r.engine_total_s * 1e3, or_dash(r.sql_total_s * 1e3, "{:.1f}"),
             or_dash(r.sql_total_s / r.engine_total_s, "{:.1f}x"));
  const auto& inc = r.incremental;
  fmt::print(
      "incremental {} single-event commits (OnCommitted, 20 segments): p50 {:.1f} us, p99 {:.1f} "
      "us, p99.9 {:.0f} us, max {:.0f} us; {} changed a membership (p50 {:.1f} us, p99 {:.1f} "
      "us)\n",
      inc.latency_us.size(), Percentile(inc.latency_us, 0.5), Percentile(inc.latency_us, 0.99),
      Percentile(inc.latency_us, 0.999), inc.latency_us.empty() ? 0 : inc.latency_us.back(),
      inc.changed_us.size(), Percentile(inc.changed_us, 0.5), Percentile(inc.changed_us, 0.99));
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const Row& row = r.rows[i];
    if (row.after_incremental != row.recomputed) {
      fmt::print("  segment {} '{}': {} members kept incrementally, {} on re-evaluation\n", i + 1,
                 row.segment->name, row.after_incremental, row.recomputed);
    }
  }
  fmt::print("\ndefinitions\n");
  for (size_t i = 0; i < r.rows.size(); ++i) {
    fmt::print("{:>2}  {}\n", i + 1, r.rows[i].segment->text);
  }
  fmt::print(
      "\nsummary: {} profiles, 20 segments in {:.3f} s one by one, {:.3f} s together ({}); "
      "incremental p50 {:.1f} us, p99 {:.1f} us; {:.0f} bytes per profile; {}\n",
      r.profiles, r.engine_total_s, r.one_pass_s,
      sql ? fmt::format("SQLite {:.2f} s, {:.1f}x", r.sql_total_s, r.sql_total_s / r.engine_total_s)
          : std::string("SQLite not run"),
      Percentile(inc.latency_us, 0.5), Percentile(inc.latency_us, 0.99), r.bytes_per_profile,
      r.mismatches ? fmt::format("{} COUNT MISMATCHES", r.mismatches)
                   : std::string(sql ? "all counts equal" : "incremental equals re-evaluation"));
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  const Timestamp now = *ParseTimestamp("2026-11-01T00:00:00Z");
  const int64_t now_ms = ToMillis(now);
  Report report;
  std::unique_ptr<Store> store = OpenData(o, now_ms, &report.generate_s);
  // Segments left behind by an interrupted run would be loaded and evaluated too.
  if (auto old = store->ListDefinitions("segment"); old.ok()) {
    for (const auto& d : *old) store->DeleteDefinition("segment", d.id);
  }

  fmt::print(stderr, "loading the engine...\n");
  ManualClock clock(now);
  SegmentEngineOptions options;
  options.write_events = false;
  options.threads = o.threads;
  long rss0 = RssKb();
  auto t0 = Steady::now();
  auto created = SegmentEngine::Create(*store, clock, nullptr, options);
  if (!created.ok()) Die(created.status().ToString());
  report.load_s = Seconds(Steady::now() - t0);
  std::unique_ptr<SegmentEngine> engine = std::move(created).value();
  SegmentEngine::Stats stats = engine->stats();
  report.profiles = static_cast<int64_t>(stats.profiles);
  report.events = static_cast<int64_t>(stats.events);
  report.bytes_per_profile = static_cast<double>(stats.bytes) / std::max<size_t>(1, stats.profiles);
  report.rss_per_profile = (RssKb() - rss0) * 1024.0 / std::max<size_t>(1, stats.profiles);

  const std::vector<BenchSegment> segments = Segments();
  for (const auto& s : segments) {
    report.rows.emplace_back();
    report.rows.back().segment = &s;
  }
  RunBatch(*engine, o, report.rows);
  {
    // The 20 segments again, together: one pass over the profiles evaluates all of them.
    std::vector<double> times;
    for (int run = 0; run < o.runs; ++run) {
      auto t = Steady::now();
      size_t changed = engine->ReevaluateAll();
      times.push_back(Seconds(Steady::now() - t));
      if (changed != 0)
        Die(fmt::format("re-evaluating unchanged data changed {} memberships", changed));
    }
    report.one_pass_s = Median(times);
  }
  RunSql(o, now_ms, report.rows);
  report.incremental = RunIncremental(*engine, o, now_ms);
  CheckIncremental(*engine, report.rows);

  for (const auto& row : report.rows) {
    report.engine_total_s += Median(row.engine_s);
    report.sql_total_s += Median(row.sql_s);
    report.mismatches += (o.sql_runs > 0 && row.members != row.sql_members) +
                         (row.after_incremental != row.recomputed);
  }
  if (o.json) {
    PrintJson(o, report);
  } else {
    PrintText(o, report);
  }
  return report.mismatches ? 1 : 0;
}
