// SQL for journeys' durable state: instances and timers, the decision history, the
// outbox and reps' tasks. Callers hold the right connection (the writer for writes).
#pragma once

#include <sqlite3.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "storage/storage.h"

namespace unisono::sqlite {

Status WriteJourneyState(sqlite3* writer, const JourneyWrite& write);
Status ScanJourneyInstances(sqlite3* db, bool active_only, int64_t profile_id,
                            const std::function<void(const JourneyInstanceRecord&)>& fn);
Result<std::vector<JourneyHistoryRecord>> JourneyHistory(sqlite3* db, const HistoryQuery& query);
Status CountJourneyHistory(sqlite3* db, const std::string& journey_id,
                           const std::function<void(int, const std::string&, const std::string&,
                                                    const std::string&, int64_t)>& fn);
Status ScanOutbox(sqlite3* db, std::optional<Timestamp> since,
                  const std::function<void(const OutboxMessage&)>& fn);
Status UpdateOutbox(sqlite3* writer, const std::vector<OutboxMessage>& messages);
Result<std::optional<OutboxMessage>> GetOutboxMessage(sqlite3* db, int64_t id);
Result<std::optional<OutboxMessage>> FindOutboxByProviderId(sqlite3* db,
                                                            const std::string& provider_id);
Status ScanOutboxByState(sqlite3* db, const std::string& state,
                         const std::function<void(const OutboxMessage&)>& fn);
Result<std::vector<TaskRecord>> ListTasks(sqlite3* db, const std::string& rep_id,
                                          const std::string& state);
Result<std::optional<TaskRecord>> GetTask(sqlite3* db, int64_t id);
Result<Store::JourneyIds> MaxJourneyIds(sqlite3* db);

}  // namespace unisono::sqlite
