#include "server/server.h"

#include "server/internal/metrics.h"

namespace unisono {

std::shared_ptr<http::Metrics> MakeMetrics() { return std::make_shared<http::Metrics>(); }

void RecordCommit(http::Metrics& metrics, size_t events, int64_t micros) {
  metrics.Commit(events, static_cast<double>(micros) / 1e6);
}

void RecordLogSync(http::Metrics& metrics, size_t requests, int64_t micros) {
  metrics.LogSync(requests, static_cast<double>(micros) / 1e6);
}

void RecordDuplicates(http::Metrics& metrics, size_t duplicates) {
  metrics.EventsDuplicate(duplicates);
}

}  // namespace unisono
