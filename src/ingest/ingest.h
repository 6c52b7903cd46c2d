// ingest: turns what arrives — Segment-spec JSON from SDKs and HTTP, CSV files from
// offline channels — into validated Events with corrected times and normalised
// channels. It stores nothing. A SegmentParser keeps parse buffers, so use one per
// thread; CsvReader reads one stream.
#pragma once

#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "storage/storage.h"

namespace unisono {

// Segment's limits.
inline constexpr size_t kMaxEventBytes = 32 * 1024;
inline constexpr size_t kMaxBatchBytes = 500 * 1024;

// A trait whose value is also an identifier (e.g. trait "npi" -> type "npi").
struct IdentifierTrait {
  std::string trait;
  std::string type;
};

struct IngestOptions {
  const ChannelCatalog* catalog = nullptr;   // required
  const ProductCatalog* products = nullptr;  // maps product aliases to ids; none: kept as sent
  std::string default_currency = "EUR";
  // Traits read as identifiers besides email, phone and crm_id.
  std::vector<IdentifierTrait> identifier_traits;
};

enum class Endpoint { kIdentify, kTrack, kPage, kScreen, kGroup, kAlias, kBatch };

struct ParsedRequest {
  std::vector<Event> events;
  std::string write_key;  // "writeKey" in the body, if any
};

class SegmentParser {
 public:
  explicit SegmentParser(IngestOptions options);
  ~SegmentParser();
  SegmentParser(const SegmentParser&) = delete;

  // Parses and validates one request body (already decompressed). All or nothing:
  // the first bad message fails the whole request, with its index (batch) and field.
  // `body` gets padding appended to its capacity for the SIMD parser.
  Result<ParsedRequest> Parse(Endpoint endpoint, std::string& body, Timestamp received_at);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Segment's clock-skew correction: receivedAt - (sentAt - timestamp).
Timestamp CorrectSkew(Timestamp client_timestamp, std::optional<Timestamp> sent_at,
                      Timestamp received_at);

// Offline files: rep visits, congress attendance, calls, postal sends, purchases, costs.
enum class CsvKind { kVisits, kEvents, kPurchases, kCosts };
Result<CsvKind> ParseCsvKind(std::string_view name);
const char* CsvKindName(CsvKind kind);

struct CsvImportOptions {
  CsvKind kind = CsvKind::kEvents;
  // field -> column header, overriding the defaults (e.g. "email" -> "Correo").
  std::map<std::string, std::string> mapping;
  const ChannelCatalog* catalog = nullptr;   // required
  const ProductCatalog* products = nullptr;  // maps product aliases to ids; none: kept as sent
  std::string default_currency = "EUR";
  std::string source_name;  // file name, recorded in each event's source
  Timestamp received_at{};
};

// One data row: an event (visits, events, purchases) or a cost (costs).
struct CsvRecord {
  int64_t line = 0;  // 1-based line number in the file
  std::optional<Event> event;
  std::optional<CostRecord> cost;
};

class CsvReader {
 public:
  // Reads the header line and resolves the mapping; fails naming unknown fields or
  // missing required columns.
  static Result<std::unique_ptr<CsvReader>> Open(std::istream& in, CsvImportOptions options);
  virtual ~CsvReader() = default;
  // false at end of file; an error names the line and the reason.
  virtual Result<bool> Next(CsvRecord& out) = 0;
  virtual int64_t bytes_read() const = 0;
  // Fields this kind understands, for --help and error messages.
  static std::vector<std::string> KnownFields(CsvKind kind);
};

}  // namespace unisono
