#include <gtest/gtest.h>

#include <fstream>

#include "core/core.h"
#include "demo/internal/model.h"
#include "support/test_support.h"

namespace unisono {
namespace {

// The message of the error a catalog file gives, "" when it loads.
std::string ErrorOf(const std::string& toml) {
  auto catalog = ProductCatalog::FromToml(toml, "products.toml");
  return catalog.ok() ? "" : catalog.status().message();
}

constexpr const char* kTree = R"(
[[category]]
id = "medicines"
[[category]]
id = "cardiovascular"
parent = "medicines"
)";

TEST(ProductCatalog, BuiltinHoldsTheDemoProductsAtTheirPrices) {
  ProductCatalog catalog = ProductCatalog::Builtin();
  for (const auto& model : demo::kProducts) {
    const Product* p = catalog.Find(model.id);
    ASSERT_NE(p, nullptr) << model.id;
    EXPECT_EQ(p->name, model.name);
    EXPECT_EQ(p->price_minor, model.price_minor) << model.id;
    EXPECT_EQ(p->currency, "EUR");
    EXPECT_FALSE(p->sku.empty());
  }
  EXPECT_GE(catalog.products().size(), demo::kProducts.size() + 2);
  const ProductCategory* samples = catalog.FindCategory("samples");
  ASSERT_NE(samples, nullptr);
  EXPECT_EQ(samples->parent, "services");
}

TEST(ProductCatalog, CategoryPathStartsAtTheRoot) {
  ProductCatalog catalog = ProductCatalog::Builtin();
  EXPECT_EQ(catalog.CategoryPath("hypertension"),
            (std::vector<std::string>{"medicines", "cardiovascular", "hypertension"}));
  EXPECT_EQ(catalog.CategoryPath("diabetes"),
            (std::vector<std::string>{"medicines", "metabolic", "diabetes"}));
  EXPECT_EQ(catalog.CategoryPath("medicines"), (std::vector<std::string>{"medicines"}));
  EXPECT_TRUE(catalog.CategoryPath("cardiology").empty());
}

TEST(ProductCatalog, InCategoryWalksUpTheTree) {
  ProductCatalog catalog = ProductCatalog::Builtin();
  EXPECT_TRUE(catalog.InCategory("cardiozen", "hypertension"));
  EXPECT_TRUE(catalog.InCategory("cardiozen", "cardiovascular"));
  EXPECT_TRUE(catalog.InCategory("cardiozen", "medicines"));
  EXPECT_FALSE(catalog.InCategory("cardiozen", "metabolic"));
  EXPECT_FALSE(catalog.InCategory("cardiozen", "services"));
  EXPECT_TRUE(catalog.InCategory("respiro_spacer", "services"));
  EXPECT_FALSE(catalog.InCategory("respiro_spacer", "medicines"));
  EXPECT_TRUE(catalog.InCategory("CZN", "medicines"));  // by alias
  EXPECT_FALSE(catalog.InCategory("aspirin", "medicines"));
  EXPECT_FALSE(catalog.InCategory("cardiozen", "cardiology"));
  EXPECT_FALSE(catalog.InCategory("cardiozen", "cardiozen"));  // a product is no category
}

TEST(ProductCatalog, FindsByIdOrAliasWhateverTheCase) {
  ProductCatalog catalog = ProductCatalog::Builtin();
  ASSERT_NE(catalog.Find("Cardiozen"), nullptr);
  EXPECT_EQ(catalog.Find("CARDIOZEN")->id, "cardiozen");
  EXPECT_EQ(catalog.Find(" Cardiozen 10 MG ")->id, "cardiozen");
  EXPECT_EQ(catalog.Find("glb")->id, "glucobal");
  EXPECT_EQ(catalog.Find("Respiro Inhalador")->id, "respiro");
  EXPECT_EQ(catalog.Find("aspirin"), nullptr);
  EXPECT_EQ(catalog.Find(""), nullptr);
  EXPECT_EQ(catalog.Find("hypertension"), nullptr);  // a category, not a product
  EXPECT_NE(catalog.FindCategory("Hypertension"), nullptr);
}

TEST(ProductCatalog, CategoriesMayBeDeclaredAfterTheirChildren) {
  auto catalog = ProductCatalog::FromToml(R"(
[[product]]
id = "x"
category = "leaf"
price_minor = 100
[[category]]
id = "leaf"
parent = "root"
[[category]]
id = "root"
name = "The root"
)",
                                          "late.toml");
  ASSERT_TRUE(catalog.ok()) << catalog.status().message();
  EXPECT_EQ(catalog->CategoryPath("leaf"), (std::vector<std::string>{"root", "leaf"}));
  EXPECT_EQ(catalog->FindCategory("root")->name, "The root");
  EXPECT_EQ(catalog->FindCategory("leaf")->name, "leaf");  // the id when no name is given
  EXPECT_EQ(catalog->Find("x")->name, "x");
  EXPECT_EQ(catalog->Find("x")->currency, "EUR");
}

TEST(ProductCatalog, UnknownCategoryNamesTheProductAndTheFix) {
  std::string error = ErrorOf(std::string(kTree) + R"(
[[product]]
id = "cardiozen"
category = "cardiology"
)");
  EXPECT_NE(error.find("products.toml:8: product 1 ('cardiozen')"), std::string::npos) << error;
  EXPECT_NE(error.find("category 'cardiology' is not a [[category]]"), std::string::npos) << error;
}

TEST(ProductCatalog, MissingParentIsRefused) {
  std::string error = ErrorOf(R"(
[[category]]
id = "asthma"
parent = "respiratory"
[[product]]
id = "respiro"
category = "asthma"
)");
  EXPECT_NE(error.find("category 1 ('asthma'): parent 'respiratory' is not a [[category]]"),
            std::string::npos)
      << error;
}

