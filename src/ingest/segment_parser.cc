// Segment tracking API messages -> Events. Uses simdjson's DOM parser: it validates
// the whole document (ondemand would skip over malformed nested values) and is still
// several times faster than a general-purpose JSON library. The properties, traits and
// context objects are then stored as sent, minified: an ondemand pass over the validated
// body finds their text, which costs far less than serialising them again from the DOM.
#include <simdjson.h>

#include <cmath>

#include "ingest/ingest.h"
#include "ingest/internal/json_text.h"

namespace unisono {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

namespace {

// Fields of a /v1/batch envelope that apply to every message in it.
struct BatchDefaults {
  object context;
  bool has_context = false;
  std::optional<Timestamp> sent_at;
};

Status FieldError(std::string field, std::string message) {
  Status s = Status::InvalidArgument("'" + field + "' " + message);
  s.WithField(std::move(field));
  return s;
}

const char* TypeName(element_type t) {
  switch (t) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return "a number";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "a value";
}

// An id may come as a string or a number (some SDKs send numeric user ids).
Status ReadId(const element& v, const char* field, std::string& out) {
  switch (v.type()) {
    case element_type::STRING:
      out = std::string(v.get_string().value());
      return Status::Ok();
    case element_type::INT64:
      out = std::to_string(v.get_int64().value());
      return Status::Ok();
    case element_type::UINT64:
      out = std::to_string(v.get_uint64().value());
      return Status::Ok();
    case element_type::NULL_VALUE:
      out.clear();
      return Status::Ok();
    default:
      return FieldError(field, std::string("must be a string, not ") + TypeName(v.type()));
  }
}

Status ReadString(const element& v, const char* field, std::string& out) {
  if (v.is_null()) return Status::Ok();
  if (!v.is_string()) {
    return FieldError(field, std::string("must be a string, not ") + TypeName(v.type()));
  }
  out = std::string(v.get_string().value());
  return Status::Ok();
}

Status ReadTime(const element& v, const char* field, std::optional<Timestamp>& out) {
  if (v.is_null()) return Status::Ok();
  if (!v.is_string()) {
    return FieldError(field, std::string("must be an ISO-8601 string, not ") + TypeName(v.type()));
  }
  auto t = ParseTimestamp(v.get_string().value());
  if (!t.ok()) return FieldError(field, t.status().message());
  out = *t;
  return Status::Ok();
}

Status ReadObject(const element& v, const char* field, std::optional<object>& out) {
  if (v.is_null()) return Status::Ok();
  if (!v.is_object()) {
    return FieldError(field, std::string("must be an object, not ") + TypeName(v.type()));
  }
  out = v.get_object().value();
  return Status::Ok();
}

// A scalar property as text ("cardiozen", 42 -> "42").
std::string ScalarText(const element& v) {
  switch (v.type()) {
    case element_type::STRING:
      return std::string(v.get_string().value());
    case element_type::INT64:
      return std::to_string(v.get_int64().value());
    case element_type::UINT64:
      return std::to_string(v.get_uint64().value());
    case element_type::DOUBLE:
      return simdjson::minify(v);
    case element_type::BOOL:
      return v.get_bool().value() ? "true" : "false";
    default:
      return std::string();
  }
}

// Money in major units (12.5) -> minor units (1250); numeric strings accepted.
Status ReadMoney(const element& v, std::string field, std::optional<int64_t>& out) {
  double amount;
  if (v.is_number()) {
    amount = v.get_double().value();
  } else if (v.is_string()) {
    std::string text(v.get_string().value());
    char* end = nullptr;
    amount = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0') {
      return FieldError(std::move(field), "must be a number, not '" + text + "'");
    }
  } else if (v.is_null()) {
    return Status::Ok();
  } else {
    return FieldError(std::move(field), std::string("must be a number, not ") + TypeName(v.type()));
  }
  if (!std::isfinite(amount) || std::fabs(amount) > 9e13) {
    return FieldError(std::move(field), "is out of range");
  }
  out = std::llround(amount * 100.0);
  return Status::Ok();
}

std::optional<bool> ConsentValue(const element& v) {
  if (v.is_bool()) return v.get_bool().value();
  if (!v.is_string()) return std::nullopt;
  std::string s = ToLower(v.get_string().value());
  for (const char* yes : {"opt_in", "opt-in", "optin", "granted", "yes", "true", "subscribed"}) {
    if (s == yes) return true;
  }
  for (const char* no : {"opt_out", "opt-out", "optout", "denied", "no", "false", "unsubscribed"}) {
    if (s == no) return false;
  }
  return std::nullopt;
}

Status ReadConsents(const object& consents, const std::string& field, const ChannelCatalog& catalog,
                    std::vector<ConsentChange>& out) {
  for (auto [key, value] : consents) {
    auto granted = ConsentValue(value);
    if (!granted) {
      return FieldError(field + "." + std::string(key),
                        "must be true/false or \"opt_in\"/\"opt_out\"");
    }
    out.push_back({catalog.Canonical(key), *granted});
  }
  return Status::Ok();
}

// Where a message's object-valued fields sit in the request body (empty: not found).
struct RawObjects {
  std::string_view properties, traits, context;
};

// The text of each message's properties, traits and context objects, in message order:
// the body itself for a single call, each item of "batch" for a batch. The body was
// validated by the DOM parse already; false if the two passes disagree anyway.
bool FindRawObjects(simdjson::ondemand::parser& parser, simdjson::padded_string_view body,
                    bool batch, std::vector<RawObjects>& out) {
  namespace od = simdjson::ondemand;
  auto read_message = [&](od::object message, RawObjects& raw) -> bool {
    for (auto field : message) {
      std::string_view key;
      od::value value;
      if (field.unescaped_key().get(key) || field.value().get(value)) return false;
      std::string_view* slot = key == "properties" ? &raw.properties
                               : key == "traits"   ? &raw.traits
                               : key == "context"  ? &raw.context
                                                   : nullptr;
      if (!slot) continue;
      od::json_type type;
      if (value.type().get(type)) return false;
      od::object o;
      // The last occurrence wins, as in the DOM's field loop.
      if (type != od::json_type::object) {
        *slot = {};
      } else if (value.get_object().get(o) || o.raw_json().get(*slot)) {
        return false;
      }
    }
    return true;
  };
  od::document doc;
  od::object root;
  if (parser.iterate(body).get(doc) || doc.get_object().get(root)) return false;
  if (!batch) return read_message(root, out.emplace_back());
  for (auto field : root) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    if (key != "batch") continue;
    od::array items;
    if (field.value().get_array().get(items)) return false;
    for (auto item : items) {
      od::object message;
      RawObjects& raw = out.emplace_back();
      od::json_type type;
      if (item.type().get(type)) return false;
      if (type == od::json_type::object &&
          (item.get_object().get(message) || !read_message(message, raw))) {
        return false;
      }
    }
    return true;  // the first "batch" is the one the DOM's at_key finds
  }
  return false;
}

