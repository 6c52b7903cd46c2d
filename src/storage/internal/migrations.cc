#include "storage/internal/migrations.h"

#include <vector>

namespace unisono::sqlite {
namespace {

// Append only: a released migration is never edited.
const std::vector<const char*> kMigrations = {
    // 1: the foundation schema.
    R"sql(
CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE profiles(
  id INTEGER PRIMARY KEY,
  created_at INTEGER NOT NULL,
  merged_into INTEGER REFERENCES profiles(id));
CREATE TABLE identifiers(
  type TEXT NOT NULL,
  value TEXT NOT NULL,
  profile_id INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  PRIMARY KEY(type, value)) WITHOUT ROWID;
CREATE INDEX identifiers_by_profile ON identifiers(profile_id);
CREATE TABLE merges(
  id INTEGER PRIMARY KEY,
  from_profile INTEGER NOT NULL,
  into_profile INTEGER NOT NULL,
  at INTEGER NOT NULL,
  reason TEXT NOT NULL);
CREATE INDEX merges_into ON merges(into_profile);
CREATE TABLE events(
  seq INTEGER PRIMARY KEY,
  message_id TEXT NOT NULL UNIQUE,
  profile_id INTEGER NOT NULL,
  type TEXT NOT NULL,
  name TEXT,
  channel TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  original_timestamp INTEGER NOT NULL,
  sent_at INTEGER,
  received_at INTEGER NOT NULL,
  user_id TEXT,
  anonymous_id TEXT,
  previous_id TEXT,
  group_id TEXT,
  campaign TEXT,
  communication TEXT,
  product TEXT,
  touchpoint TEXT,
  rep_id TEXT,
  stage TEXT,
  cost_minor INTEGER,
  value_minor INTEGER,
  currency TEXT,
  properties TEXT NOT NULL,
  traits TEXT NOT NULL,
  context TEXT NOT NULL,
  source TEXT NOT NULL);
CREATE INDEX events_by_profile_time ON events(profile_id, timestamp);
CREATE TABLE traits(
  profile_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY(profile_id, key)) WITHOUT ROWID;
CREATE TABLE consents(
  id INTEGER PRIMARY KEY,
  profile_id INTEGER NOT NULL,
  channel TEXT NOT NULL,
  granted INTEGER NOT NULL,
  source TEXT NOT NULL,
  at INTEGER NOT NULL);
CREATE INDEX consents_by_profile ON consents(profile_id, channel, at);
CREATE TABLE costs(
  id INTEGER PRIMARY KEY,
  channel TEXT NOT NULL,
  campaign TEXT,
  period_start INTEGER NOT NULL,
  period_end INTEGER NOT NULL,
  amount_minor INTEGER NOT NULL,
  currency TEXT NOT NULL,
  source TEXT NOT NULL);
)sql",
    // 2: definitions (segments, computed traits) and the audit trail of manual lists.
    R"sql(
CREATE TABLE definitions(
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  body TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY(kind, id)) WITHOUT ROWID;
CREATE TABLE list_changes(
  seq INTEGER PRIMARY KEY,
  list_id TEXT NOT NULL,
  profile_id INTEGER NOT NULL,
  added INTEGER NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT NOT NULL,
  at INTEGER NOT NULL);
CREATE INDEX list_changes_by_list ON list_changes(list_id, seq);
)sql",
    // 3: journeys: instances with their timers, the decision history, the outbox of
    // messages to deliver, and reps' tasks.
    R"sql(
CREATE TABLE journey_instances(
  id INTEGER PRIMARY KEY,
  journey_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  profile_id INTEGER NOT NULL,
  state TEXT NOT NULL,
  step INTEGER NOT NULL,
  variant TEXT NOT NULL,
  entered_at INTEGER NOT NULL,
  step_entered_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  due_at INTEGER,
  awaiting INTEGER NOT NULL,
  trigger_seq INTEGER NOT NULL);
CREATE INDEX journey_instances_active ON journey_instances(state) WHERE state = 'active';
CREATE INDEX journey_instances_by_profile ON journey_instances(profile_id);
CREATE TABLE journey_history(
  seq INTEGER PRIMARY KEY,
  instance_id INTEGER NOT NULL,
  profile_id INTEGER NOT NULL,
  journey_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  step TEXT NOT NULL,
  action TEXT NOT NULL,
  reason TEXT NOT NULL,
  detail TEXT NOT NULL,
  at INTEGER NOT NULL);
CREATE INDEX journey_history_by_profile ON journey_history(profile_id, seq);
CREATE INDEX journey_history_by_journey ON journey_history(journey_id, action);
CREATE TABLE outbox(
  id INTEGER PRIMARY KEY,
  idempotency_key TEXT NOT NULL UNIQUE,
  instance_id INTEGER NOT NULL,
  profile_id INTEGER NOT NULL,
  journey_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  step TEXT NOT NULL,
  channel TEXT NOT NULL,
  content TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  next_attempt_at INTEGER,
  last_error TEXT NOT NULL);
CREATE INDEX outbox_pending ON outbox(state, id) WHERE state = 'pending';
CREATE INDEX outbox_by_profile ON outbox(profile_id, created_at);
CREATE TABLE tasks(
  id INTEGER PRIMARY KEY,
  rep_id TEXT NOT NULL,
  profile_id INTEGER NOT NULL,
  instance_id INTEGER NOT NULL,
  journey_id TEXT NOT NULL,
  title TEXT NOT NULL,
  talking_points TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  state TEXT NOT NULL,
  completed_at INTEGER,
  completed_by TEXT NOT NULL,
  notes TEXT NOT NULL);
CREATE INDEX tasks_by_rep ON tasks(rep_id, state, due_at);
)sql",
    // 4: delivery: the provider's id of a sent message, to match its delivery callbacks.
    R"sql(
ALTER TABLE outbox ADD COLUMN provider_message_id TEXT NOT NULL DEFAULT '';
CREATE INDEX outbox_by_provider_id ON outbox(provider_message_id) WHERE provider_message_id != '';
)sql",
};

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(kMigrations.size()); }

Status Migrate(Db& db) {
  sqlite3_stmt* raw = nullptr;
  sqlite3_prepare_v2(db.get(), "PRAGMA user_version", -1, &raw, nullptr);
  int version = 0;
  if (sqlite3_step(raw) == SQLITE_ROW) version = sqlite3_column_int(raw, 0);
  sqlite3_finalize(raw);
  if (version > LatestSchemaVersion()) {
    return Status::FailedPrecondition("the store was written by a newer unisono (schema " +
                                      std::to_string(version) + ", this build knows " +
                                      std::to_string(LatestSchemaVersion()) + "); upgrade unisono");
  }
  for (int v = version; v < LatestSchemaVersion(); ++v) {
    std::string sql = "BEGIN IMMEDIATE;\n";
    sql += kMigrations[v];
    sql += "\nPRAGMA user_version = " + std::to_string(v + 1) + ";\nCOMMIT;";
    if (Status s = db.Exec(sql); !s.ok()) {
      db.Exec("ROLLBACK");
      return Status::Internal("migration " + std::to_string(v + 1) + " failed: " + s.message());
    }
  }
  return Status::Ok();
}

}  // namespace unisono::sqlite
