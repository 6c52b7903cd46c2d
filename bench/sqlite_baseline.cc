// sqlite_baseline: the raw-SQLite ceiling for durable event ingestion.
//
// Creates a fresh SQLite database in WAL mode with synchronous=FULL, creates
// the `events` table from a DDL file (normally the server's own schema, dumped
// with `sqlite3 DIR/unisono.db .schema events`), makes sure a UNIQUE index on
// the message id column exists (the server's dedupe), and then inserts rows
// with one prepared INSERT in transactions of --txn-rows rows, each COMMIT
// being durable (fsync of the WAL), for --seconds seconds.  It prints one line
//
//   BASELINE_RESULT rows=N txns=N seconds=S events_per_s=E txn_rows=T ...
//
// Values are bound per column from its name and declared type: a unique
// UUID-shaped message id, realistic JSON for properties/context, integer
// millisecond timestamps for INTEGER time columns, and so on.
//
// Build standalone:
//   g++ -O2 -std=c++20 bench/sqlite_baseline.cc -lsqlite3 -o sqlite_baseline

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kDefaultDdl = R"sql(
CREATE TABLE IF NOT EXISTS events (
  id           INTEGER PRIMARY KEY,
  message_id   TEXT    NOT NULL,
  type         TEXT    NOT NULL,
  event        TEXT,
  user_id      TEXT,
  anonymous_id TEXT,
  timestamp    INTEGER NOT NULL,
  received_at  INTEGER NOT NULL,
  properties   TEXT,
  context      TEXT
);
)sql";

struct Options {
  std::string db;
  std::string ddl_file;
  std::string table = "events";
  long txn_rows = 1000;
  double seconds = 5.0;
  long max_rows = 0;  // 0 = bounded by --seconds only
  std::vector<std::string> pragmas;
  bool verbose = true;
};

[[noreturn]] void usage(const char* argv0, int code) {
  std::fprintf(code ? stderr : stdout,
               "usage: %s --db PATH [--ddl FILE] [--table NAME] [--txn-rows N]\n"
               "          [--seconds S] [--rows N] [--pragma NAME=VALUE]... [--quiet]\n"
               "  --db PATH        database file to create (must not exist)\n"
               "  --ddl FILE       schema SQL (e.g. output of `sqlite3 DB .schema events`);\n"
               "                   default: a built-in events table\n"
               "  --table NAME     table to insert into (default events)\n"
               "  --txn-rows N     rows per transaction / durable commit (default 1000)\n"
               "  --seconds S      stop after the first commit past S seconds (default 5)\n"
               "  --rows N         stop after N rows (default 0 = no row limit)\n"
               "  --pragma P=V     extra PRAGMA run after journal_mode/synchronous\n",
               argv0);
  std::exit(code);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(argv[0], 2);
      return argv[++i];
    };
    if (a == "--db")
      o.db = value();
    else if (a == "--ddl")
      o.ddl_file = value();
    else if (a == "--table")
      o.table = value();
    else if (a == "--txn-rows")
      o.txn_rows = std::atol(value().c_str());
    else if (a == "--seconds")
      o.seconds = std::atof(value().c_str());
    else if (a == "--rows")
      o.max_rows = std::atol(value().c_str());
    else if (a == "--pragma")
      o.pragmas.push_back(value());
    else if (a == "--quiet")
      o.verbose = false;
    else if (a == "-h" || a == "--help")
      usage(argv[0], 0);
    else {
      std::fprintf(stderr, "unknown argument: %s\n", a.c_str());
      usage(argv[0], 2);
    }
  }
  if (o.db.empty() || o.txn_rows <= 0 || o.seconds <= 0 || o.max_rows < 0) usage(argv[0], 2);
  return o;
}

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  std::fprintf(stderr, "sqlite_baseline: %s: %s\n", what.c_str(),
               db ? sqlite3_errmsg(db) : "(no db)");
  std::exit(1);
}

void exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "?";
    sqlite3_free(err);
    std::fprintf(stderr, "sqlite_baseline: %s\n  in: %s\n", msg.c_str(), sql.c_str());
    std::exit(1);
  }
}

