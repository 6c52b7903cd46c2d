#include "server/internal/render.h"

#include <sstream>

#include "server/server.h"

namespace unisono::http {

Response Json(const boost::json::value& v, int status) {
  Response r;
  r.status = status;
  r.body = boost::json::serialize(v);
  return r;
}

Result<boost::json::object> BodyObject(const Request& req, const char* example) {
  boost::system::error_code ec;
  boost::json::value body = boost::json::parse(req.body, ec);
  if (ec || !body.is_object()) {
    return Status::InvalidArgument(std::string("send a JSON object like ") + example);
  }
  return body.as_object();
}

std::string StringField(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

boost::json::value JsonOrNull(const std::optional<double>& v) {
  return v ? boost::json::value(*v) : boost::json::value(nullptr);
}

std::string CsvNumber(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

std::string CsvNumber(const std::optional<double>& v) { return v ? CsvNumber(*v) : ""; }

Status WholeParam(const Target& t, const char* name, int64_t& out) {
  std::string v = t.Get(name);
  if (v.empty()) return Status::Ok();
  size_t used = 0;
  try {
    out = std::stoll(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != v.size()) {
    return Status::InvalidArgument(std::string(name) + " is a whole number, not '" + v + "'")
        .WithField(name);
  }
  return Status::Ok();
}

void Csv::Row(std::initializer_list<std::string> fields) {
  bool first = true;
  for (const auto& f : fields) {
    if (!first) out_ += ',';
    first = false;
    if (f.find_first_of(",\"\n\r") == std::string::npos) {
      out_ += f;
      continue;
    }
    out_ += '"';
    for (char c : f) out_ += c == '"' ? std::string("\"\"") : std::string(1, c);
    out_ += '"';
  }
  out_ += '\n';
}

Response Csv::Done() {
  Response r;
  r.body = std::move(out_);
  r.content_type = "text/csv";
  return r;
}

boost::json::value ParsedOrString(const std::string& json_text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json_text, ec);
  return ec ? boost::json::value(json_text) : v;
}

namespace json = boost::json;

namespace {

json::value ParseOrString(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return json::value(text);  // stored text is valid JSON; keep it visible anyway
  return v;
}

json::value OptionalTime(const std::optional<Timestamp>& t) {
  if (!t) return nullptr;
  return json::value(FormatTimestamp(*t));
}

void PutText(json::object& o, const char* key, const std::string& value) {
  if (!value.empty()) o[key] = value;
}

}  // namespace

json::object EventJson(const Event& e) {
  json::object o;
  o["message_id"] = e.message_id;
  o["type"] = EventTypeName(e.type);
  if (e.type == EventType::kTrack) {
    o["event"] = e.name;
  } else {
    PutText(o, "name", e.name);
  }
  o["channel"] = e.channel;
  o["timestamp"] = FormatTimestamp(e.timestamp);
  o["original_timestamp"] = FormatTimestamp(e.original_timestamp);
  o["sent_at"] = OptionalTime(e.sent_at);
  o["received_at"] = FormatTimestamp(e.received_at);
  PutText(o, "user_id", e.user_id);
  PutText(o, "anonymous_id", e.anonymous_id);
  PutText(o, "previous_id", e.previous_id);
  PutText(o, "group_id", e.group_id);
  PutText(o, "campaign", e.campaign);
  PutText(o, "communication", e.communication);
  PutText(o, "product", e.product);
  PutText(o, "touchpoint", e.touchpoint);
  PutText(o, "rep_id", e.rep_id);
  PutText(o, "stage", e.stage);
  if (e.cost_minor) o["cost_minor"] = *e.cost_minor;
  if (e.value_minor) o["value_minor"] = *e.value_minor;
  PutText(o, "currency", e.currency);
  o["properties"] = ParseOrString(e.properties_json);
  if (e.traits_json != "{}") o["traits"] = ParseOrString(e.traits_json);
  o["context"] = ParseOrString(e.context_json);
  o["source"] = e.source;
  return o;
}

json::object TimelineJson(const TimelinePage& page) {
  json::array items;
  for (const auto& e : page.items) items.push_back(EventJson(e));
  json::object o;
  o["items"] = std::move(items);
  o["next_cursor"] =
      page.next_cursor.empty() ? json::value(nullptr) : json::value(page.next_cursor);
  return o;
}

json::object ProfileObject(const Profile& p) {
  const ProfileRecord& r = p.record;
  json::object o;
  o["id"] = ProfileIdString(r.id);
  o["created_at"] = FormatTimestamp(r.created_at);
  json::array ids;
  for (const auto& i : r.identifiers) {
    ids.push_back(json::object{
        {"type", i.type}, {"value", i.value}, {"first_seen", FormatTimestamp(i.first_seen)}});
  }
  o["identifiers"] = std::move(ids);
  json::object traits;
  for (const auto& [key, t] : r.traits) traits[key] = ParseOrString(t.value_json);
  o["traits"] = std::move(traits);
  json::object consent;
  for (const auto& [channel, c] : p.consent) {
    consent[channel] =
        json::object{{"granted", c.granted}, {"source", c.source}, {"at", FormatTimestamp(c.at)}};
  }
  o["consent"] = std::move(consent);
  json::array history;
  for (const auto& c : r.consent_history) {
    history.push_back(json::object{{"channel", c.channel},
                                   {"granted", c.granted},
                                   {"source", c.source},
                                   {"at", FormatTimestamp(c.at)}});
  }
  o["consent_history"] = std::move(history);
  o["owner_rep"] = p.owner_rep.empty() ? json::value(nullptr) : json::value(p.owner_rep);
  o["first_seen"] = OptionalTime(r.first_seen);
  o["last_seen"] = OptionalTime(r.last_seen);
  o["event_count"] = r.event_count;
  json::object counts;
  for (const auto& [channel, n] : r.channel_counts) counts[channel] = n;
  o["channel_counts"] = std::move(counts);
  json::array merged;
  for (int64_t id : r.merged_from) merged.push_back(json::value(ProfileIdString(id)));
  o["merged_from"] = std::move(merged);
  return o;
}

}  // namespace unisono::http

namespace unisono {

std::string ProfileJson(const Profile& profile, const TimelinePage* timeline) {
  auto o = http::ProfileObject(profile);
  if (timeline) o["timeline"] = http::TimelineJson(*timeline);
  return boost::json::serialize(o);
}

std::string ChannelsJson(const ChannelCatalog& catalog) {
  boost::json::array items;
  for (const auto& c : catalog.channels()) {
    boost::json::array aliases;
    for (const auto& a : c.aliases) aliases.push_back(boost::json::value(a));
    items.push_back(boost::json::object{{"id", c.id},
                                        {"name", c.name},
                                        {"family", c.family},
                                        {"online", c.online},
                                        {"personal_rank", c.personal_rank},
                                        {"cost_per_contact_minor", c.cost_per_contact_minor},
                                        {"currency", c.currency},
                                        {"direction", c.direction},
                                        {"role", c.role},
                                        {"aliases", std::move(aliases)}});
  }
  return boost::json::serialize(boost::json::object{{"items", std::move(items)}});
}

}  // namespace unisono
