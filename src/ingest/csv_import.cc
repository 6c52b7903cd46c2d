// CSV import: a header resolved to fields once, then one record at a time turned into
// an Event (visits, events, purchases) or a CostRecord (costs). The tokenizer keeps
// memory bounded; this file gives each value its meaning. See docs/csv-import.md.
#include <algorithm>
#include <cstdio>

#include "ingest/ingest.h"
#include "ingest/internal/csv_schema.h"
#include "ingest/internal/csv_tokenizer.h"
#include "ingest/internal/csv_values.h"
#include "ingest/internal/json_text.h"

namespace unisono {
namespace {

using ingest::CsvField;

std::string_view TrimView(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// A value ParseTimestamp accepted that is only "YYYY-MM-DD".
bool IsPlainDate(std::string_view text) { return text.size() == 10; }

std::string NotUtf8(std::string_view where, std::string_view text, size_t bad) {
  char byte[8];
  std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[bad]));
  return std::string(where) + " is not valid UTF-8 (byte " + byte +
         "); save the file as UTF-8 (in Excel: \"CSV UTF-8\")";
}

class CsvReaderImpl final : public CsvReader {
 public:
  CsvReaderImpl(std::istream& in, CsvImportOptions options)
      : options_(std::move(options)), tokenizer_(in), kind_name_(CsvKindName(options_.kind)) {
    source_ = "csv:" + kind_name_;
    if (!options_.source_name.empty()) source_ += ":" + options_.source_name;
  }

  Status ReadHeader();
  Result<bool> Next(CsvRecord& out) override;
  int64_t bytes_read() const override { return tokenizer_.bytes_consumed(); }

 private:
  Status LineError(const std::string& what) const {
    return Status::InvalidArgument("line " + std::to_string(line_) + ": " + what);
  }
  // The trimmed cell of `f` in the current row; empty when the field has no column.
  std::string_view Cell(CsvField f) const {
    int column = columns_[f];
    return column < 0 ? std::string_view() : TrimView(row_[column]);
  }
  Status CheckRowShape();
  Status ReadEvent(Event& e);
  Status ReadCost(CostRecord& c);
  Status ReadTime(CsvField f, Timestamp& out, bool end_of_period);
  Status ReadMoney(CsvField f, std::optional<int64_t>& out);
  Status ReadCurrency(bool has_money, std::string& out);
  Status NoIdentifier() const;
  void WriteProperties(const Event& e, std::string& out) const;

