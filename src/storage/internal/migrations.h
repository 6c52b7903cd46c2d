// Numbered, forward-only schema migrations for the SQLite store.
#pragma once

#include "storage/internal/sqlite_db.h"

namespace unisono::sqlite {

int LatestSchemaVersion();
// Brings the database to the latest version, each step in its own transaction.
Status Migrate(Db& db);

}  // namespace unisono::sqlite
