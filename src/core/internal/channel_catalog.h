// The channel catalog: every way the company reaches or hears a customer, with the
// attributes analytics and journeys need. Loaded from a TOML file; immutable after.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/internal/status.h"

namespace unisono {

struct Channel {
  std::string id;    // "rep_visit"
  std::string name;  // "Rep visit"
  std::string family;
  bool online = false;
  int personal_rank = 0;  // 1 = most personal interaction
  int64_t cost_per_contact_minor = 0;
  std::string currency = "EUR";
  std::string direction = "outbound";  // outbound | inbound | both
  std::string role = "collaborative";  // direct | collaborative
  std::vector<std::string> aliases;    // other spellings accepted on ingest
};

class ChannelCatalog {
 public:
  static Result<ChannelCatalog> FromToml(std::string_view toml_text, std::string_view origin);
  static Result<ChannelCatalog> FromFile(const std::string& path);
  // The catalog shipped with unisono (config/channels.toml compiled in).
  static ChannelCatalog Builtin();

  const std::vector<Channel>& channels() const { return channels_; }
  const Channel* Find(std::string_view id) const;
  // Maps a channel name as sent ("E-mail", "whatsapp", "rep visit") to a catalog id;
  // names not in the catalog are kept, lower-cased with '_' for spaces.
  std::string Canonical(std::string_view raw) const;

 private:
  std::vector<Channel> channels_;
  std::unordered_map<std::string, size_t> by_name_;
};

}  // namespace unisono
