// The demo generator: draws each HCP (attributes, contacts per channel, conversions from
// the weekly logit model, follow-up events), then writes the drafts out as Events. Every
// number comes from demo/internal/model.h; docs/demo-data.md describes the process.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <tuple>

#include "demo/demo.h"
#include "demo/internal/generator.h"
#include "demo/internal/json_writer.h"
#include "demo/internal/model.h"
#include "demo/internal/rng.h"

namespace unisono {
namespace demo {
namespace {

constexpr int64_t kSecondMs = 1000;
constexpr int64_t kMinuteMs = 60 * kSecondMs;
constexpr int64_t kHourMs = 60 * kMinuteMs;
constexpr int64_t kDayMs = 24 * kHourMs;
constexpr int64_t kWeekMs = 7 * kDayMs;
constexpr double kMonthMs = 365.2425 / 12.0 * kDayMs;  // the mean calendar month
constexpr uint8_t kNoIndex = 0xff;
constexpr std::string_view kUnknownChannel = "unknown";
constexpr std::string_view kCurrency = "EUR";
constexpr size_t kImportChunkEvents = 5000;

// Independent random streams per HCP: changing how one is used never shifts another, and
// the conversion draws are the same whatever the effects (common random numbers).
enum Stream : uint64_t {
  kAttributeStream = 1,
  kContactStream,
  kConversionStream,
  kConversionDetailStream,
  kFollowUpStream,
  kIdentityStream,
};

enum class DraftKind : uint8_t {
  kIdentify,
  kConsentUpdate,
  kUnsubscribed,
  kContact,
  kEmailOpened,
  kEmailClicked,
  kContentShared,
  kSignedIn,
  kPrescription,
  kOrder,
};

// Which anonymous id an event carries: none, the one browsed with before identifying,
// or a second device's.
enum class Anon : uint8_t { kNone, kFirstDevice, kSecondDevice };

// An event before it becomes an Event: compact, so one HCP's year sorts quickly.
struct Draft {
  int64_t t = 0;  // ms since the epoch
  uint32_t seq = 0;
  DraftKind kind = DraftKind::kContact;
  uint8_t channel = kNoIndex;
  uint8_t product = kNoIndex;
  uint8_t campaign = kNoIndex;
  uint8_t variant = 0;  // touchpoint, page or screen, congress, email type
  uint8_t source_channel = kNoIndex;
  Anon anon = Anon::kNone;
  bool known = true;  // carries the HCP's user_id
  uint16_t units = 0;
  int64_t origin = 0;  // time of the contact a follow-up belongs to (its own for contacts)
};

struct Hcp {
  int64_t number = 0;
  size_t specialty = 0, territory = 0, city = 0, clinic = 0, potential = 0;
  size_t first_name = 0, last_name = 0;
  bool email = false, sms = false, whatsapp = false;
  double affinity = 1;
  int64_t t0 = 0;               // first contact: the identify
  int64_t unsubscribe_at = -1;  // email opt-out, -1 for never
  bool anonymous_before = false;
  bool second_device = false;
  int rep = 0;
  std::string user_id, rep_id, anon_first, anon_second, message_prefix;
};

constexpr std::array<std::string_view, 12> kMonthNames = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};

std::chrono::year_month_day Civil(int64_t ms) {
  return std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(FromMillis(ms))};
}

std::string_view MonthName(int64_t ms) {
  return kMonthNames[static_cast<unsigned>(Civil(ms).month()) - 1];
}

void AppendInt(std::string& out, int64_t value, int width = 0) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  for (int pad = width - static_cast<int>(end - buf); pad > 0; --pad) out.push_back('0');
  out.append(buf, end);
}

std::string_view ChannelId(uint8_t channel) {
  return channel == kNoIndex ? kUnknownChannel : kChannels[channel].id;
}

// Product shares of the population's product-specific touches (for paid budgets).
std::array<double, kProductCount> ProductShares() {
  std::array<double, kProductCount> shares{};
  for (const SpecialtyModel& s : kSpecialties) {
    for (size_t p = 0; p < kProductCount; ++p) shares[p] += s.share * s.product_mix[p];
  }
  return shares;
}

template <typename Table>
std::array<double, std::tuple_size_v<Table>> Shares(const Table& table) {
  std::array<double, std::tuple_size_v<Table>> out{};
  for (size_t i = 0; i < table.size(); ++i) out[i] = table[i].share;
  return out;
}

template <typename Table>
std::array<double, std::tuple_size_v<Table>> Weights(const Table& table) {
  std::array<double, std::tuple_size_v<Table>> out{};
  for (size_t i = 0; i < table.size(); ++i) out[i] = table[i].weight;
  return out;
}

}  // namespace

int DemoWindow::MonthOf(Timestamp t) const {
  auto it = std::upper_bound(month_starts.begin(), month_starts.end(), t);
  int month = static_cast<int>(it - month_starts.begin()) - 1;
  return std::clamp(month, 0, months() - 1);
}

DemoWindow MakeWindow(Timestamp end, int months) {
  using namespace std::chrono;
  DemoWindow w;
  const sys_days end_day = floor<days>(end);
  const Millis time_of_day = end - end_day;
  const year_month_day end_date{end_day};
  w.month_starts.resize(static_cast<size_t>(months) + 1);
  for (int k = 0; k < months; ++k) {
    year_month_day d = end_date - std::chrono::months(months - k);
    if (!d.ok()) d = year_month_day{d.year() / d.month() / last};
    w.month_starts[k] = Timestamp(sys_days(d)) + time_of_day;
  }
  w.month_starts[months] = end;
  w.start = w.month_starts.front();
  w.end = end;
  w.weeks = static_cast<int>((ToMillis(end) - ToMillis(w.start)) / kWeekMs);
  return w;
}

