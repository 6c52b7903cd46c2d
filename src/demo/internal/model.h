// The demo's generating process in numbers: every constant the generator draws from,
// in one place. DemoTruth(), the tests and docs/demo-data.md all read these tables, so
// the "truth" analytics is checked against is the generator's own parameters.
// Everything here is constexpr data: thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/core.h"

namespace unisono::demo {

// How a channel's contacts are paid for.
enum class Costing : uint8_t {
  kNoCost,      // no cost (inbound retail)
  kPerContact,  // each contact event carries cost_minor; monthly records sum them
  kBudget,      // fixed monthly budget records; contact events carry no cost
};

// Who can be contacted on a channel.
enum class Reach : uint8_t { kEveryone, kEmailConsent, kSmsConsent, kWhatsappConsent };

// What scales an HCP's contact rate (each multiplier averages 1 over the population).
enum class Intensity : uint8_t {
  kFlat,       // the same for everyone
  kPotential,  // field force and events: by prescribing potential
  kAffinity,   // self-driven digital: by the HCP's latent digital affinity
};

// When contacts happen.
enum class Timing : uint8_t {
  kNever,        // never: the channel only closes conversions (store)
  kAnyTime,      // Poisson over the active period, 06:00-22:00 UTC
  kOfficeHours,  // Poisson over the active period, weekdays 08:00-18:00 UTC
  kFlights,      // Poisson inside the channel's flight months only (mass media)
  kNewsletter,   // a monthly newsletter on day 3 at 08:00 plus Poisson campaign emails
  kWebinars,     // one webinar per product a month (day 15+product, 17:00); attendance drawn
  kCongresses,   // two congresses per specialty a year; attendance drawn
};

struct ChannelModel {
  std::string_view id;             // catalog id (config/channels.toml), in catalog order
  double contacts_per_month;       // mean contacts per reachable, active profile-month
  double effect;                   // lift of the weekly conversion log-odds per contact in the
                                   // last kLookbackDays (contacts counted up to kContactCap)
  int64_t cost_per_contact_minor;  // EUR cents, equal to the catalog's cost_per_contact
  Costing costing;
  Reach reach;
  Intensity intensity;
  Timing timing;
  EventType type;                  // of the contact event
  std::string_view contact_event;  // name of the contact event; empty for page (web) and
                                   // screen (app): every page/screen event is a contact
  std::string_view stage;          // journey stage of the contact event
  std::string_view touchpoint;     // touchpoint name (some channels refine it per contact)
  bool campaign;                   // carries product, campaign and communication
  bool rep;                        // carries the owner rep's id
};

// Index of each channel in kChannels.
// clang-format off
enum ChannelIndex : uint8_t {
  kRepVisit, kRepTablet, kCongress, kCallCenter, kERep, kWebinar, kWhatsapp, kSms, kEmail,
  kChat, kCustomerService, kBilling, kPostal, kCatalogue, kStore, kEcommerce, kApp, kWeb,
  kSocial, kPaidSearch, kDisplay, kTv, kRadio, kPrint,
  kChannelCount
};
// clang-format on

// The table below reads better without the enum names.
using enum Costing;
using enum Reach;
using enum Intensity;
using enum Timing;

// clang-format off
inline constexpr std::array<ChannelModel, kChannelCount> kChannels = {{
  // id              rate  effect  cost   costing      reach             intensity   timing        type               contact event          stage            touchpoint        campaign rep
  {"rep_visit",        0.80, 0.40, 15000, kPerContact, kEveryone,        kPotential, kOfficeHours, EventType::kTrack, "Rep Visit",           "plan",          "detailing",         true,  true},
  {"rep_tablet",       0.30, 0.30, 16000, kPerContact, kEveryone,        kPotential, kOfficeHours, EventType::kTrack, "Tablet Detailing",    "plan",          "clm_presentation",  true,  true},
  {"congress",         0.06, 0.50, 40000, kPerContact, kEveryone,        kPotential, kCongresses,  EventType::kTrack, "Congress Attended",   "plan",          "congress",          true,  false},
  {"call_center",      0.25, 0.10,   800, kPerContact, kEveryone,        kFlat,      kOfficeHours, EventType::kTrack, "Call Completed",      "plan",          "outbound_call",     true,  false},
  {"e_rep",            0.30, 0.30,  3500, kPerContact, kEveryone,        kPotential, kOfficeHours, EventType::kTrack, "Remote Detailing",    "plan",          "remote_detailing",  true,  true},
  {"webinar",          0.20, 0.25,  2500, kPerContact, kEveryone,        kPotential, kWebinars,    EventType::kTrack, "Webinar Attended",    "plan",          "webinar",           true,  false},
  {"whatsapp",         0.80, 0.08,     8, kPerContact, kWhatsappConsent, kFlat,      kAnyTime,     EventType::kTrack, "WhatsApp Sent",       "keep_in_touch", "whatsapp_update",   true,  false},
  {"sms",              0.60, 0.04,     6, kPerContact, kSmsConsent,      kFlat,      kAnyTime,     EventType::kTrack, "SMS Sent",            "keep_in_touch", "sms_reminder",      true,  false},
  {"email",            2.00, 0.05,     1, kPerContact, kEmailConsent,    kFlat,      kNewsletter,  EventType::kTrack, "Email Sent",          "keep_in_touch", "email",             true,  false},
  {"chat",             0.10, 0.05,   150, kPerContact, kEveryone,        kAffinity,  kAnyTime,     EventType::kTrack, "Chat Started",        "plan",          "web_chat",          false, false},
  {"customer_service", 0.10, 0.00,   500, kPerContact, kEveryone,        kFlat,      kOfficeHours, EventType::kTrack, "Service Call",        "keep_in_touch", "service_call",      false, false},
  {"billing",          0.30, 0.00,    20, kPerContact, kEveryone,        kFlat,      kAnyTime,     EventType::kTrack, "Invoice Sent",        "keep_in_touch", "invoice",           false, false},
  {"postal",           0.15, 0.04,   120, kPerContact, kEveryone,        kFlat,      kOfficeHours, EventType::kTrack, "Postal Mail Sent",    "keep_in_touch", "postal_mailing",    true,  false},
  {"catalogue",        0.08, 0.03,   250, kPerContact, kEveryone,        kFlat,      kOfficeHours, EventType::kTrack, "Catalogue Sent",      "keep_in_touch", "product_catalogue", true,  false},
  {"store",            0.00, 0.00,     0, kNoCost,     kEveryone,        kFlat,      kNever,       EventType::kTrack, "",                    "purchase",      "pharmacy_order",    false, false},
  {"ecommerce",        0.30, 0.06,     0, kNoCost,     kEveryone,        kAffinity,  kAnyTime,     EventType::kTrack, "Product Viewed",      "plan",          "product_view",      false, false},
  {"app",              0.60, 0.04,     2, kPerContact, kEveryone,        kAffinity,  kAnyTime,     EventType::kScreen, "",                   "keep_in_touch", "app_screen",        false, false},
  {"web",              1.20, 0.06,     1, kPerContact, kEveryone,        kAffinity,  kAnyTime,     EventType::kPage,  "",                    "plan",          "page",              false, false},
  {"social",           0.30, 0.02,    30, kBudget,     kEveryone,        kAffinity,  kAnyTime,     EventType::kTrack, "Social Ad Engaged",   "search",        "social",            true,  false},
  {"paid_search",      0.25, 0.08,    90, kBudget,     kEveryone,        kAffinity,  kAnyTime,     EventType::kTrack, "Search Ad Clicked",   "search",        "sem",               true,  false},
  {"display",          0.60, 0.01,     3, kBudget,     kEveryone,        kFlat,      kAnyTime,     EventType::kTrack, "Display Ad Viewed",   "search",        "banner",            true,  false},
  {"tv",               0.40, 0.01,     2, kBudget,     kEveryone,        kFlat,      kFlights,     EventType::kTrack, "TV Spot Exposure",    "search",        "tv_spot",           true,  false},
  {"radio",            0.20, 0.01,     1, kBudget,     kEveryone,        kFlat,      kFlights,     EventType::kTrack, "Radio Spot Exposure", "search",        "radio_spot",        true,  false},
  {"print",            0.20, 0.02,     5, kBudget,     kEveryone,        kFlat,      kAnyTime,     EventType::kTrack, "Journal Ad Exposure", "search",        "journal_ad",        true,  false},
}};
// clang-format on

constexpr bool IndicesMatchIds() {
  constexpr std::array<std::string_view, kChannelCount> kIds = {
      "rep_visit",        "rep_tablet", "congress", "call_center", "e_rep",
      "webinar",          "whatsapp",   "sms",      "email",       "chat",
      "customer_service", "billing",    "postal",   "catalogue",   "store",
      "ecommerce",        "app",        "web",      "social",      "paid_search",
      "display",          "tv",         "radio",    "print"};
  for (size_t c = 0; c < kChannelCount; ++c) {
    if (kChannels[c].id != kIds[c]) return false;
  }
  return true;
}
static_assert(IndicesMatchIds(), "ChannelIndex and kChannels are out of step");

// The conversion model: logit(p_week) = BaseLogit(potential, specialty)
//   + sum over channels of effect * min(contacts in the kLookbackDays before the week, kContactCap)
inline constexpr int kLookbackDays = 28;
inline constexpr int kContactCap = 3;

struct ProductModel {
  std::string_view id;
  std::string_view name;
  int64_t price_minor;  // EUR cents per pack
};
inline constexpr std::array<ProductModel, 3> kProducts = {{
    {"cardiozen", "Cardiozen", 4590},
    {"glucobal", "Glucobal", 6250},
    {"respiro", "Respiro", 3875},
}};
inline constexpr size_t kProductCount = kProducts.size();

struct PotentialModel {
  std::string_view id;
  double share;       // of the population
  double intensity;   // raw contact multiplier for kPotential channels (normalised below)
  double base_logit;  // weekly conversion log-odds with no contacts
};
inline constexpr std::array<PotentialModel, 3> kPotentials = {{
    {"high", 0.20, 2.00, -2.3},
    {"medium", 0.35, 1.00, -2.9},
    {"low", 0.45, 0.45, -3.6},
}};

// Multiplier of a kPotential channel's rate: intensity / the population mean intensity.
constexpr double PotentialMultiplier(size_t potential) {
  double mean = 0;
  for (const PotentialModel& p : kPotentials) mean += p.share * p.intensity;
  return kPotentials[potential].intensity / mean;
}

struct SpecialtyModel {
  std::string_view id;
  double share;
  double logit_offset;                            // added to the potential's base log-odds
  std::array<double, kProductCount> product_mix;  // which product a touch or conversion is about
  std::string_view society;                       // congress touchpoints: "<society>_congress"
  std::array<int, 2> congress_month;              // month (of 12) of the congress and symposium
};
// clang-format off
inline constexpr std::array<SpecialtyModel, 8> kSpecialties = {{
    {"general_practice",  0.36,  0.00, {0.40, 0.35, 0.25}, "semfyc", {3, 9}},
    {"cardiology",        0.12,  0.15, {0.85, 0.10, 0.05}, "sec",    {2, 10}},
    {"endocrinology",     0.10,  0.15, {0.10, 0.85, 0.05}, "sed",    {4, 11}},
    {"internal_medicine", 0.12,  0.10, {0.40, 0.40, 0.20}, "semi",   {1, 7}},
    {"pneumology",        0.08,  0.05, {0.05, 0.05, 0.90}, "separ",  {5, 8}},
    {"geriatrics",        0.06,  0.10, {0.45, 0.35, 0.20}, "segg",   {0, 6}},
    {"pediatrics",        0.10, -0.50, {0.05, 0.05, 0.90}, "aep",    {5, 11}},
    {"oncology",          0.06, -0.90, {0.34, 0.33, 0.33}, "seom",   {3, 9}},
}};
// clang-format on

constexpr double BaseLogit(size_t potential, size_t specialty) {
  return kPotentials[potential].base_logit + kSpecialties[specialty].logit_offset;
}

struct TerritoryModel {
  std::string_view id;
  double share;
  std::array<std::string_view, 3> cities;  // lower-case ASCII, used in clinic domains
};
inline constexpr std::array<TerritoryModel, 8> kTerritories = {{
    {"andalucia", 0.20, {"sevilla", "malaga", "granada"}},
    {"cataluna", 0.18, {"barcelona", "girona", "tarragona"}},
    {"madrid", 0.17, {"madrid", "alcala", "getafe"}},
    {"comunidad_valenciana", 0.12, {"valencia", "alicante", "castellon"}},
    {"galicia", 0.08, {"vigo", "coruna", "santiago"}},
    {"castilla_y_leon", 0.08, {"valladolid", "burgos", "leon"}},
    {"pais_vasco", 0.07, {"bilbao", "donostia", "vitoria"}},
    {"canarias", 0.10, {"laspalmas", "tenerife", "lanzarote"}},
}};
inline constexpr std::array<std::string_view, 3> kClinicKinds = {"hospital", "clinica",
                                                                 "centro-salud"};

// Campaigns: every product runs three in sequence, each over a third of the window
// (phase 0, 1, 2); campaign index = product * 3 + phase. kNewsletterCampaign is the
// standing newsletter, about no product.
struct CampaignModel {
  std::string_view id;
  int64_t production_cost_minor;  // creative and production, one record per campaign
};
inline constexpr size_t kPhases = 3;
inline constexpr size_t kCampaignCount = kProductCount * kPhases + 1;
inline constexpr std::array<CampaignModel, kCampaignCount> kCampaigns = {{
    {"cardiozen-launch", 1'200'000},
    {"cardiozen-evidence", 600'000},
    {"cardiozen-adherence", 400'000},
    {"glucobal-awareness", 900'000},
    {"glucobal-switch", 700'000},
    {"glucobal-loyalty", 400'000},
    {"respiro-season", 800'000},
    {"respiro-control", 500'000},
    {"respiro-education", 400'000},
    {"hcp-newsletter", 300'000},
}};
inline constexpr size_t kNewsletterCampaign = kCampaigns.size() - 1;
constexpr size_t CampaignIndex(size_t product, size_t phase) { return product * kPhases + phase; }

// Mass media runs in flights: within each phase (whose lead product is product `phase`),
// TV airs in the phase's months 1-2 and radio in months 2-3.
constexpr bool InFlight(size_t channel, int month_in_phase) {
  if (channel == kTv) return month_in_phase == 0 || month_in_phase == 1;
  if (channel == kRadio) return month_in_phase == 1 || month_in_phase == 2;
  return true;
}

// Web pages an HCP views: product pages exist once per product.
struct PageModel {
  std::string_view slug;   // touchpoint and last path segment
  std::string_view title;  // page name (prefixed by the product name on product pages)
  std::string_view stage;
  bool product;
  double weight;
};
inline constexpr std::array<PageModel, 8> kPages = {{
    {"home", "Home", "search", false, 0.12},
    {"overview", "Overview", "search", true, 0.22},
    {"dosing", "Dosing", "plan", true, 0.18},
    {"evidence", "Clinical Evidence", "plan", true, 0.14},
    {"safety", "Safety", "plan", true, 0.08},
    {"news", "News", "keep_in_touch", false, 0.12},
    {"events", "Events", "keep_in_touch", false, 0.08},
    {"contact", "Contact", "plan", false, 0.06},
}};

// App screens.
inline constexpr std::array<PageModel, 4> kScreens = {{
    {"dose_calculator", "Dose Calculator", "plan", true, 0.30},
    {"clinical_news", "Clinical News", "keep_in_touch", false, 0.35},
    {"patient_materials", "Patient Materials", "keep_in_touch", true, 0.20},
    {"product_info", "Product Info", "plan", true, 0.15},
}};

// Rep visit touchpoints.
struct TouchpointModel {
  std::string_view name;
  std::string_view stage;
  double weight;
};
inline constexpr std::array<TouchpointModel, 3> kRepVisitTouchpoints = {{
    {"detailing", "plan", 0.70},
    {"sample_drop", "plan", 0.20},
    {"follow_up", "keep_in_touch", 0.10},
}};

// Population and behaviour.
inline constexpr double kKnownAtStartShare = 0.75;  // first contact within the first 14 days
inline constexpr int kKnownAtStartDays = 14;
inline constexpr int kNewcomerTailDays = 30;  // the others join before end - 30 days
inline constexpr double kEmailOptIn = 0.70;
inline constexpr double kSmsOptIn = 0.40;
inline constexpr double kWhatsappOptIn = 0.30;
inline constexpr double kUnsubscribeShare = 0.05;  // of email opt-ins, once during the year
inline constexpr double kAffinityMin = 0.25;       // digital affinity ~ U(0.25, 1.75)
inline constexpr double kAffinityMax = 1.75;
inline constexpr double kNewslettersPerMonth = 1.0;  // of email's rate; the rest are campaign
                                                     // emails
inline constexpr double kEmailOpenRate = 0.25;
inline constexpr double kEmailClickRate = 0.20;  // of opened emails
inline constexpr double kShareAfterEmailClick = 0.08;
inline constexpr double kShareAfterWebinar = 0.06;
inline constexpr double kShareAfterCongress = 0.15;
// Identity stitching cases.
inline constexpr double kAnonymousBeforeIdentifyShare = 0.08;  // 1-4 anonymous web pages
inline constexpr int kAnonymousBeforeIdentifyDays = 30;        // within 30 days before
inline constexpr double kSecondDeviceShare = 0.04;  // 1-3 anonymous pages, then "Signed In"
// Conversions.
inline constexpr double kOrderShare = 0.20;        // "Order Completed", else "Prescription Written"
inline constexpr double kOrderOnlineShare = 0.60;  // orders on ecommerce, else in store
// A prescription is a patient started on therapy: its value covers 3, 6 or 12 monthly packs.
inline constexpr std::array<int, 3> kPrescriptionPacks = {3, 6, 12};
inline constexpr std::array<double, 3> kPrescriptionPackWeights = {0.2, 0.3, 0.5};
inline constexpr int kOrderUnitsMin = 2;  // pharmacy restocking: uniform 2..12 packs
inline constexpr int kOrderUnitsMax = 12;
// Reps: one per ~150 HCPs, at least 2.
inline constexpr int kProfilesPerRep = 150;
inline constexpr int kMinReps = 2;

// Names for the population (display form with accents, ASCII form for e-mail addresses).
struct NameModel {
  std::string_view display;
  std::string_view ascii;
};
// clang-format off
inline constexpr std::array<NameModel, 24> kFirstNames = {{
    {"María", "maria"}, {"José", "jose"}, {"Lucía", "lucia"}, {"Javier", "javier"},
    {"Carmen", "carmen"}, {"Antonio", "antonio"}, {"Laura", "laura"}, {"Manuel", "manuel"},
    {"Elena", "elena"}, {"David", "david"}, {"Ana", "ana"}, {"Francisco", "francisco"},
    {"Marta", "marta"}, {"Pablo", "pablo"}, {"Isabel", "isabel"}, {"Sergio", "sergio"},
    {"Cristina", "cristina"}, {"Jorge", "jorge"}, {"Paula", "paula"}, {"Álvaro", "alvaro"},
    {"Nuria", "nuria"}, {"Raúl", "raul"}, {"Pilar", "pilar"}, {"Andrés", "andres"},
}};
inline constexpr std::array<NameModel, 32> kLastNames = {{
    {"García", "garcia"}, {"Fernández", "fernandez"}, {"González", "gonzalez"},
    {"Rodríguez", "rodriguez"}, {"López", "lopez"}, {"Martínez", "martinez"},
    {"Sánchez", "sanchez"}, {"Pérez", "perez"}, {"Gómez", "gomez"}, {"Martín", "martin"},
    {"Jiménez", "jimenez"}, {"Ruiz", "ruiz"}, {"Hernández", "hernandez"}, {"Díaz", "diaz"},
    {"Moreno", "moreno"}, {"Álvarez", "alvarez"}, {"Muñoz", "munoz"}, {"Romero", "romero"},
    {"Alonso", "alonso"}, {"Gutiérrez", "gutierrez"}, {"Navarro", "navarro"},
    {"Torres", "torres"}, {"Domínguez", "dominguez"}, {"Vázquez", "vazquez"},
    {"Ramos", "ramos"}, {"Gil", "gil"}, {"Serrano", "serrano"}, {"Blanco", "blanco"},
    {"Molina", "molina"}, {"Castro", "castro"}, {"Ortiz", "ortiz"}, {"Núñez", "nunez"},
}};
// clang-format on

}  // namespace unisono::demo
