// Delivery's set-up and upkeep: which connector carries a channel, the lanes made from
// the options (checked at start), the tracking secret, the pending messages loaded from
// the store, the workers started and stopped, dead letters and their retry, the
// counters; and the public Delivery class. The worker loop is in outbox_worker.cc.
#include <openssl/rand.h>

#include <algorithm>

#include "channel/internal/delivery_impl.h"

namespace unisono {

using channel::Lane;

namespace channel {

std::string ConnectorFor(std::string_view channel) {
  if (channel == "email") return "smtp";
  if (channel == "sms" || channel == "whatsapp" || channel == "webhook" || channel == "postal") {
    return std::string(channel);
  }
  if (channel == "rep_visit" || channel == "rep_tablet" || channel == "e_rep") return "task";
  return "log";
}

}  // namespace channel

namespace {

Status CheckConnectorOptions(const std::string& name, const ConnectorOptions& o) {
  if (o.rate_per_second < 0) {
    return Status::InvalidArgument(name + " rate_per_second must be 0 (unlimited) or more")
        .WithField(name + ".rate_per_second");
  }
  if (o.max_attempts < 1) {
    return Status::InvalidArgument(name + " max_attempts must be at least 1")
        .WithField(name + ".max_attempts");
  }
  if (o.backoff.count() < 1) {
    return Status::InvalidArgument(name + " backoff must be at least 1ms")
        .WithField(name + ".backoff");
  }
  return Status::Ok();
}

}  // namespace

Delivery::Impl::Impl(Store& store, Clock& clock, ProfileService& profiles,
                     const ContentLibrary* content, DeliveryOptions options)
    : store_(store),
      clock_(clock),
      profiles_(profiles),
      content_(content),
      options_(std::move(options)) {
  while (!options_.public_url.empty() && options_.public_url.back() == '/') {
    options_.public_url.pop_back();
  }
}

Delivery::Impl::~Impl() { Stop(); }

Status Delivery::Impl::LoadSecret() {
  if (!options_.tracking_secret.empty()) return Status::Ok();
  auto stored = store_.GetSetting("tracking_secret");
  if (!stored.ok()) return stored.status();
  if (*stored && !(*stored)->empty()) {
    options_.tracking_secret = **stored;
    return Status::Ok();
  }
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return Status::Internal("cannot draw random bytes for the tracking secret");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string secret;
  for (unsigned char b : bytes) {
    secret += kHex[b >> 4];
    secret += kHex[b & 15];
  }
  if (Status s = store_.PutSetting("tracking_secret", secret); !s.ok()) return s;
  options_.tracking_secret = secret;
  return Status::Ok();
}

Status Delivery::Impl::MakeLanes(const std::vector<OutboxMessage>& pending) {
  auto add = [&](const std::string& name, std::unique_ptr<channel::Connector> c,
                 const ConnectorOptions& o) -> Status {
    if (Status s = CheckConnectorOptions(name, o); !s.ok()) return s;
    lanes_[name] = std::make_unique<Lane>(name, std::move(c), o);
    return Status::Ok();
  };
  // File connectors: data is synced once per batch, so their lanes send without pause.
  const ConnectorOptions files{0, 8, std::chrono::seconds(1)};
  if (Status s = add("task", channel::MakeTaskConnector(), files); !s.ok()) return s;
  if (Status s = add("webhook", channel::MakeWebhookConnector(), options_.webhook); !s.ok()) {
    return s;
  }
  if (!options_.data_dir.empty()) {
    auto postal = channel::MakePostalConnector(options_.data_dir + "/postal", clock_);
    if (Status s = add("postal", std::move(postal), files); !s.ok()) return s;
  }
  if (options_.log_connector || options_.dry_run) {
    if (options_.data_dir.empty()) {
      return Status::InvalidArgument(
                 "the log connector writes DATA_DIR/messages.jsonl: set "
                 "data_dir, or turn log_connector off")
          .WithField("data_dir");
    }
    std::unordered_set<std::string> keys;
    for (const OutboxMessage& m : pending) {
      if (LaneFor(m.channel) == "log") keys.insert(m.idempotency_key);
    }
    auto log = channel::MakeLogConnector(options_.data_dir + "/messages.jsonl", keys);
    if (!log.ok()) return log.status();
    if (Status s = add("log", std::move(log).value(), files); !s.ok()) return s;
  }
  const std::pair<std::string, const ConnectorOptions*> linking[] = {
      {"smtp", options_.smtp ? &options_.smtp->connector : nullptr},
      {"sms", options_.sms ? &options_.sms->connector : nullptr},
      {"whatsapp", options_.whatsapp ? &options_.whatsapp->connector : nullptr}};
  for (const auto& [name, connector_options] : linking) {
    if (!connector_options) continue;
    auto c = MakeLinkingConnector(name, *tracker_);
    if (!c.ok()) return c.status();
    if (Status s = add(name, std::move(c).value(), *connector_options); !s.ok()) return s;
  }
  return Status::Ok();
}

Result<std::unique_ptr<channel::Connector>> Delivery::Impl::MakeLinkingConnector(
    const std::string& name, const channel::Tracker& tracker) const {
  if (name == "smtp") return channel::MakeSmtpConnector(*options_.smtp, clock_, tracker);
  const auto& provider = name == "sms" ? options_.sms : options_.whatsapp;
  return channel::MakeHttpProviderConnector(
      name, *provider, options_.public_url + "/v1/delivery/callbacks/" + name, tracker);
}

void Delivery::Impl::SetPublicUrl(const std::string& url) {
  // mu_ is not held around send_mu here: a batch in progress takes them the other way.
  options_.public_url = url;
  while (!options_.public_url.empty() && options_.public_url.back() == '/') {
    options_.public_url.pop_back();
  }
  auto tracker = std::make_shared<channel::Tracker>(profiles_, clock_, options_.public_url,
                                                    options_.tracking_secret);
  for (const char* name : {"smtp", "sms", "whatsapp"}) {
    auto lane = lanes_.find(name);
    if (lane == lanes_.end()) continue;
    auto c = MakeLinkingConnector(name, *tracker);
    if (!c.ok()) continue;  // its options were checked at Create: cannot fail now
    std::lock_guard send(lane->second->send_mu);
    lane->second->connector = std::move(c).value();
  }
  std::lock_guard lock(mu_);
  tracker_ = std::move(tracker);  // the old one outlived every connector that held it
}

std::string Delivery::Impl::LaneFor(const std::string& channel) const {
  std::string name = channel::ConnectorFor(channel);
  return options_.dry_run && name != "webhook" ? "log" : name;
}

Status Delivery::Impl::Init() {
  if (Status s = LoadSecret(); !s.ok()) return s;
  tracker_ = std::make_shared<channel::Tracker>(profiles_, clock_, options_.public_url,
                                                options_.tracking_secret);
  std::vector<OutboxMessage> pending;
  if (Status s =
          store_.ScanOutbox(std::nullopt, [&](const OutboxMessage& m) { pending.push_back(m); });
      !s.ok()) {
    return s;
  }
  if (Status s = MakeLanes(pending); !s.ok()) return s;
  Status dead = store_.ScanOutboxByState(
      "dead", [&](const OutboxMessage& m) { ++counters_[LaneFor(m.channel)].dead; });
  if (!dead.ok()) return dead;
  Enqueue(pending);
  return Status::Ok();
}

void Delivery::Impl::Start() {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  for (auto& [name, lane] : lanes_) {
    {
      std::lock_guard lane_lock(lane->mu);
      lane->stopping = false;
    }
    lane->connector->Resume();
    Lane* l = lane.get();
    lane->worker = std::thread([this, l] { Work(*l); });
  }
}

void Delivery::Impl::Stop() {
  {
    std::lock_guard lock(mu_);
    if (!started_) return;
    started_ = false;
  }
  for (auto& [name, lane] : lanes_) {
    std::lock_guard lane_lock(lane->mu);
    lane->stopping = true;
    lane->connector->Cancel();  // a send stuck on a silent server gives up
    lane->wake.notify_all();
  }
  for (auto& [name, lane] : lanes_) {
    if (lane->worker.joinable()) lane->worker.join();
    lane->connector->Resume();
  }
}

std::vector<DeadLetter> Delivery::Impl::DeadLetters() const {
  std::vector<DeadLetter> out;
  store_.ScanOutboxByState("dead", [&](const OutboxMessage& m) {
    out.push_back({m, LaneFor(m.channel), m.last_error});
  });
  return out;
}

Status Delivery::Impl::Retry(int64_t message_id) {
  auto found = store_.GetOutboxMessage(message_id);
  if (!found.ok()) return found.status();
  if (!*found) return Status::NotFound("no outbox message " + std::to_string(message_id));
  OutboxMessage m = **found;
  if (m.state != "dead") {
    return Status::FailedPrecondition("message " + std::to_string(message_id) + " is " + m.state +
                                      "; only dead messages can be retried");
  }
  m.state = "pending";
  m.attempts = 0;
  m.next_attempt_at.reset();
  if (Status s = store_.UpdateOutbox({m}); !s.ok()) return s;
  {
    std::lock_guard lock(mu_);
    Counters& c = counters_[LaneFor(m.channel)];
    c.dead = std::max<int64_t>(0, c.dead - 1);
  }
  Enqueue({m});
  return Status::Ok();
}

std::vector<ConnectorStats> Delivery::Impl::Stats() const {
  std::map<std::string, ConnectorStats> by_name;
  std::lock_guard lock(mu_);
  for (const auto& [name, lane] : lanes_) {
    std::lock_guard lane_lock(lane->mu);
    ConnectorStats& s = by_name[name];
    s.pending = static_cast<int64_t>(lane->queue.size() + lane->unmarked.size()) + lane->in_flight;
  }
  for (const auto& [name, ids] : waiting_) {
    by_name[name].pending += static_cast<int64_t>(ids.size());
  }
  for (const auto& [name, c] : counters_) {
    ConnectorStats& s = by_name[name];
    s.delivered = c.delivered;
    s.retried = c.retried;
    s.dead = c.dead;
  }
  std::vector<ConnectorStats> out;
  for (auto& [name, s] : by_name) {
    s.name = name;
    s.configured = lanes_.count(name) > 0;
    out.push_back(std::move(s));
  }
  return out;
}

// The public face.

Result<std::unique_ptr<Delivery>> Delivery::Create(Store& store, Clock& clock,
                                                   ProfileService& profiles,
                                                   const ContentLibrary* content,
                                                   DeliveryOptions options) {
  auto impl = std::make_unique<Impl>(store, clock, profiles, content, std::move(options));
  if (Status s = impl->Init(); !s.ok()) return s;
  return std::unique_ptr<Delivery>(new Delivery(std::move(impl)));
}

Delivery::Delivery(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Delivery::~Delivery() = default;

void Delivery::SetPublicUrl(const std::string& url) { impl_->SetPublicUrl(url); }
void Delivery::Start() { impl_->Start(); }
void Delivery::Stop() { impl_->Stop(); }
void Delivery::Enqueue(const std::vector<OutboxMessage>& messages) { impl_->Enqueue(messages); }
Status Delivery::RunUntilIdle() { return impl_->RunUntilIdle(); }

void Delivery::Open(const std::string& token, const std::string& user_agent, TrackingDone done) {
  impl_->tracker()->Open(token, user_agent, std::move(done));
}
void Delivery::Click(const std::string& token, const std::string& user_agent, TrackingDone done) {
  impl_->tracker()->Click(token, user_agent, std::move(done));
}
Result<TrackingResult> Delivery::Unsubscribe(const std::string& token) {
  return impl_->tracker()->Unsubscribe(token);
}
Status Delivery::Report(const ProviderReport& report) { return impl_->Report(report); }

std::vector<DeadLetter> Delivery::DeadLetters() const { return impl_->DeadLetters(); }
Status Delivery::Retry(int64_t message_id) { return impl_->Retry(message_id); }
std::vector<ConnectorStats> Delivery::stats() const { return impl_->Stats(); }

}  // namespace unisono
