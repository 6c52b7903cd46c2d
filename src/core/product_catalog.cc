#include <algorithm>

#include "core/core.h"
#include "core/internal/toml_text.h"

namespace unisono {

extern const char* const kBuiltinProductsToml;  // generated from config/products.toml

namespace {

constexpr std::string_view kCategoryKeys[] = {"id", "name", "parent"};
constexpr std::string_view kProductKeys[] = {"id",          "name",     "category", "sku",
                                             "price_minor", "currency", "aliases"};

bool IsCatalogId(std::string_view id) {
  if (id.empty()) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// What an id would look like: "Cardio Zen-10" -> "cardio_zen_10".
std::string SuggestedId(std::string_view raw) {
  std::string out;
  for (char c : Trim(raw)) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else if (!out.empty() && out.back() != '_') {
      out.push_back('_');
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out.empty() ? "my_id" : out;
}

std::string Key(std::string_view name) { return ToLower(Trim(name)); }

template <size_t N>
std::string KeyList(const std::string_view (&keys)[N]) {
  std::string out;
  for (size_t i = 0; i < N; ++i) out += (i ? ", " : "") + std::string(keys[i]);
  return out;
}

// Reads the [[category]] and [[product]] entries; each error names the file, the line
// and the entry, and says what to change.
class CatalogReader {
 public:
  explicit CatalogReader(std::string_view origin) : origin_(origin) {}

  Status Categories(const toml::array& list, std::vector<ProductCategory>& out) {
    for (size_t i = 0; i < list.size(); ++i) {
      const toml::table* t = list.get(i)->as_table();
      std::string where = Where(*list.get(i), "category", i, "");
      if (!t) return Fail(where + " is not a table; write it as [[category]]");
      ProductCategory c;
      if (Status s = Id(*t, where, c.id); !s.ok()) return s;
      where = Where(*t, "category", i, c.id);
      if (Status s = KnownKeys(*t, where, kCategoryKeys); !s.ok()) return s;
      if (Status s = Text(*t, "name", where, c.name); !s.ok()) return s;
      if (Status s = Text(*t, "parent", where, c.parent); !s.ok()) return s;
      if (c.name.empty()) c.name = c.id;
      out.push_back(std::move(c));
    }
    return Status::Ok();
  }

  Status Products(const toml::array& list, std::vector<Product>& out) {
    for (size_t i = 0; i < list.size(); ++i) {
      const toml::table* t = list.get(i)->as_table();
      std::string where = Where(*list.get(i), "product", i, "");
      if (!t) return Fail(where + " is not a table; write it as [[product]]");
      Product p;
      if (Status s = Id(*t, where, p.id); !s.ok()) return s;
      where = Where(*t, "product", i, p.id);
      if (Status s = KnownKeys(*t, where, kProductKeys); !s.ok()) return s;
      for (auto [key, field] : {std::pair{"name", &p.name}, std::pair{"category", &p.category},
                                std::pair{"sku", &p.sku}, std::pair{"currency", &p.currency}}) {
        if (Status s = Text(*t, key, where, *field); !s.ok()) return s;
      }
      if (p.name.empty()) p.name = p.id;
      if (p.category.empty()) {
        return Fail(where + " has no category; add category = \"...\" naming a [[category]] id");
      }
      if (p.currency.empty()) p.currency = "EUR";
      if (p.currency.size() != 3 || !std::all_of(p.currency.begin(), p.currency.end(),
                                                 [](char c) { return c >= 'A' && c <= 'Z'; })) {
        return Fail(where + ": currency '" + p.currency +
                    "' must be an ISO 4217 code in capitals, e.g. EUR");
      }
      if (const toml::node* price = (*t).get("price_minor")) {
        auto value = price->value_exact<int64_t>();
        if (!value || *value < 0) {
          return Fail(where +
                      ": price_minor must be a whole number of minor units (cents) from 0 up, "
                      "e.g. 4590 for 45.90");
        }
        p.price_minor = *value;
      }
      if (const toml::node* aliases = (*t).get("aliases")) {
        const toml::array* array = aliases->as_array();
        if (!array) return Fail(where + ": aliases must be a list of strings, e.g. [\"czn\"]");
        for (const toml::node& a : *array) {
          auto s = a.value_exact<std::string>();
          if (!s || Trim(*s).empty()) {
            return Fail(where + ": aliases must be a list of non-empty strings, e.g. [\"czn\"]");
          }
          p.aliases.push_back(Trim(*s));
        }
      }
      out.push_back(std::move(p));
    }
    return Status::Ok();
  }

  Status Fail(const std::string& message) const { return Status::InvalidArgument(message); }

  // "products.toml:12: product 2 ('glucobal')"
  std::string Where(const toml::node& node, const char* what, size_t index,
                    const std::string& id) const {
    std::string out = origin_;
    if (node.source().begin.line > 0) out += ":" + std::to_string(node.source().begin.line);
    out += std::string(": ") + what + " " + std::to_string(index + 1);
    if (!id.empty()) out += " ('" + id + "')";
    return out;
  }

 private:
  template <size_t N>
  Status KnownKeys(const toml::table& t, const std::string& where,
                   const std::string_view (&keys)[N]) const {
    for (const auto& [key, value] : t) {
      if (std::find(std::begin(keys), std::end(keys), key.str()) == std::end(keys)) {
        return Fail(where + ": unknown key '" + std::string(key.str()) +
                    "'; known keys: " + KeyList(keys));
      }
    }
    return Status::Ok();
  }

  Status Text(const toml::table& t, const char* key, const std::string& where,
              std::string& out) const {
    const toml::node* node = t.get(key);
    if (!node) return Status::Ok();
    auto s = node->value_exact<std::string>();
    if (!s) return Fail(where + ": " + key + " must be a string (in quotes)");
    out = Trim(*s);
    return Status::Ok();
  }

  Status Id(const toml::table& t, const std::string& where, std::string& out) const {
    if (Status s = Text(t, "id", where, out); !s.ok()) return s;
    if (out.empty()) return Fail(where + " has no id; add id = \"...\"");
    if (!IsCatalogId(out)) {
      return Fail(where + ": id '" + out + "' must be lower-case letters, digits and '_' (e.g. " +
                  SuggestedId(out) + ")");
    }
    return Status::Ok();
  }

  std::string origin_;
};

}  // namespace

Result<ProductCatalog> ProductCatalog::FromToml(std::string_view toml_text,
                                                std::string_view origin) {
  auto parsed = ParseTomlText(toml_text, origin);
  if (!parsed.ok()) return parsed.status();
  toml::table& root = *parsed;
  const std::string file(origin);
  for (const auto& [key, value] : root) {
    if (key.str() != "category" && key.str() != "product") {
      return Status::InvalidArgument(file + ": unknown key '" + std::string(key.str()) +
                                     "'; the file holds [[category]] and [[product]] entries");
    }
  }
  const toml::array* categories = root["category"].as_array();
  const toml::array* products = root["product"].as_array();
  if (root.contains("category") && !categories) {
    return Status::InvalidArgument(file + ": 'category' must be written as [[category]] tables");
  }
  if (!products || products->empty()) {
    return Status::InvalidArgument(file +
                                   ": no [[product]] entries; see config/products.toml for the "
                                   "form");
  }

  ProductCatalog catalog;
  CatalogReader reader(origin);
  if (categories) {
    if (Status s = reader.Categories(*categories, catalog.categories_); !s.ok()) return s;
  }
  if (Status s = reader.Products(*products, catalog.products_); !s.ok()) return s;

  // Ids and aliases share one name space: a report filter's product may name either.
  auto category_entry = [&](size_t i) {
    return reader.Where(*categories->get(i), "category", i, catalog.categories_[i].id);
  };
  auto product_entry = [&](size_t i) {
    return reader.Where(*products->get(i), "product", i, catalog.products_[i].id);
  };
  std::unordered_map<std::string, std::string> owner;  // name -> the entry that has it
  for (size_t i = 0; i < catalog.categories_.size(); ++i) {
    const auto& c = catalog.categories_[i];
    if (auto [it, fresh] = owner.emplace(c.id, category_entry(i)); !fresh) {
      return Status::InvalidArgument(category_entry(i) + ": id '" + c.id + "' is already used by " +
                                     it->second + "; give each entry its own id");
    }
    catalog.category_by_id_[c.id] = i;
  }
  for (size_t i = 0; i < catalog.categories_.size(); ++i) {
    const auto& c = catalog.categories_[i];
    if (!c.parent.empty() && !catalog.category_by_id_.count(c.parent)) {
      return Status::InvalidArgument(category_entry(i) + ": parent '" + c.parent +
                                     "' is not a [[category]]; declare it or remove the parent "
                                     "to make this a root");
    }
  }
  for (size_t i = 0; i < catalog.categories_.size(); ++i) {
    // Every loop has a member whose own walk comes back to it; a walk that runs into a
    // loop it is not part of stops after as many steps as there are categories.
    const ProductCategory* start = &catalog.categories_[i];
    std::string path = start->id;
    const ProductCategory* at = start;
    for (size_t steps = 0; !at->parent.empty() && steps < catalog.categories_.size(); ++steps) {
      at = &catalog.categories_[catalog.category_by_id_.at(at->parent)];
      path += " -> " + at->id;
      if (at == start) {
        return Status::InvalidArgument(category_entry(i) + ": its parents go round in a loop (" +
                                       path + "); one category in the loop must be a root");
      }
    }
  }
  for (size_t i = 0; i < catalog.products_.size(); ++i) {
    const auto& p = catalog.products_[i];
    std::string where = product_entry(i);
    if (!catalog.category_by_id_.count(p.category)) {
      return Status::InvalidArgument(where + ": category '" + p.category +
                                     "' is not a [[category]]; declare it or use an existing "
                                     "category id");
    }
    if (auto [it, fresh] = owner.emplace(p.id, where); !fresh) {
      return Status::InvalidArgument(where + ": id '" + p.id + "' is already used by " +
                                     it->second + "; give each entry its own id");
    }
    catalog.product_by_name_[p.id] = i;
  }
  for (size_t i = 0; i < catalog.products_.size(); ++i) {
    const auto& p = catalog.products_[i];
    for (const auto& alias : p.aliases) {
      std::string key = Key(alias);
      if (key == p.id) continue;
      auto [it, fresh] = owner.emplace(key, product_entry(i));
      if (!fresh && it->second != product_entry(i)) {
        return Status::InvalidArgument(product_entry(i) + ": alias '" + alias +
                                       "' is already used by " + it->second +
                                       "; an alias must name one product only");
      }
      catalog.product_by_name_[key] = i;
    }
  }
  return catalog;
}

Result<ProductCatalog> ProductCatalog::FromFile(const std::string& path) {
  auto text = ReadTextFile(path, "product catalog");
  if (!text.ok()) return text.status();
  return FromToml(*text, path);
}

ProductCatalog ProductCatalog::Builtin() {
  auto catalog = FromToml(kBuiltinProductsToml, "config/products.toml");
  if (!catalog.ok()) {
    throw std::logic_error("built-in product catalog: " + catalog.status().message());
  }
  return std::move(catalog).value();
}

const Product* ProductCatalog::Find(std::string_view id) const {
  auto it = product_by_name_.find(Key(id));
  return it == product_by_name_.end() ? nullptr : &products_[it->second];
}

std::string ProductCatalog::Canonical(std::string_view raw) const {
  const Product* p = Find(raw);
  return p ? p->id : std::string(raw);
}

const ProductCategory* ProductCatalog::FindCategory(std::string_view id) const {
  auto it = category_by_id_.find(Key(id));
  return it == category_by_id_.end() ? nullptr : &categories_[it->second];
}

std::vector<std::string> ProductCatalog::CategoryPath(std::string_view category_id) const {
  std::vector<std::string> path;
  // Loops were refused at load, so the walk ends at a root.
  for (const ProductCategory* c = FindCategory(category_id); c; c = FindCategory(c->parent)) {
    path.push_back(c->id);
    if (c->parent.empty()) break;
  }
  std::reverse(path.begin(), path.end());
  return path;
}

bool ProductCatalog::InCategory(std::string_view product_id, std::string_view category_id) const {
  const Product* p = Find(product_id);
  const ProductCategory* wanted = FindCategory(category_id);
  if (!p || !wanted) return false;
  for (const ProductCategory* c = FindCategory(p->category); c; c = FindCategory(c->parent)) {
    if (c == wanted) return true;
    if (c->parent.empty()) break;
  }
  return false;
}

}  // namespace unisono