  CsvImportOptions options_;
  ingest::CsvTokenizer tokenizer_;
  ingest::CsvColumns columns_;
  std::string kind_name_;
  std::string source_;
  std::span<const std::string> row_;
  int64_t line_ = 0;
  Status failed_;  // sticky: after an error the file is rejected as a whole
};

Status CsvReaderImpl::ReadHeader() {
  tokenizer_.DetectSeparator();
  Result<bool> more = tokenizer_.Next();
  if (!more.ok()) return more.status();
  if (!*more) {
    return Status::InvalidArgument(
        "the file is empty; it needs a header line naming its columns, e.g. "
        "email,timestamp,channel");
  }
  row_ = tokenizer_.fields();
  line_ = tokenizer_.record_line();
  auto header_error = [&](const Status& s) {
    return Status::InvalidArgument("line " + std::to_string(line_) + " (header): " + s.message());
  };
  for (const std::string& name : row_) {
    if (size_t bad = ingest::FindInvalidUtf8(name); bad != std::string_view::npos) {
      return header_error(Status::InvalidArgument(NotUtf8("a column name", name, bad)));
    }
  }
  Result<ingest::CsvColumns> columns =
      ingest::ResolveCsvColumns(options_.kind, row_, options_.mapping);
  if (!columns.ok()) return header_error(columns.status());
  columns_ = std::move(columns).value();
  return Status::Ok();
}

Result<bool> CsvReaderImpl::Next(CsvRecord& out) {
  if (!failed_.ok()) return failed_;
  for (;;) {
    Result<bool> more = tokenizer_.Next();
    if (!more.ok()) return failed_ = more.status();
    if (!*more) return false;
    row_ = tokenizer_.fields();
    line_ = tokenizer_.record_line();
    if (std::all_of(row_.begin(), row_.end(),
                    [](const std::string& v) { return TrimView(v).empty(); })) {
      continue;  // ",,,," as spreadsheets leave below the data: a blank line
    }
    out = CsvRecord{};
    out.line = line_;
    Status s = CheckRowShape();
    if (s.ok() && options_.kind == CsvKind::kCosts) {
      s = ReadCost(out.cost.emplace());
    } else if (s.ok()) {
      s = ReadEvent(out.event.emplace());
    }
    if (!s.ok()) return failed_ = s;
    return true;
  }
}

Status CsvReaderImpl::CheckRowShape() {
  size_t expected = columns_.headers.size();
  if (row_.size() != expected) {
    std::string hint;
    if (row_.size() > expected) {
      char sep = tokenizer_.separator();
      hint = std::string(" (a value containing ") +
             (sep == '\t' ? std::string("a tab") : "'" + std::string(1, sep) + "'") +
             " must be in double quotes)";
    }
    return LineError(std::to_string(row_.size()) + " fields, header has " +
                     std::to_string(expected) + hint);
  }
  for (size_t i = 0; i < row_.size(); ++i) {
    if (size_t bad = ingest::FindInvalidUtf8(row_[i]); bad != std::string_view::npos) {
      return LineError(NotUtf8("column '" + columns_.headers[i] + "'", row_[i], bad));
    }
  }
  return Status::Ok();
}

Status CsvReaderImpl::ReadTime(CsvField f, Timestamp& out, bool end_of_period) {
  std::string_view text = Cell(f);
  if (text.empty()) return LineError(columns_.Describe(f) + " is empty; every row needs one");
  Result<Timestamp> t = ParseTimestamp(text);
  if (!t.ok()) {
    return LineError(columns_.Describe(f) + ": " + t.status().message() + " or 2026-01-31 09:30");
  }
  out = *t;
  // An end given as a day means the whole day: the period ends at the next midnight.
  if (end_of_period && IsPlainDate(text)) out += std::chrono::days(1);
  return Status::Ok();
}

Status CsvReaderImpl::ReadMoney(CsvField f, std::optional<int64_t>& out) {
  std::string_view text = Cell(f);
  if (text.empty()) return Status::Ok();
  bool comma = tokenizer_.separator() == ';';
  out = ingest::ParseMinorUnits(text, comma);
  if (!out) {
    return LineError(columns_.Describe(f) + ": '" + std::string(text) +
                     "' is not an amount; write digits with at most two decimals, e.g. 12.50" +
                     (comma ? " or 12,50" : "") + ", without thousands separators or symbols" +
                     (!comma && text.find(',') != std::string_view::npos
                          ? " (decimal commas are read only in ';'-separated files)"
                          : ""));
  }
  return Status::Ok();
}

Status CsvReaderImpl::ReadCurrency(bool has_money, std::string& out) {
  std::string_view text = Cell(CsvField::kCurrency);
  if (text.empty()) {
    if (has_money) out = options_.default_currency;
    return Status::Ok();
  }
  bool letters = text.size() == 3 && std::all_of(text.begin(), text.end(), [](char c) {
                   return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
                 });
  if (!letters) {
    return LineError(columns_.Describe(CsvField::kCurrency) + ": '" + std::string(text) +
                     "' is not an ISO 4217 currency code; use three letters such as EUR");
  }
  out.assign(text);
  for (char& c : out) c = static_cast<char>(c & ~0x20);  // upper case
  return Status::Ok();
}

Status CsvReaderImpl::NoIdentifier() const {
  std::vector<std::string> empty, unmapped;
  for (CsvField f : ingest::kCsvIdentifierFields) {
    if (columns_.has(f)) {
      empty.push_back(columns_.Describe(f));
    } else {
      unmapped.emplace_back(ingest::CsvFieldName(f));
    }
  }
  auto join = [](const std::vector<std::string>& items, const char* last) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
      out += (i == 0 ? "" : i + 1 == items.size() ? last : ", ") + items[i];
    }
    return out;
  };
  std::string message = "no identifier; " + join(empty, " and ") +
                        (empty.size() == 1 ? " is" : " are") +
                        " empty, and every row needs at least one";
  if (!unmapped.empty()) {
    message += " (" + join(unmapped, " or ") +
               " can be read from another column with --map <field>=<column>)";
  }
  return LineError(message);
}

