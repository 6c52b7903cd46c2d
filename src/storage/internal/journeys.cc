#include "storage/internal/journeys.h"

#include "storage/internal/sqlite_db.h"

namespace unisono::sqlite {
namespace {

std::optional<Timestamp> OptTime(const Stmt& s, int col) {
  if (s.IsNull(col)) return std::nullopt;
  return FromMillis(s.Int(col));
}

Stmt& BindTime(Stmt& s, int index, const std::optional<Timestamp>& t) {
  if (!t) return s.BindNull(index);
  return s.Bind(index, ToMillis(*t));
}

constexpr const char* kInstanceColumns =
    "id, journey_id, version, profile_id, state, step, variant, entered_at, step_entered_at, "
    "updated_at, due_at, awaiting, trigger_seq";

JourneyInstanceRecord ReadInstance(const Stmt& s) {
  JourneyInstanceRecord r;
  r.id = s.Int(0);
  r.journey_id = s.Text(1);
  r.version = static_cast<int>(s.Int(2));
  r.profile_id = s.Int(3);
  r.state = s.Text(4);
  r.step = static_cast<int>(s.Int(5));
  r.variant = s.Text(6);
  r.entered_at = FromMillis(s.Int(7));
  r.step_entered_at = FromMillis(s.Int(8));
  r.updated_at = FromMillis(s.Int(9));
  r.due_at = OptTime(s, 10);
  r.awaiting = s.Int(11) != 0;
  r.trigger_seq = s.Int(12);
  return r;
}

constexpr const char* kOutboxColumns =
    "id, idempotency_key, instance_id, profile_id, journey_id, version, step, channel, content, "
    "payload, state, attempts, created_at, next_attempt_at, last_error, provider_message_id";

OutboxMessage ReadMessage(const Stmt& s) {
  OutboxMessage m;
  m.id = s.Int(0);
  m.idempotency_key = s.Text(1);
  m.instance_id = s.Int(2);
  m.profile_id = s.Int(3);
  m.journey_id = s.Text(4);
  m.version = static_cast<int>(s.Int(5));
  m.step = s.Text(6);
  m.channel = s.Text(7);
  m.content = s.Text(8);
  m.payload_json = s.Text(9);
  m.state = s.Text(10);
  m.attempts = static_cast<int>(s.Int(11));
  m.created_at = FromMillis(s.Int(12));
  m.next_attempt_at = OptTime(s, 13);
  m.last_error = s.Text(14);
  m.provider_message_id = s.Text(15);
  return m;
}

constexpr const char* kTaskColumns =
    "id, rep_id, profile_id, instance_id, journey_id, title, talking_points, created_at, due_at, "
    "state, completed_at, completed_by, notes";

TaskRecord ReadTask(const Stmt& s) {
  TaskRecord t;
  t.id = s.Int(0);
  t.rep_id = s.Text(1);
  t.profile_id = s.Int(2);
  t.instance_id = s.Int(3);
  t.journey_id = s.Text(4);
  t.title = s.Text(5);
  t.talking_points_json = s.Text(6);
  t.created_at = FromMillis(s.Int(7));
  t.due_at = FromMillis(s.Int(8));
  t.state = s.Text(9);
  t.completed_at = OptTime(s, 10);
  t.completed_by = s.Text(11);
  t.notes = s.Text(12);
  return t;
}

Status WriteInstances(sqlite3* db, const std::vector<JourneyInstanceRecord>& rows) {
  if (rows.empty()) return Status::Ok();
  Stmt s(db, std::string("INSERT OR REPLACE INTO journey_instances(") + kInstanceColumns +
                 ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  for (const auto& r : rows) {
    s.Bind(1, r.id)
        .Bind(2, std::string_view(r.journey_id))
        .Bind(3, int64_t{r.version})
        .Bind(4, r.profile_id)
        .Bind(5, std::string_view(r.state))
        .Bind(6, int64_t{r.step})
        .Bind(7, std::string_view(r.variant))
        .Bind(8, ToMillis(r.entered_at))
        .Bind(9, ToMillis(r.step_entered_at))
        .Bind(10, ToMillis(r.updated_at));
    BindTime(s, 11, r.due_at).Bind(12, int64_t{r.awaiting ? 1 : 0}).Bind(13, r.trigger_seq);
    if (Status st = s.Run(); !st.ok()) return st;
  }
  return Status::Ok();
}

Status WriteHistory(sqlite3* db, const std::vector<JourneyHistoryRecord>& rows) {
  if (rows.empty()) return Status::Ok();
  Stmt s(db,
         "INSERT INTO journey_history(instance_id, profile_id, journey_id, version, step, action, "
         "reason, detail, at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  for (const auto& r : rows) {
    s.Bind(1, r.instance_id)
        .Bind(2, r.profile_id)
        .Bind(3, std::string_view(r.journey_id))
        .Bind(4, int64_t{r.version})
        .Bind(5, std::string_view(r.step))
        .Bind(6, std::string_view(r.action))
        .Bind(7, std::string_view(r.reason))
        .Bind(8, std::string_view(r.detail_json))
        .Bind(9, ToMillis(r.at));
    if (Status st = s.Run(); !st.ok()) return st;
  }
  return Status::Ok();
}

Status BindMessage(Stmt& s, const OutboxMessage& m) {
  s.Bind(1, m.id)
      .Bind(2, std::string_view(m.idempotency_key))
      .Bind(3, m.instance_id)
      .Bind(4, m.profile_id)
      .Bind(5, std::string_view(m.journey_id))
      .Bind(6, int64_t{m.version})
      .Bind(7, std::string_view(m.step))
      .Bind(8, std::string_view(m.channel))
      .Bind(9, std::string_view(m.content))
      .Bind(10, std::string_view(m.payload_json))
      .Bind(11, std::string_view(m.state))
      .Bind(12, int64_t{m.attempts})
      .Bind(13, ToMillis(m.created_at));
  BindTime(s, 14, m.next_attempt_at)
      .Bind(15, std::string_view(m.last_error))
      .Bind(16, std::string_view(m.provider_message_id));
  return s.Run();
}

Status WriteOutbox(sqlite3* db, const std::vector<OutboxMessage>& rows) {
  if (rows.empty()) return Status::Ok();
  Stmt s(db, std::string("INSERT INTO outbox(") + kOutboxColumns +
                 ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)");
  for (const auto& m : rows) {
    if (Status st = BindMessage(s, m); !st.ok()) return st;
  }
  return Status::Ok();
}

Status WriteTasks(sqlite3* db, const std::vector<TaskRecord>& rows) {
  if (rows.empty()) return Status::Ok();
  Stmt s(db, std::string("INSERT OR REPLACE INTO tasks(") + kTaskColumns +
                 ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  for (const auto& t : rows) {
    s.Bind(1, t.id)
        .Bind(2, std::string_view(t.rep_id))
        .Bind(3, t.profile_id)
        .Bind(4, t.instance_id)
        .Bind(5, std::string_view(t.journey_id))
        .Bind(6, std::string_view(t.title))
        .Bind(7, std::string_view(t.talking_points_json))
        .Bind(8, ToMillis(t.created_at))
        .Bind(9, ToMillis(t.due_at))
        .Bind(10, std::string_view(t.state));
    BindTime(s, 11, t.completed_at)
        .Bind(12, std::string_view(t.completed_by))
        .Bind(13, std::string_view(t.notes));
    if (Status st = s.Run(); !st.ok()) return st;
  }
  return Status::Ok();
}

}  // namespace

Status WriteJourneyState(sqlite3* writer, const JourneyWrite& write) {
  if (Status s = WriteInstances(writer, write.instances); !s.ok()) return s;
  if (Status s = WriteHistory(writer, write.history); !s.ok()) return s;
  if (Status s = WriteOutbox(writer, write.outbox); !s.ok()) return s;
  if (Status s = WriteTasks(writer, write.tasks); !s.ok()) return s;
  std::vector<std::pair<std::string, std::string>> settings = write.settings;
  if (write.checkpoint_seq) {
    settings.emplace_back("journey.checkpoint", std::to_string(*write.checkpoint_seq));
  }
  if (settings.empty()) return Status::Ok();
  Stmt s(writer,
         "INSERT INTO settings(key, value) VALUES(?1, ?2) "
         "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  for (const auto& [key, value] : settings) {
    if (Status st = s.Bind(1, std::string_view(key)).Bind(2, std::string_view(value)).Run();
        !st.ok()) {
      return st;
    }
  }
  return Status::Ok();
}

Status ScanJourneyInstances(sqlite3* db, bool active_only, int64_t profile_id,
                            const std::function<void(const JourneyInstanceRecord&)>& fn) {
  Stmt s(db, std::string("SELECT ") + kInstanceColumns +
                 " FROM journey_instances WHERE (?1 = 0 OR profile_id = ?1)" +
                 (active_only ? " AND state = 'active'" : "") + " ORDER BY id");
  s.Bind(1, profile_id);
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    fn(ReadInstance(s));
  }
}

Result<std::vector<JourneyHistoryRecord>> JourneyHistory(sqlite3* db, const HistoryQuery& q) {
  Stmt s(db,
         "SELECT seq, instance_id, profile_id, journey_id, version, step, action, reason, detail, "
         "at FROM journey_history WHERE (?1 = 0 OR profile_id = ?1) AND (?2 = '' OR journey_id = "
         "?2) AND seq > ?3 ORDER BY seq LIMIT ?4");
  s.Bind(1, q.profile_id)
      .Bind(2, std::string_view(q.journey_id))
      .Bind(3, q.after_seq)
      .Bind(4, int64_t{q.limit});
  std::vector<JourneyHistoryRecord> out;
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    out.push_back({s.Int(0), s.Int(1), s.Int(2), s.Text(3), static_cast<int>(s.Int(4)), s.Text(5),
                   s.Text(6), s.Text(7), s.Text(8), FromMillis(s.Int(9))});
  }
}

Status CountJourneyHistory(sqlite3* db, const std::string& journey_id,
                           const std::function<void(int, const std::string&, const std::string&,
                                                    const std::string&, int64_t)>& fn) {
  Stmt s(db,
         "SELECT version, step, action, reason, count(*) FROM journey_history "
         "WHERE journey_id = ?1 GROUP BY version, step, action, reason "
         "ORDER BY version, step, action, reason");
  s.Bind(1, std::string_view(journey_id));
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    fn(static_cast<int>(s.Int(0)), s.Text(1), s.Text(2), s.Text(3), s.Int(4));
  }
}