Status ValidateOptions(const DemoOptions& options) {
  if (options.profiles < 1 || options.profiles > 10'000'000) {
    return Status::InvalidArgument("--profiles must be between 1 and 10000000, got " +
                                   std::to_string(options.profiles));
  }
  if (options.months < 1 || options.months > 120) {
    return Status::InvalidArgument("--months must be between 1 and 120, got " +
                                   std::to_string(options.months));
  }
  constexpr int64_t kYear2000Ms = 946'684'800'000;
  if (ToMillis(options.end) < kYear2000Ms) {
    return Status::InvalidArgument("the demo must end in 2000 or later, got " +
                                   FormatTimestamp(options.end));
  }
  return Status::Ok();
}

std::string UserId(int64_t profile_number) {
  std::string out = "hcp-";
  AppendInt(out, profile_number, 6);
  return out;
}

std::string RepId(int rep_index) {
  std::string out = "rep-";
  AppendInt(out, rep_index + 1, 2);
  return out;
}

int RepCount(int64_t profiles) {
  return std::max<int>(
      kMinReps, static_cast<int>(std::llround(static_cast<double>(profiles) / kProfilesPerRep)));
}

class DemoGenerator::Impl {
 public:
  explicit Impl(const GeneratorOptions& options);

  bool NextProfile(std::vector<Event>& out);
  std::vector<CostRecord> Costs();

  DemoSummary summary;
  int64_t next_number = 1;
  DemoWindow window;

 private:
  Hcp DrawHcp(int64_t number) const;
  void DrawContacts(const Hcp& h, Rng& rng);
  void PoissonContacts(const Hcp& h, uint8_t channel, int64_t from, int64_t to, double per_month,
                       Rng& rng);
  void AddContact(const Hcp& h, uint8_t channel, int64_t t, Rng& rng, Anon anon = Anon::kNone,
                  bool known = true);
  void DrawIdentityCases(const Hcp& h);
  void DrawConversions(const Hcp& h);
  void DrawFollowUps(const Hcp& h);
  Draft& FollowUp(const Draft& source, DraftKind kind, int64_t t);
  Draft& NewDraft(DraftKind kind, int64_t t);
  int64_t PlaceTime(int64_t from, int64_t to, bool office_hours, Rng& rng) const;
  int MonthIndex(int64_t t) const { return window.MonthOf(FromMillis(t)); }
  uint8_t CampaignAt(size_t product, int64_t t) const {
    return static_cast<uint8_t>(CampaignIndex(product, window.PhaseOf(MonthIndex(t))));
  }
  double IntensityOf(const Hcp& h, const ChannelModel& m) const;

  void Emit(const Hcp& h, const Draft& d, uint32_t n, std::vector<Event>& out);
  void FillIdentify(const Hcp& h, const Draft& d, Event& e);
  void FillTouch(const Hcp& h, const Draft& d, Event& e);
  std::string Communication(const Draft& d) const;

  GeneratorOptions options_;
  int64_t start_ms_ = 0;
  int64_t end_ms_ = 0;
  int reps_ = 0;
  std::vector<std::vector<int>> territory_reps_;
  std::array<int, kChannelCount> flight_months_{};
  std::array<double, kProductCount> product_shares_ = ProductShares();
  uint64_t phone_offset_ = 0;
  // Per-contact costs by [channel][campaign slot (0 = none, c + 1)][month].
  std::vector<int64_t> contact_costs_;
  std::array<std::string, kChannelCount + 1> contexts_;  // the last one for "unknown"

  // Scratch for the HCP being generated.
  std::vector<Draft> drafts_;
  std::vector<std::pair<int64_t, uint8_t>> contacts_;
  uint32_t seq_ = 0;
  std::string json_;
};

DemoGenerator::Impl::Impl(const GeneratorOptions& options)
    : window(MakeWindow(options.demo.end, options.demo.months)), options_(options) {
  start_ms_ = ToMillis(window.start);
  end_ms_ = ToMillis(window.end);
  reps_ = RepCount(options.demo.profiles);
  summary.reps = reps_;
  // Reps per territory: territories share reps round-robin when there are fewer reps
  // than territories; otherwise each gets reps in proportion to its share (at least one).
  territory_reps_.resize(kTerritories.size());
  const int territories = static_cast<int>(kTerritories.size());
  if (reps_ <= territories) {
    for (int t = 0; t < territories; ++t) territory_reps_[t].push_back(t % reps_);
  } else {
    std::vector<int> count(territories, 1);
    std::vector<std::pair<double, int>> remainders;
    int given = territories;
    for (int t = 0; t < territories; ++t) {
      const double exact = kTerritories[t].share * (reps_ - territories);
      count[t] += static_cast<int>(exact);
      given += static_cast<int>(exact);
      remainders.push_back({-(exact - static_cast<int>(exact)), t});
    }
    std::sort(remainders.begin(), remainders.end());
    for (size_t i = 0; given < reps_; ++i, ++given) ++count[remainders[i].second];
    int next_rep = 0;
    for (int t = 0; t < territories; ++t) {
      for (int k = 0; k < count[t]; ++k) territory_reps_[t].push_back(next_rep++);
    }
  }
  for (size_t c = 0; c < kChannelCount; ++c) {
    for (int m = 0; m < window.months(); ++m) {
      const int phase = window.PhaseOf(m);
      flight_months_[c] += InFlight(c, m - window.PhaseStart(phase)) ? 1 : 0;
    }
  }
  phone_offset_ = DeriveSeed(options.demo.seed, 0, 99) % 100'000'000;
  contact_costs_.assign(kChannelCount * (kCampaigns.size() + 1) * window.months(), 0);
  for (size_t c = 0; c <= kChannelCount; ++c) {
    contexts_[c] = "{\"channel\":\"";
    contexts_[c] += c < kChannelCount ? kChannels[c].id : kUnknownChannel;
    contexts_[c] += "\"}";
  }
}

