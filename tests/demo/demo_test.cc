#include "demo/demo.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "demo/internal/generator.h"
#include "demo/internal/model.h"
#include "demo/internal/rng.h"
#include "profile/profile.h"
#include "support/test_support.h"

namespace unisono {
namespace {

namespace json = boost::json;
using demo::kChannelCount;
using demo::kChannels;

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kWeekMs = 7 * kDayMs;
constexpr double kMonthMs = 365.2425 / 12.0 * kDayMs;

Timestamp T(const char* iso) { return *ParseTimestamp(iso); }

struct Generated {
  std::vector<Event> events;
  std::vector<CostRecord> costs;
  DemoSummary summary;
  demo::DemoWindow window;
};

Generated Generate(int64_t profiles, uint64_t seed,
                   std::array<bool, kChannelCount> without_effect = {}) {
  demo::GeneratorOptions options;
  options.demo.profiles = profiles;
  options.demo.seed = seed;
  options.without_effect = without_effect;
  demo::DemoGenerator generator(options);
  Generated g;
  while (generator.NextProfile(g.events)) {
  }
  g.costs = generator.Costs();
  g.summary = generator.summary();
  g.window = generator.window();
  return g;
}

// The population the statistical tests share; generation is pure, so sharing is safe.
const Generated& Population() {
  static const Generated g = Generate(3000, 42);
  return g;
}

// FNV-1a over every field of every event and cost record.
class Fnv {
 public:
  void Add(std::string_view s) {
    for (unsigned char c : s) Mix(c);
    Mix(0xff);  // separator, so "ab","c" differs from "a","bc"
  }
  void Add(int64_t v) {
    for (int i = 0; i < 8; ++i) Mix(static_cast<unsigned char>(v >> (8 * i)));
  }
  uint64_t value() const { return h_; }

