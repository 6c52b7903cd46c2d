// Counters and histograms rendered in the Prometheus text format. Lock-free updates.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace unisono::http {

class Histogram {
 public:
  static constexpr std::array<double, 12> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  void Observe(double seconds);
  void Render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

class Metrics {
 public:
  void EventsAccepted(uint64_t n) { accepted_ += n; }
  void EventsDuplicate(uint64_t n) { duplicates_ += n; }
  void EventsRejected(const std::string& reason, uint64_t n);
  void Request(const std::string& route, int status, double seconds);
  void Commit(uint64_t events, double seconds);
  void LogSync(uint64_t requests, double seconds);
  std::string Render() const;

 private:
  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> duplicates_{0};
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> committed_events_{0};
  Histogram commit_latency_;
  std::atomic<uint64_t> log_syncs_{0};
  std::atomic<uint64_t> log_synced_requests_{0};
  Histogram log_sync_latency_;
  mutable std::mutex mu_;  // guards the labelled maps' shape; values are atomics
  std::map<std::string, std::atomic<uint64_t>> rejected_;
  std::map<std::string, Histogram> request_latency_;
  std::map<std::string, std::atomic<uint64_t>> responses_;
};

}  // namespace unisono::http