Status CsvReaderImpl::ReadEvent(Event& e) {
  for (CsvField f : ingest::kCsvIdentifierFields) {
    std::string_view value = Cell(f);
    if (value.empty()) continue;
    e.identifiers.push_back({std::string(ingest::CsvFieldName(f)), std::string(value)});
  }
  if (e.identifiers.empty()) return NoIdentifier();
  e.type = EventType::kTrack;
  e.user_id = Cell(CsvField::kUserId);
  e.anonymous_id = Cell(CsvField::kAnonymousId);
  if (Status s = ReadTime(CsvField::kTimestamp, e.timestamp, false); !s.ok()) return s;
  e.original_timestamp = e.timestamp;
  e.received_at = options_.received_at;

  std::string_view channel = Cell(CsvField::kChannel);
  std::string_view name = Cell(CsvField::kEvent);
  switch (options_.kind) {
    case CsvKind::kVisits:
      if (channel.empty()) channel = "rep_visit";
      if (name.empty()) name = "Rep Visit";
      break;
    case CsvKind::kPurchases:
      if (channel.empty()) channel = "store";
      if (name.empty()) name = "Order Completed";
      break;
    default:
      if (name.empty()) {
        return LineError(columns_.Describe(CsvField::kEvent) +
                         " is empty; every row of an events file names its event, e.g. "
                         "Congress Attended");
      }
  }
  e.channel = options_.catalog->Canonical(channel);
  e.name = name;
  e.campaign = Cell(CsvField::kCampaign);
  e.communication = Cell(CsvField::kCommunication);
  e.product = Cell(CsvField::kProduct);
  if (options_.products && !e.product.empty()) e.product = options_.products->Canonical(e.product);
  e.touchpoint = Cell(CsvField::kTouchpoint);
  e.rep_id = Cell(CsvField::kRepId);
  e.stage = ToLower(Cell(CsvField::kStage));
  if (Status s = ReadMoney(CsvField::kCost, e.cost_minor); !s.ok()) return s;
  if (Status s = ReadMoney(CsvField::kValue, e.value_minor); !s.ok()) return s;
  if (Status s = ReadCurrency(e.cost_minor || e.value_minor, e.currency); !s.ok()) return s;

  std::string_view message_id = Cell(CsvField::kMessageId);
  e.message_id =
      message_id.empty() ? ingest::CsvContentMessageId(kind_name_, row_) : std::string(message_id);
  WriteProperties(e, e.properties_json);
  e.context_json = "{\"channel\":";
  ingest::AppendJsonString(e.context_json, e.channel);
  e.context_json += ",\"csv\":{\"line\":" + std::to_string(line_) + "}}";
  e.traits_json = "{}";
  e.source = source_;
  return Status::Ok();
}

