#include <gtest/gtest.h>

#include <sstream>

#include "analytics/analytics.h"

namespace unisono::analytics {
namespace {

Result<PathTable> Read(const std::string& text) {
  std::istringstream in(text);
  return ReadPathFile(in);
}

const char* kHeader = "path,total_conversions,total_conversion_value,total_null\n";

TEST(PathFile, ReadsPathsAndCounts) {
  auto t = Read(std::string(kHeader) + "email > web >  call,2,30.5,7\r\n\n\"sms\",0,0,3\n");
  ASSERT_TRUE(t.ok()) << t.status().message();
  ASSERT_EQ(t->paths.size(), 2u);
  EXPECT_EQ(t->paths[0].touches, (std::vector<std::string>{"email", "web", "call"}));
  EXPECT_DOUBLE_EQ(t->paths[0].conversions, 2);
  EXPECT_DOUBLE_EQ(t->paths[0].value, 30.5);
  EXPECT_DOUBLE_EQ(t->paths[0].nulls, 7);
  EXPECT_EQ(t->paths[1].touches, (std::vector<std::string>{"sms"}));
  EXPECT_DOUBLE_EQ(TotalConversions(*t), 2);
  EXPECT_DOUBLE_EQ(TotalValue(*t), 30.5);
}

TEST(PathFile, ColumnsMayComeInAnyOrderWithExtraOnes) {
  auto t = Read("total_null,note,path,total_conversion_value,total_conversions\n4,x,a > b,9,1\n");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->paths[0].touches, (std::vector<std::string>{"a", "b"}));
  EXPECT_DOUBLE_EQ(t->paths[0].conversions, 1);
  EXPECT_DOUBLE_EQ(t->paths[0].value, 9);
  EXPECT_DOUBLE_EQ(t->paths[0].nulls, 4);
}

void ExpectError(const std::string& text, const std::string& fragment) {
  auto t = Read(text);
  ASSERT_FALSE(t.ok()) << "accepted: " << text;
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(t.status().message().find(fragment), std::string::npos) << t.status().message();
}

TEST(PathFile, BadRowsNameTheirLine) {
  std::string h = kHeader;
  ExpectError(h + "a,1,1,0\nb,x,1,0\n", "line 3: total_conversions is not a number: 'x'");
  ExpectError(h + "a,1,1,-2\n", "line 2: total_null is negative");
  ExpectError(h + "a,1,,0\n", "line 2: total_conversion_value is empty");
  ExpectError(h + "a,1,1,nan\n", "line 2: total_null is not a number");
  ExpectError(h + "\n ,1,1,0\n", "line 3: empty path");
  ExpectError(h + "a >  > b,1,1,0\n", "line 2: empty channel in path");
  ExpectError(h + "a > b,1\n", "line 2: expected 4 fields, found 2");
  ExpectError(h + "\"a > b,1,1,0\n", "line 2: unterminated quote");
}

TEST(PathFile, HeaderMustNameEveryColumn) {
  ExpectError("path,total_conversions,total_null\na,1,0\n",
              "line 1: the header has no 'total_conversion_value' column");
  ExpectError("", "empty");
}

}  // namespace
}  // namespace unisono::analytics