TEST(ProductCatalog, ParentLoopsAreRefused) {
  std::string error = ErrorOf(R"(
[[category]]
id = "root"
[[category]]
id = "a"
parent = "b"
[[category]]
id = "b"
parent = "a"
[[product]]
id = "x"
category = "root"
)");
  EXPECT_NE(error.find("category 2 ('a'): its parents go round in a loop (a -> b -> a)"),
            std::string::npos)
      << error;
  std::string self = ErrorOf(R"(
[[category]]
id = "a"
parent = "a"
[[product]]
id = "x"
category = "a"
)");
  EXPECT_NE(self.find("loop (a -> a)"), std::string::npos) << self;
}

TEST(ProductCatalog, DuplicateIdsAreRefusedAcrossProductsAndCategories) {
  std::string twice = ErrorOf(std::string(kTree) + R"(
[[product]]
id = "cardiozen"
category = "cardiovascular"
[[product]]
id = "cardiozen"
category = "medicines"
)");
  EXPECT_NE(twice.find("product 2 ('cardiozen'): id 'cardiozen' is already used by "
                       "products.toml:8: product 1 ('cardiozen')"),
            std::string::npos)
      << twice;
  std::string clash = ErrorOf(std::string(kTree) + R"(
[[product]]
id = "medicines"
category = "cardiovascular"
)");
  EXPECT_NE(clash.find("id 'medicines' is already used by products.toml:2: category 1"),
            std::string::npos)
      << clash;
}

TEST(ProductCatalog, AliasesMayNotNameTwoThings) {
  std::string error = ErrorOf(std::string(kTree) + R"(
[[product]]
id = "cardiozen"
category = "cardiovascular"
aliases = ["CZ"]
[[product]]
id = "cardiozest"
category = "cardiovascular"
aliases = ["cz"]
)");
  EXPECT_NE(error.find("product 2 ('cardiozest'): alias 'cz' is already used by "
                       "products.toml:8: product 1 ('cardiozen')"),
            std::string::npos)
      << error;
  EXPECT_NE(ErrorOf(std::string(kTree) + R"(
[[product]]
id = "cardiozen"
category = "cardiovascular"
aliases = ["Medicines"]
)")
                .find("alias 'Medicines' is already used by products.toml:2: category 1"),
            std::string::npos);
  // Repeating one's own id or an alias twice is harmless.
  EXPECT_EQ(ErrorOf(std::string(kTree) + R"(
[[product]]
id = "cardiozen"
category = "cardiovascular"
aliases = ["Cardiozen", "czn", "CZN"]
)"),
            "");
}

TEST(ProductCatalog, BadEntriesSayWhatToWrite) {
  std::string product = std::string(kTree) + "[[product]]\n";
  EXPECT_NE(ErrorOf(product + "name = \"No id\"\ncategory = \"medicines\"\n").find("has no id"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf(product + "id = \"Cardio Zen\"\ncategory = \"medicines\"\n")
          .find("id 'Cardio Zen' must be lower-case letters, digits and '_' (e.g. cardio_zen)"),
      std::string::npos);
  EXPECT_NE(ErrorOf(product + "id = \"x\"\n").find("product 1 ('x') has no category"),
            std::string::npos);
  EXPECT_NE(ErrorOf(product + "id = \"x\"\ncategory = \"medicines\"\nprice_minor = \"45.90\"\n")
                .find("price_minor must be a whole number of minor units"),
            std::string::npos);
  EXPECT_NE(ErrorOf(product + "id = \"x\"\ncategory = \"medicines\"\nprice_minor = 45.90\n")
                .find("price_minor must be a whole number"),
            std::string::npos);
  EXPECT_NE(ErrorOf(product + "id = \"x\"\ncategory = \"medicines\"\nprice_minor = -1\n")
                .find("from 0 up"),
            std::string::npos);
  EXPECT_NE(ErrorOf(product + "id = \"x\"\ncategory = \"medicines\"\ncurrency = \"euro\"\n")
                .find("currency 'euro' must be an ISO 4217 code"),
            std::string::npos);
  EXPECT_NE(ErrorOf(product + "id = \"x\"\ncategory = \"medicines\"\nprize = 3\n")
                .find("product 1 ('x'): unknown key 'prize'; known keys: id, name, category, "
                      "sku, price_minor, currency, aliases"),
            std::string::npos);
  EXPECT_NE(ErrorOf(product + "id = \"x\"\ncategory = \"medicines\"\naliases = \"czn\"\n")
                .find("aliases must be a list of strings"),
            std::string::npos);
  EXPECT_NE(ErrorOf(product + "id = \"x\"\ncategory = 7\n").find("category must be a string"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf(std::string(kTree) + "[[categoryy]]\nid = \"y\"\n").find("unknown key 'categoryy'"),
      std::string::npos);
  EXPECT_NE(ErrorOf(kTree).find("no [[product]] entries"), std::string::npos);
  EXPECT_NE(ErrorOf("[[product]\n").find("products.toml:1"), std::string::npos);
}

TEST(ProductCatalog, FromFileReadsAFileAndNamesAMissingOne) {
  testing::TempDir dir;
  std::string path = dir.path() + "/products.toml";
  std::ofstream(path) << kTree << "[[product]]\nid = \"x\"\ncategory = \"cardiovascular\"\n";
  auto catalog = ProductCatalog::FromFile(path);
  ASSERT_TRUE(catalog.ok()) << catalog.status().message();
  EXPECT_TRUE(catalog->InCategory("x", "medicines"));
  auto missing = ProductCatalog::FromFile(dir.path() + "/nope.toml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("nope.toml"), std::string::npos);
}

}  // namespace
}  // namespace unisono