Hcp DemoGenerator::Impl::DrawHcp(int64_t number) const {
  const uint64_t seed = options_.demo.seed;
  Rng rng(DeriveSeed(seed, static_cast<uint64_t>(number), kAttributeStream));
  Hcp h;
  h.number = number;
  h.specialty = rng.Pick(Shares(kSpecialties));
  h.territory = rng.Pick(Shares(kTerritories));
  h.city = rng.Below(3);
  h.clinic = rng.Below(kClinicKinds.size());
  h.potential = rng.Pick(Shares(kPotentials));
  h.first_name = rng.Below(kFirstNames.size());
  h.last_name = rng.Below(kLastNames.size());
  h.email = rng.Bernoulli(kEmailOptIn);
  h.sms = rng.Bernoulli(kSmsOptIn);
  h.whatsapp = rng.Bernoulli(kWhatsappOptIn);
  h.affinity = rng.Uniform(kAffinityMin, kAffinityMax);
  const bool known_at_start = rng.Bernoulli(kKnownAtStartShare);
  const double join = rng.Uniform();
  const int64_t span = end_ms_ - start_ms_;
  const int64_t join_span = known_at_start
                                ? std::min<int64_t>(kKnownAtStartDays * kDayMs, span / 2)
                                : std::max<int64_t>(span - kNewcomerTailDays * kDayMs, kDayMs);
  h.t0 = start_ms_ + static_cast<int64_t>(join * static_cast<double>(join_span));
  h.anonymous_before = rng.Bernoulli(kAnonymousBeforeIdentifyShare);
  h.second_device = rng.Bernoulli(kSecondDeviceShare);
  const bool unsubscribes = rng.Bernoulli(kUnsubscribeShare);
  const double unsubscribe_u = rng.Uniform();
  if (h.email && unsubscribes) {
    h.unsubscribe_at = h.t0 + 1 + static_cast<int64_t>(unsubscribe_u * (end_ms_ - h.t0 - 1));
  }
  const std::vector<int>& reps = territory_reps_[h.territory];
  h.rep = reps[rng.Below(reps.size())];
  auto anon_id = [](uint64_t bits) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "anon-";
    for (int i = 60; i >= 0; i -= 4) out.push_back(kHex[(bits >> i) & 0xf]);
    return out;
  };
  h.anon_first = anon_id(rng.Next());
  h.anon_second = anon_id(rng.Next());
  h.user_id = UserId(number);
  h.rep_id = RepId(h.rep);
  h.message_prefix = "demo-" + std::to_string(seed) + "-";
  AppendInt(h.message_prefix, number);
  h.message_prefix += '-';
  return h;
}

Draft& DemoGenerator::Impl::NewDraft(DraftKind kind, int64_t t) {
  Draft& d = drafts_.emplace_back();
  d.kind = kind;
  d.t = t;
  d.origin = t;
  d.seq = seq_++;
  return d;
}

int64_t DemoGenerator::Impl::PlaceTime(int64_t from, int64_t to, bool office_hours,
                                       Rng& rng) const {
  const int64_t t = from + static_cast<int64_t>(rng.Uniform() * static_cast<double>(to - from));
  const double hour_u = rng.Uniform();
  int64_t day = t / kDayMs;
  int64_t placed;
  if (office_hours) {
    const int64_t weekday = (day + 3) % 7;  // 0 = Monday; 1970-01-01 was a Thursday
    if (weekday == 5) day -= 1;
    if (weekday == 6) day += 1;
    placed = day * kDayMs + 8 * kHourMs + static_cast<int64_t>(hour_u * 10 * kHourMs);
  } else {
    placed = day * kDayMs + 6 * kHourMs + static_cast<int64_t>(hour_u * 16 * kHourMs);
  }
  return placed >= from && placed < to ? placed : t;
}

double DemoGenerator::Impl::IntensityOf(const Hcp& h, const ChannelModel& m) const {
  switch (m.intensity) {
    case Intensity::kPotential:
      return PotentialMultiplier(h.potential);
    case Intensity::kAffinity:
      return h.affinity;
    case Intensity::kFlat:
      break;
  }
  return 1.0;
}

void DemoGenerator::Impl::AddContact(const Hcp& h, uint8_t channel, int64_t t, Rng& rng, Anon anon,
                                     bool known) {
  const ChannelModel& m = kChannels[channel];
  Draft& d = NewDraft(DraftKind::kContact, t);
  d.channel = channel;
  d.anon = anon;
  d.known = known;
  const size_t product = rng.Pick(kSpecialties[h.specialty].product_mix);
  bool about_product = m.campaign || channel == kEcommerce;
  if (channel == kRepVisit) {
    d.variant = static_cast<uint8_t>(rng.Pick(Weights(kRepVisitTouchpoints)));
  } else if (channel == kWeb) {
    d.variant = static_cast<uint8_t>(rng.Pick(Weights(kPages)));
    about_product = kPages[d.variant].product;
  } else if (channel == kApp) {
    d.variant = static_cast<uint8_t>(rng.Pick(Weights(kScreens)));
    about_product = kScreens[d.variant].product;
  } else if (channel == kEmail) {
    d.variant = 1;  // a campaign email; newsletters are scheduled separately
  }
  if (about_product) d.product = static_cast<uint8_t>(product);
  if (m.campaign) d.campaign = CampaignAt(product, t);
}

