// webhook: POSTs the message's payload to the URL of the journey's webhook step, with
// an Idempotency-Key header that stays the same across retries. A 2xx answer delivers
// it; anything else is tried again (the receiver may be down or misconfigured for a
// while), until the worker gives up.
#include "channel/internal/connector.h"
#include "channel/internal/http_post.h"

namespace unisono::channel {
namespace {

class WebhookConnector final : public Connector {
 public:
  std::vector<SendOutcome> Send(const std::vector<Outgoing>& batch) override {
    std::vector<SendOutcome> out;
    for (const Outgoing& o : batch) {
      const OutboxMessage& m = o.message;
      HttpAnswer answer =
          http_.Post(m.content, m.payload_json,
                     {"Content-Type: application/json", "Idempotency-Key: " + m.idempotency_key});
      out.push_back(answer.ok() ? SendOutcome::Delivered() : SendOutcome::Retry(answer.Describe()));
    }
    return out;
  }
  // Sent one by one; their new states are written together, once per batch.
  size_t max_batch() const override { return 16; }
  void Cancel() override { http_.Cancel(); }
  void Resume() override { http_.Resume(); }

 private:
  HttpPoster http_;
};

}  // namespace

std::unique_ptr<Connector> MakeWebhookConnector() { return std::make_unique<WebhookConnector>(); }

}  // namespace unisono::channel
