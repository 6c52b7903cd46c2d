// A compact binary form of events for the ingest log: length-prefixed strings and
// little-endian integers, every field of Event in declaration order. Decoding checks
// every length against the buffer, so a damaged record is refused, never misread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace unisono::ingest_log {

void EncodeEvents(const std::vector<Event>& events, std::string& out);
Result<std::vector<Event>> DecodeEvents(std::string_view data);

}  // namespace unisono::ingest_log