void DemoGenerator::Impl::PoissonContacts(const Hcp& h, uint8_t channel, int64_t from, int64_t to,
                                          double per_month, Rng& rng) {
  if (to <= from || per_month <= 0) return;
  const int n = rng.Poisson(per_month * static_cast<double>(to - from) / kMonthMs);
  const bool office = kChannels[channel].timing == Timing::kOfficeHours;
  for (int i = 0; i < n; ++i) AddContact(h, channel, PlaceTime(from, to, office, rng), rng);
}

void DemoGenerator::Impl::DrawContacts(const Hcp& h, Rng& rng) {
  const int months = window.months();
  for (uint8_t c = 0; c < kChannelCount; ++c) {
    const ChannelModel& m = kChannels[c];
    int64_t from = h.t0;
    int64_t to = end_ms_;
    if (m.reach == Reach::kEmailConsent) {
      if (!h.email) continue;
      if (h.unsubscribe_at >= 0) to = h.unsubscribe_at;
    }
    if (m.reach == Reach::kSmsConsent && !h.sms) continue;
    if (m.reach == Reach::kWhatsappConsent && !h.whatsapp) continue;
    const double rate = m.contacts_per_month * IntensityOf(h, m);
    switch (m.timing) {
      case Timing::kNever:
        break;
      case Timing::kAnyTime:
      case Timing::kOfficeHours:
        PoissonContacts(h, c, from, to, rate, rng);
        break;
      case Timing::kFlights: {
        if (flight_months_[c] == 0) break;
        const double flight_rate = rate * months / flight_months_[c];
        for (int month = 0; month < months; ++month) {
          const int phase = window.PhaseOf(month);
          if (!InFlight(c, month - window.PhaseStart(phase))) continue;
          const int64_t lo = std::max(from, ToMillis(window.month_starts[month]));
          const int64_t hi = std::min(to, ToMillis(window.month_starts[month + 1]));
          const size_t before = drafts_.size();
          PoissonContacts(h, c, lo, hi, flight_rate, rng);
          for (size_t i = before; i < drafts_.size(); ++i) {  // the phase's lead product
            drafts_[i].product = static_cast<uint8_t>(phase);
            drafts_[i].campaign = static_cast<uint8_t>(CampaignIndex(phase, phase));
          }
        }
        break;
      }
      case Timing::kNewsletter:
        for (int month = 0; month < months; ++month) {
          const int64_t t = ToMillis(window.month_starts[month]) + 2 * kDayMs + 8 * kHourMs;
          if (t < from || t >= to) continue;
          Draft& d = NewDraft(DraftKind::kContact, t);
          d.channel = c;
          d.campaign = kNewsletterCampaign;
          d.variant = 0;
        }
        PoissonContacts(h, c, from, to, rate - kNewslettersPerMonth, rng);
        break;
      case Timing::kWebinars:
        for (int month = 0; month < months; ++month) {
          for (size_t p = 0; p < kProductCount; ++p) {
            const int64_t t = ToMillis(window.month_starts[month]) +
                              static_cast<int64_t>(14 + p) * kDayMs + 17 * kHourMs;
            const double attend = rate * kSpecialties[h.specialty].product_mix[p];
            if (!rng.Bernoulli(attend) || t < from || t >= to) continue;
            Draft& d = NewDraft(DraftKind::kContact, t);
            d.channel = c;
            d.product = static_cast<uint8_t>(p);
            d.campaign = CampaignAt(p, t);
          }
        }
        break;
      case Timing::kCongresses: {
        const SpecialtyModel& s = kSpecialties[h.specialty];
        const size_t product = static_cast<size_t>(
            std::max_element(s.product_mix.begin(), s.product_mix.end()) - s.product_mix.begin());
        for (size_t k = 0; k < s.congress_month.size(); ++k) {
          const int month = s.congress_month[k] * months / 12;
          const int64_t t = ToMillis(window.month_starts[month]) +
                            static_cast<int64_t>(8 + h.specialty) * kDayMs + 9 * kHourMs;
          const double attend = rate * months / static_cast<double>(s.congress_month.size());
          if (!rng.Bernoulli(attend) || t < from || t >= to) continue;
          Draft& d = NewDraft(DraftKind::kContact, t);
          d.channel = c;
          d.product = static_cast<uint8_t>(product);
          d.campaign = CampaignAt(product, t);
          d.variant = static_cast<uint8_t>(k);
        }
        break;
      }
    }
  }
}

void DemoGenerator::Impl::DrawIdentityCases(const Hcp& h) {
  Rng rng(DeriveSeed(options_.demo.seed, static_cast<uint64_t>(h.number), kIdentityStream));
  if (h.anonymous_before) {
    const int64_t from = std::max(start_ms_, h.t0 - kAnonymousBeforeIdentifyDays * kDayMs);
    const int pages = 1 + static_cast<int>(rng.Below(4));
    for (int i = 0; i < pages && h.t0 - from > kMinuteMs; ++i) {
      AddContact(h, kWeb, PlaceTime(from, h.t0, false, rng), rng, Anon::kFirstDevice, false);
    }
  }
  if (h.second_device && end_ms_ - h.t0 > kDayMs) {
    const int64_t session = PlaceTime(h.t0, end_ms_ - kHourMs, false, rng);
    const int pages = 1 + static_cast<int>(rng.Below(3));
    for (int i = 0; i < pages; ++i) {
      AddContact(h, kWeb, session + i * 90 * kSecondMs, rng, Anon::kSecondDevice, false);
    }
    Draft& d = NewDraft(DraftKind::kSignedIn, session + pages * 90 * kSecondMs + 30 * kSecondMs);
    d.channel = kWeb;
    d.anon = Anon::kSecondDevice;
  }
  Draft& identify = NewDraft(DraftKind::kIdentify, h.t0);
  identify.anon = h.anonymous_before ? Anon::kFirstDevice : Anon::kNone;
  if (h.unsubscribe_at >= 0) {
    NewDraft(DraftKind::kConsentUpdate, h.unsubscribe_at);
    NewDraft(DraftKind::kUnsubscribed, h.unsubscribe_at).channel = kEmail;
  }
}

