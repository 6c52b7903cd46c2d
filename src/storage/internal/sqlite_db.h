// Thin RAII wrappers over the SQLite C API: a connection and a prepared statement.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/core.h"

namespace unisono::sqlite {

class Db {
 public:
  static Result<Db> Open(const std::string& path, bool read_only);
  Db() = default;
  Db(Db&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Db& operator=(Db&& other) noexcept;
  Db(const Db&) = delete;
  ~Db();

  sqlite3* get() const { return db_; }
  Status Exec(const std::string& sql);
  Status Error(std::string_view what) const;

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, std::string_view sql);  // throws on a bad statement: that is a bug
  Stmt(Stmt&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Stmt& operator=(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  ~Stmt();

  Stmt& Bind(int index, int64_t value);
  Stmt& Bind(int index, std::string_view value);
  Stmt& BindNull(int index);
  Stmt& BindOptional(int index, const std::optional<int64_t>& value);
  Stmt& BindText(int index, std::string_view value);  // empty -> NULL
  // Without SQLite's copy: `value` must stay alive until Run() (which clears bindings).
  Stmt& BindUnowned(int index, std::string_view value);
  Stmt& BindUnownedText(int index, std::string_view value);  // empty -> NULL

  // SQLITE_ROW -> true, SQLITE_DONE -> false, error -> Status.
  Result<bool> Step();
  Status Run();  // Step to done and reset
  void Reset();

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string Text(int col) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace unisono::sqlite