// An object as stored: its text minified when known, else serialised from the DOM.
std::string ObjectJson(const object& o, std::string_view raw) {
  if (raw.empty()) return simdjson::minify(o);
  std::string out(raw.size(), '\0');
  size_t n = 0;
  if (simdjson::minify(raw.data(), raw.size(), out.data(), n) != simdjson::SUCCESS) {
    return simdjson::minify(o);
  }
  out.resize(n);
  return out;
}

// `message` context plus the batch's context keys it does not set itself.
std::string MergedContext(const std::optional<object>& own, std::string_view own_raw,
                          const BatchDefaults& batch) {
  if (!batch.has_context) return own ? ObjectJson(*own, own_raw) : "{}";
  if (!own) return simdjson::minify(batch.context);
  std::string out = "{";
  std::vector<std::string_view> keys;
  for (auto [key, value] : *own) {
    if (out.size() > 1) out.push_back(',');
    ingest::AppendJsonString(out, key);
    out.push_back(':');
    out += simdjson::minify(value);
    keys.push_back(key);
  }
  for (auto [key, value] : batch.context) {
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
    if (out.size() > 1) out.push_back(',');
    ingest::AppendJsonString(out, key);
    out.push_back(':');
    out += simdjson::minify(value);
  }
  out.push_back('}');
  return out;
}

}  // namespace

Timestamp CorrectSkew(Timestamp client_timestamp, std::optional<Timestamp> sent_at,
                      Timestamp received_at) {
  if (!sent_at) return client_timestamp;
  return received_at - (*sent_at - client_timestamp);
}

struct SegmentParser::Impl {
  explicit Impl(IngestOptions o) : options(std::move(o)) {}

  Status ParseMessage(const element& message, const RawObjects& raw,
                      std::optional<EventType> implied, const BatchDefaults& batch,
                      Timestamp received_at, Event& e);
  Status ReadIdentifiers(const std::optional<object>& traits, const std::optional<object>& context,
                         Event& e);
  Status ReadOmnichannel(const std::optional<object>& properties,
                         const std::optional<object>& context, Event& e);

