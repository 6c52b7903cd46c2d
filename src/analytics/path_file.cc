// Reading the plain path file and interning channels to ids.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <unordered_map>

#include "analytics/analytics.h"
#include "analytics/internal/models.h"

namespace unisono::analytics {
namespace {

std::string_view TrimView(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits one CSV record (RFC 4180 quoting, no embedded newlines). Unquoted records, the
// usual case, are split in place; `storage` keeps the unquoted text of quoted ones.
Status SplitCsv(std::string_view line, size_t line_no, std::vector<std::string_view>& fields,
                std::vector<std::string>& storage) {
  fields.clear();
  if (line.find('"') == std::string_view::npos) {
    size_t start = 0;
    while (true) {
      size_t comma = line.find(',', start);
      fields.push_back(line.substr(start, comma - start));
      if (comma == std::string_view::npos) return Status::Ok();
      start = comma + 1;
    }
  }
  storage.assign(1, std::string());
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        storage.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        storage.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      storage.emplace_back();
    } else {
      storage.back() += c;
    }
  }
  if (quoted) {
    return Status::InvalidArgument("line " + std::to_string(line_no) + ": unterminated quote");
  }
  for (const auto& f : storage) fields.push_back(f);
  return Status::Ok();
}

Result<double> ParseCount(std::string_view raw, const char* column, size_t line_no) {
  std::string_view text = TrimView(raw);
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (!text.empty() && ec == std::errc() && end == text.data() + text.size() && std::isfinite(v) &&
      v >= 0) {
    return v;
  }
  std::string where = "line " + std::to_string(line_no) + ": " + column;
  if (text.empty()) return Status::InvalidArgument(where + " is empty");
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
    return Status::InvalidArgument(where + " is not a number: '" + std::string(text) + "'");
  }
  return Status::InvalidArgument(where + " is negative: " + std::string(text));
}

Result<std::vector<std::string>> ParseTouches(std::string_view raw, size_t line_no) {
  std::vector<std::string> touches;
  auto where = [&] { return "line " + std::to_string(line_no) + ": "; };
  if (TrimView(raw).empty()) return Status::InvalidArgument(where() + "empty path");
  size_t start = 0;
  while (true) {
    size_t gt = raw.find('>', start);
    std::string_view channel = TrimView(raw.substr(start, gt - start));
    if (channel.empty()) {
      return Status::InvalidArgument(where() + "empty channel in path '" + std::string(raw) + "'");
    }
    touches.emplace_back(channel);
    if (gt == std::string_view::npos) break;
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
  std::vector<std::string_view> fields_;
  std::vector<std::string> storage_;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (TrimView(line).empty()) continue;
    if (Status split = SplitCsv(line, line_no, fields_, storage_); !split.ok()) return split;
    const std::vector<std::string_view>* fields = &fields_;
    if (!have_header) {
      for (size_t c = 0; c < 4; ++c) {
        auto it = std::find_if(fields->begin(), fields->end(), [&](std::string_view f) {
          return ToLower(TrimView(f)) == kColumns[c];
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
  // One hash lookup per touch: ids in order of first appearance, renumbered by name after.
  std::unordered_map<std::string_view, uint32_t> ids;
  std::vector<std::string_view> seen;
  out.paths.reserve(table.paths.size());
  for (size_t i = 0; i < table.paths.size(); ++i) {
    const Path& p = table.paths[i];
    auto where = [&] { return "path " + std::to_string(i + 1) + ": "; };
    if (p.touches.empty()) return Status::InvalidArgument(where() + "no touches");
    for (double v : {p.conversions, p.value, p.nulls}) {
      if (!std::isfinite(v) || v < 0) {
        return Status::InvalidArgument(where() + "counts must be finite and non-negative");
      }
    }
    IndexedPath ip{{}, p.conversions, p.value, p.nulls};
    ip.touches.reserve(p.touches.size());
    for (const auto& t : p.touches) {
      if (t.empty()) return Status::InvalidArgument(where() + "empty channel name");
      auto [it, added] = ids.emplace(t, static_cast<uint32_t>(seen.size()));
      if (added) seen.push_back(t);
      ip.touches.push_back(it->second);
    }
    out.paths.push_back(std::move(ip));
  }
  std::vector<uint32_t> order(seen.size());
  for (uint32_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return seen[a] < seen[b]; });
  std::vector<uint32_t> rank(seen.size());
  for (uint32_t r = 0; r < order.size(); ++r) {
    rank[order[r]] = r;
    out.channels.emplace_back(seen[order[r]]);
  }
  for (auto& p : out.paths) {
    for (auto& t : p.touches) t = rank[t];
  }
  return out;
}

}  // namespace internal
}  // namespace unisono::analytics
