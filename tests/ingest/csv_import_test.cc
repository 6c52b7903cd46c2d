#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <sstream>
#include <streambuf>

#include "ingest/ingest.h"

namespace unisono {
namespace {

constexpr int64_t kReceivedMs = 1'770'000'000'000;

struct Imported {
  std::vector<CsvRecord> records;
  Status error;
  int64_t bytes_read = 0;
};

Imported Import(std::istream& in, CsvKind kind, std::map<std::string, std::string> mapping = {}) {
  ChannelCatalog catalog = ChannelCatalog::Builtin();
  CsvImportOptions options;
  options.kind = kind;
  options.mapping = std::move(mapping);
  options.catalog = &catalog;
  options.source_name = "test.csv";
  options.received_at = FromMillis(kReceivedMs);
  Imported out;
  auto reader = CsvReader::Open(in, std::move(options));
  if (!reader.ok()) {
    out.error = reader.status();
    return out;
  }
  CsvRecord record;
  for (;;) {
    Result<bool> more = (*reader)->Next(record);
    if (!more.ok()) {
      out.error = more.status();
      break;
    }
    if (!*more) break;
    out.records.push_back(std::move(record));
  }
  out.bytes_read = (*reader)->bytes_read();
  return out;
}

Imported Import(const std::string& text, CsvKind kind,
                std::map<std::string, std::string> mapping = {}) {
  std::istringstream in(text);
  return Import(in, kind, std::move(mapping));
}

// Imports a file that must be accepted, and returns its events.
std::vector<Event> Events(const std::string& text, CsvKind kind = CsvKind::kVisits,
                          std::map<std::string, std::string> mapping = {}) {
  Imported imported = Import(text, kind, std::move(mapping));
  EXPECT_TRUE(imported.error.ok()) << imported.error.message();
  std::vector<Event> events;
  for (auto& r : imported.records) {
    EXPECT_TRUE(r.event.has_value());
    EXPECT_FALSE(r.cost.has_value());
    if (r.event) events.push_back(*r.event);
  }
  return events;
}

std::vector<int64_t> Lines(const Imported& imported) {
  std::vector<int64_t> lines;
  for (const auto& r : imported.records) lines.push_back(r.line);
  return lines;
}

// Fails the test unless the file is rejected with a message containing `expected`.
std::string ErrorOf(const std::string& text, CsvKind kind = CsvKind::kVisits,
                    std::map<std::string, std::string> mapping = {}) {
  Imported imported = Import(text, kind, std::move(mapping));
  EXPECT_FALSE(imported.error.ok()) << "the file was accepted";
  EXPECT_EQ(imported.error.code(), StatusCode::kInvalidArgument);
  return imported.error.message();
}

Timestamp At(const char* iso) { return ParseTimestamp(iso).value(); }

boost::json::object Properties(const Event& e) {
  return boost::json::parse(e.properties_json).as_object();
}

TEST(CsvReader, VisitsReadTheirUsualColumnNamesByDefault) {
  auto events = Events(
      "E-mail, Date ,Delegado,Product,Notes\n"
      "ana@example.com,2026-03-02 10:30,R-17,Cardiozen,asked for samples\n");
  ASSERT_EQ(events.size(), 1u);
  const Event& e = events[0];
  ASSERT_EQ(e.identifiers.size(), 1u);
  EXPECT_EQ(e.identifiers[0].type, "email");
  EXPECT_EQ(e.identifiers[0].value, "ana@example.com");
  EXPECT_EQ(e.type, EventType::kTrack);
  EXPECT_EQ(e.timestamp, At("2026-03-02T10:30:00Z"));
  EXPECT_EQ(e.original_timestamp, e.timestamp);
  EXPECT_EQ(e.received_at, FromMillis(kReceivedMs));
  EXPECT_FALSE(e.sent_at.has_value());
  EXPECT_EQ(e.channel, "rep_visit");
  EXPECT_EQ(e.name, "Rep Visit");
  EXPECT_EQ(e.rep_id, "R-17");
  EXPECT_EQ(e.product, "Cardiozen");
  EXPECT_EQ(e.source, "csv:visits:test.csv");
  EXPECT_EQ(e.traits_json, "{}");
  EXPECT_EQ(Properties(e).at("Notes").as_string(), "asked for samples");
  auto context = boost::json::parse(e.context_json).as_object();
  EXPECT_EQ(context.at("channel").as_string(), "rep_visit");
}

TEST(CsvReader, ChannelColumnValuesAreCanonicalised) {
  auto events = Events(
      "email,timestamp,channel\n"
      "a@example.com,2026-01-01,Visita\n"
      "b@example.com,2026-01-01,E-mail\n"
      "c@example.com,2026-01-01,\n");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].channel, "rep_visit");
  EXPECT_EQ(events[1].channel, "email");
  EXPECT_EQ(events[2].channel, "rep_visit");  // an empty cell falls back to the kind's channel
}

