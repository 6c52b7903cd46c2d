#include <gtest/gtest.h>

#include "core/core.h"

namespace unisono {
namespace {

TEST(ChannelCatalog, BuiltinHasEveryFamilyOfTheBrief) {
  ChannelCatalog catalog = ChannelCatalog::Builtin();
  for (const char* id : {"rep_visit", "rep_tablet",  "congress",         "call_center", "sms",
                         "whatsapp",  "e_rep",       "webinar",          "email",       "tv",
                         "radio",     "print",       "postal",           "web",         "app",
                         "social",    "paid_search", "display",          "store",       "ecommerce",
                         "catalogue", "chat",        "customer_service", "billing"}) {
    EXPECT_NE(catalog.Find(id), nullptr) << id;
  }
  const Channel* visit = catalog.Find("rep_visit");
  ASSERT_NE(visit, nullptr);
  EXPECT_FALSE(visit->online);
  EXPECT_EQ(visit->personal_rank, 1);
  EXPECT_EQ(visit->role, "direct");
  EXPECT_GT(visit->cost_per_contact_minor, catalog.Find("email")->cost_per_contact_minor);
}

TEST(ChannelCatalog, CanonicalMapsAliasesAndKeepsUnknownNames) {
  ChannelCatalog catalog = ChannelCatalog::Builtin();
  EXPECT_EQ(catalog.Canonical("E-mail"), "email");
  EXPECT_EQ(catalog.Canonical(" WhatsApp "), "whatsapp");
  EXPECT_EQ(catalog.Canonical("rep visit"), "rep_visit");
  EXPECT_EQ(catalog.Canonical("Smoke Signals"), "smoke_signals");
  EXPECT_EQ(catalog.Canonical(""), "unknown");
}

TEST(ChannelCatalog, RejectsBadFilesNamingTheProblem) {
  auto bad_role =
      ChannelCatalog::FromToml("[[channel]]\nid = \"x\"\nrole = \"closer\"\n", "test.toml");
  ASSERT_FALSE(bad_role.ok());
  EXPECT_NE(bad_role.status().message().find("role"), std::string::npos);
  auto dup = ChannelCatalog::FromToml("[[channel]]\nid = \"x\"\n[[channel]]\nid = \"x\"\n", "t");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("twice"), std::string::npos);
  auto syntax = ChannelCatalog::FromToml("[[channel]\n", "broken.toml");
  ASSERT_FALSE(syntax.ok());
  EXPECT_NE(syntax.status().message().find("broken.toml:1"), std::string::npos);
  auto empty = ChannelCatalog::FromToml("", "empty.toml");
  EXPECT_FALSE(empty.ok());
}

}  // namespace
}  // namespace unisono