Status ScanOutbox(sqlite3* db, std::optional<Timestamp> since,
                  const std::function<void(const OutboxMessage&)>& fn) {
  Stmt s(db, std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE " +
                 (since ? "created_at >= ?1" : "state = 'pending'") + " ORDER BY id");
  if (since) s.Bind(1, ToMillis(*since));
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    fn(ReadMessage(s));
  }
}

Status UpdateOutbox(sqlite3* writer, const std::vector<OutboxMessage>& messages) {
  Stmt s(writer,
         "UPDATE outbox SET state = ?2, attempts = ?3, next_attempt_at = ?4, last_error = ?5, "
         "provider_message_id = ?6 WHERE id = ?1");
  for (const OutboxMessage& m : messages) {
    s.Bind(1, m.id).Bind(2, std::string_view(m.state)).Bind(3, int64_t{m.attempts});
    BindTime(s, 4, m.next_attempt_at)
        .Bind(5, std::string_view(m.last_error))
        .Bind(6, std::string_view(m.provider_message_id));
    if (Status st = s.Run(); !st.ok()) return st;
  }
  return Status::Ok();
}

namespace {

Result<std::optional<OutboxMessage>> OneMessage(Stmt& s) {
  auto row = s.Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<OutboxMessage>();
  return std::optional<OutboxMessage>(ReadMessage(s));
}

}  // namespace

