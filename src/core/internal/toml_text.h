// Parsing a catalog's TOML text, with errors as "origin:line:column: what". Only the
// catalogs include this: toml++ is a heavy header.
#pragma once

#include <toml++/toml.h>

#include <sstream>
#include <string_view>

#include "core/internal/status.h"

namespace unisono {

inline Result<toml::table> ParseTomlText(std::string_view text, std::string_view origin) {
  try {
    return toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << origin << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
        << e.description();
    return Status::InvalidArgument(msg.str());
  }
}

}  // namespace unisono
