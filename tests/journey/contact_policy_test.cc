#include "journey/internal/contact_policy.h"

#include <gtest/gtest.h>

#include <array>
#include <random>

#include "core/core.h"

namespace unisono::journey {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

int64_t At(std::string_view iso) {
  auto t = ParseTimestamp(iso);
  EXPECT_TRUE(t.ok()) << iso;
  return t.ok() ? ToMillis(*t) : 0;
}

std::string Iso(int64_t ms) { return FormatTimestamp(FromMillis(ms)); }

int64_t Ms(Millis d) { return d.count(); }

// ---- time zones ----

TEST(TimeZones, FindsIanaNamesAndRejectsOthers) {
  TimeZones zones;
  const auto* madrid = zones.Find("Europe/Madrid");
  ASSERT_NE(madrid, nullptr);
  EXPECT_EQ(zones.Find("Europe/Madrid"), madrid);
  EXPECT_EQ(zones.Find("Mars/Base"), nullptr);
  EXPECT_EQ(zones.Find("Mars/Base"), nullptr);
  EXPECT_EQ(zones.Find(""), nullptr);
}

TEST(TimeZones, LocalMinuteFollowsTheZoneOffsetInWinterAndSummer) {
  TimeZones zones;
  const auto* madrid = zones.Find("Europe/Madrid");
  EXPECT_EQ(TimeZones::LocalMinute(madrid, At("2026-01-15T20:30:00Z")), 21 * 60 + 30);
  EXPECT_EQ(TimeZones::LocalMinute(madrid, At("2026-07-01T19:00:00Z")), 21 * 60);
  EXPECT_EQ(TimeZones::LocalMinute(nullptr, At("2026-01-15T20:30:59Z")), 20 * 60 + 30);
  EXPECT_EQ(TimeZones::LocalMinute(madrid, At("2026-01-15T23:10:00Z")), 10);  // next local day
}

TEST(TimeZones, NextLocalTimeOnAPlainDay) {
  TimeZones zones;
  const auto* madrid = zones.Find("Europe/Madrid");
  int64_t from = At("2026-01-15T10:00:00Z");  // 11:00 in Madrid
  EXPECT_EQ(Iso(TimeZones::NextLocalTime(madrid, from, 8 * 60)), "2026-01-16T07:00:00.000Z");
  EXPECT_EQ(Iso(TimeZones::NextLocalTime(madrid, from, 21 * 60)), "2026-01-15T20:00:00.000Z");
}

TEST(TimeZones, NextLocalTimeIsAtOrAfterFrom) {
  TimeZones zones;
  const auto* madrid = zones.Find("Europe/Madrid");
  int64_t eight = At("2026-01-15T07:00:00Z");  // 08:00:00.000 in Madrid
  EXPECT_EQ(TimeZones::NextLocalTime(madrid, eight, 8 * 60), eight);
  EXPECT_EQ(Iso(TimeZones::NextLocalTime(madrid, eight + 1, 8 * 60)), "2026-01-16T07:00:00.000Z");
  EXPECT_EQ(Iso(TimeZones::NextLocalTime(madrid, eight + 30'000, 8 * 60)),
            "2026-01-16T07:00:00.000Z");
}

TEST(TimeZones, NextLocalTimeInUtcWithoutAZone) {
  int64_t from = At("2026-01-15T10:00:00Z");
  EXPECT_EQ(TimeZones::NextLocalTime(nullptr, from, 10 * 60), from);
  EXPECT_EQ(Iso(TimeZones::NextLocalTime(nullptr, from, 8 * 60)), "2026-01-16T08:00:00.000Z");
  EXPECT_EQ(Iso(TimeZones::NextLocalTime(nullptr, from, 0)), "2026-01-16T00:00:00.000Z");
}

TEST(TimeZones, NextLocalTimeSkippedBySpringForwardGivesTheEndOfTheGap) {
  TimeZones zones;
  const auto* madrid = zones.Find("Europe/Madrid");
  // 2026-03-29 in Madrid: 02:00 CET becomes 03:00 CEST; 02:30 does not exist.
  int64_t midnight = At("2026-03-29T00:00:00+01:00");
  int64_t at = TimeZones::NextLocalTime(madrid, midnight, 2 * 60 + 30);
  EXPECT_EQ(Iso(at), "2026-03-29T01:00:00.000Z");  // 03:00 CEST
  EXPECT_EQ(TimeZones::LocalMinute(madrid, at), 3 * 60);
  // The day after, 02:30 exists again (now in CEST).
  EXPECT_EQ(Iso(TimeZones::NextLocalTime(madrid, at + 1, 2 * 60 + 30)), "2026-03-30T00:30:00.000Z");
}

TEST(TimeZones, NextLocalTimeRepeatedByFallBackTakesTheFirst) {
  TimeZones zones;
  const auto* madrid = zones.Find("Europe/Madrid");
  // 2026-10-25 in Madrid: 03:00 CEST becomes 02:00 CET; 02:30 happens twice.
  int64_t midnight = At("2026-10-25T00:00:00+02:00");
  int64_t first = TimeZones::NextLocalTime(madrid, midnight, 2 * 60 + 30);
  EXPECT_EQ(Iso(first), "2026-10-25T00:30:00.000Z");  // 02:30 CEST
  // From just after the first, the second is the next one at or after.
  EXPECT_EQ(Iso(TimeZones::NextLocalTime(madrid, first + 1, 2 * 60 + 30)),
            "2026-10-25T01:30:00.000Z");  // 02:30 CET
}

// ---- the rules ----

ContactPolicy CapPolicy(std::vector<std::string> channels, int max, Millis window) {
  ContactPolicy p;
  p.caps.push_back({std::move(channels), max, window});
  return p;
}

TEST(ContactPolicy, AllowsWhenNoRuleBlocks) {
  ContactPolicy p = CapPolicy({}, 3, days(7));
  p.min_gap = hours(12);
  p.quiet_hours = QuietHours{};
  auto d = CheckContactPolicy(p, {{At("2026-03-01T08:00:00Z"), "email"}}, "email",
                              At("2026-03-02T12:00:00Z"), nullptr);
  EXPECT_TRUE(d.allowed);
  EXPECT_FALSE(d.retry_at_ms);
  EXPECT_EQ(d.reason, "");
}

TEST(ContactPolicy, CapOnAllChannelsWaitsForTheOldestToLeaveTheWindow) {
  ContactPolicy p = CapPolicy({}, 3, days(7));
  std::vector<PastContact> contacts = {{At("2026-02-26T10:00:00Z"), "sms"},
                                       {At("2026-02-24T10:00:00Z"), "email"},
                                       {At("2026-03-01T10:00:00Z"), "rep_visit"}};
  auto d = CheckContactPolicy(p, contacts, "whatsapp", At("2026-03-02T12:00:00Z"), nullptr);
  EXPECT_FALSE(d.allowed);
  ASSERT_TRUE(d.retry_at_ms);
  EXPECT_EQ(Iso(*d.retry_at_ms), "2026-03-03T10:00:00.000Z");
  EXPECT_EQ(d.reason,
            "cap: 3 contacts in 7d on all channels (the oldest leaves the window at "
            "2026-03-03T10:00:00.000Z)");
  EXPECT_TRUE(CheckContactPolicy(p, contacts, "whatsapp", *d.retry_at_ms, nullptr).allowed);
  EXPECT_FALSE(CheckContactPolicy(p, contacts, "whatsapp", *d.retry_at_ms - 1, nullptr).allowed);
}

TEST(ContactPolicy, ChannelCapCountsAndHoldsOnlyItsChannels) {
  ContactPolicy p = CapPolicy({"email"}, 2, days(7));
  std::vector<PastContact> contacts = {{At("2026-03-01T10:00:00Z"), "email"},
                                       {At("2026-03-01T11:00:00Z"), "sms"},
                                       {At("2026-03-02T10:00:00Z"), "email"}};
  int64_t now = At("2026-03-02T12:00:00Z");
  auto email = CheckContactPolicy(p, contacts, "email", now, nullptr);
  EXPECT_FALSE(email.allowed);
  EXPECT_EQ(email.reason,
            "cap: 2 contacts in 7d on email (the oldest leaves the window at "
            "2026-03-08T10:00:00.000Z)");
  EXPECT_TRUE(CheckContactPolicy(p, contacts, "sms", now, nullptr).allowed);
}

TEST(ContactPolicy, CapOverItsMaxWaitsForEnoughContactsToLeave) {
  ContactPolicy p = CapPolicy({}, 2, days(1));
  std::vector<PastContact> contacts = {{At("2026-03-01T13:00:00Z"), "email"},
                                       {At("2026-03-01T14:00:00Z"), "sms"},
                                       {At("2026-03-01T15:00:00Z"), "email"},
                                       {At("2026-03-01T16:00:00Z"), "sms"}};
  auto d = CheckContactPolicy(p, contacts, "email", At("2026-03-02T12:00:00Z"), nullptr);
  ASSERT_TRUE(d.retry_at_ms);
  EXPECT_EQ(Iso(*d.retry_at_ms), "2026-03-02T15:00:00.000Z");  // one left: 16:00
  EXPECT_EQ(d.reason,
            "cap: 4 contacts in 1d on all channels (3 oldest leave the window at "
            "2026-03-02T15:00:00.000Z)");
}

TEST(ContactPolicy, AContactExactlyOneWindowAgoNoLongerCounts) {
  ContactPolicy p = CapPolicy({}, 1, days(7));
  int64_t now = At("2026-03-08T10:00:00Z");
  EXPECT_TRUE(CheckContactPolicy(p, {{now - Ms(days(7)), "email"}}, "email", now, nullptr).allowed);
  EXPECT_FALSE(
      CheckContactPolicy(p, {{now - Ms(days(7)) + 1, "email"}}, "email", now, nullptr).allowed);
  EXPECT_FALSE(CheckContactPolicy(p, {{now, "email"}}, "email", now, nullptr).allowed);
}

TEST(ContactPolicy, ContactsAfterNowAreIgnored) {
  ContactPolicy p = CapPolicy({}, 1, days(7));
  p.min_gap = days(1);
  int64_t now = At("2026-03-08T10:00:00Z");
  EXPECT_TRUE(CheckContactPolicy(p, {{now + 1, "email"}}, "email", now, nullptr).allowed);
}

TEST(ContactPolicy, CapOfZeroNeverAllowsAndOffersNoRetry) {
  ContactPolicy p = CapPolicy({"sms"}, 0, days(7));
  int64_t now = At("2026-03-08T10:00:00Z");
  auto d = CheckContactPolicy(p, {}, "sms", now, nullptr);
  EXPECT_FALSE(d.allowed);
  EXPECT_FALSE(d.retry_at_ms);
  EXPECT_EQ(d.reason, "cap: no contacts allowed on sms");
  EXPECT_TRUE(CheckContactPolicy(p, {}, "email", now, nullptr).allowed);
}

TEST(ContactPolicy, MinGapWaitsSinceTheLastContactOnAnyChannel) {
  ContactPolicy p;
  p.min_gap = days(1);
  std::vector<PastContact> contacts = {{At("2026-02-20T09:00:00Z"), "email"},
                                       {At("2026-03-01T15:00:00Z"), "rep_visit"}};
  auto d = CheckContactPolicy(p, contacts, "email", At("2026-03-02T09:00:00Z"), nullptr);
  EXPECT_FALSE(d.allowed);
  ASSERT_TRUE(d.retry_at_ms);
  EXPECT_EQ(Iso(*d.retry_at_ms), "2026-03-02T15:00:00.000Z");
  EXPECT_EQ(d.reason, "min gap 1d: last contact rep_visit at 2026-03-01T15:00:00.000Z");
  EXPECT_TRUE(CheckContactPolicy(p, contacts, "email", *d.retry_at_ms, nullptr).allowed);
}

TEST(ContactPolicy, QuietHoursWrapMidnightInTheProfileZone) {
  TimeZones zones;
  const auto* madrid = zones.Find("Europe/Madrid");
  ContactPolicy p;
  p.quiet_hours = QuietHours{21 * 60, 8 * 60};
  auto d = CheckContactPolicy(p, {}, "email", At("2026-01-15T22:30:00Z"), madrid);  // 23:30
  EXPECT_FALSE(d.allowed);
  ASSERT_TRUE(d.retry_at_ms);
  EXPECT_EQ(Iso(*d.retry_at_ms), "2026-01-16T07:00:00.000Z");  // 08:00 in Madrid
  EXPECT_EQ(d.reason, "quiet hours 21:00-08:00 in Europe/Madrid");
  auto allowed = [&](const char* iso) {
    return CheckContactPolicy(p, {}, "email", At(iso), madrid).allowed;
  };
  EXPECT_FALSE(allowed("2026-01-16T06:59:59.999Z"));
  EXPECT_TRUE(allowed("2026-01-16T07:00:00.000Z"));
  EXPECT_TRUE(allowed("2026-01-15T19:59:59.999Z"));
  EXPECT_FALSE(allowed("2026-01-15T20:00:00.000Z"));
}

TEST(ContactPolicy, QuietHoursAreInUtcWithoutAZone) {
  ContactPolicy p;
  p.quiet_hours = QuietHours{13 * 60, 14 * 60};
  auto d = CheckContactPolicy(p, {}, "email", At("2026-01-15T13:30:00Z"), nullptr);
  EXPECT_EQ(d.reason, "quiet hours 13:00-14:00 in UTC");
  ASSERT_TRUE(d.retry_at_ms);
  EXPECT_EQ(Iso(*d.retry_at_ms), "2026-01-15T14:00:00.000Z");
}

TEST(ContactPolicy, CapRetryInsideQuietHoursMovesToTheirEnd) {
  TimeZones zones;
  const auto* madrid = zones.Find("Europe/Madrid");
  ContactPolicy p = CapPolicy({}, 1, days(1));
  p.quiet_hours = QuietHours{21 * 60, 8 * 60};
  // The cap frees up at 21:30Z = 22:30 in Madrid, inside quiet hours.
  std::vector<PastContact> contacts = {{At("2026-01-14T21:30:00Z"), "email"}};
  auto d = CheckContactPolicy(p, contacts, "email", At("2026-01-15T12:00:00Z"), madrid);
  EXPECT_FALSE(d.allowed);
  ASSERT_TRUE(d.retry_at_ms);
  EXPECT_EQ(Iso(*d.retry_at_ms), "2026-01-16T07:00:00.000Z");
  EXPECT_EQ(d.reason.rfind("cap: 1 contact in 1d on all channels", 0), 0u) << d.reason;
}

TEST(ContactPolicy, SeveralBlockingRulesWaitForAllAndNameTheFirst) {
  TimeZones zones;
  const auto* madrid = zones.Find("Europe/Madrid");
  ContactPolicy p = CapPolicy({}, 2, days(7));
  p.min_gap = days(2);
  p.quiet_hours = QuietHours{21 * 60, 8 * 60};
  std::vector<PastContact> contacts = {{At("2026-01-10T09:00:00Z"), "email"},
                                       {At("2026-01-14T09:00:00Z"), "sms"}};
  // Cap frees 01-17 09:00Z, gap closes 01-16 09:00Z; now is in quiet hours.
  auto d = CheckContactPolicy(p, contacts, "email", At("2026-01-15T22:00:00Z"), madrid);
  ASSERT_TRUE(d.retry_at_ms);
  EXPECT_EQ(Iso(*d.retry_at_ms), "2026-01-17T09:00:00.000Z");
  EXPECT_EQ(d.reason.rfind("cap: ", 0), 0u) << d.reason;

  p.caps.clear();
  d = CheckContactPolicy(p, contacts, "email", At("2026-01-15T22:00:00Z"), madrid);
  ASSERT_TRUE(d.retry_at_ms);
  EXPECT_EQ(Iso(*d.retry_at_ms), "2026-01-16T09:00:00.000Z");
  EXPECT_EQ(d.reason.rfind("min gap 2d: ", 0), 0u) << d.reason;
}

TEST(ContactPolicy, QuietHoursCutShortBySpringForwardEndAtTheJump) {
  TimeZones zones;
  const auto* madrid = zones.Find("Europe/Madrid");
  ContactPolicy p;
  p.quiet_hours = QuietHours{60, 2 * 60 + 30};  // 01:00-02:30, cut short by the jump
  auto d = CheckContactPolicy(p, {}, "email", At("2026-03-29T01:30:00+01:00"), madrid);
  ASSERT_TRUE(d.retry_at_ms);
  EXPECT_EQ(Iso(*d.retry_at_ms), "2026-03-29T01:00:00.000Z");  // 03:00 CEST
}

// Random policies and contacts: the retry is allowed, the millisecond before it is not.
ContactPolicy RandomPolicy(std::mt19937_64& rng) {
  const std::vector<std::vector<std::string>> channel_sets = {{}, {"email"}, {"sms", "email"}};
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  ContactPolicy p;
  for (int i = pick(0, 2); i >= 0; --i) {
    p.caps.push_back({channel_sets[pick(0, 2)], pick(1, 4), minutes(pick(60, 7 * 24 * 60))});
  }
  if (pick(0, 1)) p.min_gap = minutes(pick(1, 3 * 24 * 60));
  if (pick(0, 1)) {
    int start = pick(0, 1439), end = pick(0, 1439);
    if (start != end) p.quiet_hours = QuietHours{start, end};
  }
  return p;
}

TEST(ContactPolicy, RetryIsTheFirstMomentEveryRuleAllows) {
  TimeZones zones;
  const std::array<const date::time_zone*, 2> zone_choices = {zones.Find("Europe/Madrid"),
                                                              zones.Find("UTC")};
  std::mt19937_64 rng(20260301);
  const std::vector<std::string> channels = {"email", "sms", "whatsapp", "rep_visit"};
  int blocked = 0;
  for (int i = 0; i < 400; ++i) {
    ContactPolicy p = RandomPolicy(rng);
    // January to early February 2026: no DST change within reach of the retries.
    int64_t now = At("2026-01-10T00:00:00Z") + static_cast<int64_t>(rng() % Ms(days(25)));
    std::vector<PastContact> contacts(rng() % 12);
    for (auto& c : contacts)
      c = {now - static_cast<int64_t>(rng() % Ms(days(8))), channels[rng() % 4]};
    const auto* zone = zone_choices[rng() % 2];
    std::string channel = channels[rng() % 3];
    auto d = CheckContactPolicy(p, contacts, channel, now, zone);
    if (d.allowed) continue;
    ++blocked;
    ASSERT_TRUE(d.retry_at_ms) << "case " << i << ": " << d.reason;
    EXPECT_GT(*d.retry_at_ms, now);
    EXPECT_TRUE(CheckContactPolicy(p, contacts, channel, *d.retry_at_ms, zone).allowed)
        << "case " << i << ": " << ContactPolicyToJson(p);
    EXPECT_FALSE(CheckContactPolicy(p, contacts, channel, *d.retry_at_ms - 1, zone).allowed)
        << "case " << i << ": " << ContactPolicyToJson(p);
  }
  EXPECT_GT(blocked, 100);
}

TEST(ContactPolicy, HorizonIsTheLongestLookBackAndAtLeastADay) {
  ContactPolicy p;
  EXPECT_EQ(p.Horizon(), days(1));
  p.min_gap = days(3);
  EXPECT_EQ(p.Horizon(), days(3));
  p.caps = {{{}, 3, days(7)}, {{"email"}, 2, days(30)}};
  EXPECT_EQ(p.Horizon(), days(30));
}

// ---- JSON ----

TEST(ContactPolicyJson, ReadsEveryField) {
  auto p = ParseContactPolicy(R"({"caps": [{"channels": ["email"], "max": 2, "window": "7d"},
      {"max": 3, "window": "1w"}], "min_gap": "1d12h",
      "quiet_hours": {"start": "21:00", "end": "08:00"}, "default_timezone": "Europe/Madrid",
      "suppression_segments": ["do_not_contact"], "fallback_order": ["sms", "email"],
      "max_delay": "3d"})");
  ASSERT_TRUE(p.ok()) << p.status().message();
  ASSERT_EQ(p->caps.size(), 2u);
  EXPECT_EQ(p->caps[0], (ContactCap{{"email"}, 2, days(7)}));
  EXPECT_EQ(p->caps[1], (ContactCap{{}, 3, days(7)}));
  EXPECT_EQ(p->min_gap, hours(36));
  EXPECT_EQ(p->quiet_hours, (QuietHours{21 * 60, 8 * 60}));
  EXPECT_EQ(p->default_timezone, "Europe/Madrid");
  EXPECT_EQ(p->suppression_segments, std::vector<std::string>{"do_not_contact"});
  EXPECT_EQ(p->fallback_order, (std::vector<std::string>{"sms", "email"}));
  EXPECT_EQ(p->max_delay, days(3));
}

TEST(ContactPolicyJson, MissingFieldsKeepDefaultsAndNullMeansNoQuietHours) {
  auto p = ParseContactPolicy("{}");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, ContactPolicy{});
  auto q = ParseContactPolicy(R"({"quiet_hours": null})");
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q->quiet_hours);
}