TEST(CsvReader, MapOverridesTheDefaultColumns) {
  auto events = Events(
      "Correo,Fecha,Medio,email\n"
      "ana@example.com,2026-05-04T08:00:00+02:00,call,not-an-address\n",
      CsvKind::kVisits, {{"email", "correo"}, {"Timestamp", "FECHA"}, {"channel", "Medio"}});
  ASSERT_EQ(events.size(), 1u);
  ASSERT_EQ(events[0].identifiers.size(), 1u);
  EXPECT_EQ(events[0].identifiers[0].value, "ana@example.com");
  EXPECT_EQ(events[0].timestamp, At("2026-05-04T06:00:00Z"));
  EXPECT_EQ(events[0].channel, "call_center");
  // The column named like the field, no longer mapped, is kept as a property.
  EXPECT_EQ(Properties(events[0]).at("email").as_string(), "not-an-address");
}

TEST(CsvReader, MapToNothingStopsADefaultFromTakingAColumn) {
  auto events = Events(
      "email,timestamp,rep\n"
      "ana@example.com,2026-01-01,night shift\n",
      CsvKind::kVisits, {{"rep_id", ""}});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].rep_id, "");
  EXPECT_EQ(Properties(events[0]).at("rep").as_string(), "night shift");
}

TEST(CsvReader, ColumnMappedExplicitlyIsNotAlsoTakenByADefault) {
  auto events = Events(
      "rep,timestamp\n"
      "u-42,2026-01-01\n",
      CsvKind::kVisits, {{"user_id", "rep"}});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].user_id, "u-42");
  EXPECT_EQ(events[0].rep_id, "");
}

TEST(CsvReader, LeftoverColumnNamedLikeALiftedPropertyIsKeptUnderAPrefix) {
  auto events = Events(
      "email,timestamp,Kampagne,campaign\n"
      "a@example.com,2026-01-01,Launch,old code\n",
      CsvKind::kVisits, {{"campaign", "Kampagne"}});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].campaign, "Launch");
  boost::json::object p = Properties(events[0]);
  EXPECT_EQ(p.at("campaign").as_string(), "Launch");
  EXPECT_EQ(p.at("csv_campaign").as_string(), "old code");
}

TEST(CsvReader, UnknownMappingFieldIsRejectedNamingTheKnownFields) {
  std::string error = ErrorOf("email,timestamp\n", CsvKind::kVisits, {{"mail_adress", "email"}});
  EXPECT_NE(error.find("line 1 (header)"), std::string::npos) << error;
  EXPECT_NE(error.find("unknown field 'mail_adress'"), std::string::npos) << error;
  EXPECT_NE(error.find("user_id, anonymous_id, email"), std::string::npos) << error;
}

TEST(CsvReader, MappingToAMissingColumnNamesTheHeaderColumns) {
  std::string error = ErrorOf("email,timestamp\n", CsvKind::kVisits, {{"email", "Correo"}});
  EXPECT_NE(error.find("no column 'Correo'"), std::string::npos) << error;
  EXPECT_NE(error.find("'email', 'timestamp'"), std::string::npos) << error;
}

TEST(CsvReader, HeaderWithoutAnyIdentifierColumnIsRejected) {
  std::string error = ErrorOf("name,timestamp\nAna,2026-01-01\n");
  EXPECT_NE(error.find("no identifier column"), std::string::npos) << error;
  EXPECT_NE(error.find("--map email=<column>"), std::string::npos) << error;
}

TEST(CsvReader, HeaderWithoutTimestampColumnIsRejected) {
  std::string error = ErrorOf("email,when\na@example.com,2026-01-01\n");
  EXPECT_NE(error.find("no column for timestamp"), std::string::npos) << error;
  EXPECT_NE(error.find("--map timestamp=<column>"), std::string::npos) << error;
}

