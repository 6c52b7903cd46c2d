// Files the log and postal connectors append to: data is synced before a message is
// marked delivered, and the idempotency keys already in a file are read back on start,
// so a crash between the append and the mark never writes a message twice. A record cut
// short by a crash in the middle of an append is cut off, and written again whole.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "core/core.h"

namespace unisono::channel {

// Appends `data` and fdatasyncs it; creates the file, and writes `header` first when
// it is empty. One writer per file.
Status AppendDurably(const std::string& path, std::string_view data, std::string_view header = {});

// The whole file; "" when it does not exist.
Result<std::string> ReadWholeFile(const std::string& path);

// Cuts the file back to its first `size` bytes (a record cut short after them).
Status TruncateFile(const std::string& path, size_t size);

// Cuts off a last line without its newline. Cheap when the file ends with one.
Status CutPartialLine(const std::string& path);

// Every key `key_of` finds in the file's lines ("" skipped); empty when there is no file.
std::unordered_set<std::string> ReadKeys(
    const std::string& path, const std::function<std::string(std::string_view line)>& key_of);

}  // namespace unisono::channel
