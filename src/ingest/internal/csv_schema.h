// The fields each CSV kind understands, the header names they are found under by
// default, and the resolution of a header plus --map overrides into column positions.
#pragma once

#include <algorithm>
#include <array>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "ingest/ingest.h"

namespace unisono::ingest {

enum class CsvField : uint8_t {
  kUserId,
  kAnonymousId,
  kEmail,
  kPhone,
  kCrmId,
  kChannel,
  kTimestamp,
  kEvent,
  kCampaign,
  kCommunication,
  kProduct,
  kTouchpoint,
  kRepId,
  kStage,
  kCost,
  kValue,
  kCurrency,
  kMessageId,
  kPeriodStart,
  kPeriodEnd,
  kAmount,
};
inline constexpr size_t kCsvFieldCount = static_cast<size_t>(CsvField::kAmount) + 1;

inline constexpr std::string_view kCsvFieldNames[kCsvFieldCount] = {
    "user_id",      "anonymous_id", "email",    "phone",         "crm_id",   "channel",
    "timestamp",    "event",        "campaign", "communication", "product",  "touchpoint",
    "rep_id",       "stage",        "cost",     "value",         "currency", "message_id",
    "period_start", "period_end",   "amount"};
inline std::string_view CsvFieldName(CsvField f) { return kCsvFieldNames[static_cast<size_t>(f)]; }

struct CsvFieldSpec {
  CsvField field;
  std::string_view name;
  std::string_view synonyms;  // space-separated header names, in order of preference
};

// Identifiers in the order they are suggested in error messages.
inline constexpr CsvField kCsvIdentifierFields[] = {CsvField::kUserId, CsvField::kEmail,
                                                    CsvField::kPhone, CsvField::kCrmId,
                                                    CsvField::kAnonymousId};

// Where each field and each leftover column of one file's header is.
struct CsvColumns {
  std::array<int, kCsvFieldCount> of_field;  // column index, -1 when absent
  std::vector<std::string> headers;          // trimmed, as written
  // For each column not taken by a field: its key in properties; empty when taken.
  std::vector<std::string> property_keys;

