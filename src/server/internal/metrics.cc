#include "server/internal/metrics.h"

#include <fmt/format.h>

namespace unisono::http {

void Histogram::Observe(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i]++;
  count_++;
  sum_micros_ += static_cast<uint64_t>(seconds * 1e6);
}

void Histogram::Render(std::string& out, const std::string& name, const std::string& labels) const {
  std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += buckets_[i];
    out +=
        fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, kBounds[i], cumulative);
  }
  cumulative += buckets_[kBounds.size()];
  out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, cumulative);
  std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out += fmt::format("{}_sum{} {}\n", name, braces, sum_micros_.load() / 1e6);
  out += fmt::format("{}_count{} {}\n", name, braces, count_.load());
}

void Metrics::EventsRejected(const std::string& reason, uint64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  rejected_[reason] += n;
}

void Metrics::Request(const std::string& route, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  request_latency_[route].Observe(seconds);
  responses_[route + "\x1f" + std::to_string(status)]++;
}

void Metrics::Commit(uint64_t events, double seconds) {
  commits_++;
  committed_events_ += events;
  commit_latency_.Observe(seconds);
}

void Metrics::LogSync(uint64_t requests, double seconds) {
  log_syncs_++;
  log_synced_requests_ += requests;
  log_sync_latency_.Observe(seconds);
}

std::string Metrics::Render() const {
  std::string out;
  out +=
      "# HELP unisono_events_accepted_total Events acknowledged, durable in the ingest log "
      "(duplicates among them are counted below once indexing finds them).\n";
  out += "# TYPE unisono_events_accepted_total counter\n";
  out += fmt::format("unisono_events_accepted_total {}\n", accepted_.load());
  out +=
      "# HELP unisono_events_duplicate_total Events skipped because their messageId was "
      "already stored.\n";
  out += "# TYPE unisono_events_duplicate_total counter\n";
  out += fmt::format("unisono_events_duplicate_total {}\n", duplicates_.load());
  out += "# HELP unisono_events_rejected_total Events refused, by reason.\n";
  out += "# TYPE unisono_events_rejected_total counter\n";
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [reason, n] : rejected_) {
    out += fmt::format("unisono_events_rejected_total{{reason=\"{}\"}} {}\n", reason, n.load());
  }
  out += "# HELP unisono_http_responses_total HTTP responses by route and status.\n";
  out += "# TYPE unisono_http_responses_total counter\n";
  for (const auto& [key, n] : responses_) {
    auto sep = key.find('\x1f');
    out += fmt::format("unisono_http_responses_total{{route=\"{}\",status=\"{}\"}} {}\n",
                       key.substr(0, sep), key.substr(sep + 1), n.load());
  }
  out += "# HELP unisono_http_request_duration_seconds Time from request read to response.\n";
  out += "# TYPE unisono_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : request_latency_) {
    h.Render(out, "unisono_http_request_duration_seconds", "route=\"" + route + "\"");
  }
  auto header = [&](std::string_view name, std::string_view type, std::string_view help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  auto counter = [&](std::string_view name, uint64_t value, std::string_view help) {
    header(name, "counter", help);
    out += fmt::format("{} {}\n", name, value);
  };
  header("unisono_store_commit_duration_seconds", "histogram",
         "Group commit time, resolve to fsync.");
  commit_latency_.Render(out, "unisono_store_commit_duration_seconds", "");
  counter("unisono_store_commits_total", commits_.load(), "Group commits.");
  counter("unisono_store_committed_events_total", committed_events_.load(),
          "Events written by group commits.");
  header("unisono_ingest_log_sync_duration_seconds", "histogram",
         "Ingest log write + fdatasync time; every acknowledgement waits for one.");
  log_sync_latency_.Render(out, "unisono_ingest_log_sync_duration_seconds", "");
  counter("unisono_ingest_log_syncs_total", log_syncs_.load(), "Ingest log syncs (group commits).");
  counter("unisono_ingest_log_synced_requests_total", log_synced_requests_.load(),
          "Requests made durable by those syncs.");
  return out;
}

}  // namespace unisono::http