void DemoGenerator::Impl::DrawConversions(const Hcp& h) {
  const uint64_t seed = options_.demo.seed;
  const auto number = static_cast<uint64_t>(h.number);
  Rng draw(DeriveSeed(seed, number, kConversionStream));
  Rng detail(DeriveSeed(seed, number, kConversionDetailStream));
  contacts_.clear();
  for (const Draft& d : drafts_) {
    if (d.kind == DraftKind::kContact) contacts_.push_back({d.t, d.channel});
  }
  std::sort(contacts_.begin(), contacts_.end());
  std::array<int, kChannelCount> in_window{};
  size_t added = 0, dropped = 0;
  const double base = BaseLogit(h.potential, h.specialty);
  const SpecialtyModel& specialty = kSpecialties[h.specialty];
  for (int week = 0; week < window.weeks; ++week) {
    const int64_t week_start = start_ms_ + week * kWeekMs;
    // The same draws every week, converting or not, so runs with other effects line up.
    const double u = draw.Uniform();
    const double when = detail.Uniform(), kind = detail.Uniform(), where = detail.Uniform();
    const double which = detail.Uniform(), units = detail.Uniform();
    while (added < contacts_.size() && contacts_[added].first < week_start) {
      ++in_window[contacts_[added++].second];
    }
    const int64_t lookback = week_start - kLookbackDays * kDayMs;
    while (dropped < added && contacts_[dropped].first < lookback) {
      --in_window[contacts_[dropped++].second];
    }
    if (week_start < h.t0) continue;
    double log_odds = base;
    for (size_t c = 0; c < kChannelCount; ++c) {
      if (in_window[c] == 0 || options_.without_effect[c]) continue;
      log_odds += kChannels[c].effect * std::min(in_window[c], kContactCap);
    }
    if (u >= Logistic(log_odds)) continue;
    const bool order = kind < kOrderShare;
    // On one of the week's days, 08:00-18:00 after the week's start time of day.
    const double day = std::floor(when * 7);
    const int64_t at = week_start + static_cast<int64_t>(day) * kDayMs + 8 * kHourMs +
                       static_cast<int64_t>((when * 7 - day) * 10 * kHourMs);
    Draft& d = NewDraft(order ? DraftKind::kOrder : DraftKind::kPrescription, at);
    d.product = static_cast<uint8_t>(PickIndex(specialty.product_mix, which));
    if (order) {
      d.channel = where < kOrderOnlineShare ? kEcommerce : kStore;
      d.units = static_cast<uint16_t>(
          kOrderUnitsMin + static_cast<int>(units * (kOrderUnitsMax - kOrderUnitsMin + 1)));
    } else {
      d.units =
          static_cast<uint16_t>(kPrescriptionPacks[PickIndex(kPrescriptionPackWeights, units)]);
    }
  }
}

Draft& DemoGenerator::Impl::FollowUp(const Draft& source, DraftKind kind, int64_t t) {
  Draft& d = NewDraft(kind, t);
  d.channel = source.channel;
  d.product = source.product;
  d.campaign = source.campaign;
  d.variant = source.variant;
  d.source_channel = source.channel;
  d.origin = source.t;
  return d;
}

void DemoGenerator::Impl::DrawFollowUps(const Hcp& h) {
  // Follow-ups come from their own stream and never feed back into conversions.
  Rng rng(DeriveSeed(options_.demo.seed, static_cast<uint64_t>(h.number), kFollowUpStream));
  const size_t drafted = drafts_.size();
  for (size_t i = 0; i < drafted; ++i) {
    const Draft source = drafts_[i];  // a copy: NewDraft may reallocate
    if (source.kind != DraftKind::kContact) continue;
    double share = 0;
    int64_t share_after = source.t;
    if (source.channel == kEmail) {
      if (!rng.Bernoulli(kEmailOpenRate)) continue;
      const int64_t opened = source.t + rng.Between(5 * kMinuteMs, 48 * kHourMs);
      if (opened >= end_ms_) continue;
      FollowUp(source, DraftKind::kEmailOpened, opened);
      if (!rng.Bernoulli(kEmailClickRate)) continue;
      const int64_t clicked = opened + rng.Between(10 * kSecondMs, 30 * kMinuteMs);
      if (clicked >= end_ms_) continue;
      FollowUp(source, DraftKind::kEmailClicked, clicked);
      share = kShareAfterEmailClick;
      share_after = clicked;
    } else if (source.channel == kWebinar) {
      share = kShareAfterWebinar;
    } else if (source.channel == kCongress) {
      share = kShareAfterCongress;
    } else {
      continue;
    }
    if (!rng.Bernoulli(share)) continue;
    const int64_t shared = share_after + rng.Between(kHourMs, 72 * kHourMs);
    if (shared >= end_ms_) continue;
    FollowUp(source, DraftKind::kContentShared, shared).channel = kSocial;
  }
}