TEST(CsvReader, DuplicateHeaderNamesAreRejected) {
  std::string error = ErrorOf("email,timestamp,Email\n");
  EXPECT_NE(error.find("'Email' appears twice (columns 1 and 3)"), std::string::npos) << error;
}

TEST(CsvReader, EmptyFileIsRejected) {
  EXPECT_NE(ErrorOf("").find("empty"), std::string::npos);
  EXPECT_NE(ErrorOf("\n\r\n").find("empty"), std::string::npos);
}

TEST(CsvReader, QuotedFieldsKeepCommasQuotesAndNewlines) {
  Imported imported = Import(
      "email,timestamp,notes,outcome\n"
      "a@example.com,2026-01-01,\"Smith, John\",\"He said \"\"yes\"\"\"\n"
      "b@example.com,2026-01-02,\"first line\nsecond line\nthird\",ok\n"
      "c@example.com,2026-01-03,plain,\"\"\n",
      CsvKind::kVisits);
  ASSERT_TRUE(imported.error.ok()) << imported.error.message();
  ASSERT_EQ(imported.records.size(), 3u);
  EXPECT_EQ(Lines(imported), (std::vector<int64_t>{2, 3, 6}));
  auto first = Properties(*imported.records[0].event);
  EXPECT_EQ(first.at("notes").as_string(), "Smith, John");
  EXPECT_EQ(first.at("outcome").as_string(), "He said \"yes\"");
  auto second = Properties(*imported.records[1].event);
  EXPECT_EQ(second.at("notes").as_string(), "first line\nsecond line\nthird");
  EXPECT_FALSE(Properties(*imported.records[2].event).contains("outcome"));
}

TEST(CsvReader, ErrorAfterAMultiLineFieldNamesTheRightLine) {
  std::string error = ErrorOf(
      "email,timestamp,notes\n"
      "a@example.com,2026-01-01,\"one\ntwo\r\nthree\"\n"
      "\n"
      "b@example.com,2026-02-30,x\n");
  EXPECT_EQ(error.rfind("line 6: ", 0), 0u) << error;
}

TEST(CsvReader, UnclosedQuoteIsRejectedAtTheLineItOpens) {
  std::string error = ErrorOf(
      "email,timestamp,notes\n"
      "a@example.com,2026-01-01,fine\n"
      "b@example.com,2026-01-01,\"never closed\n"
      "c@example.com,2026-01-01,x\n");
  EXPECT_EQ(error.rfind("line 3: ", 0), 0u) << error;
  EXPECT_NE(error.find("never closed"), std::string::npos) << error;
}

TEST(CsvReader, UnclosedQuoteDoesNotSwallowAHugeFile) {
  std::string text = "email,timestamp,notes\na@example.com,2026-01-01,\"oops\n";
  for (int i = 0; i < 40'000; ++i) text += "b@example.com,2026-01-01,a note of some length\n";
  std::string error = ErrorOf(text);
  EXPECT_EQ(error.rfind("line 2: ", 0), 0u) << error;
  EXPECT_NE(error.find("longer than 1 MiB; is a quote left open?"), std::string::npos) << error;
}

TEST(CsvReader, TextAfterAClosingQuoteIsRejected) {
  std::string error = ErrorOf("email,timestamp\n\"a@example.com\"x,2026-01-01\n");
  EXPECT_EQ(error.rfind("line 2: ", 0), 0u) << error;
  EXPECT_NE(error.find("(\"\")"), std::string::npos) << error;
}

TEST(CsvReader, SemicolonFilesAreDetectedAndAcceptDecimalCommas) {
  auto events = Events(
      "email;timestamp;cost;value;notes\n"
      "a@example.com;2026-01-01;12,50;3;uno, dos\n",
      CsvKind::kVisits);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].cost_minor, 1250);
  EXPECT_EQ(events[0].value_minor, 300);
  EXPECT_EQ(events[0].currency, "EUR");
  EXPECT_EQ(Properties(events[0]).at("notes").as_string(), "uno, dos");
}

