// Private to analytics: the rules of a ReportFilter (docs/attribution.md, "Filters"), in
// one place. Every report over the event log feeds a ProfileFilter each event of a
// profile, in time order, and asks it what the event is to the report.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analytics/analytics.h"
#include "analytics/internal/segment_membership.h"

namespace unisono::analytics::internal {

// `filter` with its values trimmed; a value that is empty after trimming is not set.
ReportFilter Trimmed(const ReportFilter& filter);

// What one event is to a filtered report.
enum class FilterVerdict {
  kOutsideWindow,  // before `since` or from `until` on: read for segment membership only
  kLeftOut,        // in the window, but not in the report: a membership event, another
                   // product's conversion or touch, an event of another campaign
  kKept,           // any other event that is not a conversion
  kConversion,     // a conversion that counts
  kUncounted,      // a conversion that cuts its journey but does not count: the profile was
                   // not in the segment, or no touch of the campaign came in its lookback
};

// How a campaign narrows a report.
enum class CampaignScope {
  kTouches,   // only the campaign's touches are touches; it must cover each conversion
  kProfiles,  // the funnel: the profiles it reached, with all their events
};

class ProfileFilter {
 public:
  // `conversion_events` name the conversions; `lookback` is how far back a touch of the
  // campaign covers a conversion.
  ProfileFilter(const ReportFilter& filter, std::optional<Timestamp> since,
                std::optional<Timestamp> until, const std::vector<std::string>& conversion_events,
                Millis lookback, CampaignScope scope = CampaignScope::kTouches);

  const ReportFilter& filter() const { return filter_; }
  // Where the scan must start: at the log's start when a segment filter needs the
  // memberships that began before `since`. Observe() keeps the window either way.
  std::optional<Timestamp> scan_since() const;

  void Reset();  // between profiles
  // REQUIRES: every event of one profile, in time order, from scan_since() on.
  FilterVerdict Observe(const Event& e);

  // Whether the profile is in the segment after the events observed so far (always,
  // without a segment filter). Events other than conversions count only while it is;
  // a journey's touches stay on it whatever the membership when they happened.
  bool in_segment() const { return in_segment_; }
  // The event names the filter's product (never without a product filter).
  bool NamesProduct(const Event& e) const;
  // The event is of the filter's campaign (never without a campaign filter).
  bool OfCampaign(const Event& e) const;

  // A null journey counts when the profile was in the segment at its last touch and,
  // with a product filter, one of its touches names the product.
  bool KeepsNullJourney(bool in_segment_at_end, bool a_touch_names_product) const;
  // The funnel: with a product filter a profile counts when one of its events in the
  // window names the product; with a campaign filter, when one is of the campaign.
  bool KeepsFunnelProfile(bool an_event_names_product, bool an_event_of_campaign) const;
  // A cost record that no contact carries has no profile to ask: kept only without a
  // segment or product filter, and with a campaign filter only when it is the campaign's.
  bool KeepsUnallocated(const std::string& campaign) const;

 private:
  bool InWindow(const Event& e) const;
  bool IsFilterProduct(const std::string& product) const;
  bool IsConversion(const Event& e) const;
  bool OfAnotherProduct(const Event& e) const;
  void ApplyMembership(const Event& e);
  FilterVerdict Conversion(const Event& e);

  ReportFilter filter_;
  // What an event's product may be to match the filter's product (besides the value
  // itself): the ids and aliases of the product it names or of every product in the
  // category it names, compared as the catalog does (case and outer spaces aside).
  std::vector<std::string> spellings_;
  // The catalog when the filter names none: shared, so a copied filter's pointer holds.
  std::shared_ptr<const ProductCatalog> builtin_products_;
  std::optional<Timestamp> since_;
  std::optional<Timestamp> until_;
  std::vector<std::string> conversion_events_;
  Millis lookback_;
  CampaignScope scope_;
  SegmentMembership membership_;
  bool in_segment_ = true;
  std::optional<Timestamp> last_campaign_touch_;  // since the last conversion that cut
};

}  // namespace unisono::analytics::internal