Result<std::optional<OutboxMessage>> GetOutboxMessage(sqlite3* db, int64_t id) {
  Stmt s(db, std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE id = ?1");
  s.Bind(1, id);
  return OneMessage(s);
}

Result<std::optional<OutboxMessage>> FindOutboxByProviderId(sqlite3* db,
                                                            const std::string& provider_id) {
  // The second term lets SQLite use the partial index on provider ids.
  Stmt s(db, std::string("SELECT ") + kOutboxColumns +
                 " FROM outbox WHERE provider_message_id = ?1 AND provider_message_id != '' "
                 "ORDER BY id LIMIT 1");
  s.Bind(1, std::string_view(provider_id));
  return OneMessage(s);
}

Status ScanOutboxByState(sqlite3* db, const std::string& state,
                         const std::function<void(const OutboxMessage&)>& fn) {
  Stmt s(db, std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE state = ?1 ORDER BY id");
  s.Bind(1, std::string_view(state));
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    fn(ReadMessage(s));
  }
}

Result<std::vector<TaskRecord>> ListTasks(sqlite3* db, const std::string& rep_id,
                                          const std::string& state) {
  Stmt s(db, std::string("SELECT ") + kTaskColumns +
                 " FROM tasks WHERE rep_id = ?1 AND (?2 = '' OR state = ?2) ORDER BY due_at, id");
  s.Bind(1, std::string_view(rep_id)).Bind(2, std::string_view(state));
  std::vector<TaskRecord> out;
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    out.push_back(ReadTask(s));
  }
}

Result<std::optional<TaskRecord>> GetTask(sqlite3* db, int64_t id) {
  Stmt s(db, std::string("SELECT ") + kTaskColumns + " FROM tasks WHERE id = ?1");
  s.Bind(1, id);
  auto row = s.Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<TaskRecord>();
  return std::optional<TaskRecord>(ReadTask(s));
}

Result<Store::JourneyIds> MaxJourneyIds(sqlite3* db) {
  Stmt s(db,
         "SELECT (SELECT coalesce(max(id), 0) FROM journey_instances), "
         "(SELECT coalesce(max(id), 0) FROM outbox), (SELECT coalesce(max(id), 0) FROM tasks)");
  auto row = s.Step();
  if (!row.ok()) return row.status();
  return Store::JourneyIds{s.Int(0), s.Int(1), s.Int(2)};
}

}  // namespace unisono::sqlite
