// Small request helpers: query strings, Basic auth, gzip bodies.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/core.h"

namespace unisono::http {

struct Target {
  std::string path;
  std::multimap<std::string, std::string> query;
  std::string Get(const std::string& key) const {
    auto it = query.find(key);
    return it == query.end() ? std::string() : it->second;
  }
};

Target ParseTarget(std::string_view target);
std::string PercentDecode(std::string_view s);
// The user name of an "Authorization: Basic ..." header ("" when absent or malformed).
std::string BasicAuthUser(std::string_view header);
// Inflates a gzip (or zlib) body; fails past `limit` bytes of output.
Result<std::string> Gunzip(std::string_view compressed, size_t limit);

}  // namespace unisono::http
