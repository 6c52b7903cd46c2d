// Paths built from a real SQLite event log.
#include <gtest/gtest.h>

#include <sstream>

#include "analytics/analytics.h"
#include "support/test_support.h"

namespace unisono::analytics {
namespace {

Timestamp Day(int d) { return *ParseTimestamp("2026-01-01T00:00:00Z") + std::chrono::days(d); }

class PathsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(OpenSqliteStore(dir_.path())).value();
    for (int64_t p = 1; p <= 3; ++p) batch_.profiles.push_back({p, Day(0)});
  }
  void Touch(int64_t profile, int day, const std::string& channel, const std::string& campaign = "",
             EventType type = EventType::kTrack) {
    Event e;
    e.type = type;
    e.message_id = "m" + std::to_string(++n_);
    e.profile_id = profile;
    e.name = "Contact";
    e.channel = channel;
    e.campaign = campaign;
    e.timestamp = e.original_timestamp = e.received_at = Day(day);
    batch_.events.push_back(e);
  }
  void Convert(int64_t profile, int day, int64_t value_minor) {
    Touch(profile, day, "unknown");
    batch_.events.back().name = "Prescription Written";
    batch_.events.back().value_minor = value_minor;
  }
  std::map<std::string, Path> Build(const PathOptions& o, PathBuildSummary* s = nullptr) {
    if (!batch_.events.empty()) {
      EXPECT_TRUE(store_->Apply(batch_).ok());
      batch_ = WriteBatch{};
    }
    auto table = BuildPaths(*store_, o, s);
    EXPECT_TRUE(table.ok()) << table.status().message();
    std::map<std::string, Path> out;
    for (auto& p : table->paths) {
      std::string key;
      for (auto& t : p.touches) key += (key.empty() ? "" : " > ") + t;
      out[key] = p;
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  WriteBatch batch_;
  int n_ = 0;
};

TEST_F(PathsTest, TouchesBeforeEachConversionFormItsPathAndTheRestANullPath) {
  Touch(1, 1, "email");
  Touch(1, 5, "web");
  Touch(1, 6, "unknown");                        // not a touchpoint
  Touch(1, 7, "web", "", EventType::kIdentify);  // not a touchpoint either
  Convert(1, 10, 10000);
  Touch(1, 20, "rep_visit");
  Convert(1, 25, 5000);
  Touch(1, 30, "sms");  // after the last conversion: a journey that did not convert
  Touch(2, 3, "sms");
  Touch(3, 3, "email");
  Touch(3, 4, "web");
  Convert(3, 8, 2500);
  PathBuildSummary s;
  auto paths = Build(PathOptions{}, &s);
  ASSERT_EQ(paths.size(), 3u);
  EXPECT_EQ(paths["email > web"].conversions, 2);  // profiles 1 and 3
  EXPECT_DOUBLE_EQ(paths["email > web"].value, 125.0);
  EXPECT_EQ(paths["email > web"].nulls, 0);
  EXPECT_EQ(paths["rep_visit"].conversions, 1);  // touches reset after a conversion
  EXPECT_EQ(paths["sms"].nulls, 2);              // profile 1's tail and profile 2
  EXPECT_EQ(paths["sms"].conversions, 0);
  EXPECT_EQ(s.profiles, 3);
  EXPECT_EQ(s.conversions, 3);
  EXPECT_EQ(s.null_paths, 2);
}

TEST_F(PathsTest, LookbackDropsOldTouchesAndConversionsWithoutTouchesAreCounted) {
  Touch(1, 0, "congress");
  Touch(1, 95, "email");
  Convert(1, 100, 100);  // congress is 100 days back: outside 90d
  Convert(2, 50, 100);   // nothing before it
  PathBuildSummary s;
  auto paths = Build(PathOptions{}, &s);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths.count("email"), 1u);
  EXPECT_EQ(s.conversions_without_touch, 1);
  PathOptions wide;
  wide.lookback = *ParseDuration("120d");
  auto wider = Build(wide);
  EXPECT_EQ(wider.count("congress > email"), 1u);
}

TEST_F(PathsTest, GranularityCollapseAndExclusion) {
  Touch(1, 1, "email", "launch");
  Touch(1, 2, "email", "launch");
  Touch(1, 3, "web");  // no campaign
  Touch(1, 4, "paid_search", "retarget");
  Convert(1, 5, 100);
  PathOptions by_campaign;
  by_campaign.granularity = PathGranularity::kCampaign;
  EXPECT_EQ(Build(by_campaign).count("launch > launch > retarget"), 1u);
  PathOptions collapsed;
  collapsed.collapse_repeats = true;
  EXPECT_EQ(Build(collapsed).count("email > web > paid_search"), 1u);
  PathOptions no_web;
  no_web.excluded_channels = {"web"};
  EXPECT_EQ(Build(no_web).count("email > email > paid_search"), 1u);
  EXPECT_FALSE(ParseGranularity("region").ok());
  PathOptions bad;
  bad.lookback = Millis(0);
  EXPECT_FALSE(BuildPaths(*store_, bad).ok());
}

TEST_F(PathsTest, PathFileRoundTrips) {
  Touch(1, 1, "email");
  Touch(1, 2, "web");
  Convert(1, 3, 1999);
  Touch(2, 1, "sms");
  ASSERT_TRUE(store_->Apply(batch_).ok());
  auto table = BuildPaths(*store_, PathOptions{});
  ASSERT_TRUE(table.ok());
  std::stringstream file;
  WritePathFile(*table, file);
  EXPECT_EQ(file.str(),
            "path,total_conversions,total_conversion_value,total_null\n"
            "email > web,1,19.99,0\n"
            "sms,0,0.00,1\n");
  auto read = ReadPathFile(file);
  ASSERT_TRUE(read.ok()) << read.status().message();
  ASSERT_EQ(read->paths.size(), 2u);
  EXPECT_DOUBLE_EQ(TotalConversions(*read), 1.0);
  EXPECT_DOUBLE_EQ(TotalValue(*read), 19.99);
}

}  // namespace
}  // namespace unisono::analytics
