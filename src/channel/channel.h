// channel: delivery of the journeys' outbox through connectors — email over SMTP,
// SMS and WhatsApp through an HTTP provider, webhook, rep task, postal batch files,
// log — and tracking: signed open-pixel, click and one-click-unsubscribe links, and the
// providers' delivery callbacks. Each connector has its own worker, rate limit and
// retries, so a failing one never holds up the others; a message is sent at most once
// per idempotency key; what cannot be delivered lands in the dead-letter list with its
// reason. Tracking and callbacks become events on the profile's timeline. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "content/content.h"
#include "core/core.h"
#include "profile/profile.h"
#include "segment/segment.h"
#include "storage/storage.h"

namespace unisono {

// One connector's settings. Which connector carries a channel: email -> smtp; sms ->
// sms; whatsapp -> whatsapp; webhook steps -> webhook; rep channels -> task; postal
// -> postal; anything else -> log (when configured), else the message stays pending.
struct ConnectorOptions {
  double rate_per_second = 0;                // 0: unlimited
  int max_attempts = 8;                      // then the message goes to the dead-letter list
  Millis backoff = std::chrono::seconds(1);  // doubles per attempt, capped at 1 h
};

struct SmtpOptions {
  std::string url;           // smtp://user:pass@host:port (STARTTLS when offered) or smtps://
  std::string from;          // "Unisono <news@example.com>"
  bool require_tls = false;  // refuse to send without STARTTLS/TLS
  ConnectorOptions connector;
};

// An HTTP SMS/WhatsApp provider: a form post (application/x-www-form-urlencoded) by
// default, as the common providers' APIs take; field values are Mustache templates
// over {{to}}, {{from}}, {{body}}, {{message_id}}, {{template}}, {{parameters_json}},
// {{status_callback}}. The provider's message id is read from the JSON answer at
// `id_field` so its delivery callbacks can be matched.
struct HttpProviderOptions {
  std::string url;
  std::string from;
  std::string auth;                  // "user:password" for HTTP Basic, "" none
  std::string body_format = "form";  // form | json
  std::map<std::string, std::string> fields = {{"To", "{{to}}"},
                                               {"From", "{{from}}"},
                                               {"Body", "{{body}}"},
                                               {"StatusCallback", "{{status_callback}}"}};
  std::string id_field = "sid";
  ConnectorOptions connector;
};

struct DeliveryOptions {
  std::string data_dir;       // messages.jsonl (log) and postal/ batches live here
  bool log_connector = true;  // channels without a connector go to messages.jsonl
  // Every message but webhooks goes to the log connector instead of its channel's:
  // nothing leaves the machine (trying out journeys, tests). Consent is still checked.
  bool dry_run = false;
  std::optional<SmtpOptions> smtp;
  std::optional<HttpProviderOptions> sms;
  std::optional<HttpProviderOptions> whatsapp;
  ConnectorOptions webhook;
  // Tracking: links in messages point here (the server's public base URL) and carry an
  // HMAC-SHA256 signature with `tracking_secret` (generated and kept in the store when
  // empty).
  std::string public_url = "http://127.0.0.1:8080";
  std::string tracking_secret;
  // Traits that hold a profile's addresses.
  std::string email_trait = "email";
  std::string phone_trait = "phone";
  std::string address_trait = "address";  // postal
};

struct DeadLetter {
  OutboxMessage message;
  std::string connector;
  std::string reason;
};

struct ConnectorStats {
  std::string name;
  bool configured = true;  // false: its messages wait in the outbox for it to be set up
  int64_t pending = 0;
  int64_t delivered = 0;
  int64_t retried = 0;
  int64_t dead = 0;
};

// What a tracking link did, for the server to answer with.
struct TrackingResult {
  std::string redirect_url;  // click: where to send the browser
  int64_t profile_id = 0;
  std::string event;  // "email_opened", "link_clicked", "unsubscribed"
};

// A provider's delivery report (a callback), already parsed from its form or JSON body.
struct ProviderReport {
  std::string provider;             // "sms" | "whatsapp" | "smtp"
  std::string provider_message_id;  // the provider's id (e.g. MessageSid)
  std::string status;  // the provider's word: delivered, failed, undelivered, bounced, read
  std::string error;   // the provider's error code or text, if any
};

class Delivery {
 public:
  // Loads pending messages from the store. Needs the content library to render
  // messages whose `content` names an item, the profile service for addresses and to
  // write tracking events, and the segment engine for stages (may be null).
  static Result<std::unique_ptr<Delivery>> Create(Store& store, Clock& clock,
                                                  ProfileService& profiles,
                                                  const ContentLibrary* content,
                                                  DeliveryOptions options);
  ~Delivery();

  // Where tracking links point, before Start: serve learns its port only after binding.
  void SetPublicUrl(const std::string& url);
  void Start();  // one worker per connector
  void Stop();
  // New messages committed by the journey engine (its on_queued hook).
  void Enqueue(const std::vector<OutboxMessage>& messages);
  // Delivers everything due now on the caller's thread: tests and the manual clock.
  Status RunUntilIdle();

  // Tracking links, verified by their signature (PermissionDenied when forged).
  // Opens and clicks answer through `done` once their event is durable (on another
  // thread), or at once when the token is not valid.
  using TrackingDone = std::function<void(Result<TrackingResult>)>;
  void Open(const std::string& token, const std::string& user_agent, TrackingDone done);
  void Click(const std::string& token, const std::string& user_agent, TrackingDone done);
  // One-click unsubscribe (RFC 8058): refuses the consent for the message's channel
  // and writes an `unsubscribed` event.
  Result<TrackingResult> Unsubscribe(const std::string& token);
  // A provider's delivery callback: `sms_delivered`, `whatsapp_delivered`,
  // `message_bounced`, `message_failed`, ... on the profile; a repeated callback is
  // acknowledged and not written twice.
  Status Report(const ProviderReport& report);

  std::vector<DeadLetter> DeadLetters() const;
  // Puts a dead message back in its connector's queue (after the cause was fixed).
  Status Retry(int64_t message_id);
  std::vector<ConnectorStats> stats() const;

  class Impl;

 private:
  explicit Delivery(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace unisono
