// Reading the plain path file and interning channels to ids.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <unordered_map>

#include "analytics/analytics.h"
#include "analytics/internal/models.h"

namespace unisono::analytics {
namespace {

// Splits one CSV record (RFC 4180 quoting, no embedded newlines).
Result<std::vector<std::string>> SplitCsv(std::string_view line, size_t line_no) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  if (quoted) {
    return Status::InvalidArgument("line " + std::to_string(line_no) + ": unterminated quote");
  }
  return fields;
}

Result<double> ParseCount(const std::string& raw, const char* column, size_t line_no) {
  std::string text = Trim(raw);
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  std::string where = "line " + std::to_string(line_no) + ": " + column;
  if (text.empty()) return Status::InvalidArgument(where + " is empty");
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
    return Status::InvalidArgument(where + " is not a number: '" + text + "'");
  }
  if (v < 0) return Status::InvalidArgument(where + " is negative: " + text);
  return v;
}

Result<std::vector<std::string>> ParseTouches(const std::string& raw, size_t line_no) {
  std::vector<std::string> touches;
  std::string where = "line " + std::to_string(line_no) + ": ";
  if (Trim(raw).empty()) return Status::InvalidArgument(where + "empty path");
  size_t start = 0;
  while (true) {
    size_t gt = raw.find('>', start);
    std::string channel = Trim(std::string_view(raw).substr(start, gt - start));
    if (channel.empty()) {
      return Status::InvalidArgument(where + "empty channel in path '" + raw + "'");
    }
    touches.push_back(std::move(channel));
    if (gt == std::string::npos) break;
    start = gt + 1;
  }
  return touches;
}

constexpr const char* kColumns[] = {"path", "total_conversions", "total_conversion_value",
                                    "total_null"};

}  // namespace

double TotalConversions(const PathTable& table) {
  double sum = 0;
  for (const auto& p : table.paths) sum += p.conversions;
  return sum;
}

double TotalValue(const PathTable& table) {
  double sum = 0;
  for (const auto& p : table.paths) sum += p.value;
  return sum;
}

Result<PathTable> ReadPathFile(std::istream& in) {
  std::string line;
  size_t line_no = 0;
  size_t column[4];
  bool have_header = false;
  PathTable table;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (Trim(line).empty()) continue;
    auto fields = SplitCsv(line, line_no);
    if (!fields.ok()) return fields.status();
    if (!have_header) {
      for (size_t c = 0; c < 4; ++c) {
        auto it = std::find_if(fields->begin(), fields->end(), [&](const std::string& f) {
          return ToLower(Trim(f)) == kColumns[c];
        });
        if (it == fields->end()) {
          return Status::InvalidArgument("line " + std::to_string(line_no) +
                                         ": the header has no '" + kColumns[c] +
                                         "' column (expected path,total_conversions,"
                                         "total_conversion_value,total_null)");
        }
        column[c] = static_cast<size_t>(it - fields->begin());
      }
      have_header = true;
      continue;
    }
    size_t needed = *std::max_element(column, column + 4) + 1;
    if (fields->size() < needed) {
      return Status::InvalidArgument("line " + std::to_string(line_no) + ": expected " +
                                     std::to_string(needed) + " fields, found " +
                                     std::to_string(fields->size()));
    }
    Path path;
    auto touches = ParseTouches((*fields)[column[0]], line_no);
    if (!touches.ok()) return touches.status();
    path.touches = std::move(*touches);
    double* targets[] = {&path.conversions, &path.value, &path.nulls};
    for (size_t c = 1; c < 4; ++c) {
      auto v = ParseCount((*fields)[column[c]], kColumns[c], line_no);
      if (!v.ok()) return v.status();
      *targets[c - 1] = *v;
    }
    table.paths.push_back(std::move(path));
  }
  if (!have_header) return Status::InvalidArgument("the path file is empty (no header line)");
  return table;
}

namespace internal {

Result<IndexedPaths> Index(const PathTable& table) {
  IndexedPaths out;
  std::unordered_map<std::string, uint32_t> ids;
  for (size_t i = 0; i < table.paths.size(); ++i) {
    const Path& p = table.paths[i];
    std::string where = "path " + std::to_string(i + 1) + ": ";
    if (p.touches.empty()) return Status::InvalidArgument(where + "no touches");
    for (double v : {p.conversions, p.value, p.nulls}) {
      if (!std::isfinite(v) || v < 0) {
        return Status::InvalidArgument(where + "counts must be finite and non-negative");
      }
    }
    for (const auto& t : p.touches) {
      if (t.empty()) return Status::InvalidArgument(where + "empty channel name");
      if (ids.emplace(t, 0).second) out.channels.push_back(t);
    }
  }
  std::sort(out.channels.begin(), out.channels.end());
  for (uint32_t id = 0; id < out.channels.size(); ++id) ids[out.channels[id]] = id;
  out.paths.reserve(table.paths.size());
  for (const Path& p : table.paths) {
    IndexedPath ip{{}, p.conversions, p.value, p.nulls};
    ip.touches.reserve(p.touches.size());
    for (const auto& t : p.touches) ip.touches.push_back(ids[t]);
    out.paths.push_back(std::move(ip));
  }
  return out;
}

}  // namespace internal
}  // namespace unisono::analytics