void CsvReaderImpl::WriteProperties(const Event& e, std::string& out) const {
  out = "{";
  auto key = [&out](std::string_view k) {
    if (out.size() > 1) out.push_back(',');
    ingest::AppendJsonString(out, k);
    out.push_back(':');
  };
  struct Lifted {
    const char* key;
    const std::string& value;
  };
  for (const Lifted& p : {Lifted{"campaign", e.campaign}, Lifted{"communication", e.communication},
                          Lifted{"product", e.product}, Lifted{"touchpoint", e.touchpoint},
                          Lifted{"rep_id", e.rep_id}, Lifted{"stage", e.stage}}) {
    if (p.value.empty()) continue;
    key(p.key);
    ingest::AppendJsonString(out, p.value);
  }
  if (e.cost_minor) {
    key("cost");
    out += ingest::FormatMajorUnits(*e.cost_minor);
  }
  if (e.value_minor) {
    key("value");
    out += ingest::FormatMajorUnits(*e.value_minor);
  }
  if (!e.currency.empty()) {
    key("currency");
    ingest::AppendJsonString(out, e.currency);
  }
  // Columns no field reads, as strings exactly as written: no guessing at types.
  for (size_t i = 0; i < row_.size(); ++i) {
    const std::string& k = columns_.property_keys[i];
    if (k.empty() || TrimView(row_[i]).empty()) continue;
    key(k);
    ingest::AppendJsonString(out, row_[i]);
  }
  out.push_back('}');
}

Status CsvReaderImpl::ReadCost(CostRecord& c) {
  std::string_view channel = Cell(CsvField::kChannel);
  if (channel.empty()) {
    return LineError(columns_.Describe(CsvField::kChannel) +
                     " is empty; every cost belongs to a channel");
  }
  c.channel = options_.catalog->Canonical(channel);
  c.campaign = Cell(CsvField::kCampaign);
  if (Status s = ReadTime(CsvField::kPeriodStart, c.period_start, false); !s.ok()) return s;
  if (Status s = ReadTime(CsvField::kPeriodEnd, c.period_end, true); !s.ok()) return s;
  if (c.period_end <= c.period_start) {
    return LineError(
        "the period ends before it starts: " + columns_.Describe(CsvField::kPeriodStart) + " is '" +
        std::string(Cell(CsvField::kPeriodStart)) + "', " +
        columns_.Describe(CsvField::kPeriodEnd) + " is '" +
        std::string(Cell(CsvField::kPeriodEnd)) +
        "' (an end given as a date includes that whole day)");
  }
  std::optional<int64_t> amount;
  if (Status s = ReadMoney(CsvField::kAmount, amount); !s.ok()) return s;
  if (!amount) {
    return LineError(columns_.Describe(CsvField::kAmount) + " is empty; every cost has an amount");
  }
  c.amount_minor = *amount;
  if (Status s = ReadCurrency(true, c.currency); !s.ok()) return s;
  c.source = source_;
  return Status::Ok();
}

}  // namespace

Result<CsvKind> ParseCsvKind(std::string_view name) {
  std::string kind = ToLower(Trim(name));
  if (kind == "visits" || kind == "visit") return CsvKind::kVisits;
  if (kind == "events" || kind == "event") return CsvKind::kEvents;
  if (kind == "purchases" || kind == "purchase") return CsvKind::kPurchases;
  if (kind == "costs" || kind == "cost") return CsvKind::kCosts;
  return Status::InvalidArgument("unknown import kind '" + std::string(name) +
                                 "'; use visits, events, purchases or costs");
}

const char* CsvKindName(CsvKind kind) {
  switch (kind) {
    case CsvKind::kVisits:
      return "visits";
    case CsvKind::kEvents:
      return "events";
    case CsvKind::kPurchases:
      return "purchases";
    case CsvKind::kCosts:
      return "costs";
  }
  return "events";
}

std::vector<std::string> CsvReader::KnownFields(CsvKind kind) {
  std::vector<std::string> names;
  for (const auto& spec : ingest::CsvFieldsFor(kind)) names.emplace_back(spec.name);
  return names;
}

Result<std::unique_ptr<CsvReader>> CsvReader::Open(std::istream& in, CsvImportOptions options) {
  if (options.catalog == nullptr) {
    return Status::InvalidArgument("CsvImportOptions.catalog is required");
  }
  auto reader = std::make_unique<CsvReaderImpl>(in, std::move(options));
  if (Status s = reader->ReadHeader(); !s.ok()) return s;
  return std::unique_ptr<CsvReader>(std::move(reader));
}

}  // namespace unisono
