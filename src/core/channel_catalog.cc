
#include "core/core.h"
#include "core/internal/toml_text.h"

namespace unisono {

extern const char* const kBuiltinChannelsToml;  // generated from config/channels.toml

namespace {

std::string Slug(std::string_view raw) {
  std::string out;
  for (char c : Trim(raw)) {
    if (c == ' ' || c == '-' || c == '/') {
      if (!out.empty() && out.back() != '_') out.push_back('_');
    } else {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return out;
}

}  // namespace

Result<ChannelCatalog> ChannelCatalog::FromToml(std::string_view toml_text,
                                                std::string_view origin) {
  auto parsed = ParseTomlText(toml_text, origin);
  if (!parsed.ok()) return parsed.status();
  toml::table& root = *parsed;
  ChannelCatalog catalog;
  auto* list = root["channel"].as_array();
  if (!list || list->empty()) {
    return Status::InvalidArgument(std::string(origin) +
                                   ": no [[channel]] entries; see config/channels.toml");
  }
  for (size_t i = 0; i < list->size(); ++i) {
    auto* t = list->get(i)->as_table();
    std::string where = std::string(origin) + ": channel " + std::to_string(i + 1);
    if (!t) return Status::InvalidArgument(where + " is not a table");
    Channel c;
    c.id = (*t)["id"].value_or(std::string());
    if (c.id.empty()) return Status::InvalidArgument(where + " has no id");
    if (Slug(c.id) != c.id) {
      return Status::InvalidArgument(where + ": id '" + c.id +
                                     "' must be lower-case with '_' (e.g. " + Slug(c.id) + ")");
    }
    c.name = (*t)["name"].value_or(c.id);
    c.family = (*t)["family"].value_or(std::string("other"));
    c.online = (*t)["online"].value_or(false);
    c.personal_rank = (*t)["personal_rank"].value_or(0);
    c.cost_per_contact_minor = (*t)["cost_per_contact"].value_or(int64_t{0});
    c.currency = (*t)["currency"].value_or(std::string("EUR"));
    c.direction = (*t)["direction"].value_or(std::string("outbound"));
    c.role = (*t)["role"].value_or(std::string("collaborative"));
    if (c.direction != "outbound" && c.direction != "inbound" && c.direction != "both") {
      return Status::InvalidArgument(where + ": direction must be outbound, inbound or both");
    }
    if (c.role != "direct" && c.role != "collaborative") {
      return Status::InvalidArgument(where + ": role must be direct or collaborative");
    }
    if (auto* aliases = (*t)["aliases"].as_array()) {
      for (auto& a : *aliases) {
        if (auto s = a.value<std::string>()) c.aliases.push_back(*s);
      }
    }
    if (catalog.by_name_.count(c.id)) {
      return Status::InvalidArgument(where + ": channel id '" + c.id + "' appears twice");
    }
    size_t index = catalog.channels_.size();
    catalog.by_name_[c.id] = index;
    for (const auto& a : c.aliases) catalog.by_name_.emplace(Slug(a), index);
    catalog.channels_.push_back(std::move(c));
  }
  return catalog;
}

Result<ChannelCatalog> ChannelCatalog::FromFile(const std::string& path) {
  auto text = ReadTextFile(path, "channel catalog");
  if (!text.ok()) return text.status();
  return FromToml(*text, path);
}

ChannelCatalog ChannelCatalog::Builtin() {
  auto catalog = FromToml(kBuiltinChannelsToml, "config/channels.toml");
  if (!catalog.ok()) throw std::logic_error("built-in catalog: " + catalog.status().message());
  return std::move(catalog).value();
}

const Channel* ChannelCatalog::Find(std::string_view id) const {
  auto it = by_name_.find(std::string(id));
  return it == by_name_.end() ? nullptr : &channels_[it->second];
}

std::string ChannelCatalog::Canonical(std::string_view raw) const {
  std::string slug = Slug(raw);
  if (slug.empty()) return "unknown";
  auto it = by_name_.find(slug);
  return it == by_name_.end() ? slug : channels_[it->second].id;
}

}  // namespace unisono