  IngestOptions options;
  simdjson::dom::parser parser;
  simdjson::ondemand::parser raw_parser;
  std::vector<RawObjects> raw;
};

Status SegmentParser::Impl::ParseMessage(const element& message, const RawObjects& raw,
                                         std::optional<EventType> implied,
                                         const BatchDefaults& batch, Timestamp received_at,
                                         Event& e) {
  if (!message.is_object()) {
    return Status::InvalidArgument(std::string("a message must be a JSON object, not ") +
                                   TypeName(message.type()));
  }
  std::optional<object> traits, properties, context;
  std::optional<Timestamp> timestamp, original_timestamp, sent_at;
  std::string type_name;
  bool has_event = false;
  object fields = message.get_object().value();  // a named copy: value() of a temporary dangles
  for (auto [key, value] : fields) {
    Status s;
    if (key == "type") {
      s = ReadString(value, "type", type_name);
    } else if (key == "userId") {
      s = ReadId(value, "userId", e.user_id);
    } else if (key == "anonymousId") {
      s = ReadId(value, "anonymousId", e.anonymous_id);
    } else if (key == "previousId") {
      s = ReadId(value, "previousId", e.previous_id);
    } else if (key == "groupId") {
      s = ReadId(value, "groupId", e.group_id);
    } else if (key == "messageId") {
      s = ReadId(value, "messageId", e.message_id);
    } else if (key == "event") {
      has_event = true;
      s = ReadString(value, "event", e.name);
    } else if (key == "name") {
      if (e.name.empty()) s = ReadString(value, "name", e.name);
    } else if (key == "traits") {
      s = ReadObject(value, "traits", traits);
    } else if (key == "properties") {
      s = ReadObject(value, "properties", properties);
    } else if (key == "context") {
      s = ReadObject(value, "context", context);
    } else if (key == "timestamp") {
      s = ReadTime(value, "timestamp", timestamp);
    } else if (key == "originalTimestamp") {
      s = ReadTime(value, "originalTimestamp", original_timestamp);
    } else if (key == "sentAt") {
      s = ReadTime(value, "sentAt", sent_at);
    }
    // integrations, channel, version, _metadata, receivedAt, ...: accepted, ignored.
    if (!s.ok()) return s;
  }
  if (implied) {
    e.type = *implied;
  } else {
    if (type_name.empty()) {
      return FieldError("type",
                        "is missing; each batch item needs one of identify, track, "
                        "page, screen, group, alias");
    }
    auto t = ParseEventType(type_name);
    if (!t) {
      return FieldError("type", "'" + type_name +
                                    "' is not a message type; use identify, track, page, "
                                    "screen, group or alias");
    }
    e.type = *t;
  }
  if (e.user_id.empty() && e.anonymous_id.empty()) {
    return FieldError("userId", "or 'anonymousId' is required; send at least one of them");
  }
  if (e.type == EventType::kTrack && e.name.empty()) {
    return FieldError("event", has_event ? "must not be empty" : "is required for track calls");
  }
  if (e.type == EventType::kAlias && e.previous_id.empty()) {
    return FieldError("previousId", "is required for alias calls");
  }
  if (e.type == EventType::kAlias && e.user_id.empty()) {
    return FieldError("userId", "is required for alias calls");
  }
  if (e.type == EventType::kGroup && e.group_id.empty()) {
    return FieldError("groupId", "is required for group calls");
  }
  if (e.message_id.empty()) e.message_id = "srv-" + RandomHexId();
  if (e.message_id.size() > 256) return FieldError("messageId", "is longer than 256 characters");

  // Times: the client's clock, corrected for its skew against ours (as Segment does).
  if (!sent_at) sent_at = batch.sent_at;
  e.received_at = received_at;
  e.sent_at = sent_at;
  if (!timestamp) timestamp = original_timestamp;
  e.original_timestamp = timestamp.value_or(received_at);
  e.timestamp = timestamp ? CorrectSkew(*timestamp, sent_at, received_at) : received_at;

  e.properties_json = properties ? ObjectJson(*properties, raw.properties) : "{}";
  e.traits_json = traits ? ObjectJson(*traits, raw.traits) : "{}";
  e.context_json = MergedContext(context, raw.context, batch);
  std::optional<object> merged_context = context;
  if (!merged_context && batch.has_context) merged_context = batch.context;

  if (e.properties_json.size() + e.traits_json.size() + e.context_json.size() > kMaxEventBytes) {
    return Status::TooLarge(
        "the message is larger than 32 KB, Segment's limit per event; "
        "send fewer properties or split it");
  }
  if (Status s = ReadOmnichannel(properties, merged_context, e); !s.ok()) return s;
  if (Status s = ReadIdentifiers(e.type == EventType::kIdentify ? traits : std::nullopt,
                                 merged_context, e);
      !s.ok()) {
    return s;
  }
  if (e.type == EventType::kIdentify && traits) {
    for (auto [key, value] : *traits) {
      if (key == "consent") continue;  // kept as consent history, not as a trait
      e.traits.push_back({std::string(key), simdjson::minify(value)});
    }
  }
  return Status::Ok();
}

