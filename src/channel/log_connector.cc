// log: appends each message's payload as one JSON line to messages.jsonl, synced before
// the messages are marked delivered. The keys of pending messages already in the file
// are read at start, so a message appended just before a crash (and not yet marked) is
// not written again; keys written since are kept until their messages are marked.
// task: rep channels, whose task the journey engine wrote with the message.
#include <boost/json.hpp>

#include "channel/internal/connector.h"
#include "channel/internal/durable_file.h"

namespace unisono::channel {
namespace {

namespace json = boost::json;

// The payload's "key" member, as the journey engine writes it.
std::string PayloadKey(std::string_view line) {
  constexpr std::string_view kKey = "\"key\":\"";
  auto at = line.find(kKey);
  if (at == std::string_view::npos) return {};
  at += kKey.size();
  auto end = line.find('"', at);
  return end == std::string_view::npos ? std::string() : std::string(line.substr(at, end - at));
}

// The payload with what the customer would read: {"rendered": {"subject", "text", ...}}.
std::string WithRendered(const Outgoing& o) {
  boost::system::error_code ec;
  json::value payload = json::parse(o.message.payload_json, ec);
  if (ec || !payload.is_object()) return o.message.payload_json;
  const RenderedMessage& r = o.rendered;
  json::object rendered{{"rendition", r.rendition}};
  auto put = [&](const char* key, const std::string& value) {
    if (!value.empty()) rendered[key] = value;
  };
  put("subject", r.subject);
  put("title", r.title);
  put("text", r.text);
  put("html", r.html);
  put("template", r.whatsapp_template);
  put("url", r.url);
  if (!r.whatsapp_parameters.empty()) {
    json::array parameters(r.whatsapp_parameters.begin(), r.whatsapp_parameters.end());
    rendered["parameters"] = std::move(parameters);
  }
  if (!r.talking_points.empty()) {
    json::array points(r.talking_points.begin(), r.talking_points.end());
    rendered["talking_points"] = std::move(points);
  }
  payload.as_object()["rendered"] = std::move(rendered);
  return json::serialize(payload);
}

class LogConnector final : public Connector {
 public:
  LogConnector(std::string path, std::unordered_set<std::string> written)
      : path_(std::move(path)), written_(std::move(written)) {}

  std::vector<SendOutcome> Send(const std::vector<Outgoing>& batch) override {
    std::string lines;
    std::vector<const std::string*> keys;
    for (const Outgoing& o : batch) {
      const std::string& key = o.message.idempotency_key;
      if (written_.count(key)) continue;
      lines += o.has_content ? WithRendered(o) : o.message.payload_json;
      lines += '\n';
      keys.push_back(&key);
    }
    Status appended = lines.empty() ? Status::Ok() : AppendDurably(path_, lines);
    if (appended.ok()) {
      for (const std::string* key : keys) written_.insert(*key);
    }
    return std::vector<SendOutcome>(batch.size(), appended.ok()
                                                      ? SendOutcome::Delivered()
                                                      : SendOutcome::Retry(appended.message()));
  }
  size_t max_batch() const override { return 1000; }
  void Marked(const std::vector<OutboxMessage>& messages) override {
    for (const OutboxMessage& m : messages) written_.erase(m.idempotency_key);
  }

 private:
  std::string path_;
  std::unordered_set<std::string> written_;
};

class TaskConnector final : public Connector {
 public:
  std::vector<SendOutcome> Send(const std::vector<Outgoing>& batch) override {
    return std::vector<SendOutcome>(batch.size(), SendOutcome::Delivered());
  }
  size_t max_batch() const override { return 1000; }
};

}  // namespace

Result<std::unique_ptr<Connector>> MakeLogConnector(
    const std::string& path, const std::unordered_set<std::string>& pending_keys) {
  if (Status s = CutPartialLine(path); !s.ok()) return s;
  std::unordered_set<std::string> written;
  if (!pending_keys.empty()) {
    for (auto& key : ReadKeys(path, PayloadKey)) {
      if (pending_keys.count(key)) written.insert(key);
    }
  }
  std::unique_ptr<Connector> c = std::make_unique<LogConnector>(path, std::move(written));
  return c;
}

std::unique_ptr<Connector> MakeTaskConnector() { return std::make_unique<TaskConnector>(); }

}  // namespace unisono::channel