TEST(CsvReader, CommaFilesRejectDecimalCommas) {
  std::string error = ErrorOf("email,timestamp,cost\na@example.com,2026-01-01,\"12,50\"\n");
  EXPECT_EQ(error.rfind("line 2: cost (column 'cost'): '12,50' is not an amount", 0), 0u) << error;
}

TEST(CsvReader, TabSeparatedFilesAreDetected) {
  auto events = Events("email\ttimestamp\tnotes\na@example.com\t2026-01-01\tx, y; z\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].identifiers[0].value, "a@example.com");
  EXPECT_EQ(Properties(events[0]).at("notes").as_string(), "x, y; z");
}

TEST(CsvReader, ByteOrderMarkIsSkipped) {
  auto events = Events(
      "\xEF\xBB\xBF"
      "email,timestamp\na@example.com,2026-01-01\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].identifiers[0].type, "email");
}

TEST(CsvReader, CrlfLineEndsLeaveNoCarriageReturnsInValues) {
  Imported imported = Import(
      "email,timestamp,notes\r\n"
      "a@example.com,2026-01-01,x\r\n"
      "\r\n"
      "b@example.com,2026-01-02,\"two\r\nlines\"\r\n"
      "c@example.com,2026-01-03,last",
      CsvKind::kVisits);
  ASSERT_TRUE(imported.error.ok()) << imported.error.message();
  EXPECT_EQ(Lines(imported), (std::vector<int64_t>{2, 4, 6}));
  EXPECT_EQ(Properties(*imported.records[0].event).at("notes").as_string(), "x");
  EXPECT_EQ(Properties(*imported.records[1].event).at("notes").as_string(), "two\r\nlines");
  EXPECT_EQ(Properties(*imported.records[2].event).at("notes").as_string(), "last");
}

TEST(CsvReader, BlankLinesAndEmptyRowsAreSkippedButCounted) {
  Imported imported = Import(
      "\n"
      "email,timestamp\n"
      "\n"
      "a@example.com,2026-01-01\n"
      " , \n"
      "b@example.com,2026-01-02\n"
      ",\n",
      CsvKind::kVisits);
  ASSERT_TRUE(imported.error.ok()) << imported.error.message();
  EXPECT_EQ(Lines(imported), (std::vector<int64_t>{4, 6}));
}

TEST(CsvReader, RowWithoutIdentifierIsRejectedWithItsLine) {
  std::string error = ErrorOf(
      "email,phone,timestamp\n"
      "a@example.com,,2026-01-01\n"
      ",+34600000000,2026-01-01\n"
      ",,2026-01-01\n");
  EXPECT_EQ(error.rfind("line 4: no identifier", 0), 0u) << error;
  EXPECT_NE(error.find("email (column 'email')"), std::string::npos) << error;
}

TEST(CsvReader, BadTimestampIsRejectedWithItsLineAndValue) {
  std::string error = ErrorOf(
      "email,date\n"
      "a@example.com,2026-01-01\n"
      "b@example.com,2026-01-01T09:00:00Z\n"
      "c@example.com,2026-13-01\n");
  EXPECT_EQ(error.rfind("line 4: timestamp (column 'date'): '2026-13-01'", 0), 0u) << error;
  EXPECT_NE(error.find("ISO-8601"), std::string::npos) << error;
}

TEST(CsvReader, WrongFieldCountIsRejectedWithItsLine) {
  std::string error = ErrorOf(
      "email,timestamp,notes\n"
      "a@example.com,2026-01-01,x\n"
      "b@example.com,2026-01-01,x,y\n");
  EXPECT_EQ(error.rfind("line 3: 4 fields, header has 3", 0), 0u) << error;
  error = ErrorOf("email,timestamp,notes\na@example.com,2026-01-01\n");
  EXPECT_EQ(error, "line 2: 2 fields, header has 3");
}

TEST(CsvReader, NonUtf8ValuesAreRejected) {
  std::string error = ErrorOf(
      "email,timestamp,city\na@example.com,2026-01-01,C\xE1"
      "diz\n");
  EXPECT_EQ(error.rfind("line 2: column 'city' is not valid UTF-8 (byte 0xE1)", 0), 0u) << error;
}

TEST(CsvReader, ErrorsAreStickySoTheFileIsRejectedAsAWhole) {
  std::istringstream in("email,timestamp\n,2026-01-01\na@example.com,2026-01-01\n");
  ChannelCatalog catalog = ChannelCatalog::Builtin();
  CsvImportOptions options;
  options.kind = CsvKind::kVisits;
  options.catalog = &catalog;
  auto reader = CsvReader::Open(in, options);
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  CsvRecord record;
  EXPECT_FALSE((*reader)->Next(record).ok());
  EXPECT_FALSE((*reader)->Next(record).ok());
}

TEST(CsvReader, EventsFilesNeedAnEventNameOnEveryRow) {
  EXPECT_NE(ErrorOf("email,timestamp\n", CsvKind::kEvents).find("no column for event"),
            std::string::npos);
  std::string error = ErrorOf(
      "email,timestamp,activity\n"
      "a@example.com,2026-01-01,Congress Attended\n"
      "b@example.com,2026-01-01,\n",
      CsvKind::kEvents);
  EXPECT_EQ(error.rfind("line 3: event (column 'activity') is empty", 0), 0u) << error;
}

TEST(CsvReader, EventsCarryTheirNameChannelAndOmnichannelFields) {
  auto events = Events(
      "user_id,crm_id,timestamp,event_name,channel,campaign,communication,touchpoint,stage\n"
      "u1,CRM-9,2026-04-01T12:00:00Z,Congress Attended,congreso,Launch,Invite 2,booth,Plan\n",
      CsvKind::kEvents);
  ASSERT_EQ(events.size(), 1u);
  const Event& e = events[0];
  EXPECT_EQ(e.user_id, "u1");
  ASSERT_EQ(e.identifiers.size(), 2u);
  EXPECT_EQ(e.identifiers[0].type, "user_id");
  EXPECT_EQ(e.identifiers[1].type, "crm_id");
  EXPECT_EQ(e.identifiers[1].value, "CRM-9");
  EXPECT_EQ(e.name, "Congress Attended");
  EXPECT_EQ(e.channel, "congress");
  EXPECT_EQ(e.campaign, "Launch");
  EXPECT_EQ(e.communication, "Invite 2");
  EXPECT_EQ(e.touchpoint, "booth");
  EXPECT_EQ(e.stage, "plan");
  EXPECT_EQ(e.source, "csv:events:test.csv");
  EXPECT_FALSE(e.cost_minor.has_value());
  EXPECT_EQ(e.currency, "");
}

TEST(CsvReader, PurchasesDefaultToTheStoreAndReadAmountAsValue) {
  auto events = Events(
      "phone,datetime,amount,currency\n"
      "+34600000000,2026-02-03 18:45:10,49.9,usd\n",
      CsvKind::kPurchases);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].channel, "store");
  EXPECT_EQ(events[0].name, "Order Completed");
  EXPECT_EQ(events[0].timestamp, At("2026-02-03T18:45:10Z"));
  EXPECT_EQ(events[0].value_minor, 4990);
  EXPECT_EQ(events[0].currency, "USD");
}