Status SegmentParser::Impl::ReadIdentifiers(const std::optional<object>& traits,
                                            const std::optional<object>& context, Event& e) {
  if (!e.user_id.empty()) e.identifiers.push_back({"user_id", e.user_id});
  if (!e.anonymous_id.empty()) e.identifiers.push_back({"anonymous_id", e.anonymous_id});
  // Identify carries identifiers in traits; other calls in context.traits.
  std::optional<object> source = traits;
  std::string prefix = "traits.";
  if (!source && context) {
    element ct;
    if (context->at_key("traits").get(ct) == simdjson::SUCCESS && ct.is_object()) {
      source = ct.get_object().value();
      prefix = "context.traits.";
    }
  }
  if (source) {
    auto take = [&](std::string_view trait, const std::string& type) -> Status {
      element v;
      if (source->at_key(trait).get(v) != simdjson::SUCCESS || v.is_null()) return Status::Ok();
      std::string value;
      if (Status s = ReadId(v, (prefix + std::string(trait)).c_str(), value); !s.ok()) return s;
      if (!value.empty()) e.identifiers.push_back({type, value});
      return Status::Ok();
    };
    for (const char* t : {"email", "phone", "crm_id"}) {
      if (Status s = take(t, t); !s.ok()) return s;
    }
    for (const auto& it : options.identifier_traits) {
      if (Status s = take(it.trait, it.type); !s.ok()) return s;
    }
    element consent;
    if (source->at_key("consent").get(consent) == simdjson::SUCCESS && !consent.is_null()) {
      if (!consent.is_object()) {
        return FieldError(prefix + "consent", "must be an object of channel: true/false");
      }
      if (Status s = ReadConsents(consent.get_object().value(), prefix + "consent",
                                  *options.catalog, e.consents);
          !s.ok()) {
        return s;
      }
    }
  }
  if (context) {
    element device_id;
    if (context->at_pointer("/device/id").get(device_id) == simdjson::SUCCESS &&
        device_id.is_string() && !device_id.get_string().value().empty()) {
      e.identifiers.push_back({"device_id", std::string(device_id.get_string().value())});
    }
    element prefs;
    if (context->at_pointer("/consent/categoryPreferences").get(prefs) == simdjson::SUCCESS &&
        prefs.is_object()) {
      if (Status s = ReadConsents(prefs.get_object().value(), "context.consent.categoryPreferences",
                                  *options.catalog, e.consents);
          !s.ok()) {
        return s;
      }
    }
  }
  return Status::Ok();
}

Status SegmentParser::Impl::ReadOmnichannel(const std::optional<object>& properties,
                                            const std::optional<object>& context, Event& e) {
  auto prop = [&](std::string_view key) -> std::optional<element> {
    element v;
    if (properties && properties->at_key(key).get(v) == simdjson::SUCCESS && !v.is_null()) {
      return v;
    }
    return std::nullopt;
  };
  std::string channel;
  element v;
  if (context && context->at_key("channel").get(v) == simdjson::SUCCESS && v.is_string()) {
    channel = std::string(v.get_string().value());
  } else if (auto p = prop("channel"); p && p->is_string()) {
    channel = std::string(p->get_string().value());
  }
  if (channel.empty()) {
    // A page view happens on the web and a screen view in an app by definition.
    channel = e.type == EventType::kPage ? "web" : e.type == EventType::kScreen ? "app" : "unknown";
  }
  e.channel = options.catalog->Canonical(channel);

  struct Text {
    const char* key;
    std::string* out;
  };
  for (Text t : {Text{"campaign", &e.campaign}, Text{"communication", &e.communication},
                 Text{"product", &e.product}, Text{"touchpoint", &e.touchpoint},
                 Text{"rep_id", &e.rep_id}, Text{"stage", &e.stage}}) {
    if (auto p = prop(t.key)) *t.out = ScalarText(*p);
  }
  if (options.products && !e.product.empty()) e.product = options.products->Canonical(e.product);
  if (e.campaign.empty() && context &&
      context->at_pointer("/campaign/name").get(v) == simdjson::SUCCESS && v.is_string()) {
    e.campaign = std::string(v.get_string().value());
  }
  e.stage = ToLower(e.stage);
  if (auto p = prop("cost")) {
    if (Status s = ReadMoney(*p, "properties.cost", e.cost_minor); !s.ok()) return s;
  }
  if (auto p = prop("value")) {
    if (Status s = ReadMoney(*p, "properties.value", e.value_minor); !s.ok()) return s;
  } else if (auto r = prop("revenue")) {
    if (Status s = ReadMoney(*r, "properties.revenue", e.value_minor); !s.ok()) return s;
  }
  if (auto p = prop("currency"); p && p->is_string()) {
    e.currency = std::string(p->get_string().value());
  }
  if (e.currency.empty() && (e.cost_minor || e.value_minor)) e.currency = options.default_currency;
  return Status::Ok();
}

