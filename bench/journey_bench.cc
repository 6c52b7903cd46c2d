// Journeys at scale: N profiles enrolled in a 10-step journey on a manual clock, in a
// real store. Reports step transitions per second (every step entered, as the history
// records them), timers due per second, memory per waiting instance (RSS growth of a
// restarted engine loading them), and the time from a committed trigger event to its
// message in the outbox (p50/p99, the engine's own thread running). Baseline: the same
// rows the engine wrote (instance updates, history, outbox) written by plain SQLite
// statements in transactions of the same size, on the same machine, in the same run.
//   build/bench/journey_bench [--profiles N] [--latency K] [--data DIR]
#include <fmt/core.h>
#include <malloc.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "journey/journey.h"

using namespace unisono;
using bench::Die;
using bench::Must;
using bench::Seconds;
using bench::Steady;

namespace {

const Timestamp kStart = ParseTimestamp("2026-03-02T09:00:00Z").value();

struct Options {
  int64_t profiles = 1'000'000;
  int latency = 2000;
  std::string data = "journey-bench-data";
};

long RssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], v = argv[i + 1];
    if (flag == "--profiles") {
      o.profiles = std::stoll(v);
    } else if (flag == "--latency") {
      o.latency = std::stoi(v);
    } else if (flag == "--data") {
      o.data = v;
    } else {
      Die("unknown flag " + flag + " (--profiles N --latency K --data DIR)");
    }
  }
  return o;
}

Event Own(int64_t i, const std::string& name, EventType type) {
  Event e;
  e.type = type;
  e.name = name;
  e.user_id = "u" + std::to_string(i);
  e.identifiers = {{"user_id", e.user_id}};
  e.channel = type == EventType::kIdentify ? "unknown" : "web";
  e.message_id = name + "-" + std::to_string(i);
  e.timestamp = e.original_timestamp = e.received_at = kStart;
  e.source = "bench";
  return e;
}

// Imports `n` events made by `make` in one transaction.
void Import(ProfileService& profiles, int64_t n, const std::function<Event(int64_t)>& make) {
  int64_t next = 0;
  Must(profiles
           .ImportAll([&](std::vector<Event>& events, std::vector<CostRecord>&) -> Result<bool> {
             if (next >= n) return false;
             for (int64_t end = std::min(n, next + 50'000); next < end; ++next) {
               events.push_back(make(next));
             }
             return true;
           })
           .status(),
       "import");
}

// Ten steps: a wait, a branch on consent, two sends, a wait, an A/B split, a send per
// path, a wait, and a best-channel send.
constexpr const char* kJourney = R"J({"name": "Ten steps",
  "trigger": {"event": {"name": "Enrol"}},
  "steps": [
    {"id": "w1", "type": "wait", "duration": "1h"},
    {"id": "b", "type": "branch", "condition": "consent(email)", "else": "letter"},
    {"id": "mail", "type": "send", "content": "intro", "channel": "email", "next": "w2"},
    {"id": "letter", "type": "send", "content": "intro", "channel": "postal"},
    {"id": "w2", "type": "wait", "duration": "1d"},
    {"id": "ab", "type": "split", "paths": [{"name": "a", "percent": 50, "next": "a"},
                                            {"name": "b", "percent": 50, "next": "b2"}]},
    {"id": "a", "type": "send", "content": "offer-a", "channel": "postal", "next": "w3"},
    {"id": "b2", "type": "send", "content": "offer-b", "channel": "postal"},
    {"id": "w3", "type": "wait", "duration": "2d"},
    {"id": "best", "type": "send", "content": "close", "channel": "best_channel",
     "channels": ["email", "sms", "postal"]}]})J";

struct Phase {
  std::string name;
  double seconds = 0;
  int64_t transitions = 0;  // steps entered
  int64_t timers = 0;       // timers that fired
};

int64_t StepsEntered(JourneyEngine& engine, const std::string& id) {
  int64_t n = 0;
  for (const auto& s : Must(engine.Results(id), "results").steps) {
    if (auto it = s.actions.find("entered_step"); it != s.actions.end()) n += it->second;
  }
  return n;
}

int64_t Count(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, sql, -1, &s, nullptr);
  int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
  sqlite3_finalize(s);
  return n;
}