TEST(CsvReader, BadCurrencyIsRejected) {
  std::string error = ErrorOf("email,timestamp,value,currency\na@example.com,2026-01-01,1,euro\n",
                              CsvKind::kPurchases);
  EXPECT_EQ(error.rfind("line 2: currency (column 'currency'): 'euro'", 0), 0u) << error;
}

TEST(CsvReader, PropertiesAreValidJsonWithValuesKeptAsStrings) {
  std::string text =
      "email,timestamp,campaign,cost,Zip Code,Quote,Path,Ünïcödé,\n"
      "a@example.com,2026-01-01,Spring \"26\",-3.5,007,\"say \"\"hi\"\"\n\tbye\",C:\\tmp,"
      "€ 5,tail\n";
  auto events = Events(text);
  ASSERT_EQ(events.size(), 1u);
  boost::json::object p = Properties(events[0]);
  EXPECT_EQ(p.at("campaign").as_string(), "Spring \"26\"");
  EXPECT_EQ(p.at("cost").to_number<double>(), -3.5);
  EXPECT_EQ(p.at("currency").as_string(), "EUR");
  EXPECT_EQ(p.at("Zip Code").as_string(), "007");  // not guessed to be a number
  EXPECT_EQ(p.at("Quote").as_string(), "say \"hi\"\n\tbye");
  EXPECT_EQ(p.at("Path").as_string(), "C:\\tmp");
  EXPECT_EQ(p.at("Ünïcödé").as_string(), "€ 5");
  EXPECT_EQ(p.at("column_9").as_string(), "tail");
  EXPECT_FALSE(p.contains("email"));
  EXPECT_FALSE(p.contains("timestamp"));
  EXPECT_EQ(events[0].cost_minor, -350);
}