bool DemoGenerator::Impl::NextProfile(std::vector<Event>& out) {
  if (next_number > options_.demo.profiles) return false;
  const Hcp h = DrawHcp(next_number++);
  drafts_.clear();
  seq_ = 0;
  Rng contacts(DeriveSeed(options_.demo.seed, static_cast<uint64_t>(h.number), kContactStream));
  DrawContacts(h, contacts);
  DrawIdentityCases(h);
  DrawConversions(h);
  DrawFollowUps(h);
  // Oldest first; at the same millisecond an identify goes before what it identifies.
  auto key = [](const Draft& d) {
    const bool identify = d.kind == DraftKind::kIdentify || d.kind == DraftKind::kConsentUpdate;
    return std::make_tuple(d.t, identify ? 0 : 1, d.seq);
  };
  std::sort(drafts_.begin(), drafts_.end(),
            [&](const Draft& a, const Draft& b) { return key(a) < key(b); });
  if (out.capacity() < out.size() + drafts_.size()) {  // grow geometrically, callers append
    out.reserve(std::max(out.size() + drafts_.size(), 2 * out.capacity()));
  }
  uint32_t n = 0;
  for (const Draft& d : drafts_) Emit(h, d, n++, out);
  ++summary.profiles;
  return true;
}

void DemoGenerator::Impl::Emit(const Hcp& h, const Draft& d, uint32_t n, std::vector<Event>& out) {
  Event& e = out.emplace_back();
  e.message_id = h.message_prefix;
  AppendInt(e.message_id, n);
  e.timestamp = e.original_timestamp = e.received_at = FromMillis(d.t);
  e.source = "demo";
  e.channel = ChannelId(d.channel);
  e.context_json = contexts_[d.channel == kNoIndex ? size_t{kChannelCount} : d.channel];
  if (d.known) {
    e.user_id = h.user_id;
    e.identifiers.push_back({"user_id", h.user_id});
  }
  if (d.anon != Anon::kNone) {
    e.anonymous_id = d.anon == Anon::kFirstDevice ? h.anon_first : h.anon_second;
    e.identifiers.push_back({"anonymous_id", e.anonymous_id});
  }
  if (d.kind == DraftKind::kIdentify || d.kind == DraftKind::kConsentUpdate) {
    FillIdentify(h, d, e);
  } else {
    FillTouch(h, d, e);
  }
  ++summary.events;
}

void DemoGenerator::Impl::FillIdentify(const Hcp& h, const Draft& d, Event& e) {
  e.type = EventType::kIdentify;
  std::string consent;
  JsonObjectWriter(consent)
      .Bool("email", h.email && d.kind == DraftKind::kIdentify)
      .Bool("sms", h.sms)
      .Bool("whatsapp", h.whatsapp)
      .Close();
  json_.clear();
  JsonObjectWriter traits(json_);
  auto add = [&](std::string_view key, std::string json) {
    traits.Raw(key, json);
    e.traits.push_back({std::string(key), std::move(json)});
  };
  auto quoted = [](std::string_view value) {
    std::string out;
    JsonObjectWriter::AppendQuoted(out, value);
    return out;
  };
  if (d.kind == DraftKind::kConsentUpdate) {  // the e-mail opt-out
    add("consent", consent);
    e.consents.push_back({"email", false});
  } else {
    const NameModel& first = kFirstNames[h.first_name];
    const NameModel& last = kLastNames[h.last_name];
    const std::string_view city = kTerritories[h.territory].cities[h.city];
    std::string email = std::string(first.ascii) + "." + std::string(last.ascii);
    AppendInt(email, h.number);
    email += "@" + std::string(kClinicKinds[h.clinic]) + "-" + std::string(city) + ".example";
    std::string phone = "+346";
    AppendInt(phone,
              static_cast<int64_t>((static_cast<uint64_t>(h.number) * 48271 + phone_offset_) %
                                   100'000'000),
              8);
    std::string crm_id = "CRM-";
    AppendInt(crm_id, h.number, 6);
    e.identifiers.push_back({"crm_id", crm_id});
    e.identifiers.push_back({"email", email});
    e.identifiers.push_back({"phone", phone});
    add("first_name", quoted(first.display));
    add("last_name", quoted(last.display));
    add("email", quoted(email));
    add("phone", quoted(phone));
    add("specialty", quoted(kSpecialties[h.specialty].id));
    add("territory", quoted(kTerritories[h.territory].id));
    add("city", quoted(city));
    add("potential", quoted(kPotentials[h.potential].id));
    add("owner_rep", quoted(h.rep_id));
    add("crm_id", quoted(crm_id));
    add("consent", consent);
    e.consents.push_back({"email", h.email});
    e.consents.push_back({"sms", h.sms});
    e.consents.push_back({"whatsapp", h.whatsapp});
  }
  traits.Close();
  e.traits_json = json_;
}

std::string DemoGenerator::Impl::Communication(const Draft& d) const {
  if (d.campaign == kNoIndex) return {};
  std::string out(kCampaigns[d.campaign].id);
  if (d.campaign == kNewsletterCampaign) {
    const auto date = Civil(d.origin);
    out += '-';
    AppendInt(out, static_cast<int>(date.year()));
    out += '-';
    AppendInt(out, static_cast<unsigned>(date.month()), 2);
    return out;
  }
  const int month = MonthIndex(d.origin);
  out += '-';
  out += kChannels[d.source_channel == kNoIndex ? d.channel : d.source_channel].id;
  out += '-';
  AppendInt(out, month - window.PhaseStart(window.PhaseOf(month)) + 1);
  return out;
}

