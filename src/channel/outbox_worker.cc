// The outbox worker: each lane takes what is due within its rate limit, prepares it,
// hands it to its connector, and writes the outcome back to the outbox rows in one
// transaction: delivered, pending with the next attempt (backoff doubling from the
// connector's, capped at an hour), or dead with its reason.
#include <algorithm>
#include <boost/json.hpp>

#include "channel/internal/delivery_impl.h"

namespace unisono {

using channel::Lane;
using channel::Pass;
using channel::SendOutcome;

namespace {

constexpr int64_t kMaxBackoffMs = 3'600'000;
constexpr int64_t kIdleWaitMs = 1000;  // a worker looks again at least this often

// The wait after the `attempts`-th failure: the backoff, doubled for each failure before.
int64_t BackoffMs(const ConnectorOptions& o, int attempts) {
  int64_t wait = std::min(kMaxBackoffMs, std::max<int64_t>(1, o.backoff.count()));
  for (int i = 1; i < attempts && wait < kMaxBackoffMs; ++i) {
    wait = std::min(kMaxBackoffMs, wait * 2);
  }
  return wait;
}

int64_t DueMs(const OutboxMessage& m) {
  return m.next_attempt_at ? ToMillis(*m.next_attempt_at) : 0;
}

}  // namespace

void Delivery::Impl::Enqueue(const std::vector<OutboxMessage>& messages) {
  std::lock_guard lock(mu_);
  for (const OutboxMessage& m : messages) {
    if (m.state != "pending" || !known_.insert(m.id).second) continue;
    const std::string name = LaneFor(m.channel);
    auto lane = lanes_.find(name);
    if (lane == lanes_.end()) {
      // Stays pending in the store; a restart with the connector configured sends it.
      known_.erase(m.id);
      waiting_[name].insert(m.id);
      continue;
    }
    std::lock_guard lane_lock(lane->second->mu);
    lane->second->queue.emplace(std::pair{DueMs(m), m.id}, m);
    lane->second->nudged = true;
    lane->second->wake.notify_one();
  }
}

std::vector<OutboxMessage> Delivery::Impl::TakeDue(Lane& lane, int64_t now) {
  std::lock_guard lock(lane.mu);
  std::vector<OutboxMessage> batch;
  if (lane.queue.empty() || lane.queue.begin()->first.first > now) return batch;
  const int64_t room = std::min<int64_t>(lane.bucket.Available(now),
                                         static_cast<int64_t>(lane.connector->max_batch()));
  auto it = lane.queue.begin();
  while (it != lane.queue.end() && static_cast<int64_t>(batch.size()) < room &&
         it->first.first <= now) {
    batch.push_back(std::move(it->second));
    it = lane.queue.erase(it);
  }
  lane.bucket.Take(static_cast<int64_t>(batch.size()));
  lane.in_flight += static_cast<int64_t>(batch.size());
  return batch;
}

void Delivery::Impl::Settle(const Lane& lane, OutboxMessage& m, const SendOutcome& outcome,
                            int64_t now) const {
  ++m.attempts;
  switch (outcome.kind) {
    case SendOutcome::Kind::kDelivered:
      m.state = "delivered";
      m.next_attempt_at.reset();
      m.last_error.clear();
      m.provider_message_id = outcome.provider_message_id;
      return;
    case SendOutcome::Kind::kPermanent:
      m.state = "dead";
      m.next_attempt_at.reset();
      m.last_error = outcome.error;
      return;
    case SendOutcome::Kind::kRetry:
      m.last_error = outcome.error;
      if (m.attempts >= lane.options.max_attempts) {
        m.state = "dead";
        m.next_attempt_at.reset();
        m.last_error =
            "gave up after " + std::to_string(m.attempts) + " attempts: " + outcome.error;
      } else {
        m.state = "pending";
        m.next_attempt_at = FromMillis(now + BackoffMs(lane.options, m.attempts));
      }
      return;
  }
}

Pass Delivery::Impl::DeliverBatch(Lane& lane) {
  std::lock_guard send(lane.send_mu);
  if (!lane.unmarked.empty()) {
    // The store refused these states last time: write them before sending anything new.
    std::vector<OutboxMessage> retry_marks;
    {
      std::lock_guard lock(lane.mu);
      retry_marks.swap(lane.unmarked);
    }
    Pass p = Mark(lane, std::move(retry_marks), 0);
    if (!p.status.ok()) return {false, p.status};
  }
  const int64_t now = ToMillis(clock_.Now());
  std::vector<OutboxMessage> batch = TakeDue(lane, now);
  if (batch.empty()) return {};
  std::vector<OutboxMessage> updates;
  std::vector<channel::Outgoing> ready;
  for (OutboxMessage& m : batch) {
    auto prepared = Prepare(lane, m);
    if (prepared.ok()) {
      ready.push_back(std::move(prepared).value());
      continue;
    }
    const StatusCode code = prepared.status().code();
    const bool transient = code == StatusCode::kUnavailable || code == StatusCode::kInternal;
    Settle(lane, m,
           transient ? SendOutcome::Retry(prepared.status().message())
                     : SendOutcome::Permanent(prepared.status().message()),
           now);
    updates.push_back(std::move(m));
  }
  if (!ready.empty()) {
    std::vector<SendOutcome> outcomes = lane.connector->Send(ready);
    const int64_t after = ToMillis(clock_.Now());
    for (size_t i = 0; i < ready.size(); ++i) {
      OutboxMessage& m = ready[i].message;
      Settle(lane, m, i < outcomes.size() ? outcomes[i] : SendOutcome::Retry("no outcome"), after);
      updates.push_back(std::move(m));
    }
  }
  std::sort(updates.begin(), updates.end(),
            [](const OutboxMessage& a, const OutboxMessage& b) { return a.id < b.id; });
  const auto settled = static_cast<int64_t>(updates.size());
  return Mark(lane, std::move(updates), settled);
}

void Delivery::Impl::WriteDeliveredEvents(const std::vector<OutboxMessage>& delivered) {
  std::vector<Event> events;
  const Timestamp now = clock_.Now();
  for (const OutboxMessage& m : delivered) {
    Event e;
    e.type = EventType::kTrack;
    e.name = "email_delivered";
    e.channel = "email";
    e.profile_id = m.profile_id;
    e.timestamp = e.original_timestamp = e.received_at = now;
    e.source = "delivery";
    // Deterministic, so a message marked again after a crash is not recorded twice.
    e.message_id = "delivered:" + m.idempotency_key;
    e.properties_json = boost::json::serialize(boost::json::object{
        {"message_id", m.id}, {"journey", m.journey_id}, {"content", m.content}});
    events.push_back(std::move(e));
  }
  if (!events.empty()) profiles_.SubmitAndWait(std::move(events));
}

Pass Delivery::Impl::Mark(Lane& lane, std::vector<OutboxMessage> updates, int64_t settled) {
  if (updates.empty()) return {true, Status::Ok()};
  std::vector<OutboxMessage> delivered;
  for (const OutboxMessage& m : updates) {
    if (m.state == "delivered") delivered.push_back(m);
  }
  if (lane.name == "smtp") WriteDeliveredEvents(delivered);
  if (Status s = store_.UpdateOutbox(updates); !s.ok()) {
    std::lock_guard lock(lane.mu);
    lane.unmarked.insert(lane.unmarked.end(), std::make_move_iterator(updates.begin()),
                         std::make_move_iterator(updates.end()));
    lane.in_flight -= settled;
    return {false, s};
  }
  lane.connector->Marked(delivered);
  std::vector<OutboxMessage> again;
  {
    std::lock_guard lock(mu_);
    Counters& c = counters_[lane.name];
    for (OutboxMessage& m : updates) {
      if (m.state == "pending") {
        ++c.retried;
        again.push_back(std::move(m));
        continue;
      }
      ++(m.state == "delivered" ? c.delivered : c.dead);
      known_.erase(m.id);
    }
  }
  std::lock_guard lock(lane.mu);
  for (OutboxMessage& m : again) lane.queue.emplace(std::pair{DueMs(m), m.id}, std::move(m));
  lane.in_flight -= settled;
  return {true, Status::Ok()};
}

void Delivery::Impl::Work(Lane& lane) {
  while (true) {
    Pass pass = DeliverBatch(lane);
    std::unique_lock lock(lane.mu);
    if (lane.stopping) return;
    if (pass.worked) continue;
    const int64_t now = ToMillis(clock_.Now());
    int64_t wait = kIdleWaitMs;
    if (!lane.queue.empty()) {
      wait = std::max(lane.queue.begin()->first.first - now, lane.bucket.MsUntilNext(now));
    }
    wait = std::clamp<int64_t>(wait, 1, kIdleWaitMs);
    lane.wake.wait_for(lock, Millis(wait), [&] { return lane.stopping || lane.nudged; });
    lane.nudged = false;
    if (lane.stopping) return;
  }
}

Status Delivery::Impl::RunUntilIdle() {
  Status result = Status::Ok();
  for (bool any = true; any;) {
    any = false;
    for (auto& [name, lane] : lanes_) {
      while (true) {
        Pass pass = DeliverBatch(*lane);
        if (!pass.status.ok()) result = pass.status;
        if (!pass.worked) break;
        any = true;
      }
    }
  }
  return result;
}

}  // namespace unisono
