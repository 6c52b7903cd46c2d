#include "content/internal/item.h"

#include <boost/json.hpp>

#include "content/internal/check.h"

namespace unisono::content {
namespace {

namespace json = boost::json;

void PutTime(json::object& o, const char* key, const std::optional<Timestamp>& t) {
  if (t) o[key] = FormatTimestamp(*t);
}

void PutText(json::object& o, const char* key, const std::string& text) {
  if (!text.empty()) o[key] = text;
}

std::string TextOf(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

Result<std::optional<Timestamp>> TimeOf(const json::object& o, const char* key) {
  std::string text = TextOf(o, key);
  if (text.empty()) return std::optional<Timestamp>();
  auto t = ParseTimestamp(text);
  if (!t.ok()) return t.status();
  return std::optional<Timestamp>(*t);
}

json::object VersionJson(const ContentVersion& v) {
  json::object o{{"version", v.number},
                 {"state", v.state},
                 {"definition", json::parse(v.definition_json)},
                 {"created_at", FormatTimestamp(v.created_at)},
                 {"updated_at", FormatTimestamp(v.updated_at)}};
  PutText(o, "created_by", v.created_by);
  PutText(o, "submitted_by", v.submitted_by);
  PutTime(o, "submitted_at", v.submitted_at);
  PutText(o, "approved_by", v.approved_by);
  PutTime(o, "approved_at", v.approved_at);
  PutText(o, "retired_by", v.retired_by);
  PutTime(o, "retired_at", v.retired_at);
  json::array history;
  for (const ContentTransition& t : v.history) {
    json::object h{{"state", t.state}, {"by", t.by}, {"at", FormatTimestamp(t.at)}};
    PutText(h, "reason", t.reason);
    history.push_back(std::move(h));
  }
  o["history"] = std::move(history);
  return o;
}

Result<ContentVersion> VersionFrom(const json::object& o, const ContentOptions& options) {
  ContentVersion v;
  const json::value* number = o.if_contains("version");
  const json::value* definition = o.if_contains("definition");
  if (!number || !number->is_int64() || !definition) {
    return Status::Internal("a stored content version lacks its number or definition");
  }
  v.number = static_cast<int>(number->get_int64());
  v.state = TextOf(o, "state");
  v.definition_json = json::serialize(*definition);
  v.created_by = TextOf(o, "created_by");
  v.submitted_by = TextOf(o, "submitted_by");
  v.approved_by = TextOf(o, "approved_by");
  v.retired_by = TextOf(o, "retired_by");
  for (auto [key, out] :
       {std::pair{"submitted_at", &v.submitted_at}, std::pair{"approved_at", &v.approved_at},
        std::pair{"retired_at", &v.retired_at}}) {
    auto t = TimeOf(o, key);
    if (!t.ok()) return t.status();
    *out = *t;
  }
  auto created = ParseTimestamp(TextOf(o, "created_at"));
  auto updated = ParseTimestamp(TextOf(o, "updated_at"));
  if (!created.ok() || !updated.ok()) {
    return Status::Internal("a stored content version has no valid created_at/updated_at");
  }
  v.created_at = *created;
  v.updated_at = *updated;
  if (const json::value* history = o.if_contains("history"); history && history->is_array()) {
    for (const json::value& h : history->get_array()) {
      if (!h.is_object()) continue;
      const json::object& ho = h.get_object();
      auto at = ParseTimestamp(TextOf(ho, "at"));
      v.history.push_back({TextOf(ho, "state"), TextOf(ho, "by"), at.ok() ? *at : Timestamp{},
                           TextOf(ho, "reason")});
    }
  }
  Examine(v, options);
  return v;
}

}  // namespace

const ContentVersion* ContentItem::Find(int number) const {
  return number >= 1 && number <= static_cast<int>(versions.size()) ? &versions[number - 1]
                                                                    : nullptr;
}

void Examine(ContentVersion& version, const ContentOptions& options) {
  auto parsed = ParseContent(version.definition_json, options);
  if (!parsed.ok()) {
    version.definition.reset();
    version.problems = {{"", parsed.status().field(),
                         "the stored definition no longer reads: " + parsed.status().message()}};
    return;
  }
  version.definition = std::move(*parsed);
  version.problems = CheckContent(*version.definition, options.products);
}

std::string ItemToJson(const ContentItem& item) {
  json::array versions;
  for (const ContentVersion& v : item.versions) versions.push_back(VersionJson(v));
  return json::serialize(json::object{{"id", item.id},
                                      {"approved_version", item.approved_version},
                                      {"retired", item.retired},
                                      {"versions", std::move(versions)}});
}

Result<ContentItem> ItemFromJson(const std::string& text, const ContentOptions& options) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Status::Internal("a stored content item is not JSON");
  const json::object& o = v.get_object();
  ContentItem item;
  item.id = TextOf(o, "id");
  const json::value* approved = o.if_contains("approved_version");
  const json::value* retired = o.if_contains("retired");
  const json::value* versions = o.if_contains("versions");
  if (item.id.empty() || !approved || !approved->is_int64() || !versions || !versions->is_array() ||
      versions->get_array().empty()) {
    return Status::Internal("stored content item '" + item.id + "' is incomplete");
  }
  item.approved_version = static_cast<int>(approved->get_int64());
  item.retired = retired && retired->is_bool() && retired->get_bool();
  for (const json::value& entry : versions->get_array()) {
    if (!entry.is_object()) return Status::Internal("content '" + item.id + "': a bad version");
    auto version = VersionFrom(entry.get_object(), options);
    if (!version.ok()) {
      return Status::Internal("content '" + item.id + "': " + version.status().message());
    }
    if (version->number != static_cast<int>(item.versions.size()) + 1) {
      return Status::Internal("content '" + item.id + "': versions are not numbered 1, 2, ...");
    }
    item.versions.push_back(std::move(*version));
  }
  if (item.approved_version < 0 || item.approved_version > static_cast<int>(item.versions.size())) {
    return Status::Internal("content '" + item.id + "': approved_version is out of range");
  }
  return item;
}

ContentInfo InfoOf(const ContentItem& item, const ContentVersion& v) {
  ContentInfo info;
  info.id = item.id;
  info.version = v.number;
  info.state = v.state;
  info.definition_json = v.definition_json;
  info.problems = v.problems;
  if (v.definition) {
    info.name = v.definition->name;
    for (const RenditionSpec& spec : RenditionSpecs()) {
      if (v.definition->renditions.contains(std::string(spec.name))) {
        info.channels.emplace_back(spec.name);
      }
    }
  }
  info.created_by = v.created_by;
  info.submitted_by = v.submitted_by;
  info.approved_by = v.approved_by;
  info.retired_by = v.retired_by;
  info.submitted_at = v.submitted_at;
  info.approved_at = v.approved_at;
  info.retired_at = v.retired_at;
  info.created_at = v.created_at;
  info.updated_at = v.updated_at;
  info.approved_version = item.approved_version;
  info.latest_version = static_cast<int>(item.versions.size());
  info.history = v.history;
  return info;
}

}  // namespace unisono::content
