#include <gtest/gtest.h>

#include "core/core.h"

namespace unisono {
namespace {

TEST(ParseTimestamp, ReadsUtcWithMilliseconds) {
  auto t = ParseTimestamp("2026-01-31T09:30:15.123Z");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(FormatTimestamp(*t), "2026-01-31T09:30:15.123Z");
}

TEST(ParseTimestamp, AppliesUtcOffsets) {
  auto t = ParseTimestamp("2026-01-31T10:30:00+01:00");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatTimestamp(*t), "2026-01-31T09:30:00.000Z");
  auto u = ParseTimestamp("2026-01-31T04:00:00-05:30");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(FormatTimestamp(*u), "2026-01-31T09:30:00.000Z");
}

TEST(ParseTimestamp, TruncatesLongFractionsToMilliseconds) {
  auto t = ParseTimestamp("2026-03-01T00:00:00.987654321Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatTimestamp(*t), "2026-03-01T00:00:00.987Z");
}

TEST(ParseTimestamp, AcceptsPlainDates) {
  auto t = ParseTimestamp("2024-02-29");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatTimestamp(*t), "2024-02-29T00:00:00.000Z");
}

TEST(ParseTimestamp, RejectsImpossibleDatesWithAReason) {
  for (const char* bad : {"2026-13-01T00:00:00Z", "2025-02-29", "2026-01-01T25:00:00Z", "yesterday",
                          "2026-01-01T00:00:00Zjunk", "", "2026-1-1"}) {
    auto t = ParseTimestamp(bad);
    EXPECT_FALSE(t.ok()) << bad;
    if (!t.ok()) {
      EXPECT_NE(t.status().message().find("ISO-8601"), std::string::npos) << bad;
    }
  }
}

TEST(ParseDuration, ReadsUnitsAndCombinations) {
  EXPECT_EQ(ParseDuration("30d")->count(), 30LL * 86'400'000);
  EXPECT_EQ(ParseDuration("12h")->count(), 12LL * 3'600'000);
  EXPECT_EQ(ParseDuration("15m")->count(), 15LL * 60'000);
  EXPECT_EQ(ParseDuration("1d12h")->count(), 36LL * 3'600'000);
  EXPECT_EQ(ParseDuration("250ms")->count(), 250);
  EXPECT_FALSE(ParseDuration("30").ok());
  EXPECT_FALSE(ParseDuration("d").ok());
  EXPECT_FALSE(ParseDuration("").ok());
  EXPECT_EQ(FormatDuration(Millis(30LL * 86'400'000)), "30d");
}

TEST(ManualClock, MovesOnlyWhenAdvanced) {
  ManualClock clock(*ParseTimestamp("2026-01-01T00:00:00Z"));
  Timestamp before = clock.Now();
  EXPECT_EQ(clock.Now(), before);
  clock.Advance(*ParseDuration("31d"));
  EXPECT_EQ(FormatTimestamp(clock.Now()), "2026-02-01T00:00:00.000Z");
}

TEST(ProfileId, RoundTripsAndRejectsGarbage) {
  EXPECT_EQ(ProfileIdString(42), "p_42");
  EXPECT_EQ(*ParseProfileId("p_42"), 42);
  EXPECT_FALSE(ParseProfileId("p_x").ok());
  EXPECT_FALSE(ParseProfileId("p_-1").ok());
  EXPECT_FALSE(ParseProfileId("p_1 ").ok());
}

}  // namespace
}  // namespace unisono