TEST(ContactPolicyJson, RoundTripsThroughJson) {
  ContactPolicy p;
  p.caps = {{{}, 3, days(7)}, {{"email", "sms"}, 0, hours(36) + minutes(5)}};
  p.min_gap = minutes(90);
  p.quiet_hours = QuietHours{22 * 60 + 15, 7 * 60 + 45};
  p.default_timezone = "America/New_York";
  p.suppression_segments = {"seg_1", "vip do not disturb"};
  p.fallback_order = {"whatsapp"};
  p.max_delay = days(2);
  for (const ContactPolicy& policy : {p, ContactPolicy{}}) {
    auto back = ParseContactPolicy(ContactPolicyToJson(policy));
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(*back, policy) << ContactPolicyToJson(policy);
  }
}

TEST(ContactPolicyJson, ErrorsNameTheFieldAndTheFix) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"caps": [{"max": 2, "window": "7x"}]})",
       "caps/0/window: '7x' is not a duration like 7d"},
      {R"({"quiet_hours": {"start": "25:00", "end": "08:00"}})",
       "quiet_hours/start: '25:00' is not a time like 21:00"},
      {R"({"default_timezone": "Mars/Base"})",
       "default_timezone: 'Mars/Base' is not a time zone (use an IANA name like Europe/Madrid)"},
      {R"({"caps": [{}, {"max": -1}]})",
       "caps/1/max: -1 is not a whole number like 3 (0 means never)"},
      {R"({"caps": [{"window": "0s"}]})", "caps/0/window: must be longer than 0, like 7d"},
      {R"({"min_gap": 5})", "min_gap: 5 is not a duration like 7d"},
      {R"({"caps": [{"channel": "email"}]})",
       "caps/0/channel: unknown field (expected one of channels, max, window)"},
      {R"({"colour": "red"})",
       "colour: unknown field (expected one of caps, min_gap, quiet_hours, default_timezone, "
       "suppression_segments, fallback_order, max_delay)"},
      {R"({"quiet_hours": {"start": "21:00", "end": "21:00"}})",
       "quiet_hours: start and end are both 21:00; give a range like 21:00-08:00, or null for "
       "none"},
      {R"({"fallback_order": ["email", ""]})",
       "fallback_order/1: must be a non-empty name like \"email\""},
      {R"([1])", "contact policy must be a JSON object like {\"caps\": [...]}"},
  };
  for (const auto& [json, message] : cases) {
    auto p = ParseContactPolicy(json);
    ASSERT_FALSE(p.ok()) << json;
    EXPECT_EQ(p.status().message(), message);
  }
  EXPECT_EQ(ParseContactPolicy(R"({"caps": [{"window": "7x"}]})").status().field(),
            "caps/0/window");
  auto broken = ParseContactPolicy("{");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().message().rfind("contact policy is not valid JSON: ", 0), 0u);
}