std::string query_text(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) fail(db, sql);
  std::string out;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }
bool ends_with(const std::string& s, const char* suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

std::string quote_ident(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

// Runs every statement of a DDL script; skips internal sqlite_* tables that
// a schema dump may list.
void run_ddl(sqlite3* db, const std::string& ddl) {
  const char* p = ddl.c_str();
  while (p && *p) {
    sqlite3_stmt* st = nullptr;
    const char* tail = nullptr;
    if (sqlite3_prepare_v2(db, p, -1, &st, &tail) != SQLITE_OK) {
      std::string l = lower(std::string(p, std::min<size_t>(std::strlen(p), 200)));
      if (contains(l, "create table sqlite_")) {
        // skip to the next statement
        const char* semi = std::strchr(p, ';');
        p = semi ? semi + 1 : nullptr;
        continue;
      }
      fail(db,
           "DDL statement failed near: " + std::string(p, std::min<size_t>(std::strlen(p), 120)));
    }
    if (st) {
      int rc = sqlite3_step(st);
      while (rc == SQLITE_ROW) rc = sqlite3_step(st);
      if (rc != SQLITE_DONE) fail(db, "DDL statement failed");
      sqlite3_finalize(st);
    }
    p = tail;
  }
}

enum class Kind {
  MessageId,
  Type,
  EventName,
  UserId,
  AnonId,
  WriteKey,
  RefId,
  Channel,
  Currency,
  Money,
  Null,
  Properties,
  Context,
  Traits,
  EmptyJson,
  RawEvent,
  TimeInt,
  TimeReal,
  TimeText,
  Int,
  Real,
  Text,
  Blob,
};

enum class Affinity { Integer, Text, Blob, Real, Numeric };

// SQLite's column-affinity rules (https://www.sqlite.org/datatype3.html 3.1).
Affinity affinity_of(const std::string& decl) {
  std::string t = lower(decl);
  if (contains(t, "int")) return Affinity::Integer;
  if (contains(t, "char") || contains(t, "clob") || contains(t, "text")) return Affinity::Text;
  if (t.empty() || contains(t, "blob")) return Affinity::Blob;
  if (contains(t, "real") || contains(t, "floa") || contains(t, "doub")) return Affinity::Real;
  return Affinity::Numeric;
}

Kind classify(const std::string& name, const std::string& decl) {
  std::string n = lower(name);
  Affinity a = affinity_of(decl);
  bool numeric = a == Affinity::Integer || a == Affinity::Numeric || a == Affinity::Real;
  if (contains(n, "message")) return Kind::MessageId;
  bool timeish = contains(n, "time") || ends_with(n, "_at") || n == "ts" || ends_with(n, "_ts") ||
                 contains(n, "date") || ends_with(n, "_ms");
  if (timeish) {
    if (a == Affinity::Integer || a == Affinity::Numeric) return Kind::TimeInt;
    if (a == Affinity::Real) return Kind::TimeReal;
    return Kind::TimeText;
  }
  if (numeric) {
    if (ends_with(n, "_id") || ends_with(n, "id")) return Kind::RefId;
    if (contains(n, "value") || contains(n, "revenue") || contains(n, "amount") ||
        contains(n, "price") || contains(n, "total"))
      return Kind::Money;
    return a == Affinity::Real ? Kind::Real : Kind::Int;
  }
  if (n == "type" || n == "event_type" || n == "kind" || n == "call") return Kind::Type;
  if (n == "event" || n == "event_name" || n == "name") return Kind::EventName;
  if (contains(n, "anonymous") || n == "anon_id") return Kind::AnonId;
  if (contains(n, "user")) return Kind::UserId;
  if (contains(n, "write_key") || contains(n, "writekey") || contains(n, "source"))
    return Kind::WriteKey;
  if (contains(n, "propert") || n == "props") return Kind::Properties;
  if (contains(n, "context")) return Kind::Context;
  if (contains(n, "trait")) return Kind::Traits;
  if (contains(n, "integration")) return Kind::EmptyJson;
  if (n == "channel") return Kind::Channel;
  if (n == "currency") return Kind::Currency;
  if (contains(n, "raw") || contains(n, "payload") || contains(n, "body") || contains(n, "json") ||
      n == "data" || n == "event_data")
    return Kind::RawEvent;
  return a == Affinity::Blob ? Kind::Blob : Kind::Text;
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::MessageId:
      return "message-id";
    case Kind::Type:
      return "type";
    case Kind::EventName:
      return "event-name";
    case Kind::UserId:
      return "user-id";
    case Kind::AnonId:
      return "anonymous-id";
    case Kind::WriteKey:
      return "write-key";
    case Kind::RefId:
      return "ref-id";
    case Kind::Channel:
      return "channel";
    case Kind::Currency:
      return "currency";
    case Kind::Money:
      return "money";
    case Kind::Null:
      return "NULL";
    case Kind::Properties:
      return "json-properties";
    case Kind::Context:
      return "json-context";
    case Kind::Traits:
      return "json-traits";
    case Kind::EmptyJson:
      return "json-{}";
    case Kind::RawEvent:
      return "json-event";
    case Kind::TimeInt:
      return "time-int-ms";
    case Kind::TimeReal:
      return "time-real-s";
    case Kind::TimeText:
      return "time-iso-text";
    case Kind::Int:
      return "int";
    case Kind::Real:
      return "real";
    case Kind::Text:
      return "text";
    case Kind::Blob:
      return "blob";
  }
  return "?";
}

struct Column {
  std::string name;
  std::string decl;
  Kind kind;
};

// Columns with no recognised meaning stay NULL when nullable, as they would
// for a typical track call; NOT NULL ones get a unique filler value.
Kind refine(Kind k, bool notnull) {
  if (!notnull && (k == Kind::Int || k == Kind::Real || k == Kind::Text || k == Kind::Blob))
    return Kind::Null;
  return k;
}

const char* const kEvents[] = {"Order Completed", "Product Viewed", "Checkout Started",
                               "Product Added",   "Signed In",      "Page Scrolled"};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string iso_time(int64_t ms) {
  time_t s = static_cast<time_t>(ms / 1000);
  struct tm tm {};
  gmtime_r(&s, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

// Builds the values for one row; strings live in `scratch` until the step.
struct RowMaker {
  uint64_t run_id;
  int64_t row = 0;
  char msgid[64];
  char user[32];
  char anon[32];
  std::string props, ctx, raw, ts_text;

  void next(int64_t ts_ms) {
    ++row;
    std::snprintf(msgid, sizeof msgid, "%08x-%04x-%04x-ffff-%012llx",
                  static_cast<unsigned>(run_id >> 32),
                  static_cast<unsigned>((run_id >> 16) & 0xffff),
                  static_cast<unsigned>(run_id & 0xffff), static_cast<unsigned long long>(row));
    int64_t u = (row * 7919) % 50000;
    std::snprintf(user, sizeof user, "user_%05lld", static_cast<long long>(u));
    std::snprintf(anon, sizeof anon, "anon_%05lld", static_cast<long long>((u * 7) % 100000));
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "{\"orderId\":\"ord_%lld\",\"total\":%lld.%02lld,\"currency\":\"USD\","
                  "\"products\":[{\"sku\":\"SKU-%04lld\",\"price\":%lld.99,\"quantity\":%lld}]}",
                  static_cast<long long>(row), static_cast<long long>(10 + row % 490),
                  static_cast<long long>(row % 100), static_cast<long long>(row % 5000),
                  static_cast<long long>(5 + row % 95), static_cast<long long>(1 + row % 4));
    props = buf;
    std::snprintf(buf, sizeof buf,
                  "{\"ip\":\"203.0.113.%lld\",\"library\":{\"name\":\"analytics-node\","
                  "\"version\":\"6.2.0\"},\"userAgent\":\"Mozilla/5.0 (X11; Linux x86_64)\"}",
                  static_cast<long long>(1 + row % 254));
    ctx = buf;
    ts_text = iso_time(ts_ms);
  }

  const std::string& raw_event() {
    raw = "{\"type\":\"track\",\"event\":\"";
    raw += kEvents[row % 6];
    raw += "\",\"userId\":\"";
    raw += user;
    raw += "\",\"anonymousId\":\"";
    raw += anon;
    raw += "\",\"messageId\":\"";
    raw += msgid;
    raw += "\",\"timestamp\":\"";
    raw += ts_text;
    raw += "\",\"properties\":";
    raw += props;
    raw += ",\"context\":";
    raw += ctx;
    raw += "}";
    return raw;
  }
};

void bind_text(sqlite3* db, sqlite3_stmt* st, int i, const char* s, int n) {
  if (sqlite3_bind_text(st, i, s, n, SQLITE_TRANSIENT) != SQLITE_OK) fail(db, "bind");
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t idx = static_cast<size_t>(p / 100.0 * (v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  Options opt = parse_args(argc, argv);

  if (std::ifstream(opt.db).good()) {
    std::fprintf(stderr, "sqlite_baseline: %s already exists; give a fresh path\n", opt.db.c_str());
    return 1;
  }
  std::string ddl = kDefaultDdl;
  if (!opt.ddl_file.empty()) {
    std::ifstream f(opt.ddl_file);
    if (!f) {
      std::fprintf(stderr, "sqlite_baseline: cannot read %s\n", opt.ddl_file.c_str());
      return 1;
    }
    std::stringstream ss;
    ss << f.rdbuf();
    ddl = ss.str();
    if (ddl.find_first_not_of(" \t\r\n") == std::string::npos) {
      std::fprintf(stderr, "sqlite_baseline: %s is empty\n", opt.ddl_file.c_str());
      return 1;
    }
  }

  sqlite3* db = nullptr;
  if (sqlite3_open_v2(opt.db.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK)
    fail(db, "open " + opt.db);

  std::string jm = lower(query_text(db, "PRAGMA journal_mode=WAL"));
  if (jm != "wal") fail(db, "journal_mode=WAL not accepted (got '" + jm + "')");
  exec(db, "PRAGMA synchronous=FULL");
  for (const auto& p : opt.pragmas) exec(db, "PRAGMA " + p);
  std::string sync = query_text(db, "PRAGMA synchronous");
  if (sync != "2")
    std::fprintf(stderr, "sqlite_baseline: WARNING synchronous=%s, not FULL(2)\n", sync.c_str());

  run_ddl(db, ddl);

  // Columns of the table, without the rowid alias and generated/hidden columns.
  std::vector<Column> cols;
  {
    sqlite3_stmt* st = nullptr;
    std::string sql = "SELECT name, type, pk, hidden, \"notnull\" FROM pragma_table_xinfo(?1)";
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) fail(db, sql);
    sqlite3_bind_text(st, 1, opt.table.c_str(), -1, SQLITE_TRANSIENT);
    struct Raw {
      std::string name, type;
      int pk, hidden, notnull;
    };
    std::vector<Raw> raw;
    while (sqlite3_step(st) == SQLITE_ROW) {
      auto txt = [&](int i) {
        const unsigned char* t = sqlite3_column_text(st, i);
        return std::string(t ? reinterpret_cast<const char*>(t) : "");
      };
      raw.push_back({txt(0), txt(1), sqlite3_column_int(st, 2), sqlite3_column_int(st, 3),
                     sqlite3_column_int(st, 4)});
    }
    sqlite3_finalize(st);
    if (raw.empty()) fail(db, "table '" + opt.table + "' not found after running the DDL");
    int npk = 0;
    for (auto& r : raw) npk += r.pk > 0;
    for (auto& r : raw) {
      if (r.hidden != 0) continue;
      if (r.pk > 0 && npk == 1 && lower(r.type) == "integer") continue;  // rowid alias
      cols.push_back({r.name, r.type, refine(classify(r.name, r.type), r.notnull != 0)});
    }
  }
  if (cols.empty()) fail(db, "no insertable columns");

  // The dedupe index: a UNIQUE index containing the message id column.
  std::string msg_col;
  for (auto& c : cols)
    if (c.kind == Kind::MessageId) {
      msg_col = c.name;
      break;
    }
  std::string dedupe = "none (no message id column found)";
  if (!msg_col.empty()) {
    std::string found;
    sqlite3_stmt* st = nullptr;
    std::string sql =
        "SELECT il.name FROM pragma_index_list(?1) il, pragma_index_info(il.name) ii "
        "WHERE il.\"unique\" = 1 AND ii.name = ?2";
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) fail(db, sql);
    sqlite3_bind_text(st, 1, opt.table.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, msg_col.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
      found = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (found.empty()) {
      exec(db, "CREATE UNIQUE INDEX " + quote_ident("bench_" + opt.table + "_" + msg_col + "_uq") +
                   " ON " + quote_ident(opt.table) + "(" + quote_ident(msg_col) + ")");
      dedupe = "created UNIQUE index on " + msg_col;
    } else {
      dedupe = "schema's UNIQUE index " + found + " covers " + msg_col;
    }
  }

  std::string insert = "INSERT OR IGNORE INTO " + quote_ident(opt.table) + "(";
  std::string qs;
  for (size_t i = 0; i < cols.size(); ++i) {
    insert += (i ? "," : "") + quote_ident(cols[i].name);
    qs += i ? ",?" : "?";
  }
  insert += ") VALUES(" + qs + ")";

  if (opt.verbose) {
    std::fprintf(stderr,
                 "sqlite_baseline: sqlite %s, journal_mode=%s synchronous=%s, txn_rows=%ld\n",
                 sqlite3_libversion(), jm.c_str(), sync.c_str(), opt.txn_rows);
    std::fprintf(stderr, "sqlite_baseline: dedupe: %s\n", dedupe.c_str());
    std::fprintf(stderr, "sqlite_baseline: columns:");
    for (auto& c : cols) std::fprintf(stderr, " %s(%s)", c.name.c_str(), kind_name(c.kind));
    std::fprintf(stderr, "\n");
  }

  sqlite3_stmt *ins = nullptr, *begin = nullptr, *commit = nullptr;
  if (sqlite3_prepare_v3(db, insert.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &ins, nullptr) !=
      SQLITE_OK)
    fail(db, insert);
  if (sqlite3_prepare_v3(db, "BEGIN", -1, SQLITE_PREPARE_PERSISTENT, &begin, nullptr) != SQLITE_OK)
    fail(db, "BEGIN");
  if (sqlite3_prepare_v3(db, "COMMIT", -1, SQLITE_PREPARE_PERSISTENT, &commit, nullptr) !=
      SQLITE_OK)
    fail(db, "COMMIT");

  std::random_device rd;
  RowMaker rm{};
  rm.run_id = (static_cast<uint64_t>(rd()) << 32) ^ rd();

  int64_t inserted = 0, ignored = 0, txns = 0;
  std::vector<double> commit_ms;
  const auto t0 = Clock::now();
  const auto deadline = t0 + std::chrono::duration<double>(opt.seconds);
  for (;;) {
    if (sqlite3_step(begin) != SQLITE_DONE) fail(db, "BEGIN");
    sqlite3_reset(begin);
    const int64_t ts = now_ms();
    for (long r = 0; r < opt.txn_rows; ++r) {
      rm.next(ts - (r % 1000));
      for (size_t i = 0; i < cols.size(); ++i) {
        int idx = static_cast<int>(i) + 1;
        switch (cols[i].kind) {
          case Kind::MessageId:
            bind_text(db, ins, idx, rm.msgid, -1);
            break;
          case Kind::Type:
            bind_text(db, ins, idx, "track", 5);
            break;
          case Kind::EventName:
            bind_text(db, ins, idx, kEvents[rm.row % 6], -1);
            break;
          case Kind::UserId:
            bind_text(db, ins, idx, rm.user, -1);
            break;
          case Kind::AnonId:
            bind_text(db, ins, idx, rm.anon, -1);
            break;
          case Kind::WriteKey:
            bind_text(db, ins, idx, "bench-write-key", -1);
            break;
          case Kind::RefId:
            sqlite3_bind_int64(ins, idx, 1 + (rm.row * 7919) % 50000);
            break;
          case Kind::Channel:
            bind_text(db, ins, idx, "web", 3);
            break;
          case Kind::Currency:
            bind_text(db, ins, idx, "USD", 3);
            break;
          case Kind::Money:
            sqlite3_bind_int64(ins, idx, 1000 + (rm.row * 37) % 49000);
            break;
          case Kind::Null:
            sqlite3_bind_null(ins, idx);
            break;
          case Kind::Properties:
            bind_text(db, ins, idx, rm.props.data(), static_cast<int>(rm.props.size()));
            break;
          case Kind::Context:
            bind_text(db, ins, idx, rm.ctx.data(), static_cast<int>(rm.ctx.size()));
            break;
          case Kind::Traits:
            bind_text(db, ins, idx, "{\"plan\":\"pro\"}", -1);
            break;
          case Kind::EmptyJson:
            bind_text(db, ins, idx, "{}", 2);
            break;
          case Kind::RawEvent: {
            const std::string& s = rm.raw_event();
            bind_text(db, ins, idx, s.data(), static_cast<int>(s.size()));
            break;
          }
          case Kind::TimeInt:
            sqlite3_bind_int64(ins, idx, ts - (r % 1000));
            break;
          case Kind::TimeReal:
            sqlite3_bind_double(ins, idx, (ts - (r % 1000)) / 1000.0);
            break;
          case Kind::TimeText:
            bind_text(db, ins, idx, rm.ts_text.data(), static_cast<int>(rm.ts_text.size()));
            break;
          case Kind::Int:
            sqlite3_bind_int64(ins, idx, rm.row);
            break;
          case Kind::Real:
            sqlite3_bind_double(ins, idx, rm.row * 0.5);
            break;
          case Kind::Text: {
            char b[32];
            int n = std::snprintf(b, sizeof b, "v%lld", static_cast<long long>(rm.row));
            bind_text(db, ins, idx, b, n);
            break;
          }
          case Kind::Blob: {
            char b[32];
            int n = std::snprintf(b, sizeof b, "b%lld", static_cast<long long>(rm.row));
            sqlite3_bind_blob(ins, idx, b, n, SQLITE_TRANSIENT);
            break;
          }
        }
      }
      if (sqlite3_step(ins) != SQLITE_DONE) fail(db, "INSERT");
      if (sqlite3_changes(db) == 1)
        ++inserted;
      else
        ++ignored;
      sqlite3_reset(ins);
      if (opt.max_rows && inserted + ignored >= opt.max_rows) break;
    }
    const auto c0 = Clock::now();
    if (sqlite3_step(commit) != SQLITE_DONE) fail(db, "COMMIT");
    sqlite3_reset(commit);
    const auto c1 = Clock::now();
    commit_ms.push_back(std::chrono::duration<double, std::milli>(c1 - c0).count());
    ++txns;
    if (c1 >= deadline || (opt.max_rows && inserted + ignored >= opt.max_rows)) break;
  }
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();

  sqlite3_finalize(ins);
  sqlite3_finalize(begin);
  sqlite3_finalize(commit);
  const std::string count = query_text(db, "SELECT count(*) FROM " + quote_ident(opt.table));
  if (sqlite3_close(db) != SQLITE_OK) fail(db, "close");

  if (ignored)
    std::fprintf(stderr, "sqlite_baseline: WARNING %lld rows ignored as duplicates\n",
                 static_cast<long long>(ignored));
  std::printf(
      "BASELINE_RESULT rows=%lld txns=%lld seconds=%.3f events_per_s=%.2f txn_rows=%ld "
      "commit_p50_ms=%.2f commit_p99_ms=%.2f table_count=%s ignored=%lld\n",
      static_cast<long long>(inserted), static_cast<long long>(txns), secs, inserted / secs,
      opt.txn_rows, percentile(commit_ms, 50), percentile(commit_ms, 99), count.c_str(),
      static_cast<long long>(ignored));
  return 0;
}
