#include "server/internal/content_routes.h"

#include "server/internal/render.h"

namespace unisono::http {
namespace {

namespace json = boost::json;

constexpr const char* kActionExample = "{\"by\": \"maria.lopez\", \"reason\": \"cite the study\"}";
constexpr std::string_view kPreviewFields[] = {"profile_id", "traits", "version", "variant",
                                               "extra"};

json::value OptionalTime(const std::optional<Timestamp>& t) {
  return t ? json::value(FormatTimestamp(*t)) : json::value(nullptr);
}

json::value OrNull(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(s);
}

json::array ProblemsJson(const std::vector<ContentProblem>& problems) {
  json::array out;
  for (const ContentProblem& p : problems) {
    out.push_back(json::object{
        {"rendition", OrNull(p.rendition)}, {"field", p.field}, {"message", p.message}});
  }
  return out;
}

json::object ContentObject(const ContentInfo& c) {
  json::array channels, history;
  for (const std::string& channel : c.channels) channels.emplace_back(channel);
  for (const ContentTransition& h : c.history) {
    json::object o{{"state", h.state}, {"by", h.by}, {"at", FormatTimestamp(h.at)}};
    if (!h.reason.empty()) o["reason"] = h.reason;
    history.push_back(std::move(o));
  }
  return {{"id", c.id},
          {"version", c.version},
          {"latest_version", c.latest_version},
          {"approved_version", c.approved_version},
          {"name", c.name},
          {"state", c.state},
          {"channels", std::move(channels)},
          {"problems", ProblemsJson(c.problems)},
          {"definition", ParsedOrString(c.definition_json)},
          {"history", std::move(history)},
          {"created_by", OrNull(c.created_by)},
          {"created_at", FormatTimestamp(c.created_at)},
          {"updated_at", FormatTimestamp(c.updated_at)},
          {"submitted_by", OrNull(c.submitted_by)},
          {"submitted_at", OptionalTime(c.submitted_at)},
          {"approved_by", OrNull(c.approved_by)},
          {"approved_at", OptionalTime(c.approved_at)},
          {"retired_by", OrNull(c.retired_by)},
          {"retired_at", OptionalTime(c.retired_at)}};
}

json::object MessageObject(const RenderedMessage& m) {
  json::object o{{"rendition", m.rendition}};
  for (auto [key, value] :
       {std::pair{"subject", &m.subject}, std::pair{"title", &m.title}, std::pair{"html", &m.html},
        std::pair{"text", &m.text}, std::pair{"template", &m.whatsapp_template},
        std::pair{"url", &m.url}}) {
    if (!value->empty()) o[key] = *value;
  }
  for (auto [key, list] : {std::pair{"parameters", &m.whatsapp_parameters},
                           std::pair{"talking_points", &m.talking_points}}) {
    if (list->empty()) continue;
    json::array a;
    for (const std::string& s : *list) a.emplace_back(s);
    o[key] = std::move(a);
  }
  return o;
}

// A whole number query parameter of at least 1, nullopt when absent.
Result<std::optional<int>> VersionParam(const Target& t) {
  if (t.Get("version").empty()) return std::optional<int>();
  int64_t v = 0;
  if (!WholeParam(t, "version", v).ok() || v < 1 || v > INT32_MAX) {
    return Status::InvalidArgument("version is a whole number from 1, not '" + t.Get("version") +
                                   "'")
        .WithField("version");
  }
  return std::optional<int>(static_cast<int>(v));
}

// The request body without a top-level "by" (who acts), which is not part of the
// definition. A body that is not a JSON object goes on as it is: the library names what
// is wrong with it.
Result<std::string> DefinitionBody(const Request& req, std::string& by) {
  boost::system::error_code ec;
  json::value body = json::parse(req.body, ec);
  by = req.user;
  if (ec || !body.is_object() || !body.as_object().contains("by")) return req.body;
  const json::value& given = body.as_object().at("by");
  if (!given.is_string()) {
    return Status::InvalidArgument("by must be a string: who makes the change").WithField("by");
  }
  by = std::string(given.as_string());
  body.as_object().erase("by");
  return json::serialize(body);
}

// The optional JSON object of an action (submit, approve, ...); an empty body is {}.
Result<json::object> ActionBody(const Request& req) {
  if (Trim(req.body).empty()) return json::object{};
  return BodyObject(req, kActionExample);
}

// The traits of a profile, or the ones given, as a JSON object text.
Result<std::string> PreviewTraits(const json::object& o, ProfileService& profiles) {
  const json::value* id = o.if_contains("profile_id");
  const json::value* traits = o.if_contains("traits");
  if (id && traits) {
    return Status::InvalidArgument("give profile_id or traits, not both").WithField("traits");
  }
  if (traits) {
    if (!traits->is_object()) {
      return Status::InvalidArgument("traits must be an object like {\"last_name\": \"Ruiz\"}")
          .WithField("traits");
    }
    return json::serialize(*traits);
  }
  if (!id) return std::string("{}");
  Result<int64_t> parsed = id->is_int64()    ? Result<int64_t>(id->get_int64())
                           : id->is_string() ? ParseProfileId(id->get_string())
                                             : Status::InvalidArgument("");
  if (!parsed.ok() || *parsed <= 0) {
    return Status::InvalidArgument("profile_id is a profile id like 12 or \"p_12\"")
        .WithField("profile_id");
  }
  auto profile = profiles.Get(*parsed);
  if (!profile.ok()) return Status(profile.status()).WithField("profile_id");
  json::object out;
  for (const auto& [key, trait] : profile->record.traits)
    out[key] = ParsedOrString(trait.value_json);
  return json::serialize(out);
}

Response Preview(ContentLibrary& content, ProfileService& profiles, const std::string& id,
                 const Request& req) {
  auto o = BodyObject(req, "{\"profile_id\": 12, \"variant\": \"loyal\"}");
  if (!o.ok()) return JsonError(o.status());
  for (const auto& [key, value] : *o) {
    if (std::find(std::begin(kPreviewFields), std::end(kPreviewFields), key) ==
        std::end(kPreviewFields)) {
      return JsonError(Status::InvalidArgument("unknown field '" + std::string(key) +
                                               "'; use profile_id or traits, version, variant "
                                               "and extra")
                           .WithField(std::string(key)));
    }
  }
  std::optional<int> version;
  if (const json::value* v = o->if_contains("version")) {
    if (!v->is_int64() || v->get_int64() < 1 || v->get_int64() > INT32_MAX) {
      return JsonError(
          Status::InvalidArgument("version is a whole number from 1").WithField("version"));
    }
    version = static_cast<int>(v->get_int64());
  }
  const json::value* variant = o->if_contains("variant");
  if (variant && !variant->is_string()) {
    return JsonError(Status::InvalidArgument("variant is a variant id").WithField("variant"));
  }
  RenderInput input;
  if (const json::value* extra = o->if_contains("extra")) {
    bool texts = extra->is_object();
    for (const auto& [key, value] : texts ? extra->get_object() : json::object{}) {
      texts = texts && value.is_string();
      if (texts) input.extra[std::string(key)] = std::string(value.get_string());
    }
    if (!texts) {
      return JsonError(Status::InvalidArgument("extra is an object of texts like "
                                               "{\"unsubscribe_url\": \"https://...\"}")
                           .WithField("extra"));
    }
  }
  auto traits = PreviewTraits(*o, profiles);
  if (!traits.ok()) return JsonError(traits.status());
  input.traits_json = std::move(*traits);
  auto info = content.GetItem(id, version);
  if (!info.ok()) return JsonError(info.status());
  const std::string variant_id = variant ? std::string(variant->as_string()) : "";
  auto rendered = content.Preview(id, info->version, variant_id, input);
  if (!rendered.ok()) return JsonError(rendered.status());
  json::array items;
  for (const RenderedMessage& m : *rendered) items.push_back(MessageObject(m));
  return Json(json::object{{"id", id},
                           {"version", info->version},
                           {"variant", OrNull(variant_id)},
                           {"items", std::move(items)},
                           {"problems", ProblemsJson(info->problems)}});
}

// submit, approve, reject, retire: the actor from the body's "by" or X-Unisono-User.
Response Action(ContentLibrary& content, const std::string& id, const std::string& action,
                const Request& req) {
  auto o = ActionBody(req);
  if (!o.ok()) return JsonError(o.status());
  std::string by = StringField(*o, "by");
  if (by.empty()) by = req.user;
  Result<ContentInfo> done = action == "submit"    ? content.Submit(id, by)
                             : action == "approve" ? content.Approve(id, by)
                             : action == "reject"
                                 ? content.Reject(id, by, StringField(*o, "reason"))
                                 : content.Retire(id, by);
  return done.ok() ? Json(ContentObject(*done)) : JsonError(done.status());
}

std::optional<Response> Items(const Request& req, const Target& t,
                              const std::vector<std::string>& parts, ContentLibrary& content,
                              ProfileService& profiles) {
  const std::string& m = req.method;
  if (parts.size() == 2 && m == "GET") {
    json::array items;
    for (const ContentInfo& c : content.ListItems()) items.push_back(ContentObject(c));
    return Json(json::object{{"items", std::move(items)}});
  }
  if (parts.size() == 2 && m == "POST") {
    std::string by;
    auto body = DefinitionBody(req, by);
    if (!body.ok()) return JsonError(body.status());
    if (t.Get("dry_run") == "true") {
      auto problems = content.CheckItem(*body);
      if (!problems.ok()) return JsonError(problems.status());
      return Json(json::object{{"problems", ProblemsJson(*problems)}});
    }
    auto created = content.CreateItem(*body, by);
    return created.ok() ? Json(ContentObject(*created), 201) : JsonError(created.status());
  }
  if (parts.size() == 3 && m == "GET") {
    auto version = VersionParam(t);
    if (!version.ok()) return JsonError(version.status());
    auto c = content.GetItem(parts[2], *version);
    return c.ok() ? Json(ContentObject(*c)) : JsonError(c.status());
  }
  if (parts.size() == 3 && m == "PUT") {
    std::string by;
    auto body = DefinitionBody(req, by);
    if (!body.ok()) return JsonError(body.status());
    auto c = content.UpdateItem(parts[2], *body, by);
    return c.ok() ? Json(ContentObject(*c)) : JsonError(c.status());
  }
  if (parts.size() == 4 && m == "POST" && parts[3] == "preview") {
    return Preview(content, profiles, parts[2], req);
  }
  static constexpr std::string_view kActions[] = {"submit", "approve", "reject", "retire"};
  if (parts.size() == 4 && m == "POST" &&
      std::find(std::begin(kActions), std::end(kActions), parts[3]) != std::end(kActions)) {
    return Action(content, parts[2], parts[3], req);
  }
  return std::nullopt;
}

}  // namespace

std::optional<Response> ContentRoute(const Request& req, const Target& t,
                                     const std::vector<std::string>& parts, ContentLibrary* content,
                                     ProfileService& profiles, std::string& route) {
  if (parts.size() < 2 || parts[0] != "v1" || parts[1] != "content") return std::nullopt;
  route = "/v1/content" + std::string(parts.size() > 2 ? "/{id}" : "") +
          (parts.size() > 3 ? "/" + parts[3] : "");
  if (!content) return JsonError(Status::Unavailable("content is not enabled on this server"));
  if (auto r = Items(req, t, parts, *content, profiles)) return r;
  route = "unmatched";
  return JsonError(
      Status::NotFound("no route for " + req.method + " " + t.path + "; see docs/openapi.yaml"));
}

}  // namespace unisono::http