// ---- best channel ----

TEST(BestChannel, CheaperWithEqualEngagementMovesCheaper) {
  auto c = ChooseBestChannel({{"sms", true, 0.30, 6}, {"email", true, 0.30, 1}}, {});
  EXPECT_EQ(c.channel, "email");
  EXPECT_EQ(c.default_channel, "sms");
  EXPECT_TRUE(c.moved_cheaper);
  EXPECT_EQ(c.reason, "email: engagement 0.30 per 1 cents beats sms 0.30 per 6");
}

TEST(BestChannel, HigherEngagementPerCostWinsEvenWhenPricier) {
  auto c = ChooseBestChannel({{"email", true, 0.10, 1}, {"whatsapp", true, 0.90, 5}}, {});
  EXPECT_EQ(c.channel, "whatsapp");
  EXPECT_EQ(c.default_channel, "email");
  EXPECT_FALSE(c.moved_cheaper);
  EXPECT_EQ(c.reason, "whatsapp: engagement 0.90 per 5 cents beats email 0.10 per 1");
}

TEST(BestChannel, HigherEngagementLosesWhenItCostsTooMuch) {
  auto c = ChooseBestChannel({{"email", true, 0.10, 1}, {"whatsapp", true, 0.42, 8}}, {});
  EXPECT_EQ(c.channel, "email");
  EXPECT_FALSE(c.moved_cheaper);
  EXPECT_EQ(c.reason, "email: engagement 0.10 per 1 cents beats whatsapp 0.42 per 8");
}

