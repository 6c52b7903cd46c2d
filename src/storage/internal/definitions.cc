#include "storage/internal/definitions.h"

#include "storage/internal/sqlite_db.h"

namespace unisono::sqlite {

Status ScanTraits(sqlite3* db,
                  const std::function<void(int64_t, const std::string&, const StoredTrait&)>& fn) {
  Stmt s(db, "SELECT profile_id, key, value, updated_at FROM traits ORDER BY profile_id");
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    fn(s.Int(0), s.Text(1), StoredTrait{s.Text(2), FromMillis(s.Int(3))});
  }
}

Status ScanConsents(sqlite3* db, const std::function<void(const ConsentRecord&)>& fn) {
  Stmt s(db, "SELECT profile_id, channel, granted, source, at FROM consents ORDER BY at, id");
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    fn(ConsentRecord{s.Int(0), s.Text(1), s.Int(2) != 0, s.Text(3), FromMillis(s.Int(4))});
  }
}

Status ScanCosts(sqlite3* db, const std::function<void(const CostRecord&)>& fn) {
  Stmt s(db,
         "SELECT channel, campaign, period_start, period_end, amount_minor, currency, source "
         "FROM costs ORDER BY period_start, id");
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    fn(CostRecord{s.Text(0), s.Text(1), FromMillis(s.Int(2)), FromMillis(s.Int(3)), s.Int(4),
                  s.Text(5), s.Text(6)});
  }
}

Status PutDefinition(sqlite3* writer, const DefinitionRecord& record) {
  Stmt s(writer,
         "INSERT INTO definitions(kind, id, body, updated_at) VALUES(?1, ?2, ?3, ?4) "
         "ON CONFLICT(kind, id) DO UPDATE SET body = excluded.body, "
         "updated_at = excluded.updated_at");
  return s.Bind(1, std::string_view(record.kind))
      .Bind(2, std::string_view(record.id))
      .Bind(3, std::string_view(record.body_json))
      .Bind(4, ToMillis(record.updated_at))
      .Run();
}

Status DeleteDefinition(sqlite3* writer, const std::string& kind, const std::string& id) {
  Stmt s(writer, "DELETE FROM definitions WHERE kind = ?1 AND id = ?2");
  return s.Bind(1, std::string_view(kind)).Bind(2, std::string_view(id)).Run();
}

Result<std::vector<DefinitionRecord>> ListDefinitions(sqlite3* db, const std::string& kind) {
  Stmt s(db, "SELECT kind, id, body, updated_at FROM definitions WHERE kind = ?1 ORDER BY id");
  s.Bind(1, std::string_view(kind));
  std::vector<DefinitionRecord> out;
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    out.push_back({s.Text(0), s.Text(1), s.Text(2), FromMillis(s.Int(3))});
  }
}

Status AppendListChanges(sqlite3* writer, const std::vector<ListChange>& changes) {
  Stmt s(writer,
         "INSERT INTO list_changes(list_id, profile_id, added, actor, reason, at) "
         "VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  for (const auto& c : changes) {
    Status r = s.Bind(1, std::string_view(c.list_id))
                   .Bind(2, c.profile_id)
                   .Bind(3, int64_t{c.added ? 1 : 0})
                   .Bind(4, std::string_view(c.actor))
                   .Bind(5, std::string_view(c.reason))
                   .Bind(6, ToMillis(c.at))
                   .Run();
    if (!r.ok()) return r;
  }
  return Status::Ok();
}

Status ScanListChanges(sqlite3* db, const std::string& list_id,
                       const std::function<void(const ListChange&)>& fn) {
  Stmt s(db,
         "SELECT seq, list_id, profile_id, added, actor, reason, at FROM list_changes "
         "WHERE ?1 = '' OR list_id = ?1 ORDER BY seq");
  s.Bind(1, std::string_view(list_id));
  while (true) {
    auto row = s.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    fn(ListChange{s.Int(0), s.Text(1), s.Int(2), s.Int(3) != 0, s.Text(4), s.Text(5),
                  FromMillis(s.Int(6))});
  }
}

}  // namespace unisono::sqlite
