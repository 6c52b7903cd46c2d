#include "storage/internal/event_codec.h"

#include <cstring>

namespace unisono::ingest_log {
namespace {

// Bumped when the layout changes; an unknown version is refused.
constexpr uint8_t kFormat = 1;

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U32(uint32_t v) {
    char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
    out_.append(b, 4);
  }
  void I64(int64_t v) {
    auto u = static_cast<uint64_t>(v);
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(u >> (8 * i));
    out_.append(b, 8);
  }
  void Str(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void Time(Timestamp t) { I64(t.time_since_epoch().count()); }
  void OptI64(const std::optional<int64_t>& v) {
    U8(v.has_value());
    if (v) I64(*v);
  }

 private:
  std::string& out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return pos_ == in_.size(); }
  uint8_t U8() { return Take(1) ? static_cast<uint8_t>(in_[pos_ - 1]) : 0; }
  uint32_t U32() {
    if (!Take(4)) return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(in_[pos_ - 4 + i])} << (8 * i);
    return v;
  }
  int64_t I64() {
    if (!Take(8)) return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(in_[pos_ - 8 + i])} << (8 * i);
    return static_cast<int64_t>(v);
  }
  void Str(std::string& s) {
    uint32_t n = U32();
    if (!Take(n)) return;
    s.assign(in_.substr(pos_ - n, n));
  }
  void Time(Timestamp& t) { t = Timestamp(Millis(I64())); }
  void OptI64(std::optional<int64_t>& v) {
    if (U8()) {
      v = I64();
    } else {
      v.reset();
    }
  }
  // Counts must fit in what is left, so a damaged count cannot allocate gigabytes.
  uint32_t Count(size_t min_item_bytes) {
    uint32_t n = U32();
    if (ok_ && n > (in_.size() - pos_) / min_item_bytes) ok_ = false;
    return ok_ ? n : 0;
  }

 private:
  bool Take(size_t n) {
    if (!ok_ || in_.size() - pos_ < n) {
      ok_ = false;
      return false;
    }
    pos_ += n;
    return true;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace

void EncodeEvents(const std::vector<Event>& events, std::string& out) {
  Writer w(out);
  w.U8(kFormat);
  w.U32(static_cast<uint32_t>(events.size()));
  for (const Event& e : events) {
    w.U8(static_cast<uint8_t>(e.type));
    for (const std::string* s : {&e.message_id, &e.user_id, &e.anonymous_id, &e.previous_id,
                                 &e.group_id, &e.name, &e.channel}) {
      w.Str(*s);
    }
    w.Time(e.timestamp);
    w.Time(e.original_timestamp);
    w.U8(e.sent_at.has_value());
    if (e.sent_at) w.Time(*e.sent_at);
    w.Time(e.received_at);
    for (const std::string* s :
         {&e.campaign, &e.communication, &e.product, &e.touchpoint, &e.rep_id, &e.stage}) {
      w.Str(*s);
    }
    w.OptI64(e.cost_minor);
    w.OptI64(e.value_minor);
    w.Str(e.currency);
    w.Str(e.properties_json);
    w.Str(e.traits_json);
    w.Str(e.context_json);
    w.U32(static_cast<uint32_t>(e.traits.size()));
    for (const auto& t : e.traits) {
      w.Str(t.key);
      w.Str(t.json);
    }
    w.U32(static_cast<uint32_t>(e.identifiers.size()));
    for (const auto& i : e.identifiers) {
      w.Str(i.type);
      w.Str(i.value);
    }
    w.U32(static_cast<uint32_t>(e.consents.size()));
    for (const auto& c : e.consents) {
      w.Str(c.channel);
      w.U8(c.granted);
    }
    w.Str(e.source);
    w.I64(e.profile_id);
  }
}

Result<std::vector<Event>> DecodeEvents(std::string_view data) {
  Reader r(data);
  if (uint8_t format = r.U8(); !r.ok() || format != kFormat) {
    return Status::InvalidArgument("ingest log record has unknown format " +
                                   std::to_string(format));
  }
  std::vector<Event> events(r.Count(40));
  for (Event& e : events) {
    uint8_t type = r.U8();
    if (type > static_cast<uint8_t>(EventType::kAlias)) {
      return Status::InvalidArgument("ingest log record has unknown event type " +
                                     std::to_string(type));
    }
    e.type = static_cast<EventType>(type);
    for (std::string* s : {&e.message_id, &e.user_id, &e.anonymous_id, &e.previous_id, &e.group_id,
                           &e.name, &e.channel}) {
      r.Str(*s);
    }
    r.Time(e.timestamp);
    r.Time(e.original_timestamp);
    if (r.U8()) {
      Timestamp t{};
      r.Time(t);
      e.sent_at = t;
    }
    r.Time(e.received_at);
    for (std::string* s :
         {&e.campaign, &e.communication, &e.product, &e.touchpoint, &e.rep_id, &e.stage}) {
      r.Str(*s);
    }
    r.OptI64(e.cost_minor);
    r.OptI64(e.value_minor);
    r.Str(e.currency);
    r.Str(e.properties_json);
    r.Str(e.traits_json);
    r.Str(e.context_json);
    e.traits.resize(r.Count(8));
    for (auto& t : e.traits) {
      r.Str(t.key);
      r.Str(t.json);
    }
    e.identifiers.resize(r.Count(8));
    for (auto& i : e.identifiers) {
      r.Str(i.type);
      r.Str(i.value);
    }
    e.consents.resize(r.Count(5));
    for (auto& c : e.consents) {
      r.Str(c.channel);
      c.granted = r.U8() != 0;
    }
    r.Str(e.source);
    e.profile_id = r.I64();
    if (!r.ok()) break;
  }
  if (!r.ok() || !r.done()) {
    return Status::InvalidArgument("ingest log record is damaged (its length does not match)");
  }
  return events;
}

}  // namespace unisono::ingest_log
