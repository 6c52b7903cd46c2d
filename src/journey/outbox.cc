// The outbox's delivery until the channel connectors arrive: the log connector appends
// each message as one JSON line to messages.jsonl, the webhook connector POSTs it.
// A message is marked delivered after it is out; a crash in between is caught on
// start by the keys already in the file, so no message is written twice.
#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>

#include "journey/internal/engine_impl.h"

namespace unisono {
namespace {

constexpr int kMaxAttempts = 8;

// Appends lines and makes them durable before the messages are marked delivered.
Status AppendDurably(const std::string& path, const std::string& lines) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Unavailable("cannot open " + path + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < lines.size()) {
    ssize_t n = write(fd, lines.data() + done, lines.size() - done);
    if (n < 0) {
      close(fd);
      return Status::Unavailable("cannot write " + path + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  int synced = fdatasync(fd);
  close(fd);
  if (synced != 0) return Status::Unavailable("cannot sync " + path);
  return Status::Ok();
}

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

// POSTs the payload; returns "" on a 2xx answer, else what went wrong.
std::string PostWebhook(const OutboxMessage& m) {
  CURL* curl = curl_easy_init();
  if (!curl) return "cannot start an HTTP client";
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, ("Idempotency-Key: " + m.idempotency_key).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, m.content.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, m.payload_json.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) return curl_easy_strerror(rc);
  if (status < 200 || status >= 300) return "HTTP " + std::to_string(status);
  return "";
}

}  // namespace

// Messages without a connector stay pending in the store until one is configured.
bool JourneyEngine::Impl::HasConnector(const OutboxMessage& m) const {
  return m.channel == "webhook" || !options_.messages_path.empty();
}

void JourneyEngine::Impl::LoadDeliveredKeys() {
  std::lock_guard lock(outbox_mu_);
  Status s = store_.ScanOutbox(std::nullopt, [&](const OutboxMessage& m) {
    if (HasConnector(m)) pending_.push_back(m);
  });
  if (!s.ok() || pending_.empty() || options_.messages_path.empty()) return;
  std::ifstream in(options_.messages_path);
  std::string line;
  while (std::getline(in, line)) {
    auto at = line.find("\"key\":\"");
    if (at == std::string::npos) continue;
    at += 7;
    delivered_keys_.insert(line.substr(at, line.find('"', at) - at));
  }
}

// Delivery runs outside the lock, so a slow webhook never holds up the engine.
Status JourneyEngine::Impl::DeliverDue(int64_t now) {
  std::deque<OutboxMessage> due, later;
  {
    std::lock_guard lock(outbox_mu_);
    for (OutboxMessage& m : pending_) {
      bool waiting = m.next_attempt_at && ToMillis(*m.next_attempt_at) > now;
      (waiting ? later : due).push_back(std::move(m));
    }
    pending_ = std::move(later);
    later.clear();
  }
  std::vector<OutboxMessage> done;
  std::string lines;
  for (OutboxMessage& m : due) {
    if (m.channel == "webhook") {
      std::string error = PostWebhook(m);
      ++m.attempts;
      if (error.empty()) {
        m.state = "delivered";
        m.next_attempt_at.reset();
      } else {
        m.last_error = error;
        m.state = m.attempts >= kMaxAttempts ? "dead" : "pending";
        int64_t backoff = std::min<int64_t>(3'600'000, 1000LL << std::min(m.attempts, 20));
        m.next_attempt_at = FromMillis(now + backoff);
      }
      if (m.state == "pending") later.push_back(m);
      done.push_back(std::move(m));
      continue;
    }
    if (!delivered_keys_.count(m.idempotency_key)) lines += m.payload_json + "\n";
    ++m.attempts;
    m.state = "delivered";
    done.push_back(std::move(m));
  }
  Status appended = lines.empty() ? Status::Ok() : AppendDurably(options_.messages_path, lines);
  {
    std::lock_guard lock(outbox_mu_);
    for (auto& m : later) pending_.push_back(std::move(m));
    if (!appended.ok()) {
      for (auto& m : done) {
        if (m.channel != "webhook") pending_.push_back(std::move(m));
      }
    }
  }
  if (!appended.ok()) return appended;
  if (done.empty()) return Status::Ok();
  return store_.UpdateOutbox(done);
}

void JourneyEngine::Impl::StartOutbox() {
  if (outbox_thread_.joinable()) return;
  outbox_stopping_ = false;
  outbox_thread_ = std::thread([this] {
    while (true) {
      DeliverDue(ToMillis(clock_.Now()));
      std::unique_lock lock(outbox_mu_);
      outbox_cv_.wait_for(lock, std::chrono::seconds(1),
                          [&] { return outbox_nudged_ || outbox_stopping_; });
      outbox_nudged_ = false;
      if (outbox_stopping_) return;
    }
  });
}

void JourneyEngine::Impl::StopOutbox() {
  {
    std::lock_guard lock(outbox_mu_);
    outbox_stopping_ = true;
    outbox_cv_.notify_all();
  }
  if (outbox_thread_.joinable()) outbox_thread_.join();
}

}  // namespace unisono