TEST(BestChannel, SkipsChannelsWithoutConsentAndCountsCostAsAtLeastOne) {
  auto c = ChooseBestChannel(
      {{"whatsapp", false, 0.9, 1}, {"email", true, 0.2, 0}, {"sms", true, 0.3, 2}}, {});
  EXPECT_EQ(c.channel, "email");
  EXPECT_EQ(c.default_channel, "email");
  EXPECT_EQ(c.reason, "email: engagement 0.20 per 1 cents beats sms 0.30 per 2");
}

TEST(BestChannel, TiesGoToTheEarlierAllowedChannel) {
  auto c = ChooseBestChannel({{"sms", true, 0.2, 2}, {"email", true, 0.1, 1}}, {});
  EXPECT_EQ(c.channel, "sms");
  EXPECT_FALSE(c.moved_cheaper);
}

TEST(BestChannel, OnlyOneConsentedChannel) {
  auto c = ChooseBestChannel({{"sms", false, 0.5, 1}, {"email", true, 0.25, 1}}, {});
  EXPECT_EQ(c.channel, "email");
  EXPECT_EQ(c.reason, "email: engagement 0.25 per 1 cents, the only consented channel");
}

TEST(BestChannel, NoConsentMeansNoChannel) {
  auto c = ChooseBestChannel({{"email", false, 0.5, 1}, {"sms", false, 0.2, 3}}, {"email"});
  EXPECT_EQ(c.channel, "");
  EXPECT_EQ(c.default_channel, "");
  EXPECT_FALSE(c.moved_cheaper);
  EXPECT_EQ(c.reason, "no consent on any of email, sms");
}

TEST(BestChannel, NoEngagementYetUsesTheFallbackOrder) {
  std::vector<ChannelCandidate> allowed = {
      {"sms", true, 0, 2}, {"email", true, 0, 1}, {"whatsapp", false, 0, 1}};
  auto c = ChooseBestChannel(allowed, {"whatsapp", "email", "sms"});
  EXPECT_EQ(c.channel, "email");
  EXPECT_EQ(c.default_channel, "sms");
  EXPECT_TRUE(c.moved_cheaper);
  EXPECT_EQ(c.reason, "no engagement yet: fallback order gives email");

  auto d = ChooseBestChannel(allowed, {"postal"});
  EXPECT_EQ(d.channel, "sms");
  EXPECT_FALSE(d.moved_cheaper);
  EXPECT_EQ(d.reason,
            "no engagement yet: fallback order has none of these, first consented is sms");
}

}  // namespace
}  // namespace unisono::journey
