#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>

#include "cli/cli.h"

namespace unisono::cli {

Result<Format> ParseFormat(const std::string& name) {
  if (name == "table" || name.empty()) return Format::kTable;
  if (name == "csv") return Format::kCsv;
  if (name == "json") return Format::kJson;
  return Status::InvalidArgument("--format must be table, csv or json, not '" + name + "'");
}

namespace {

size_t DisplayWidth(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;  // count UTF-8 code points
  return n;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

bool LooksNumeric(const std::string& s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == ',' || c == '-' || c == '%';
  });
}

}  // namespace

std::string Table::Render(Format format) const {
  std::string out;
  if (format == Format::kJson) {
    boost::json::array items;
    for (const auto& row : rows_) {
      boost::json::object o;
      for (size_t i = 0; i < header_.size() && i < row.size(); ++i) o[header_[i]] = row[i];
      items.push_back(std::move(o));
    }
    return boost::json::serialize(items) + "\n";
  }
  if (format == Format::kCsv) {
    for (size_t i = 0; i < header_.size(); ++i) out += (i ? "," : "") + CsvField(header_[i]);
    out += "\n";
    for (const auto& row : rows_) {
      for (size_t i = 0; i < row.size(); ++i) out += (i ? "," : "") + CsvField(row[i]);
      out += "\n";
    }
    return out;
  }
  std::vector<size_t> width(header_.size());
  for (size_t i = 0; i < header_.size(); ++i) width[i] = DisplayWidth(header_[i]);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], DisplayWidth(row[i]));
    }
  }
  auto line = [&](const std::vector<std::string>& cells, bool header) {
    for (size_t i = 0; i < width.size(); ++i) {
      std::string cell = i < cells.size() ? cells[i] : "";
      std::string pad(width[i] - DisplayWidth(cell), ' ');
      bool right = !header && LooksNumeric(cell);
      out += right ? pad + cell : cell + (i + 1 < width.size() ? pad : "");
      if (i + 1 < width.size()) out += "  ";
    }
    out += "\n";
  };
  line(header_, true);
  std::vector<std::string> rule;
  for (size_t w : width) rule.push_back(std::string(w, '-'));
  line(rule, true);
  for (const auto& row : rows_) line(row, false);
  return out;
}

std::string WithThousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

ProgressBar::ProgressBar(std::string label)
    : label_(std::move(label)), enabled_(isatty(STDERR_FILENO)) {}

void ProgressBar::Update(double fraction, const std::string& detail) {
  if (!enabled_) return;
  int percent = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * 100);
  if (percent == last_percent_) return;
  last_percent_ = percent;
  constexpr int kWidth = 30;
  int filled = percent * kWidth / 100;
  std::fprintf(stderr, "\r%s [%s%s] %3d%%  %s\x1b[K", label_.c_str(),
               std::string(filled, '#').c_str(), std::string(kWidth - filled, '.').c_str(), percent,
               detail.c_str());
  std::fflush(stderr);
}

void ProgressBar::Finish(const std::string& detail) {
  if (!enabled_) return;
  last_percent_ = -1;
  Update(1.0, detail);
  std::fprintf(stderr, "\n");
}

std::string Fixed(double v, int decimals) {
  if (std::fabs(v) < 0.5 * std::pow(10.0, -decimals)) v = 0;  // no "-0.00"
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace unisono::cli
