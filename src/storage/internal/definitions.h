// SQL for definitions, manual-list changes and the trait/consent scans, kept apart
// from the event pipeline in sqlite_store.cc. Callers hold the right connection.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <string>
#include <vector>

#include "storage/storage.h"

namespace unisono::sqlite {

Status ScanTraits(sqlite3* db,
                  const std::function<void(int64_t, const std::string&, const StoredTrait&)>& fn);
Status ScanConsents(sqlite3* db, const std::function<void(const ConsentRecord&)>& fn);
Status ScanCosts(sqlite3* db, const std::function<void(const CostRecord&)>& fn);

Status PutDefinition(sqlite3* writer, const DefinitionRecord& record);
Status DeleteDefinition(sqlite3* writer, const std::string& kind, const std::string& id);
Result<std::vector<DefinitionRecord>> ListDefinitions(sqlite3* db, const std::string& kind);

Status AppendListChanges(sqlite3* writer, const std::vector<ListChange>& changes);
Status ScanListChanges(sqlite3* db, const std::string& list_id,
                       const std::function<void(const ListChange&)>& fn);

}  // namespace unisono::sqlite