void DemoGenerator::Impl::FillTouch(const Hcp& h, const Draft& d, Event& e) {
  const std::string_view product = d.product == kNoIndex ? "" : kProducts[d.product].id;
  auto email_touchpoint = [&] {
    return d.variant == 0 ? "newsletter_" + std::string(MonthName(d.origin))
                          : std::string(product) + "_email";
  };
  std::string_view stage;
  const PageModel* page = nullptr;
  e.type = EventType::kTrack;
  switch (d.kind) {
    case DraftKind::kContact: {
      const ChannelModel& m = kChannels[d.channel];
      e.type = m.type;
      e.name = m.contact_event;
      stage = m.stage;
      if (m.costing == Costing::kPerContact) {
        e.cost_minor = m.cost_per_contact_minor;
        e.currency = kCurrency;
        const size_t slot = d.campaign == kNoIndex ? 0 : d.campaign + 1u;
        const int months = window.months();
        contact_costs_[(d.channel * (kCampaigns.size() + 1) + slot) * months + MonthIndex(d.t)] +=
            m.cost_per_contact_minor;
      }
      if (m.rep) e.rep_id = h.rep_id;
      switch (d.channel) {
        case kRepVisit:
          e.touchpoint = kRepVisitTouchpoints[d.variant].name;
          stage = kRepVisitTouchpoints[d.variant].stage;
          break;
        case kCongress:
          e.touchpoint = std::string(kSpecialties[h.specialty].society) +
                         (d.variant == 0 ? "_congress" : "_symposium");
          break;
        case kWebinar:
          e.touchpoint = "webinar_" + std::string(product) + "_" + std::string(MonthName(d.t));
          break;
        case kEmail:
          e.touchpoint = email_touchpoint();
          break;
        case kWeb:
        case kApp:
          page = d.channel == kWeb ? &kPages[d.variant] : &kScreens[d.variant];
          e.touchpoint = page->slug;
          stage = page->stage;
          e.name = page->product
                       ? std::string(kProducts[d.product].name) + " " + std::string(page->title)
                       : std::string(page->title);
          break;
        case kSocial:
        case kPaidSearch:
        case kDisplay:
        case kTv:
        case kRadio:
        case kPrint:
          e.touchpoint = std::string(m.touchpoint) + "_" + std::string(product);
          break;
        default:
          e.touchpoint = m.touchpoint;
      }
      break;
    }
    case DraftKind::kEmailOpened:
    case DraftKind::kEmailClicked:
      e.name = d.kind == DraftKind::kEmailOpened ? "Email Opened" : "Email Clicked";
      stage = d.kind == DraftKind::kEmailOpened ? "keep_in_touch" : "plan";
      e.touchpoint = email_touchpoint();
      break;
    case DraftKind::kContentShared:
      e.name = "Content Shared";
      stage = "share";
      e.touchpoint = "share_" + std::string(kChannels[d.source_channel].id);
      break;
    case DraftKind::kSignedIn:
      e.name = "Signed In";
      stage = "plan";
      e.touchpoint = "sign_in";
      break;
    case DraftKind::kUnsubscribed:
      e.name = "Unsubscribed";
      stage = "keep_in_touch";
      e.touchpoint = "unsubscribe";
      break;
    case DraftKind::kPrescription:
    case DraftKind::kOrder: {
      const bool order = d.kind == DraftKind::kOrder;
      e.name = order ? "Order Completed" : "Prescription Written";
      stage = "purchase";
      e.touchpoint =
          order ? (d.channel == kStore ? "pharmacy_order" : "online_order") : "prescription";
      e.value_minor = kProducts[d.product].price_minor * d.units;
      e.currency = kCurrency;
      ++summary.conversions;
      summary.conversion_value_minor += *e.value_minor;
      break;
    }
    case DraftKind::kIdentify:
    case DraftKind::kConsentUpdate:
      break;  // FillIdentify
  }
  e.stage = stage;
  e.product = product;
  if (d.campaign != kNoIndex) {
    e.campaign = kCampaigns[d.campaign].id;
    e.communication = Communication(d);
  }

  json_.clear();
  JsonObjectWriter p(json_);
  p.String("channel", e.channel)
      .String("stage", e.stage)
      .String("touchpoint", e.touchpoint)
      .StringIfAny("product", e.product)
      .StringIfAny("campaign", e.campaign)
      .StringIfAny("communication", e.communication)
      .StringIfAny("rep_id", e.rep_id);
  if (e.cost_minor) p.Money("cost", *e.cost_minor).String("currency", e.currency);
  if (page && d.channel == kWeb) {
    std::string path = "/";
    if (page->product) path += std::string(product) + "/" + std::string(page->slug);
    if (!page->product && page->slug != "home") path += page->slug;
    p.String("path", path)
        .String("url", "https://www.unisono-health.example" + path)
        .String("title", e.name);
  }
  if (d.channel == kEmail && d.kind != DraftKind::kUnsubscribed) {
    p.String("email_type", d.variant == 0 ? "newsletter" : "campaign");
  }
  if (d.kind == DraftKind::kContentShared) p.String("shared_from", kChannels[d.source_channel].id);
  if (e.value_minor) {
    const int64_t price = kProducts[d.product].price_minor;
    p.Int("units", d.units)
        .Money("price", price)
        .Money("value", *e.value_minor)
        .Money("revenue", *e.value_minor)
        .String("currency", e.currency);
    if (d.kind == DraftKind::kOrder) {
      std::string order_id = "ord-" + h.message_prefix.substr(5);
      AppendInt(order_id, d.seq);
      std::string item;
      JsonObjectWriter(item)
          .String("product_id", product)
          .String("name", kProducts[d.product].name)
          .Money("price", price)
          .Int("quantity", d.units)
          .Close();
      p.String("order_id", order_id).Raw("products", "[" + item + "]");
    }
  }
  p.Close();
  e.properties_json = json_;
}

