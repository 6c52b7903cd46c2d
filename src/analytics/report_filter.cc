// The rules of a report filter (docs/attribution.md, "Filters"): segment membership at
// the time of each event, the product an event names, and the campaign's touches.
#include "analytics/internal/report_filter.h"

#include <algorithm>

namespace unisono::analytics {

bool ReportFilter::empty() const {
  return Trim(segment).empty() && Trim(product).empty() && Trim(campaign).empty();
}

namespace internal {
namespace {

// Could be a touch: a contact, a response, a visit. Not a call that only says who the
// customer is, nor an event with no channel (a segment change, a prescription).
bool IsTouchLike(const Event& e) {
  return e.type != EventType::kIdentify && e.type != EventType::kGroup &&
         e.type != EventType::kAlias && !e.channel.empty() && e.channel != "unknown";
}

}  // namespace

ReportFilter Trimmed(const ReportFilter& filter) {
  return {Trim(filter.segment), Trim(filter.product), Trim(filter.campaign), filter.products};
}

ProfileFilter::ProfileFilter(const ReportFilter& filter, std::optional<Timestamp> since,
                             std::optional<Timestamp> until,
                             const std::vector<std::string>& conversion_events, Millis lookback,
                             CampaignScope scope)
    : filter_(Trimmed(filter)),
      since_(since),
      until_(until),
      conversion_events_(conversion_events),
      lookback_(lookback),
      scope_(scope) {
  if (!filter_.product.empty()) {
    if (!filter_.products) {
      builtin_products_ = std::make_shared<const ProductCatalog>(ProductCatalog::Builtin());
      filter_.products = builtin_products_.get();
    }
    const ProductCatalog& catalog = *filter_.products;
    for (const Product& p : catalog.products()) {
      if (catalog.Find(filter_.product) == &p || catalog.InCategory(p.id, filter_.product)) {
        spellings_.push_back(p.id);
        spellings_.insert(spellings_.end(), p.aliases.begin(), p.aliases.end());
      }
    }
  }
  Reset();
}

std::optional<Timestamp> ProfileFilter::scan_since() const {
  return filter_.segment.empty() ? since_ : std::nullopt;
}

void ProfileFilter::Reset() {
  membership_.Reset();
  in_segment_ = filter_.segment.empty();
  last_campaign_touch_.reset();
}

FilterVerdict ProfileFilter::Observe(const Event& e) {
  if (!filter_.segment.empty() && SegmentMembership::IsMembershipEvent(e)) {
    ApplyMembership(e);  // also before the window: a membership may begin before it
    return InWindow(e) ? FilterVerdict::kLeftOut : FilterVerdict::kOutsideWindow;
  }
  if (!InWindow(e)) return FilterVerdict::kOutsideWindow;
  if (OfAnotherProduct(e)) return FilterVerdict::kLeftOut;
  if (IsConversion(e)) return Conversion(e);
  if (!filter_.campaign.empty() && scope_ == CampaignScope::kTouches) {
    if (e.campaign != filter_.campaign) return FilterVerdict::kLeftOut;
    if (IsTouchLike(e)) last_campaign_touch_ = e.timestamp;
  }
  return FilterVerdict::kKept;
}

// Every conversion of the report's product cuts its journey, so the campaign's touches
// before it are used up whether or not it counts.
FilterVerdict ProfileFilter::Conversion(const Event& e) {
  bool covered = filter_.campaign.empty() ||
                 (last_campaign_touch_ && *last_campaign_touch_ >= e.timestamp - lookback_ &&
                  *last_campaign_touch_ < e.timestamp);
  last_campaign_touch_.reset();
  return in_segment_ && covered ? FilterVerdict::kConversion : FilterVerdict::kUncounted;
}

bool ProfileFilter::NamesProduct(const Event& e) const {
  return !filter_.product.empty() && IsFilterProduct(e.product);
}

bool ProfileFilter::OfCampaign(const Event& e) const {
  return !filter_.campaign.empty() && e.campaign == filter_.campaign;
}

bool ProfileFilter::KeepsNullJourney(bool in_segment_at_end, bool a_touch_names_product) const {
  return in_segment_at_end && (filter_.product.empty() || a_touch_names_product);
}

bool ProfileFilter::KeepsFunnelProfile(bool an_event_names_product,
                                       bool an_event_of_campaign) const {
  return (filter_.product.empty() || an_event_names_product) &&
         (filter_.campaign.empty() || an_event_of_campaign);
}

bool ProfileFilter::KeepsUnallocated(const std::string& campaign) const {
  if (!filter_.segment.empty() || !filter_.product.empty()) return false;
  return filter_.campaign.empty() || campaign == filter_.campaign;
}

bool ProfileFilter::InWindow(const Event& e) const {
  return (!since_ || e.timestamp >= *since_) && (!until_ || e.timestamp < *until_);
}

bool ProfileFilter::IsConversion(const Event& e) const {
  return e.type == EventType::kTrack &&
         std::find(conversion_events_.begin(), conversion_events_.end(), e.name) !=
             conversion_events_.end();
}

// A touch or conversion naming no product speaks for every product (a rep visit, a
// newsletter, an order of several).
bool ProfileFilter::OfAnotherProduct(const Event& e) const {
  return !filter_.product.empty() && !e.product.empty() && !IsFilterProduct(e.product);
}

// Runs for every event: compares in place rather than building lower-case copies.
bool ProfileFilter::IsFilterProduct(const std::string& product) const {
  if (product == filter_.product) return true;
  auto trimmed = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  };
  std::string_view sent = trimmed(product);
  return std::any_of(spellings_.begin(), spellings_.end(), [&](const std::string& spelling) {
    std::string_view s = trimmed(spelling);
    return s.size() == sent.size() &&
           std::equal(s.begin(), s.end(), sent.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) ==
                    std::tolower(static_cast<unsigned char>(b));
           });
  });
}

void ProfileFilter::ApplyMembership(const Event& e) {
  membership_.Apply(e);
  in_segment_ = std::any_of(
      membership_.current().begin(), membership_.current().end(), [&](const std::string& id) {
        auto name = membership_.names().find(id);
        return id == filter_.segment ||
               (name != membership_.names().end() && name->second == filter_.segment);
      });
}

}  // namespace internal
}  // namespace unisono::analytics
