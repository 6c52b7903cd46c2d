#include <gtest/gtest.h>

#include "identity/identity.h"
#include "support/test_support.h"

namespace unisono {
namespace {

Timestamp kAt = *ParseTimestamp("2026-01-01T00:00:00Z");

class IdentityGraphTest : public ::testing::Test {
 protected:
  IdentityGraph graph_{DefaultIdentityConfig()};
  int64_t Resolve(std::vector<Identifier> ids) { return graph_.Resolve(ids, kAt).profile_id; }
};

TEST(NormaliseIdentifier, EmailsAreTrimmedAndLowerCased) {
  auto cfg = DefaultIdentityConfig();
  EXPECT_EQ(*NormaliseIdentifier("email", "  Ana.Garcia@Example.COM ", cfg),
            "ana.garcia@example.com");
  EXPECT_FALSE(NormaliseIdentifier("email", "ana.example.com", cfg).ok());
  EXPECT_FALSE(NormaliseIdentifier("email", "ana@localhost", cfg).ok());
  EXPECT_FALSE(NormaliseIdentifier("email", "a@b@c.com", cfg).ok());
}

TEST(NormaliseIdentifier, PhonesBecomeE164) {
  auto cfg = DefaultIdentityConfig();  // default country code 34
  EXPECT_EQ(*NormaliseIdentifier("phone", "+34 612-345-678", cfg), "+34612345678");
  EXPECT_EQ(*NormaliseIdentifier("phone", "0034 612 345 678", cfg), "+34612345678");
  EXPECT_EQ(*NormaliseIdentifier("phone", "612 345 678", cfg), "+34612345678");
  EXPECT_EQ(*NormaliseIdentifier("phone", "(+1) 415.555.0100", cfg), "+14155550100");
  cfg.default_country_code = "44";
  EXPECT_EQ(*NormaliseIdentifier("phone", "020 7946 0958", cfg), "+442079460958");
  EXPECT_FALSE(NormaliseIdentifier("phone", "call me", cfg).ok());
  EXPECT_FALSE(NormaliseIdentifier("phone", "+1 23", cfg).ok());
  EXPECT_FALSE(NormaliseIdentifier("phone", "+1234567890123456", cfg).ok());
}

TEST_F(IdentityGraphTest, SameIdentifierSameProfile) {
  int64_t a = Resolve({{"email", "ana@x.com"}});
  EXPECT_EQ(Resolve({{"email", "ana@x.com"}}), a);
  EXPECT_NE(Resolve({{"email", "bob@x.com"}}), a);
}

TEST_F(IdentityGraphTest, AnonymousActivityJoinsTheUserWhoLogsIn) {
  int64_t anon = Resolve({{"anonymous_id", "a1"}});
  int64_t user = Resolve({{"user_id", "u1"}, {"anonymous_id", "a1"}});
  EXPECT_EQ(user, anon);
  EXPECT_EQ(*graph_.Find("user_id", "u1"), anon);
}

TEST_F(IdentityGraphTest, AnEventCarryingTwoProfilesMergesThemIntoTheOlder) {
  int64_t by_email = Resolve({{"email", "ana@x.com"}});
  int64_t by_user = Resolve({{"user_id", "u1"}});
  ASSERT_NE(by_email, by_user);
  Resolution r = graph_.Resolve({{"user_id", "u1"}, {"email", "ana@x.com"}}, kAt);
  EXPECT_EQ(r.profile_id, std::min(by_email, by_user));
  ASSERT_EQ(r.merges.size(), 1u);
  EXPECT_EQ(r.merges[0].from_profile, std::max(by_email, by_user));
  EXPECT_EQ(*graph_.Find("email", "ana@x.com"), r.profile_id);
  EXPECT_EQ(*graph_.Find("user_id", "u1"), r.profile_id);
}

TEST_F(IdentityGraphTest, SharedDeviceDoesNotMergeTwoUsers) {
  int64_t ana = Resolve({{"user_id", "ana"}, {"anonymous_id", "tablet-1"}});
  Resolution bob = graph_.Resolve({{"user_id", "bob"}, {"anonymous_id", "tablet-1"}}, kAt);
  EXPECT_NE(bob.profile_id, ana);
  EXPECT_TRUE(bob.merges.empty());
  ASSERT_EQ(bob.dropped.size(), 1u);
  EXPECT_EQ(bob.dropped[0].value, "tablet-1");
  EXPECT_EQ(*graph_.Find("anonymous_id", "tablet-1"), ana);  // stays with its first owner
}

TEST_F(IdentityGraphTest, LimitKeepsATypoFromMergingTwoCustomers) {
  int64_t ana = Resolve({{"crm_id", "CRM-1"}, {"email", "ana@x.com"}});
  int64_t bob = Resolve({{"crm_id", "CRM-2"}, {"email", "bob@x.com"}});
  // A CRM export with Bob's id and Ana's email (a typo): crm_id outranks email.
  Resolution r = graph_.Resolve({{"crm_id", "CRM-2"}, {"email", "ana@x.com"}}, kAt);
  EXPECT_EQ(r.profile_id, bob);
  EXPECT_TRUE(r.merges.empty());
  EXPECT_EQ(*graph_.Find("email", "ana@x.com"), ana);
}

TEST_F(IdentityGraphTest, PerProfileLimitDropsTheExtraValue) {
  IdentityConfig cfg = DefaultIdentityConfig();
  cfg.rules.push_back({"device_id", 5, 2});
  IdentityGraph graph(cfg);
  int64_t p = graph.Resolve({{"user_id", "u"}, {"device_id", "d1"}}, kAt).profile_id;
  graph.Resolve({{"user_id", "u"}, {"device_id", "d2"}}, kAt);
  Resolution third = graph.Resolve({{"user_id", "u"}, {"device_id", "d3"}}, kAt);
  EXPECT_EQ(third.profile_id, p);
  ASSERT_EQ(third.dropped.size(), 1u);
  EXPECT_FALSE(graph.Find("device_id", "d3").has_value());
}

TEST_F(IdentityGraphTest, AliasFoldsThePreviousIdIntoTheUser) {
  int64_t anon = Resolve({{"anonymous_id", "a9"}});
  int64_t user = Resolve({{"user_id", "u9"}});
  Resolution r = graph_.Alias("a9", "u9", kAt);
  EXPECT_EQ(r.profile_id, std::min(anon, user));
  EXPECT_EQ(r.merges.size(), 1u);
  EXPECT_EQ(r.merges[0].reason, "alias");
  // An alias between two users is refused by the user_id limit of 1.
  Resolve({{"user_id", "other"}});
  Resolution refused = graph_.Alias("other", "u9", kAt);
  EXPECT_TRUE(refused.merges.empty());
  EXPECT_NE(*graph_.Find("user_id", "other"), *graph_.Find("user_id", "u9"));
}

TEST_F(IdentityGraphTest, ChainsOfMergesKeepEveryIdentifierOnTheSurvivor) {
  int64_t a = Resolve({{"anonymous_id", "a"}});
  Resolve({{"anonymous_id", "b"}});
  Resolve({{"anonymous_id", "c"}});
  Resolve({{"anonymous_id", "b"}, {"anonymous_id", "c"}});
  Resolution r = graph_.Resolve({{"anonymous_id", "a"}, {"anonymous_id", "c"}}, kAt);
  EXPECT_EQ(r.profile_id, a);
  for (const char* id : {"a", "b", "c"}) EXPECT_EQ(*graph_.Find("anonymous_id", id), a) << id;
  EXPECT_EQ(graph_.profile_count(), 1u);
}

// Limits lowered after a profile was saved: the identifiers it already holds still
// find it (they never count against a limit), while a new one over the limit is dropped.
TEST(IdentityGraphLoad, AProfileOverALoweredLimitKeepsFindingItsOwnIdentifiers) {
  testing::TempDir dir;
  auto store = std::move(OpenSqliteStore(dir.path())).value();
  IdentityGraph loose{DefaultIdentityConfig()};  // up to 5 emails per profile
  WriteBatch batch;
  int64_t owner = 0;
  for (const char* email : {"a@x.com", "b@x.com"}) {
    Resolution r = loose.Resolve({{"user_id", "u1"}, {"email", email}}, kAt);
    owner = r.profile_id;
    for (auto& p : r.created) batch.profiles.push_back(p);
    for (auto& i : r.attached) batch.identifiers.push_back(i);
  }
  ASSERT_TRUE(store->Apply(batch).ok());

  IdentityConfig strict = DefaultIdentityConfig();
  for (auto& rule : strict.rules) {
    if (rule.type == "email") rule.limit = 1;
  }
  IdentityGraph graph{strict};
  ASSERT_TRUE(graph.Load(*store).ok());
  EXPECT_EQ(graph.Resolve({{"email", "b@x.com"}}, kAt).profile_id, owner);
  Resolution both = graph.Resolve({{"user_id", "u1"}, {"email", "a@x.com"}}, kAt);
  EXPECT_EQ(both.profile_id, owner);
  EXPECT_TRUE(both.created.empty());
  Resolution extra = graph.Resolve({{"user_id", "u1"}, {"email", "c@x.com"}}, kAt);
  EXPECT_EQ(extra.profile_id, owner);
  ASSERT_EQ(extra.dropped.size(), 1u);
  EXPECT_EQ(extra.dropped[0].value, "c@x.com");
}

}  // namespace
}  // namespace unisono