SegmentParser::SegmentParser(IngestOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
SegmentParser::~SegmentParser() = default;

Result<ParsedRequest> SegmentParser::Parse(Endpoint endpoint, std::string& body,
                                           Timestamp received_at) {
  size_t limit = endpoint == Endpoint::kBatch ? kMaxBatchBytes : kMaxEventBytes;
  if (body.size() > limit) {
    return Status::TooLarge(endpoint == Endpoint::kBatch
                                ? "the batch is larger than 500 KB; send fewer messages per batch"
                                : "the message is larger than 32 KB, Segment's limit per event");
  }
  size_t len = body.size();
  body.reserve(len + simdjson::SIMDJSON_PADDING);
  element root;
  auto error = impl_->parser.parse(simdjson::padded_string_view(body.data(), len, body.capacity()))
                   .get(root);
  if (error) {
    return Status::InvalidArgument(std::string("the body is not valid JSON: ") +
                                   simdjson::error_message(error));
  }
  if (!root.is_object()) {
    return Status::InvalidArgument(std::string("the body must be a JSON object, not ") +
                                   TypeName(root.type()));
  }
  // Without the objects' text (never expected) they are serialised from the DOM.
  std::vector<RawObjects>& raw = impl_->raw;
  raw.clear();
  simdjson::padded_string_view padded(body.data(), len, body.capacity());
  if (!FindRawObjects(impl_->raw_parser, padded, endpoint == Endpoint::kBatch, raw)) raw.clear();
  auto raw_of = [&](size_t i) { return i < raw.size() ? raw[i] : RawObjects{}; };
  ParsedRequest request;
  element v;
  if (root.at_key("writeKey").get(v) == simdjson::SUCCESS && v.is_string()) {
    request.write_key = std::string(v.get_string().value());
  }
  BatchDefaults batch;
  if (endpoint != Endpoint::kBatch) {
    static constexpr EventType kTypes[] = {EventType::kIdentify, EventType::kTrack,
                                           EventType::kPage,     EventType::kScreen,
                                           EventType::kGroup,    EventType::kAlias};
    Event e;
    Status s = impl_->ParseMessage(root, raw_of(0), kTypes[static_cast<int>(endpoint)], batch,
                                   received_at, e);
    if (!s.ok()) return s;
    request.events.push_back(std::move(e));
    return request;
  }
  element items;
  if (root.at_key("batch").get(items) != simdjson::SUCCESS || !items.is_array()) {
    return FieldError("batch", "must be an array of messages");
  }
  if (root.at_key("context").get(v) == simdjson::SUCCESS && v.is_object()) {
    batch.context = v.get_object().value();
    batch.has_context = true;
  }
  if (root.at_key("sentAt").get(v) == simdjson::SUCCESS) {
    if (Status s = ReadTime(v, "sentAt", batch.sent_at); !s.ok()) return s;
  }
  int index = 0;
  simdjson::dom::array messages = items.get_array().value();
  if (raw.size() != messages.size()) raw.clear();
  for (element message : messages) {
    Event e;
    Status s = impl_->ParseMessage(message, raw_of(index), std::nullopt, batch, received_at, e);
    if (!s.ok()) {
      return Status(s.code(), "batch[" + std::to_string(index) + "]: " + s.message())
          .WithField(s.field())
          .WithIndex(index);
    }
    request.events.push_back(std::move(e));
    ++index;
  }
  if (request.events.empty()) return FieldError("batch", "is empty; send at least one message");
  return request;
}

}  // namespace unisono