TEST(CsvReader, SameRowGetsTheSameMessageIdOnEveryImport) {
  std::string file =
      "email,timestamp,notes\n"
      "a@example.com,2026-01-01,x\n"
      "a@example.com,2026-01-01,y\n"
      "b@example.com,2026-01-01,x\n"
      "a@example.com,2026-01-02,x\n";
  auto first = Events(file);
  auto again = Events(
      "\xEF\xBB\xBF"
      "email,timestamp,notes\r\n"
      "\"a@example.com\",2026-01-01,x\r\n");
  ASSERT_EQ(first.size(), 4u);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(first[0].message_id, again[0].message_id);
  EXPECT_EQ(first[0].message_id.size(), 4u + 32u);
  EXPECT_EQ(first[0].message_id.rfind("csv-", 0), 0u);
  EXPECT_NE(first[0].message_id, first[1].message_id);
  EXPECT_NE(first[0].message_id, first[2].message_id);
  EXPECT_NE(first[0].message_id, first[3].message_id);
  EXPECT_NE(first[1].message_id, first[2].message_id);
}

TEST(CsvReader, IdenticalRowsInOneFileShareAMessageId) {
  auto events = Events(
      "email,timestamp\n"
      "a@example.com,2026-01-01\n"
      "a@example.com,2026-01-01\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].message_id, events[1].message_id);
}

TEST(CsvReader, SameValuesInAnotherKindGetAnotherMessageId) {
  std::string file = "email,timestamp,event\na@example.com,2026-01-01,Call\n";
  EXPECT_NE(Events(file, CsvKind::kVisits)[0].message_id,
            Events(file, CsvKind::kEvents)[0].message_id);
}

TEST(CsvReader, MessageIdColumnIsUsedWhenPresent) {
  auto events = Events(
      "email,timestamp,message_id\n"
      "a@example.com,2026-01-01,visit-0001\n"
      "a@example.com,2026-01-01,\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].message_id, "visit-0001");
  EXPECT_EQ(events[1].message_id.rfind("csv-", 0), 0u);
}

TEST(CsvReader, CostsBecomeMinorUnitsWithAnExclusivePeriodEnd) {
  Imported imported = Import(
      "channel,campaign,period_start,period_end,amount,currency\n"
      "visita,Launch,2026-01-01,2026-03-31,12000.5,\n"
      "Paid Search,,2026-04-01T00:00:00Z,2026-04-15T12:00:00Z,99,usd\n",
      CsvKind::kCosts);
  ASSERT_TRUE(imported.error.ok()) << imported.error.message();
  ASSERT_EQ(imported.records.size(), 2u);
  ASSERT_TRUE(imported.records[0].cost.has_value());
  EXPECT_FALSE(imported.records[0].event.has_value());
  const CostRecord& q1 = *imported.records[0].cost;
  EXPECT_EQ(q1.channel, "rep_visit");
  EXPECT_EQ(q1.campaign, "Launch");
  EXPECT_EQ(q1.period_start, At("2026-01-01T00:00:00Z"));
  EXPECT_EQ(q1.period_end, At("2026-04-01T00:00:00Z"));  // all of March 31 included
  EXPECT_EQ(q1.amount_minor, 1200050);
  EXPECT_EQ(q1.currency, "EUR");
  EXPECT_EQ(q1.source, "csv:costs:test.csv");
  const CostRecord& sem = *imported.records[1].cost;
  EXPECT_EQ(sem.channel, "paid_search");
  EXPECT_EQ(sem.period_end, At("2026-04-15T12:00:00Z"));  // a time is taken as given
  EXPECT_EQ(sem.amount_minor, 9900);
  EXPECT_EQ(sem.currency, "USD");
}

TEST(CsvReader, CostsNeedNoIdentifierButAChannelPeriodAndAmount) {
  EXPECT_NE(
      ErrorOf("channel,period_start,period_end\n", CsvKind::kCosts).find("no column for amount"),
      std::string::npos);
  std::string error = ErrorOf(
      "channel;start;end;cost\n"
      "email;2026-01-01;2026-01-31;1.000,00\n",
      CsvKind::kCosts);
  EXPECT_EQ(error.rfind("line 2: amount (column 'cost'): '1.000,00' is not an amount", 0), 0u)
      << error;
}

TEST(CsvReader, CostPeriodThatEndsBeforeItStartsIsRejected) {
  std::string error = ErrorOf(
      "channel,period_start,period_end,amount\n"
      "sms,2026-02-01,2026-01-01,10\n",
      CsvKind::kCosts);
  EXPECT_EQ(error.rfind("line 2: the period ends", 0), 0u) << error;
}

TEST(CsvReader, KnownFieldsListEachKindsFields) {
  auto visits = CsvReader::KnownFields(CsvKind::kVisits);
  EXPECT_NE(std::find(visits.begin(), visits.end(), "rep_id"), visits.end());
  EXPECT_NE(std::find(visits.begin(), visits.end(), "message_id"), visits.end());
  EXPECT_EQ(CsvReader::KnownFields(CsvKind::kCosts),
            (std::vector<std::string>{"channel", "campaign", "period_start", "period_end", "amount",
                                      "currency"}));
}

TEST(CsvReader, KindNamesRoundTrip) {
  for (CsvKind kind : {CsvKind::kVisits, CsvKind::kEvents, CsvKind::kPurchases, CsvKind::kCosts}) {
    auto parsed = ParseCsvKind(CsvKindName(kind));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, kind);
  }
  auto bad = ParseCsvKind("calls");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("visits, events, purchases or costs"), std::string::npos);
}

