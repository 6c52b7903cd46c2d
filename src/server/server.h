// server: the HTTP face of unisono — the Segment tracking API (/v1/identify, /v1/track,
// ..., /v1/batch), profiles, channels, CSV import, /healthz and /metrics. Thin: each
// handler parses, calls one module function and renders. One io_context per thread;
// Start returns once listening; Stop drains in-flight requests. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "channel/channel.h"
#include "content/content.h"
#include "core/core.h"
#include "ingest/ingest.h"
#include "journey/journey.h"
#include "profile/profile.h"
#include "segment/segment.h"

namespace unisono {

namespace http {
class Metrics;
}

// The counters behind /metrics. Made before the ProfileService so its commits can be
// observed: pass RecordCommit to ProfileServiceOptions::on_commit.
std::shared_ptr<http::Metrics> MakeMetrics();
void RecordCommit(http::Metrics& metrics, size_t events, int64_t micros);
// Each ingest log sync: ProfileServiceOptions::on_log_sync.
void RecordLogSync(http::Metrics& metrics, size_t requests, int64_t micros);
// Duplicates found while indexing the ingest log: ProfileServiceOptions::on_indexed.
void RecordDuplicates(http::Metrics& metrics, size_t duplicates);

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port
  int threads = 0;       // 0: one per core
  std::vector<std::string> write_keys;
  size_t max_csv_bytes = 64 * 1024 * 1024;  // POST /v1/import/csv body limit
  IngestOptions ingest;
};

struct ServerDeps {
  ProfileService& profiles;
  const ChannelCatalog& catalog;
  Clock& clock;
  std::shared_ptr<http::Metrics> metrics;    // MakeMetrics() if null
  Store* store = nullptr;                    // reports read it; none: reports answer 503
  SegmentEngine* segments = nullptr;         // none: segment routes answer 503
  ManualClock* manual_clock = nullptr;       // set with --clock manual: POST /v1/admin/clock
  JourneyEngine* journeys = nullptr;         // none: journey routes answer 503
  ContentLibrary* content = nullptr;         // none: content and answer routes answer 503
  const ProductCatalog* products = nullptr;  // none: the built-in catalog
  Delivery* delivery = nullptr;              // none: tracking and delivery routes answer 503
};

class Server {
 public:
  static Result<std::unique_ptr<Server>> Start(ServerOptions options, ServerDeps deps);
  ~Server();

  uint16_t port() const;
  // Stops accepting, lets requests in flight finish (up to `grace`), then closes.
  void Stop(Millis grace = Millis(30'000));

 private:
  class Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// JSON renderings shared with the CLI's --format json.
std::string ProfileJson(const Profile& profile, const TimelinePage* timeline);
std::string ChannelsJson(const ChannelCatalog& catalog);

}  // namespace unisono