 private:
  void Mix(unsigned char c) {
    h_ ^= c;
    h_ *= 1099511628211ULL;
  }
  uint64_t h_ = 1469598103934665603ULL;
};

uint64_t Hash(const Generated& g) {
  Fnv f;
  for (const Event& e : g.events) {
    f.Add(static_cast<int64_t>(e.type));
    for (const std::string* s :
         {&e.message_id, &e.user_id, &e.anonymous_id, &e.name, &e.channel, &e.campaign,
          &e.communication, &e.product, &e.touchpoint, &e.rep_id, &e.stage, &e.currency,
          &e.properties_json, &e.traits_json, &e.context_json, &e.source}) {
      f.Add(*s);
    }
    f.Add(ToMillis(e.timestamp));
    f.Add(ToMillis(e.original_timestamp));
    f.Add(ToMillis(e.received_at));
    f.Add(e.cost_minor.value_or(-1));
    f.Add(e.value_minor.value_or(-1));
    for (const JsonField& t : e.traits) f.Add(t.key + "=" + t.json);
    for (const Identifier& i : e.identifiers) f.Add(i.type + "=" + i.value);
    for (const ConsentChange& c : e.consents) f.Add(c.channel + (c.granted ? "+" : "-"));
  }
  for (const CostRecord& c : g.costs) {
    f.Add(c.channel);
    f.Add(c.campaign);
    f.Add(ToMillis(c.period_start));
    f.Add(ToMillis(c.period_end));
    f.Add(c.amount_minor);
    f.Add(c.currency);
    f.Add(c.source);
  }
  return f.value();
}

// The documented contact rule: web page events, app screen events, and track events named
// as their channel's contact event ("Email Sent", "Rep Visit", ...). -1 for the rest.
int ContactChannel(const Event& e) {
  for (size_t c = 0; c < kChannelCount; ++c) {
    const demo::ChannelModel& m = kChannels[c];
    if (e.channel != m.id) continue;
    if (m.type != EventType::kTrack) return e.type == m.type ? static_cast<int>(c) : -1;
    const bool named = !m.contact_event.empty() && e.name == m.contact_event;
    return e.type == EventType::kTrack && named ? static_cast<int>(c) : -1;
  }
  return -1;
}

bool IsConversion(const Event& e) {
  return e.name == "Prescription Written" || e.name == "Order Completed";
}

template <typename Table>
size_t IndexOf(const Table& table, std::string_view id) {
  for (size_t i = 0; i < table.size(); ++i) {
    if (table[i].id == id) return i;
  }
  ADD_FAILURE() << "unknown id " << id;
  return 0;
}

// One HCP as analytics would rebuild it from the events alone.
struct HcpView {
  int64_t identified_at = -1;
  size_t potential = 0, specialty = 0;
  bool email = false, sms = false, whatsapp = false;
  int64_t unsubscribed_at = -1;
  std::vector<std::pair<int64_t, int>> contacts;  // time, channel index
  std::vector<int64_t> conversions;
};

std::map<std::string, HcpView> Rebuild(const std::vector<Event>& events) {
  std::unordered_map<std::string, std::string> user_of_anonymous;
  for (const Event& e : events) {
    if (!e.user_id.empty() && !e.anonymous_id.empty())
      user_of_anonymous[e.anonymous_id] = e.user_id;
  }
  std::map<std::string, HcpView> hcps;
  for (const Event& e : events) {
    const std::string& user = e.user_id.empty() ? user_of_anonymous.at(e.anonymous_id) : e.user_id;
    HcpView& h = hcps[user];
    const int64_t t = ToMillis(e.timestamp);
    if (e.type == EventType::kIdentify) {
      const json::object traits = json::parse(e.traits_json).as_object();
      const json::object& consent = traits.at("consent").as_object();
      if (traits.contains("specialty")) {
        h.identified_at = t;
        h.potential = IndexOf(demo::kPotentials, traits.at("potential").as_string());
        h.specialty = IndexOf(demo::kSpecialties, traits.at("specialty").as_string());
        h.email = consent.at("email").as_bool();
        h.sms = consent.at("sms").as_bool();
        h.whatsapp = consent.at("whatsapp").as_bool();
      } else if (!consent.at("email").as_bool()) {
        h.unsubscribed_at = t;
      }
    }
    if (int c = ContactChannel(e); c >= 0) h.contacts.push_back({t, c});
    if (IsConversion(e)) h.conversions.push_back(t);
  }
  for (auto& [user, h] : hcps) std::sort(h.contacts.begin(), h.contacts.end());
  return hcps;
}

TEST(DemoWindow, IsTwelveCalendarMonthsEndingAtTheEndWithFiftyTwoFullWeeks) {
  demo::DemoWindow w = demo::MakeWindow(T("2026-11-01T00:00:00Z"), 12);
  EXPECT_EQ(w.start, T("2025-11-01T00:00:00Z"));
  ASSERT_EQ(w.months(), 12);
  EXPECT_EQ(w.month_starts[1], T("2025-12-01T00:00:00Z"));
  EXPECT_EQ(w.month_starts[4], T("2026-03-01T00:00:00Z"));
  EXPECT_EQ(w.month_starts[12], T("2026-11-01T00:00:00Z"));
  EXPECT_EQ(w.weeks, 52);
  EXPECT_EQ(w.MonthOf(T("2026-02-28T23:59:59Z")), 3);
  // A month that has no such day ends the previous month on its last day.
  EXPECT_EQ(demo::MakeWindow(T("2026-03-31T00:00:00Z"), 1).start, T("2026-02-28T00:00:00Z"));
}

TEST(DemoRng, ExpIsAccurateAndPoissonHasTheRequestedMean) {
  for (double x = -30; x <= 30; x += 0.37) {
    EXPECT_NEAR(demo::DeterministicExp(x) / std::exp(x), 1.0, 1e-14) << x;
  }
  demo::Rng rng(7);
  double sum = 0;
  const int n = 200'000;
  for (int i = 0; i < n; ++i) sum += rng.Poisson(3.5);
  EXPECT_NEAR(sum / n, 3.5, 0.03);  // sd of the mean is 0.004
}

TEST(DemoGenerator, SameSeedGivesAnIdenticalEventStream) {
  const Generated a = Generate(300, 42);
  const Generated b = Generate(300, 42);
  ASSERT_FALSE(a.events.empty());
  EXPECT_EQ(a.events.size(), b.events.size());
  EXPECT_EQ(Hash(a), Hash(b));
  EXPECT_EQ(a.events.front().message_id, "demo-42-1-0");
}

TEST(DemoGenerator, DifferentSeedGivesADifferentStream) {
  EXPECT_NE(Hash(Generate(300, 42)), Hash(Generate(300, 43)));
}

TEST(DemoGenerator, AnHcpIsTheSameWhateverThePopulationSizeSaveItsRep) {
  const Generated small = Generate(20, 42);
  const Generated large = Generate(1500, 42);
  ASSERT_NE(small.summary.reps, large.summary.reps);
  auto of_hcp_7 = [](const Generated& g) {
    std::vector<std::string> events;
    for (const Event& e : g.events) {
      if (e.user_id != "hcp-000007") continue;
      events.push_back(e.message_id + "|" + FormatTimestamp(e.timestamp) + "|" + e.name + "|" +
                       e.touchpoint + "|" + e.communication + "|" +
                       std::to_string(e.value_minor.value_or(0)));
    }
    return events;
  };
  EXPECT_FALSE(of_hcp_7(small).empty());
  EXPECT_EQ(of_hcp_7(small), of_hcp_7(large));
}

TEST(DemoGenerator, MessageIdsAreUniqueAndNameSeedHcpAndSequence) {
  const Generated g = Generate(200, 9);
  std::set<std::string> ids;
  for (const Event& e : g.events) EXPECT_TRUE(ids.insert(e.message_id).second) << e.message_id;
  EXPECT_EQ(g.events.front().message_id, "demo-9-1-0");
  EXPECT_EQ(g.events.back().message_id.rfind("demo-9-200-", 0), 0u) << g.events.back().message_id;
}

TEST(DemoTruth, CoversTheCatalogWithItsCostsPerContact) {
  const ChannelCatalog catalog = ChannelCatalog::Builtin();
  const std::vector<DemoChannelTruth> truth = DemoTruth();
  ASSERT_EQ(truth.size(), catalog.channels().size());
  for (const DemoChannelTruth& t : truth) {
    const Channel* c = catalog.Find(t.channel);
    ASSERT_NE(c, nullptr) << t.channel;
    EXPECT_EQ(t.cost_per_contact_minor, c->cost_per_contact_minor) << t.channel;
  }
  auto effect = [&](std::string_view id) {
    return std::find_if(truth.begin(), truth.end(), [&](auto& t) { return t.channel == id; })
        ->effect;
  };
  // Clearly effective, weak and null channels, so attribution has something to find.
  for (const char* strong : {"rep_visit", "e_rep", "webinar", "congress"}) {
    EXPECT_GE(effect(strong), 0.25) << strong;
  }
  for (const char* weak : {"display", "tv"}) EXPECT_LE(effect(weak), 0.01) << weak;
  for (const char* none : {"billing", "customer_service"}) EXPECT_EQ(effect(none), 0.0) << none;
}

TEST(DemoGenerator, EveryCatalogChannelAppears) {
  std::set<std::string> seen;
  for (const Event& e : Population().events) seen.insert(e.channel);
  const ChannelCatalog catalog = ChannelCatalog::Builtin();
  for (const Channel& c : catalog.channels()) {
    EXPECT_TRUE(seen.count(c.id)) << c.id;
  }
}

TEST(DemoGenerator, EveryEventCarriesValidJsonRepeatingItsOwnFields) {
  const std::set<std::string> stages = {"search", "plan", "purchase", "keep_in_touch", "share"};
  for (const Event& e : Generate(300, 5).events) {
    SCOPED_TRACE(e.message_id);
    EXPECT_EQ(e.source, "demo");
    const json::object context = json::parse(e.context_json).as_object();
    EXPECT_EQ(context.at("channel").as_string(), e.channel);
    const json::object traits = json::parse(e.traits_json).as_object();
    EXPECT_EQ(traits.size(), e.traits.size());
    for (const JsonField& t : e.traits) EXPECT_EQ(traits.at(t.key), json::parse(t.json));
    const json::object p = json::parse(e.properties_json).as_object();
    if (e.type == EventType::kIdentify) continue;
    EXPECT_TRUE(stages.count(e.stage)) << e.stage;
    auto same = [&](const char* key, const std::string& field) {
      if (field.empty()) {
        EXPECT_FALSE(p.contains(key)) << key;
      } else {
        EXPECT_EQ(p.at(key).as_string(), field) << key;
      }
    };
    same("channel", e.channel);
    same("stage", e.stage);
    same("touchpoint", e.touchpoint);
    same("product", e.product);
    same("campaign", e.campaign);
    same("communication", e.communication);
    same("rep_id", e.rep_id);
    if (e.cost_minor) {
      EXPECT_DOUBLE_EQ(p.at("cost").to_number<double>(), *e.cost_minor / 100.0);
      EXPECT_EQ(p.at("currency").as_string(), "EUR");
    }
    EXPECT_EQ(p.contains("value"), e.value_minor.has_value());
    if (e.value_minor) {
      EXPECT_DOUBLE_EQ(p.at("value").to_number<double>(), *e.value_minor / 100.0);
      EXPECT_DOUBLE_EQ(p.at("revenue").to_number<double>(), *e.value_minor / 100.0);
      EXPECT_EQ(*e.value_minor,
                p.at("units").as_int64() * std::llround(p.at("price").to_number<double>() * 100));
    }
  }
}

TEST(DemoGenerator, IdentifyCarriesTheHcpsTraitsIdentifiersAndConsent) {
  const Generated g = Generate(50, 42);
  const Event& identify = *std::find_if(g.events.begin(), g.events.end(), [](const Event& e) {
    return e.type == EventType::kIdentify && e.user_id == "hcp-000001";
  });
  std::map<std::string, std::string> ids;
  for (const Identifier& i : identify.identifiers) ids[i.type] = i.value;
  EXPECT_EQ(ids["user_id"], "hcp-000001");
  EXPECT_EQ(ids["crm_id"], "CRM-000001");
  EXPECT_TRUE(ids["email"].find("1@") != std::string::npos) << ids["email"];
  EXPECT_TRUE(ids["email"].ends_with(".example")) << ids["email"];
  EXPECT_EQ(ids["phone"].rfind("+346", 0), 0u);
  EXPECT_EQ(ids["phone"].size(), 12u);
  const json::object traits = json::parse(identify.traits_json).as_object();
  for (const char* key : {"first_name", "last_name", "email", "phone", "specialty", "territory",
                          "potential", "owner_rep", "crm_id", "consent"}) {
    EXPECT_TRUE(traits.contains(key)) << key;
  }
  const json::object& consent = traits.at("consent").as_object();
  ASSERT_EQ(identify.consents.size(), 3u);
  for (const ConsentChange& c : identify.consents) {
    EXPECT_EQ(consent.at(c.channel).as_bool(), c.granted) << c.channel;
  }
}

TEST(DemoGenerator, PhonesAndEmailsAreUniqueSoNoTwoHcpsMerge) {
  std::set<std::string> emails, phones;
  for (const Event& e : Population().events) {
    for (const Identifier& i : e.identifiers) {
      if (i.type == "email") {
        EXPECT_TRUE(emails.insert(i.value).second) << i.value;
      }
      if (i.type == "phone") {
        EXPECT_TRUE(phones.insert(i.value).second) << i.value;
      }
    }
  }
  EXPECT_EQ(emails.size(), 3000u);
  EXPECT_EQ(phones.size(), 3000u);
}

TEST(DemoGenerator, TimestampsLieInTheWindowAndGrowPerHcpFromTheIdentify) {
  const Generated& g = Population();
  std::map<std::string, int64_t> last;
  std::set<std::string> identified;
  for (const Event& e : g.events) {
    SCOPED_TRACE(e.message_id);
    ASSERT_GE(e.timestamp, g.window.start);
    ASSERT_LT(e.timestamp, g.window.end);
    ASSERT_EQ(e.original_timestamp, e.timestamp);
    ASSERT_EQ(e.received_at, e.timestamp);
    const std::string hcp = e.message_id.substr(0, e.message_id.rfind('-'));
    ASSERT_GE(ToMillis(e.timestamp), last[hcp]);
    last[hcp] = ToMillis(e.timestamp);
    if (e.type == EventType::kIdentify) identified.insert(e.user_id);
    // Nothing carries the user id (or an email or phone) before the HCP's identify.
    if (!e.user_id.empty()) {
      ASSERT_TRUE(identified.count(e.user_id));
    }
  }
}

TEST(DemoGenerator, AnonymousVisitsAreLaterTiedToTheirHcpByAnEventCarryingBoth) {
  const Generated& g = Population();
  std::map<std::string, int64_t> first_anonymous, first_tied;
  for (const Event& e : g.events) {
    if (e.anonymous_id.empty()) continue;
    auto& slot = e.user_id.empty() ? first_anonymous : first_tied;
    slot.emplace(e.anonymous_id, ToMillis(e.timestamp));
  }
  ASSERT_GT(first_anonymous.size(), 3000 * 0.08);  // both stitching cases occur
  for (const auto& [anonymous_id, at] : first_anonymous) {
    ASSERT_TRUE(first_tied.count(anonymous_id)) << anonymous_id;
  }
}

TEST(DemoGenerator, DigitalChannelsReachOnlyHcpsWhoConsented) {
  size_t checked = 0;
  for (const auto& [user, h] : Rebuild(Population().events)) {
    for (const auto& [t, c] : h.contacts) {
      if (c == demo::kEmail) {
        ASSERT_TRUE(h.email) << user;
        ASSERT_TRUE(h.unsubscribed_at < 0 || t < h.unsubscribed_at) << user;
      }
      if (c == demo::kSms) {
        ASSERT_TRUE(h.sms) << user;
      }
      if (c == demo::kWhatsapp) {
        ASSERT_TRUE(h.whatsapp) << user;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 100'000u);
}

TEST(DemoGenerator, HasSixtyToOneHundredTwentyEventsPerHcpAndAFewConversionsEach) {
  const Generated& g = Population();
  const double per_hcp = static_cast<double>(g.events.size()) / 3000;
  EXPECT_GE(per_hcp, 60);
  EXPECT_LE(per_hcp, 120);
  EXPECT_EQ(g.summary.events, static_cast<int64_t>(g.events.size()));
  EXPECT_EQ(g.summary.profiles, 3000);
  EXPECT_EQ(g.summary.reps, 20);
  int64_t conversions = 0, value = 0;
  for (const Event& e : g.events) {
    if (!IsConversion(e)) continue;
    ++conversions;
    value += e.value_minor.value_or(0);
  }
  EXPECT_EQ(g.summary.conversions, conversions);
  EXPECT_EQ(g.summary.conversion_value_minor, value);
  EXPECT_GT(conversions, 3000 * 2);
}

TEST(DemoGenerator, ContactRatesMatchTheTruthTable) {
  const Generated& g = Population();
  const int64_t end = ToMillis(g.window.end);
  std::array<double, kChannelCount> contacts{}, months{};
  for (const auto& [user, h] : Rebuild(g.events)) {
    const double active = static_cast<double>(end - h.identified_at) / kMonthMs;
    for (size_t c = 0; c < kChannelCount; ++c) {
      switch (kChannels[c].reach) {
        case demo::Reach::kEveryone:
          months[c] += active;
          break;
        case demo::Reach::kEmailConsent:
          if (h.email) {
            const int64_t until = h.unsubscribed_at >= 0 ? h.unsubscribed_at : end;
            months[c] += static_cast<double>(until - h.identified_at) / kMonthMs;
          }
          break;
        case demo::Reach::kSmsConsent:
          months[c] += h.sms ? active : 0;
          break;
        case demo::Reach::kWhatsappConsent:
          months[c] += h.whatsapp ? active : 0;
          break;
      }
    }
    for (const auto& [t, c] : h.contacts) contacts[c] += 1;
  }
  for (size_t c = 0; c < kChannelCount; ++c) {
    const double rate = contacts[c] / months[c];
    EXPECT_NEAR(rate, kChannels[c].contacts_per_month, 0.12 * kChannels[c].contacts_per_month)
        << kChannels[c].id;
  }
}

// Person-weeks of the weekly conversion model, split by rep-visit exposure.
struct WeekGroup {
  double weeks = 0, observed = 0;
  double expected = 0, variance = 0;            // under the true model
  double expected_null = 0, variance_null = 0;  // if rep visits had no effect
  double rate() const { return observed / weeks; }
  double expected_rate() const { return expected / weeks; }
};

TEST(DemoGenerator, RepVisitsLiftConversionByTheFactorTheModelImplies) {
  const Generated& g = Population();
  WeekGroup exposed, unexposed, all;
  for (const auto& [user, h] : Rebuild(g.events)) {
    for (int week = 0; week < g.window.weeks; ++week) {
      const int64_t start = ToMillis(g.window.WeekStart(week));
      if (start < h.identified_at) continue;
      std::array<int, kChannelCount> n{};
      for (const auto& [t, c] : h.contacts) {
        if (t >= start - demo::kLookbackDays * kDayMs && t < start) ++n[c];
      }
      double log_odds = demo::BaseLogit(h.potential, h.specialty);
      for (size_t c = 0; c < kChannelCount; ++c) {
        log_odds += kChannels[c].effect * std::min(n[c], demo::kContactCap);
      }
      const double rep_lift =
          kChannels[demo::kRepVisit].effect * std::min(n[demo::kRepVisit], demo::kContactCap);
      const double p = demo::Logistic(log_odds);
      const double p_null = demo::Logistic(log_odds - rep_lift);
      const bool converted =
          std::any_of(h.conversions.begin(), h.conversions.end(),
                      [&](int64_t t) { return t >= start && t < start + kWeekMs; });
      for (WeekGroup* group : {n[demo::kRepVisit] > 0 ? &exposed : &unexposed, &all}) {
        group->weeks += 1;
        group->observed += converted ? 1 : 0;
        group->expected += p;
        group->variance += p * (1 - p);
        group->expected_null += p_null;
        group->variance_null += p_null * (1 - p_null);
      }
    }
  }
  ASSERT_GT(exposed.weeks, 20'000);
  ASSERT_GT(unexposed.weeks, 20'000);
  // Conversions follow the model's probabilities, in each group and overall (4 sigma).
  for (const WeekGroup* group : {&exposed, &unexposed, &all}) {
    EXPECT_NEAR(group->observed, group->expected, 4 * std::sqrt(group->variance));
  }
  // Visited HCPs convert more often, by the ratio the model implies (within 8%)...
  const double observed_ratio = exposed.rate() / unexposed.rate();
  const double implied_ratio = exposed.expected_rate() / unexposed.expected_rate();
  EXPECT_GT(observed_ratio, 1.5);
  EXPECT_NEAR(observed_ratio, implied_ratio, 0.08 * implied_ratio);
  // ...and the lift is the visits' own: without their effect the exposed would convert far
  // less (more than 10 sigma below what they do).
  EXPECT_GT(exposed.observed - exposed.expected_null, 10 * std::sqrt(exposed.variance_null));
}

TEST(DemoGenerator, SwitchingOffAChannelsEffectKeepsEveryContactAndLosesConversions) {
  std::array<bool, kChannelCount> without{};
  without[demo::kRepVisit] = true;
  const Generated base = Generate(1000, 42);
  const Generated counterfactual = Generate(1000, 42, without);
  auto contacts = [](const Generated& g) {
    Fnv f;
    size_t n = 0;
    for (const Event& e : g.events) {
      if (ContactChannel(e) < 0) continue;
      f.Add(e.user_id + e.anonymous_id + e.name + e.properties_json);
      f.Add(ToMillis(e.timestamp));
      ++n;
    }
    return std::make_pair(n, f.value());
  };
  EXPECT_EQ(contacts(base), contacts(counterfactual));
  // Rep visits' true incremental conversions: a large, one-sided drop.
  EXPECT_LT(counterfactual.summary.conversions, 0.85 * base.summary.conversions);
  // Common random numbers: a channel with no effect changes nothing at all.
  std::array<bool, kChannelCount> without_billing{};
  without_billing[demo::kBilling] = true;
  EXPECT_EQ(Hash(Generate(1000, 42, without_billing)), Hash(base));
}

TEST(DemoGenerator, CostsCoverEveryMonthAndRepeatThePerContactSpend) {
  const Generated& g = Population();
  const int months = g.window.months();
  std::map<std::pair<std::string, int>, int64_t> event_spend, record_spend;
  for (const Event& e : g.events) {
    if (e.cost_minor) event_spend[{e.channel, g.window.MonthOf(e.timestamp)}] += *e.cost_minor;
  }
  std::set<int> months_with_costs;
  std::set<std::string> budget_channels, campaigns_with_production;
  for (const CostRecord& c : g.costs) {
    SCOPED_TRACE(c.channel + "/" + c.campaign + "/" + c.source);
    EXPECT_GT(c.amount_minor, 0);
    EXPECT_EQ(c.currency, "EUR");
    if (c.source == "demo:campaign") {
      EXPECT_TRUE(c.channel.empty());
      campaigns_with_production.insert(c.campaign);
      continue;
    }
    const int month = g.window.MonthOf(c.period_start);
    EXPECT_EQ(c.period_start, g.window.month_starts[month]);
    EXPECT_EQ(c.period_end, g.window.month_starts[month + 1]);
    months_with_costs.insert(month);
    if (c.source == "demo:contacts") record_spend[{c.channel, month}] += c.amount_minor;
    if (c.source == "demo:budget") budget_channels.insert(c.channel);
  }
  EXPECT_EQ(static_cast<int>(months_with_costs.size()), months);
  EXPECT_EQ(record_spend, event_spend);
  EXPECT_EQ(budget_channels,
            (std::set<std::string>{"social", "paid_search", "display", "tv", "radio", "print"}));
  EXPECT_EQ(campaigns_with_production.size(), demo::kCampaigns.size());
  EXPECT_EQ(g.summary.cost_records, static_cast<int64_t>(g.costs.size()));
}

TEST(DemoGenerator, ShortLongAndOffsetWindowsKeepEveryEventAndCostInside) {
  for (auto [months, end] :
       {std::pair{1, "2026-03-31T00:00:00Z"}, std::pair{2, "2026-11-01T00:00:00Z"},
        std::pair{24, "2026-11-15T12:30:00Z"}}) {
    SCOPED_TRACE(std::to_string(months) + " months to " + end);
    demo::GeneratorOptions options;
    options.demo.profiles = 60;
    options.demo.months = months;
    options.demo.end = T(end);
    ASSERT_TRUE(demo::ValidateOptions(options.demo).ok());
    demo::DemoGenerator generator(options);
    std::vector<Event> events;
    while (generator.NextProfile(events)) {
    }
    const demo::DemoWindow& w = generator.window();
    ASSERT_EQ(w.months(), months);
    for (const Event& e : events) {
      ASSERT_GE(e.timestamp, w.start) << e.message_id;
      ASSERT_LT(e.timestamp, w.end) << e.message_id;
    }
    std::set<int> months_with_costs;
    for (const CostRecord& c : generator.Costs()) {
      ASSERT_GE(c.period_start, w.start);
      ASSERT_LE(c.period_end, w.end);
      ASSERT_LT(c.period_start, c.period_end);
      months_with_costs.insert(w.MonthOf(c.period_start));
    }
    EXPECT_EQ(static_cast<int>(months_with_costs.size()), months);
  }
}

class LoadDemoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(OpenSqliteStore(dir_.path())).value();
    service_ = std::move(ProfileService::Create(*store_, clock_, {})).value();
  }
  testing::TempDir dir_;
  ManualClock clock_{T("2026-11-02T00:00:00Z")};
  std::unique_ptr<Store> store_;
  std::unique_ptr<ProfileService> service_;
};

TEST_F(LoadDemoTest, WritesEveryEventAndCostAndStitchesEachHcpIntoOneProfile) {
  DemoOptions options;
  options.profiles = 120;
  options.seed = 7;
  std::vector<double> progress;
  Result<DemoSummary> summary =
      LoadDemo(*service_, options, [&](double f) { progress.push_back(f); });
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  const Generated expected = Generate(120, 7);
  EXPECT_EQ(summary->events, static_cast<int64_t>(expected.events.size()));
  EXPECT_EQ(summary->profiles, 120);
  EXPECT_EQ(summary->cost_records, static_cast<int64_t>(expected.costs.size()));
  // One profile per HCP, holding user_id, crm_id, email, phone and any anonymous ids.
  std::set<std::string> anonymous_ids;
  for (const Event& e : expected.events) {
    if (!e.anonymous_id.empty()) anonymous_ids.insert(e.anonymous_id);
  }
  Result<StoreStats> stats = store_->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->events, summary->events);
  EXPECT_EQ(stats->profiles, 120);
  EXPECT_EQ(stats->identifiers, static_cast<int64_t>(4 * 120 + anonymous_ids.size()));
  ASSERT_FALSE(progress.empty());
  EXPECT_TRUE(std::is_sorted(progress.begin(), progress.end()));
  EXPECT_EQ(progress.back(), 1.0);

  // An HCP who browsed anonymously before identifying is one profile under every identifier.
  const Event& identify = *std::find_if(
      expected.events.begin(), expected.events.end(),
      [](const Event& e) { return e.type == EventType::kIdentify && !e.anonymous_id.empty(); });
  Result<Profile> by_user = service_->FindBy("user_id", identify.user_id);
  ASSERT_TRUE(by_user.ok()) << by_user.status().ToString();
  for (const Identifier& i : identify.identifiers) {
    Result<Profile> found = service_->FindBy(i.type, i.value);
    ASSERT_TRUE(found.ok()) << i.type << ": " << found.status().ToString();
    EXPECT_EQ(found->record.id, by_user->record.id) << i.type;
  }
  const json::object traits = json::parse(identify.traits_json).as_object();
  EXPECT_EQ(json::parse(by_user->record.traits.at("specialty").value_json), traits.at("specialty"));
  EXPECT_EQ(by_user->owner_rep, traits.at("owner_rep").as_string());
  EXPECT_EQ(by_user->consent.at("sms").granted, traits.at("consent").at("sms").as_bool());
}

TEST_F(LoadDemoTest, RefusesToLoadASecondPopulationIntoTheSameStore) {
  DemoOptions options;
  options.profiles = 5;
  ASSERT_TRUE(LoadDemo(*service_, options).ok());
  options.seed = 43;
  Result<DemoSummary> again = LoadDemo(*service_, options);
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(LoadDemoTest, RejectsAPopulationItCannotGenerate) {
  DemoOptions options;
  options.profiles = 0;
  EXPECT_EQ(LoadDemo(*service_, options).status().code(), StatusCode::kInvalidArgument);
  options.profiles = 10;
  options.months = 0;
  EXPECT_EQ(LoadDemo(*service_, options).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Stats()->events, 0);
}

}  // namespace
}  // namespace unisono