// Produces a visits file row by row as it is read, so nothing holds the whole file.
// Every 997th row has a notes value spanning two lines.
class GeneratedVisits : public std::streambuf {
 public:
  explicit GeneratedVisits(int rows) : rows_(rows) { Set("email,timestamp,notes\n"); }
  int64_t bytes() const { return bytes_; }
  static bool MultiLine(int row) { return row % 997 == 0; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (next_ > rows_) return traits_type::eof();
    std::string chunk;
    for (int k = 0; k < 64 && next_ <= rows_; ++k, ++next_) {
      chunk += "rep" + std::to_string(next_) + "@example.com,2026-01-01T08:00:00Z,";
      chunk += MultiLine(next_) ? "\"first\nsecond\"\n" : "note " + std::to_string(next_) + "\n";
    }
    Set(std::move(chunk));
    return traits_type::to_int_type(*gptr());
  }

 private:
  void Set(std::string chunk) {
    chunk_ = std::move(chunk);
    bytes_ += static_cast<int64_t>(chunk_.size());
    setg(chunk_.data(), chunk_.data(), chunk_.data() + chunk_.size());
  }

  int rows_;
  int next_ = 1;
  std::string chunk_;
  int64_t bytes_ = 0;
};

TEST(CsvReader, LargeStreamIsReadRecordByRecordWithRightLineNumbers) {
  constexpr int kRows = 200'000;
  GeneratedVisits source(kRows);
  std::istream in(&source);
  ChannelCatalog catalog = ChannelCatalog::Builtin();
  CsvImportOptions options;
  options.kind = CsvKind::kVisits;
  options.catalog = &catalog;
  auto reader = CsvReader::Open(in, options);
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  CsvRecord record;
  int rows = 0;
  int64_t expected_line = 2;
  int64_t last_progress = 0;
  for (;;) {
    Result<bool> more = (*reader)->Next(record);
    ASSERT_TRUE(more.ok()) << more.status().message();
    if (!*more) break;
    ++rows;
    ASSERT_EQ(record.line, expected_line) << "row " << rows;
    ASSERT_EQ(record.event->identifiers[0].value, "rep" + std::to_string(rows) + "@example.com");
    expected_line += GeneratedVisits::MultiLine(rows) ? 2 : 1;
    ASSERT_GE((*reader)->bytes_read(), last_progress);
    last_progress = (*reader)->bytes_read();
  }
  EXPECT_EQ(rows, kRows);
  EXPECT_EQ(record.line, kRows + 1 + kRows / 997);
  EXPECT_EQ((*reader)->bytes_read(), source.bytes());
}

}  // namespace
}  // namespace unisono
