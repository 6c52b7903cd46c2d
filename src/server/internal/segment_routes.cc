#include "server/internal/segment_routes.h"

#include <sstream>

#include "server/internal/render.h"

namespace unisono::http {

namespace json = boost::json;

namespace {

json::object SegmentObject(const SegmentInfo& s) {
  json::object o{{"id", s.id},
                 {"name", s.name},
                 {"description", s.description},
                 {"kind", s.kind},
                 {"version", s.version},
                 {"members", s.members},
                 {"created_at", FormatTimestamp(s.created_at)},
                 {"updated_at", FormatTimestamp(s.updated_at)}};
  if (s.kind == "rule") {
    o["definition"] = s.definition_text;
    o["definition_json"] = ParsedOrString(s.definition_json);
  }
  if (!s.owner_rep.empty()) o["owner_rep"] = s.owner_rep;
  return o;
}

// {"name", "description", "kind", "owner_rep", "definition": "text" | {json}}
Result<SegmentSpec> ParseSpec(const Request& req) {
  auto o = BodyObject(req,
                      "{\"name\": \"Cardiologists\", \"definition\": "
                      "\"trait(specialty) = \\\"cardiology\\\"\"}");
  if (!o.ok()) return o.status();
  static constexpr const char* kKeys[] = {"name", "description", "kind", "owner_rep", "definition"};
  for (const auto& [key, value] : *o) {
    if (std::find_if(std::begin(kKeys), std::end(kKeys), [&](const char* k) { return key == k; }) ==
        std::end(kKeys)) {
      return Status::InvalidArgument("unknown field '" + std::string(key) +
                                     "'; a segment has name, description, kind, owner_rep "
                                     "and definition")
          .WithField(std::string(key));
    }
    if (key != "definition" && !value.is_string()) {
      return Status::InvalidArgument("'" + std::string(key) + "' must be a string")
          .WithField(std::string(key));
    }
  }
  SegmentSpec spec;
  spec.name = StringField(*o, "name");
  spec.description = StringField(*o, "description");
  if (std::string kind = StringField(*o, "kind"); !kind.empty()) spec.kind = kind;
  spec.owner_rep = StringField(*o, "owner_rep");
  if (const json::value* d = o->if_contains("definition")) {
    if (d->is_string()) {
      spec.definition_text = std::string(d->as_string());
      if (spec.definition_text.empty()) spec.definition_text = " ";  // "match everyone"
    } else if (d->is_object()) {
      spec.definition_json = json::serialize(*d);
    } else {
      return Status::InvalidArgument(
                 "'definition' is the text form (a string) or the JSON form (an object)")
          .WithField("definition");
    }
  }
  return spec;
}

int Limit(const Target& t, int fallback, int max, Status& error) {
  std::string text = t.Get("limit");
  if (text.empty()) return fallback;
  int limit = 0;
  try {
    limit = std::stoi(text);
  } catch (const std::exception&) {
    limit = 0;
  }
  if (limit < 1 || limit > max) {
    error = Status::InvalidArgument("limit must be a number from 1 to " + std::to_string(max))
                .WithField("limit");
  }
  return limit;
}

// The profiles a list edit names: JSON {"profile_ids": [...], "identifiers": [{"email": ..}]}
// or a CSV with a profile_id column or an identifier column (email, user_id, crm_id...).
Result<ListEdit> ParseListEdit(const Request& req, const Target& t, ProfileService& profiles) {
  ListEdit edit;
  edit.actor = t.Get("actor");
  edit.reason = t.Get("reason");
  edit.rep_id = t.Get("rep_id");
  auto resolve = [&](const std::string& type, const std::string& value, int index) -> Status {
    if (type == "profile_id") {
      auto id = ParseProfileId(value);
      if (!id.ok()) return Status(id.status()).WithIndex(index);
      edit.profile_ids.push_back(*id);
      return Status::Ok();
    }
    auto p = profiles.FindBy(type, value);
    if (!p.ok()) return Status(p.status()).WithIndex(index);
    edit.profile_ids.push_back(p->record.id);
    return Status::Ok();
  };
  if (req.content_type.find("csv") != std::string::npos) {
    std::istringstream in(req.body);
    std::string header, line;
    std::getline(in, header);
    header = Trim(header);
    if (header.find(',') != std::string::npos || header.empty()) {
      return Status::InvalidArgument(
          "send a CSV with one column: profile_id, or an identifier such as email or crm_id");
    }
    int row = 0;
    while (std::getline(in, line)) {
      line = Trim(line);
      if (line.empty()) continue;
      if (Status s = resolve(header, line, row++); !s.ok()) return s;
    }
    return edit;
  }
  auto o = BodyObject(req,
                      "{\"profile_ids\": [\"p_1\"], \"actor\": \"ana\", \"reason\": \"met at "
                      "congress\"}");
  if (!o.ok()) return o.status();
  for (const char* key : {"actor", "reason", "rep_id"}) {
    if (std::string v = StringField(*o, key); !v.empty()) {
      (key == std::string("actor")    ? edit.actor
       : key == std::string("reason") ? edit.reason
                                      : edit.rep_id) = v;
    }
  }
  int index = 0;
  if (const json::value* ids = o->if_contains("profile_ids")) {
    if (!ids->is_array()) {
      return Status::InvalidArgument("'profile_ids' is a list like [\"p_1\", \"p_2\"]")
          .WithField("profile_ids");
    }
    for (const auto& v : ids->as_array()) {
      if (!v.is_string()) {
        return Status::InvalidArgument("profile ids are strings like \"p_1\"")
            .WithField("profile_ids")
            .WithIndex(index);
      }
      if (Status s = resolve("profile_id", std::string(v.as_string()), index++); !s.ok()) {
        return Status(s).WithField("profile_ids");
      }
    }
  }
  if (const json::value* ids = o->if_contains("identifiers"); ids && ids->is_array()) {
    int i = 0;
    for (const auto& v : ids->as_array()) {
      if (!v.is_object() || v.as_object().size() != 1 ||
          !v.as_object().begin()->value().is_string()) {
        return Status::InvalidArgument("each identifier is an object like {\"email\": \"…\"}")
            .WithField("identifiers")
            .WithIndex(i);
      }
      const auto& [type, value] = *v.as_object().begin();
      if (Status s = resolve(std::string(type), std::string(value.as_string()), i++); !s.ok()) {
        return Status(s).WithField("identifiers");
      }
    }
  }
  return edit;
}

Response Members(SegmentEngine& engine, const std::string& id, const Target& t) {
  Status bad;
  bool csv = t.Get("format") == "csv";
  int limit = Limit(t, csv ? 1'000'000 : 100, csv ? 1'000'000 : 1000, bad);
  if (!bad.ok()) return JsonError(bad);
  auto page = engine.Members(id, t.Get("cursor"), limit);
  if (!page.ok()) return JsonError(page.status());
  if (csv) {
    Response r;
    r.content_type = "text/csv; charset=utf-8";
    r.body = "profile_id\n";
    for (int64_t p : page->profile_ids) r.body += ProfileIdString(p) + "\n";
    if (!page->next_cursor.empty()) r.headers.emplace_back("X-Next-Cursor", page->next_cursor);
    return r;
  }
  json::array items;
  for (int64_t p : page->profile_ids) items.push_back(json::value(ProfileIdString(p)));
  return Json(json::object{
      {"items", std::move(items)}, {"next_cursor", page->next_cursor}, {"total", page->total}});
}

Response EditList(SegmentEngine& engine, ProfileService& profiles, const std::string& id,
                  const Request& req, const Target& t, bool add) {
  auto edit = ParseListEdit(req, t, profiles);
  if (!edit.ok()) return JsonError(edit.status());
  edit->add = add;
  auto result = engine.EditList(id, *edit);
  if (!result.ok()) return JsonError(result.status());
  auto info = engine.GetSegment(id);
  return Json(json::object{{"changed", result->changed},
                           {"unchanged", result->unchanged},
                           {"members", info.ok() ? info->members : 0}});
}

Response Changes(SegmentEngine& engine, const std::string& id) {
  auto changes = engine.ListChanges(id);
  if (!changes.ok()) return JsonError(changes.status());
  json::array items;
  for (const auto& c : *changes) {
    items.push_back(json::object{{"profile_id", ProfileIdString(c.profile_id)},
                                 {"action", c.added ? "added" : "removed"},
                                 {"actor", c.actor},
                                 {"reason", c.reason},
                                 {"at", FormatTimestamp(c.at)}});
  }
  return Json(json::object{{"items", std::move(items)}});
}

json::object ComputedObject(const ComputedTraitInfo& c) {
  json::object o{{"name", c.name}, {"builtin", c.builtin}};
  if (!c.builtin) {
    o["definition"] = c.definition_text;
    o["description"] = c.description;
    o["updated_at"] = FormatTimestamp(c.updated_at);
  }
  return o;
}

Response ComputedTraits(SegmentEngine& engine, const Request& req,
                        const std::vector<std::string>& parts) {
  if (parts.size() == 2 && req.method == "GET") {
    json::array items;
    for (const auto& c : engine.ListComputedTraits()) items.push_back(ComputedObject(c));
    return Json(json::object{{"items", std::move(items)}});
  }
  if (parts.size() == 2 && req.method == "POST") {
    auto o = BodyObject(req,
                        "{\"name\": \"orders_90d\", \"definition\": \"count(track \\\"Order "
                        "Completed\\\" within 90d)\"}");
    if (!o.ok()) return JsonError(o.status());
    ComputedTraitInfo info;
    info.name = StringField(*o, "name");
    info.description = StringField(*o, "description");
    info.definition_text = StringField(*o, "definition");
    auto saved = engine.PutComputedTrait(info);
    if (!saved.ok()) return JsonError(saved.status());
    return Json(ComputedObject(*saved), 201);
  }
  if (parts.size() == 3 && req.method == "DELETE") {
    if (Status s = engine.DeleteComputedTrait(parts[2]); !s.ok()) return JsonError(s);
    Response r;
    r.status = 204;
    r.content_type.clear();
    return r;
  }
  return JsonError(Status::NotFound("no route for " + req.method + " /v1/computed-traits"));
}

}  // namespace

json::object ProfileSegmentsJson(const ProfileSegmentView& view) {
  json::array segments;
  for (const auto& [id, name] : view.segments) {
    segments.push_back(json::object{{"id", id}, {"name", name}});
  }
  json::object computed;
  for (const auto& [name, value] : view.computed) computed[name] = ParsedOrString(value);
  return json::object{{"segments", std::move(segments)}, {"computed_traits", std::move(computed)}};
}

std::optional<Response> SegmentRoute(const Request& req, const Target& t,
                                     const std::vector<std::string>& parts, SegmentEngine* engine,
                                     ProfileService& profiles, std::string& route) {
  if (parts.size() < 2 || parts[0] != "v1" ||
      (parts[1] != "segments" && parts[1] != "computed-traits")) {
    return std::nullopt;
  }
  route = "/v1/" + parts[1] + (parts.size() > 2 ? "/{id}" : "") +
          (parts.size() > 3 ? "/" + parts[3] : "");
  if (!engine) return JsonError(Status::Unavailable("segments are not enabled on this server"));
  if (parts[1] == "computed-traits") return ComputedTraits(*engine, req, parts);
  const std::string& m = req.method;
  if (parts.size() == 2 && m == "GET") {
    json::array items;
    for (const auto& s : engine->ListSegments()) items.push_back(SegmentObject(s));
    return Json(json::object{{"items", std::move(items)}});
  }
  if (parts.size() == 2 && m == "POST") {
    auto spec = ParseSpec(req);
    if (!spec.ok()) return JsonError(spec.status());
    auto created = engine->CreateSegment(*spec);
    if (!created.ok()) return JsonError(created.status());
    return Json(SegmentObject(*created), 201);
  }
  if (parts.size() == 3 && parts[2] == "preview" && m == "POST") {
    route = "/v1/segments/preview";
    auto spec = ParseSpec(req);
    if (!spec.ok()) return JsonError(spec.status());
    Status bad;
    int sample = Limit(t, 10, 1000, bad);
    if (!bad.ok()) return JsonError(bad);
    auto preview = engine->Preview(*spec, sample);
    if (!preview.ok()) return JsonError(preview.status());
    json::array ids;
    for (int64_t p : preview->sample) ids.push_back(json::value(ProfileIdString(p)));
    return Json(json::object{{"count", preview->count},
                             {"profiles", preview->profiles},
                             {"sample", std::move(ids)},
                             {"definition", preview->definition_text},
                             {"definition_json", ParsedOrString(preview->definition_json)}});
  }
  if (parts.size() == 3) {
    if (m == "GET") {
      auto s = engine->GetSegment(parts[2]);
      return s.ok() ? Json(SegmentObject(*s)) : JsonError(s.status());
    }
    if (m == "PUT") {
      auto spec = ParseSpec(req);
      if (!spec.ok()) return JsonError(spec.status());
      auto s = engine->UpdateSegment(parts[2], *spec);
      return s.ok() ? Json(SegmentObject(*s)) : JsonError(s.status());
    }
    if (m == "DELETE") {
      if (Status s = engine->DeleteSegment(parts[2]); !s.ok()) return JsonError(s);
      Response r;
      r.status = 204;
      r.content_type.clear();
      return r;
    }
  }
  if (parts.size() == 4 && parts[3] == "members") {
    if (m == "GET") return Members(*engine, parts[2], t);
    if (m == "POST") return EditList(*engine, profiles, parts[2], req, t, true);
    if (m == "DELETE") return EditList(*engine, profiles, parts[2], req, t, false);
  }
  if (parts.size() == 5 && parts[3] == "members" && parts[4] == "remove" && m == "POST") {
    route = "/v1/segments/{id}/members/remove";
    return EditList(*engine, profiles, parts[2], req, t, false);
  }
  if (parts.size() == 4 && parts[3] == "changes" && m == "GET") {
    return Changes(*engine, parts[2]);
  }
  return JsonError(
      Status::NotFound("no route for " + m + " " + t.path + "; see docs/openapi.yaml"));
}

}  // namespace unisono::http