  int operator[](CsvField f) const { return of_field[static_cast<size_t>(f)]; }
  bool has(CsvField f) const { return (*this)[f] >= 0; }
  // "timestamp (column 'Fecha')", for error messages.
  std::string Describe(CsvField f) const {
    return std::string(CsvFieldName(f)) + " (column '" + headers[(*this)[f]] + "')";
  }
};

// Fields of `kind` in the order KnownFields lists them.
inline std::vector<CsvFieldSpec> CsvFieldsFor(CsvKind kind) {
  using F = CsvField;
  if (kind == CsvKind::kCosts) {
    return {{F::kChannel, "channel", "canal"},
            {F::kCampaign, "campaign", ""},
            {F::kPeriodStart, "period_start", "start start_date from"},
            {F::kPeriodEnd, "period_end", "end end_date to"},
            {F::kAmount, "amount", "cost"},
            {F::kCurrency, "currency", ""}};
  }
  return {{F::kUserId, "user_id", "userid"},
          {F::kAnonymousId, "anonymous_id", "anonymousid anon_id"},
          {F::kEmail, "email", "e-mail mail email_address"},
          {F::kPhone, "phone", "telephone phone_number mobile"},
          {F::kCrmId, "crm_id", "crm"},
          {F::kChannel, "channel", "canal"},
          {F::kTimestamp, "timestamp", "date datetime time visited_at"},
          {F::kEvent, "event", "event_name activity"},
          {F::kCampaign, "campaign", ""},
          {F::kCommunication, "communication", ""},
          {F::kProduct, "product", ""},
          {F::kTouchpoint, "touchpoint", ""},
          {F::kRepId, "rep_id", "rep delegado"},
          {F::kStage, "stage", ""},
          {F::kCost, "cost", ""},
          {F::kValue, "value", kind == CsvKind::kPurchases ? "amount revenue" : ""},
          {F::kCurrency, "currency", ""},
          {F::kMessageId, "message_id", "messageid"}};
}

namespace csv_schema_detail {

inline std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

inline std::string HeaderList(const std::vector<std::string>& headers) {
  std::vector<std::string> quoted;
  for (const auto& h : headers) quoted.push_back("'" + h + "'");
  return JoinNames(quoted);
}

inline int FindColumn(const std::vector<std::string>& lowered, std::string_view name) {
  for (size_t i = 0; i < lowered.size(); ++i) {
    if (lowered[i] == name) return static_cast<int>(i);
  }
  return -1;
}

inline Status RequireColumn(const CsvColumns& cols, const CsvFieldSpec& spec) {
  if (cols.has(spec.field)) return Status::Ok();
  std::string looked = std::string(spec.name);
  for (size_t b = 0, e; b < spec.synonyms.size(); b = e + 1) {
    e = std::min(spec.synonyms.find(' ', b), spec.synonyms.size());
    looked += ", " + std::string(spec.synonyms.substr(b, e - b));
  }
  return Status::InvalidArgument("no column for " + std::string(spec.name) + " (looked for " +
                                 looked + "); the columns are " + HeaderList(cols.headers) +
                                 "; name one with --map " + std::string(spec.name) + "=<column>");
}

// Keys a recognised event field writes into properties; a leftover column with one of
// these names is kept under "csv_<name>" so the object has no duplicate keys.
inline constexpr std::string_view kLiftedKeys[] = {"campaign",   "communication", "product",
                                                   "touchpoint", "rep_id",        "stage",
                                                   "cost",       "value",         "currency"};

}  // namespace csv_schema_detail

// Matches header names case-insensitively after trimming: --map first, then a column
// named like the field, then its synonyms in order; a column already taken is not
// taken again by a default. `--map field=` (empty column) leaves the field unmapped.
// Fails on duplicate header names, unknown fields or columns in `mapping`, and on
// required fields without a column.
inline Result<CsvColumns> ResolveCsvColumns(CsvKind kind, std::span<const std::string> header,
                                            const std::map<std::string, std::string>& mapping) {
  using namespace csv_schema_detail;
  CsvColumns cols;
  cols.of_field.fill(-1);
  std::vector<std::string> lowered;
  for (size_t i = 0; i < header.size(); ++i) {
    cols.headers.push_back(Trim(header[i]));
    lowered.push_back(ToLower(cols.headers.back()));
    if (lowered.back().empty()) continue;
    if (int first = FindColumn(lowered, lowered.back()); first != static_cast<int>(i)) {
      return Status::InvalidArgument("column '" + cols.headers.back() +
                                     "' appears twice (columns " + std::to_string(first + 1) +
                                     " and " + std::to_string(i + 1) + "); rename one");
    }
  }
  std::vector<CsvFieldSpec> specs = CsvFieldsFor(kind);
  std::vector<bool> taken(header.size(), false);
  std::vector<bool> explicit_field(kCsvFieldCount, false);
  for (const auto& [raw_field, raw_column] : mapping) {
    std::string field = ToLower(Trim(raw_field));
    auto spec = std::find_if(specs.begin(), specs.end(),
                             [&](const CsvFieldSpec& s) { return s.name == field; });
    std::string arg = "--map " + raw_field + "=" + raw_column;
    if (spec == specs.end()) {
      std::vector<std::string> names;
      for (const auto& s : specs) names.emplace_back(s.name);
      return Status::InvalidArgument(arg + ": unknown field '" + raw_field + "'; " +
                                     CsvKindName(kind) + " files know " + JoinNames(names));
    }
    auto index = static_cast<size_t>(spec->field);
    explicit_field[index] = true;
    std::string column = ToLower(Trim(raw_column));
    if (column.empty()) continue;  // explicitly unmapped
    int at = FindColumn(lowered, column);
    if (at < 0) {
      return Status::InvalidArgument(arg + ": no column '" + raw_column +
                                     "' in the header; the columns are " +
                                     HeaderList(cols.headers));
    }
    cols.of_field[index] = at;
    taken[at] = true;
  }
  for (const auto& spec : specs) {
    auto index = static_cast<size_t>(spec.field);
    if (explicit_field[index]) continue;
    std::string names = std::string(spec.name) + " " + std::string(spec.synonyms);
    for (size_t b = 0, e; b < names.size() && cols.of_field[index] < 0; b = e + 1) {
      e = std::min(names.find(' ', b), names.size());
      int at = FindColumn(lowered, std::string_view(names).substr(b, e - b));
      if (at >= 0 && !taken[at]) {
        cols.of_field[index] = at;
        taken[at] = true;
      }
    }
  }
  for (const auto& spec : specs) {
    bool required = kind == CsvKind::kCosts
                        ? spec.field != CsvField::kCampaign && spec.field != CsvField::kCurrency
                        : spec.field == CsvField::kTimestamp ||
                              (kind == CsvKind::kEvents && spec.field == CsvField::kEvent);
    if (required) {
      if (Status s = RequireColumn(cols, spec); !s.ok()) return s;
    }
  }
  if (kind != CsvKind::kCosts &&
      std::none_of(std::begin(kCsvIdentifierFields), std::end(kCsvIdentifierFields),
                   [&](CsvField f) { return cols.has(f); })) {
    return Status::InvalidArgument(
        "no identifier column (looked for user_id, email, phone, crm_id, "
        "anonymous_id and their usual names); the columns are " +
        HeaderList(cols.headers) + "; map one with --map email=<column>");
  }
  for (size_t i = 0; i < header.size(); ++i) {
    std::string key;
    if (!taken[i]) {
      key = cols.headers[i].empty() ? "column_" + std::to_string(i + 1) : cols.headers[i];
      bool lifted = std::find(std::begin(kLiftedKeys), std::end(kLiftedKeys), lowered[i]) !=
                    std::end(kLiftedKeys);
      if (lifted) key = "csv_" + key;
    }
    cols.property_keys.push_back(std::move(key));
  }
  return cols;
}

}  // namespace unisono::ingest
