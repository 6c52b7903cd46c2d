// core: the vocabulary every module shares — Status/Result, time and the injectable
// Clock, the Event value type, the channel catalog, and small string helpers.
// Everything here is a value type or immutable after construction, so thread-safe
// to read; ManualClock is safe to advance from any thread.
#pragma once

#include "core/internal/channel_catalog.h"
#include "core/internal/event.h"
#include "core/internal/product_catalog.h"
#include "core/internal/status.h"
#include "core/internal/time.h"

namespace unisono {

inline constexpr const char* kVersion = "0.1.0";

std::string ToLower(std::string_view s);
std::string Trim(std::string_view s);
// Appends a code point as UTF-8 (what \u escapes and HTML entities decode to).
void AppendUtf8(std::string& out, char32_t code_point);
// A whole file's text; NotFound names `what` ("channel catalog") and the path.
Result<std::string> ReadTextFile(const std::string& path, std::string_view what);
// 128-bit random id as 32 hex chars (message ids, write keys).
std::string RandomHexId(size_t bytes = 16);

// External form of a profile id ("p_42") and back.
std::string ProfileIdString(int64_t id);
Result<int64_t> ParseProfileId(std::string_view text);

}  // namespace unisono