// The engine's writes replayed as plain SQL: `instances` upserts, `history` and
// `outbox` inserts, in transactions of `batch` rows, each commit synced (WAL, FULL).
double SqlBaseline(const std::string& dir, int64_t instances, int64_t history, int64_t outbox,
                   int batch) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  sqlite3* db = nullptr;
  sqlite3_open((dir + "/baseline.db").c_str(), &db);
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
               "CREATE TABLE i(id INTEGER PRIMARY KEY, journey TEXT, version INT, profile INT,"
               " state TEXT, step INT, variant TEXT, a INT, b INT, c INT, due INT, w INT, t INT);"
               "CREATE TABLE h(seq INTEGER PRIMARY KEY, instance INT, profile INT, journey TEXT,"
               " version INT, step TEXT, action TEXT, reason TEXT, detail TEXT, at INT);"
               "CREATE INDEX h_p ON h(profile, seq); CREATE INDEX h_j ON h(journey, action);"
               "CREATE TABLE o(id INTEGER PRIMARY KEY, k TEXT UNIQUE, instance INT, profile INT,"
               " journey TEXT, version INT, step TEXT, channel TEXT, content TEXT, payload TEXT,"
               " state TEXT, attempts INT, created INT, next INT, err TEXT);",
               nullptr, nullptr, nullptr);
  sqlite3_stmt *ins_i = nullptr, *ins_h = nullptr, *ins_o = nullptr;
  sqlite3_prepare_v2(
      db, "INSERT OR REPLACE INTO i VALUES(?1,'journey_1',1,?1,'active',3,'',1,2,3,4,0,0)", -1,
      &ins_i, nullptr);
  sqlite3_prepare_v2(db,
                     "INSERT INTO h(instance,profile,journey,version,step,action,reason,detail,at)"
                     " VALUES(?1,?1,'journey_1',1,'w2','entered_step','wait','{}',?2)",
                     -1, &ins_h, nullptr);
  sqlite3_prepare_v2(
      db,
      "INSERT INTO o(k,instance,profile,journey,version,step,channel,content,payload,"
      "state,attempts,created,next,err) VALUES(?1,?2,?2,'journey_1',1,'mail',"
      "'email','intro','{\"profile_id\":1,\"channel\":\"email\"}','pending',0,?3,"
      "NULL,'')",
      -1, &ins_o, nullptr);
  auto start = Steady::now();
  int64_t in_tx = 0;
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  auto run = [&](sqlite3_stmt* s, int64_t i) {
    sqlite3_bind_int64(s, 1, i % 1'000'000);
    if (s == ins_o) {
      std::string key = "k" + std::to_string(i);
      sqlite3_bind_text(s, 1, key.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(s, 2, i);
    }
    sqlite3_bind_int64(s, s == ins_o ? 3 : 2, i);
    sqlite3_step(s);
    sqlite3_reset(s);
    if (++in_tx == batch) {
      sqlite3_exec(db, "COMMIT; BEGIN", nullptr, nullptr, nullptr);
      in_tx = 0;
    }
  };
  for (int64_t i = 0; i < instances; ++i) run(ins_i, i);
  for (int64_t i = 0; i < history; ++i) run(ins_h, i);
  for (int64_t i = 0; i < outbox; ++i) run(ins_o, i);
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  double seconds = Seconds(Steady::now() - start);
  sqlite3_finalize(ins_i);
  sqlite3_finalize(ins_h);
  sqlite3_finalize(ins_o);
  sqlite3_close(db);
  std::filesystem::remove_all(dir);
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  unisono::bench::program = "journey_bench";
  const Options o = ParseOptions(argc, argv);
  std::filesystem::remove_all(o.data);
  std::filesystem::create_directories(o.data);
  ManualClock clock(kStart);
  auto store = Must(OpenSqliteStore(o.data), "open store");
  auto profiles = Must(ProfileService::Create(*store, clock, {}), "profile service");
  SegmentEngineOptions so;
  so.write_events = false;
  auto segments = Must(SegmentEngine::Create(*store, clock, profiles.get(), so), "segments");

  fmt::print("journey_bench: {} profiles, half with email consent\n", o.profiles);
  auto t_import = Steady::now();
  Import(*profiles, o.profiles, [](int64_t i) {
    Event e = Own(i, "", EventType::kIdentify);
    e.message_id = "id-" + std::to_string(i);
    if (i % 2 == 0) e.consents = {{"email", true}};
    return e;
  });
  Must(segments->Reload(), "reload segments");
  fmt::print("  profiles imported in {:.1f} s\n", Seconds(Steady::now() - t_import));

  JourneyEngineOptions jo;
  auto journeys = Must(JourneyEngine::Create(*store, clock, *profiles, *segments, jo), "engine");
  const std::string id = Must(journeys->CreateJourney(kJourney), "journey").id;
  Import(*profiles, o.profiles, [](int64_t i) { return Own(i, "Enrol", EventType::kTrack); });

  std::vector<Phase> phases;
  auto run_phase = [&](const std::string& name, Millis advance) {
    clock.Advance(advance);
    int64_t before = StepsEntered(*journeys, id);
    auto t0 = Steady::now();
    Must(journeys->RunUntilIdle(), "run");
    Phase p{name, Seconds(Steady::now() - t0), StepsEntered(*journeys, id) - before,
            advance.count() > 0 ? o.profiles : 0};
    fmt::print("  {:<34} {:>7.2f} s  {:>10} steps  {:>9.0f} steps/s\n", p.name, p.seconds,
               p.transitions, p.transitions / p.seconds);
    phases.push_back(p);
  };
  run_phase("enrol (trigger -> wait 1h)", Millis(0));

  // Memory per waiting instance: what a fresh engine loading them all allocates (heap
  // bytes in use; RSS would hide memory the allocator kept from the engine before).
  journeys.reset();
  malloc_trim(0);
  size_t heap0 = mallinfo2().uordblks;
  long rss0 = RssKb();
  journeys = Must(JourneyEngine::Create(*store, clock, *profiles, *segments, jo), "reload");
  double bytes_per_instance =
      static_cast<double>(mallinfo2().uordblks - heap0) / static_cast<double>(o.profiles);
  fmt::print("  RSS grew by {} KB\n", RssKb() - rss0);
  auto stats = journeys->stats();
  fmt::print("  reloaded {} waiting instances: {:.0f} bytes each (heap), {:.0f} (estimate)\n",
             stats.active_instances, bytes_per_instance,
             static_cast<double>(stats.bytes) / std::max<int64_t>(1, stats.active_instances));

  run_phase("1h: branch, send, wait 1d", std::chrono::hours(1));
  run_phase("1d: split, send, wait 2d", std::chrono::days(1));
  run_phase("2d: best-channel send, complete", std::chrono::days(2));

  double seconds = 0;
  int64_t transitions = 0, timers = 0;
  double timer_seconds = 0;
  for (const auto& p : phases) {
    seconds += p.seconds;
    transitions += p.transitions;
    if (p.timers > 0) {
      timers += p.timers;
      timer_seconds += p.seconds;
    }
  }
  auto results = Must(journeys->Results(id), "results");
  if (results.completed != o.profiles) {
    Die(fmt::format("{} of {} instances completed", results.completed, o.profiles));
  }

  // The same rows as plain SQL.
  sqlite3* db = nullptr;
  sqlite3_open_v2((o.data + "/unisono.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  int64_t history = Count(db, "SELECT count(*) FROM journey_history");
  int64_t outbox = Count(db, "SELECT count(*) FROM outbox");
  sqlite3_close(db);
  int64_t instance_writes = o.profiles * 4;  // one upsert per instance per round
  double baseline = SqlBaseline(o.data + "-sql", instance_writes, history, outbox, jo.batch);

  // Trigger to queued message, one event at a time, with the engine's thread running.
  Must(journeys->CreateJourney(R"({"name": "Ping",
      "trigger": {"event": {"name": "Ping"}},
      "steps": [{"type": "send", "content": "pong", "channel": "postal"}]})"),
       "ping journey");
  std::mutex mu;
  std::condition_variable cv;
  std::map<int64_t, Steady::time_point> queued_at;
  jo.on_queued = [&](const std::vector<OutboxMessage>& messages) {
    std::lock_guard lock(mu);
    for (const auto& m : messages) queued_at[m.profile_id] = Steady::now();
    cv.notify_all();
  };
  jo.poll = std::chrono::milliseconds(1000);
  journeys.reset();
  journeys = Must(JourneyEngine::Create(*store, clock, *profiles, *segments, jo), "restart");
  journeys->Start();
  std::vector<double> latency_ms;
  for (int i = 0; i < o.latency; ++i) {
    Event e = Own(i, "Ping", EventType::kTrack);
    e.message_id = "ping-" + std::to_string(i);
    int64_t profile = Must(profiles->FindBy("user_id", e.user_id), "find").record.id;
    auto t0 = Steady::now();
    Must(profiles->SubmitAndWait({e}).status(), "ping");
    journeys->Nudge();  // what serve's commit hook does
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return queued_at.count(profile); })) {
      Die("a ping was not queued within 10 s");
    }
    latency_ms.push_back(
        std::chrono::duration<double, std::milli>(queued_at[profile] - t0).count());
  }
  journeys->Stop();
  std::sort(latency_ms.begin(), latency_ms.end());
  auto q = [&](double f) { return latency_ms[static_cast<size_t>(f * (latency_ms.size() - 1))]; };

  fmt::print(
      "\nRESULT profiles={} steps={} seconds={:.2f} steps_per_s={:.0f} timers_per_s={:.0f} "
      "bytes_per_waiting_instance={:.0f} history_rows={} outbox_rows={} "
      "sql_baseline_s={:.2f} ratio_vs_sql={:.2f} trigger_to_queued_p50_ms={:.2f} "
      "p99_ms={:.2f}\n",
      o.profiles, transitions, seconds, transitions / seconds, timers / timer_seconds,
      bytes_per_instance, history, outbox, baseline, seconds / baseline, q(0.5), q(0.99));
  profiles.reset();
  std::filesystem::remove_all(o.data);
  return 0;
}
