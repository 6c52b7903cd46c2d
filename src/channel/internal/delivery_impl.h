// Delivery's inside, shared by delivery.cc (set-up, lanes, dead letters, counters),
// outbox_worker.cc (the workers, retries, the outbox's state), prepare.cc (consent,
// rendering, addresses) and callbacks.cc (providers' delivery reports). Each connector
// has a lane: its own queue, rate limit and worker thread, so a slow or failing
// connector never holds up another.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "channel/channel.h"
#include "channel/internal/connector.h"
#include "channel/internal/rate_limit.h"
#include "channel/internal/tracking.h"

namespace unisono {

namespace channel {

// The connector that carries a channel: smtp, sms, whatsapp, webhook, task, postal, or
// log (everything else).
std::string ConnectorFor(std::string_view channel);

struct Lane {
  Lane(std::string name, std::unique_ptr<Connector> connector, ConnectorOptions options)
      : name(std::move(name)),
        connector(std::move(connector)),
        options(options),
        bucket(options.rate_per_second) {}

  const std::string name;
  std::unique_ptr<Connector> connector;  // replaced only before the worker starts
  const ConnectorOptions options;

  std::mutex mu;  // guards everything below it
  std::condition_variable wake;
  std::map<std::pair<int64_t, int64_t>, OutboxMessage> queue;  // by (due ms, id)
  TokenBucket bucket;
  // Sent, but their new state could not be written yet: written first next time, never
  // sent again.
  std::vector<OutboxMessage> unmarked;
  int64_t in_flight = 0;  // taken from the queue, not settled yet: still pending
  bool nudged = false;
  bool stopping = false;

  std::mutex send_mu;  // one batch at a time through the connector
  std::thread worker;
};

// What one pass of a lane did.
struct Pass {
  bool worked = false;  // messages were handed to the connector (or marked)
  Status status;        // the store refused the new states
};

}  // namespace channel

class Delivery::Impl {
 public:
  Impl(Store& store, Clock& clock, ProfileService& profiles, const ContentLibrary* content,
       DeliveryOptions options);
  ~Impl();
  Status Init();  // the tracking secret, the lanes, the pending messages

  void SetPublicUrl(const std::string& url);
  void Start();
  void Stop();
  void Enqueue(const std::vector<OutboxMessage>& messages);
  Status RunUntilIdle();
  std::vector<DeadLetter> DeadLetters() const;
  Status Retry(int64_t message_id);
  std::vector<ConnectorStats> Stats() const;
  Status Report(const ProviderReport& report);  // callbacks.cc

  // Held while in use: SetPublicUrl may replace it while the server answers links.
  std::shared_ptr<channel::Tracker> tracker() const {
    std::lock_guard lock(mu_);
    return tracker_;
  }

 private:
  struct Counters {
    int64_t delivered = 0;
    int64_t retried = 0;
    int64_t dead = 0;
  };

  // The lane that carries a channel: ConnectorFor, or the log in a dry run.
  std::string LaneFor(const std::string& channel) const;
  Status LoadSecret();
  Status MakeLanes(const std::vector<OutboxMessage>& pending);
  // The connectors that write links (smtp, sms, whatsapp) hold the tracker.
  Result<std::unique_ptr<channel::Connector>> MakeLinkingConnector(
      const std::string& name, const channel::Tracker& tracker) const;
  void Work(channel::Lane& lane);
  channel::Pass DeliverBatch(channel::Lane& lane);
  std::vector<OutboxMessage> TakeDue(channel::Lane& lane, int64_t now);
  // Applies a connector's outcome to the message's row.
  void Settle(const channel::Lane& lane, OutboxMessage& m, const channel::SendOutcome& outcome,
              int64_t now) const;
  // Writes the new states; `settled` of them were in flight until now.
  channel::Pass Mark(channel::Lane& lane, std::vector<OutboxMessage> updates, int64_t settled);
  void WriteDeliveredEvents(const std::vector<OutboxMessage>& delivered);

  // prepare.cc: consent now, the rendition for the profile, the address; a status that
  // is Unavailable or Internal is tried again, any other error makes the message dead.
  Result<channel::Outgoing> Prepare(const channel::Lane& lane, const OutboxMessage& m) const;
  Result<RenderedMessage> Render(const OutboxMessage& m, const std::string& traits_json) const;

  Store& store_;
  Clock& clock_;
  ProfileService& profiles_;
  const ContentLibrary* content_;
  DeliveryOptions options_;
  std::shared_ptr<channel::Tracker> tracker_;                    // guarded by mu_
  std::map<std::string, std::unique_ptr<channel::Lane>> lanes_;  // fixed after Init

  mutable std::mutex mu_;
  std::unordered_set<int64_t> known_;  // ids queued or being sent
  // Pending messages of connectors that are not configured, by connector.
  std::map<std::string, std::set<int64_t>> waiting_;
  std::map<std::string, Counters> counters_;
  bool started_ = false;
};

}  // namespace unisono