std::vector<CostRecord> DemoGenerator::Impl::Costs() {
  std::vector<CostRecord> out;
  const int months = window.months();
  const double population = static_cast<double>(options_.demo.profiles);
  auto add = [&](std::string_view channel, std::string_view campaign, int from_month, int to_month,
                 int64_t amount, std::string_view source) {
    if (amount <= 0 || from_month >= to_month) return;
    CostRecord& r = out.emplace_back();
    r.channel = channel;
    r.campaign = campaign;
    r.period_start = window.month_starts[from_month];
    r.period_end = window.month_starts[to_month];
    r.amount_minor = amount;
    r.currency = kCurrency;
    r.source = source;
  };
  for (int month = 0; month < months; ++month) {
    const int phase = window.PhaseOf(month);
    for (size_t c = 0; c < kChannelCount; ++c) {
      const ChannelModel& m = kChannels[c];
      if (m.costing == Costing::kPerContact) {
        for (size_t slot = 0; slot <= kCampaigns.size(); ++slot) {
          const int64_t amount =
              contact_costs_[(c * (kCampaigns.size() + 1) + slot) * months + month];
          add(m.id, slot == 0 ? "" : kCampaigns[slot - 1].id, month, month + 1, amount,
              "demo:contacts");
        }
      } else if (m.costing == Costing::kBudget && m.timing == Timing::kFlights) {
        if (!InFlight(c, month - window.PhaseStart(phase))) continue;
        const double exposures = population * m.contacts_per_month * months / flight_months_[c];
        add(m.id, kCampaigns[CampaignIndex(phase, phase)].id, month, month + 1,
            std::llround(exposures * m.cost_per_contact_minor), "demo:budget");
      } else if (m.costing == Costing::kBudget) {
        for (size_t p = 0; p < kProductCount; ++p) {
          const double exposures = population * m.contacts_per_month * product_shares_[p];
          add(m.id, kCampaigns[CampaignIndex(p, phase)].id, month, month + 1,
              std::llround(exposures * m.cost_per_contact_minor), "demo:budget");
        }
      }
    }
  }
  for (size_t k = 0; k < kCampaigns.size(); ++k) {
    const int phase = static_cast<int>(k % kPhases);
    const bool whole_window = k == kNewsletterCampaign;
    add("", kCampaigns[k].id, whole_window ? 0 : window.PhaseStart(phase),
        whole_window ? months : window.PhaseStart(phase + 1), kCampaigns[k].production_cost_minor,
        "demo:campaign");
  }
  summary.cost_records = static_cast<int64_t>(out.size());
  return out;
}

DemoGenerator::DemoGenerator(const GeneratorOptions& options)
    : impl_(std::make_unique<Impl>(options)) {}
DemoGenerator::~DemoGenerator() = default;

bool DemoGenerator::NextProfile(std::vector<Event>& out) { return impl_->NextProfile(out); }

void DemoGenerator::ForEachEvent(const std::function<void(Event&)>& sink) {
  std::vector<Event> events;
  while (true) {
    events.clear();
    if (!impl_->NextProfile(events)) return;
    for (Event& e : events) sink(e);
  }
}

std::vector<CostRecord> DemoGenerator::Costs() { return impl_->Costs(); }
const DemoSummary& DemoGenerator::summary() const { return impl_->summary; }
int64_t DemoGenerator::profiles_done() const { return impl_->next_number - 1; }
const DemoWindow& DemoGenerator::window() const { return impl_->window; }

}  // namespace demo

std::vector<DemoChannelTruth> DemoTruth() {
  std::vector<DemoChannelTruth> out;
  out.reserve(demo::kChannels.size());
  for (const demo::ChannelModel& m : demo::kChannels) {
    out.push_back({std::string(m.id), m.contacts_per_month, m.effect, m.cost_per_contact_minor});
  }
  return out;
}

Result<DemoSummary> LoadDemo(ProfileService& profiles, const DemoOptions& options,
                             const std::function<void(double)>& progress) {
  if (Status valid = demo::ValidateOptions(options); !valid.ok()) return valid;
  // Demo user ids are the same for every seed: loading twice would fold a second
  // population into the first and double the costs.
  const std::string first_user = demo::UserId(1);
  Result<Profile> existing = profiles.FindBy("user_id", first_user);
  if (existing.ok()) {
    return Status::FailedPrecondition("the store already holds the demo population (" + first_user +
                                      " exists); load the demo into an empty data directory");
  }
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();

  demo::DemoGenerator generator(demo::GeneratorOptions{options, {}});
  bool costs_written = false;
  auto next = [&](std::vector<Event>& events, std::vector<CostRecord>& costs) -> Result<bool> {
    events.clear();
    costs.clear();
    while (events.size() < demo::kImportChunkEvents && generator.NextProfile(events)) {
    }
    if (events.empty() && costs_written) return false;
    if (events.empty()) {
      costs = generator.Costs();
      costs_written = true;
    }
    if (progress) {
      progress(static_cast<double>(generator.profiles_done()) /
               static_cast<double>(options.profiles));
    }
    return true;
  };
  Result<IngestResult> imported = profiles.ImportAll(next);
  if (!imported.ok()) return imported.status();
  if (progress) progress(1.0);
  return generator.summary();
}

}  // namespace unisono
