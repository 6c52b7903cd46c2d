// The product catalog: one list of products in one category tree that content, events,
// reports, the printed catalogue, the web, the app and the shop all refer to. Loaded
// from a TOML file like the channel catalog; immutable after.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/internal/status.h"

namespace unisono {

struct ProductCategory {
  std::string id;      // "cardiology"
  std::string name;    // "Cardiology"
  std::string parent;  // "" for a root
};

struct Product {
  std::string id;        // "cardiozen"
  std::string name;      // "Cardiozen"
  std::string category;  // a category id (a leaf or not)
  std::string sku;
  int64_t price_minor = 0;
  std::string currency = "EUR";
  std::vector<std::string> aliases;  // other spellings accepted on ingest
};

class ProductCatalog {
 public:
  static Result<ProductCatalog> FromToml(std::string_view toml_text, std::string_view origin);
  static Result<ProductCatalog> FromFile(const std::string& path);
  // The catalog shipped with unisono (config/products.toml compiled in): the demo's
  // products.
  static ProductCatalog Builtin();

  const std::vector<ProductCategory>& categories() const { return categories_; }
  const std::vector<Product>& products() const { return products_; }
  const Product* Find(std::string_view id) const;  // by id or alias, case-insensitive
  // A product as sent ("Cardiozen 10 mg", "CZN") as its catalog id; names not in the
  // catalog are kept as they are.
  std::string Canonical(std::string_view raw) const;
  const ProductCategory* FindCategory(std::string_view id) const;
  // Root first: {"medicines", "cardiovascular", "hypertension"}.
  std::vector<std::string> CategoryPath(std::string_view category_id) const;
  // Whether the product sits in the category or anywhere below it.
  bool InCategory(std::string_view product_id, std::string_view category_id) const;

 private:
  std::vector<ProductCategory> categories_;
  std::vector<Product> products_;
  std::unordered_map<std::string, size_t> product_by_name_;
  std::unordered_map<std::string, size_t> category_by_id_;
};

}  // namespace unisono
