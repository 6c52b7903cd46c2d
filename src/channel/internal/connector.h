// The connector interface: one small class per way out (smtp, http_sms, webhook, log,
// postal, task), chosen by name in delivery.cc. A connector only carries prepared
// messages; consent, rendering, retries, rate limits and the outbox's state belong to
// the delivery worker. A connector is used by one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "channel/channel.h"

namespace unisono::channel {

class Tracker;

// A message ready to go: its outbox row, the address it goes to, and its rendition.
struct Outgoing {
  OutboxMessage message;
  std::string to;    // email address, phone number or postal address
  std::string name;  // the addressee's name, when the connector prints it
  RenderedMessage rendered;
  bool has_content = false;  // `rendered` holds the message's content
};

struct SendOutcome {
  enum class Kind { kDelivered, kRetry, kPermanent };
  Kind kind = Kind::kDelivered;
  std::string error;
  std::string provider_message_id;

  static SendOutcome Delivered(std::string provider_id = {}) {
    return {Kind::kDelivered, {}, std::move(provider_id)};
  }
  static SendOutcome Retry(std::string error) { return {Kind::kRetry, std::move(error), {}}; }
  static SendOutcome Permanent(std::string error) {
    return {Kind::kPermanent, std::move(error), {}};
  }
};

class Connector {
 public:
  virtual ~Connector() = default;
  // One outcome per message, in order.
  virtual std::vector<SendOutcome> Send(const std::vector<Outgoing>& batch) = 0;
  // Messages handed over in one call: files sync once per batch.
  virtual size_t max_batch() const { return 1; }
  // These messages are marked delivered in the store: what was kept to avoid writing
  // them twice may go.
  virtual void Marked(const std::vector<OutboxMessage>& messages) { (void)messages; }
  // Cancel aborts a send in progress (from another thread, when the worker stops); the
  // message is tried again later. Resume undoes it when the worker starts again.
  virtual void Cancel() {}
  virtual void Resume() {}
};

// The connectors. Factories that take options check them (InvalidArgument naming the
// option) so a bad configuration fails at start, not at the first message.
Result<std::unique_ptr<Connector>> MakeSmtpConnector(const SmtpOptions& options, Clock& clock,
                                                     const Tracker& tracker);
// `name` is "sms" or "whatsapp"; `status_callback` is the URL of its delivery callbacks.
Result<std::unique_ptr<Connector>> MakeHttpProviderConnector(const std::string& name,
                                                             const HttpProviderOptions& options,
                                                             const std::string& status_callback,
                                                             const Tracker& tracker);
std::unique_ptr<Connector> MakeWebhookConnector();
// Appends payloads to `path`; of the messages still pending at start (`pending_keys`),
// those already in the file are not written again.
Result<std::unique_ptr<Connector>> MakeLogConnector(
    const std::string& path, const std::unordered_set<std::string>& pending_keys);
// One CSV per day under `dir` (postal/YYYY-MM-DD.csv).
std::unique_ptr<Connector> MakePostalConnector(const std::string& dir, Clock& clock);
// Rep channels: the journey engine created the rep's task with the message.
std::unique_ptr<Connector> MakeTaskConnector();

}  // namespace unisono::channel
