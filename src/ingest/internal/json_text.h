// Writing JSON text by hand on the ingest path, where a DOM would cost allocations.
#pragma once

#include <string>
#include <string_view>

namespace unisono::ingest {

// Appends `s` as a quoted JSON string.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace unisono::ingest
