#include "server/internal/journey_routes.h"

#include "server/internal/render.h"

namespace unisono::http {
namespace {

namespace json = boost::json;

Response NoContent() {
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

json::object JourneyObject(const JourneyInfo& j) {
  return {{"id", j.id},
          {"version", j.version},
          {"name", j.name},
          {"status", j.status},
          {"priority", j.priority},
          {"active", j.active},
          {"definition", ParsedOrString(j.definition_json)},
          {"created_at", FormatTimestamp(j.created_at)},
          {"updated_at", FormatTimestamp(j.updated_at)}};
}

json::object InstanceObject(const JourneyInstanceRecord& r) {
  json::object o{{"id", r.id},
                 {"journey_id", r.journey_id},
                 {"version", r.version},
                 {"state", r.state},
                 {"step", r.step},
                 {"entered_at", FormatTimestamp(r.entered_at)},
                 {"step_entered_at", FormatTimestamp(r.step_entered_at)},
                 {"updated_at", FormatTimestamp(r.updated_at)},
                 {"awaiting_event", r.awaiting}};
  if (!r.variant.empty()) o["variant"] = r.variant;
  if (r.due_at) o["due_at"] = FormatTimestamp(*r.due_at);
  return o;
}

json::object HistoryObject(const JourneyHistoryRecord& h) {
  json::object o{{"seq", h.seq},
                 {"instance_id", h.instance_id},
                 {"profile_id", ProfileIdString(h.profile_id)},
                 {"journey_id", h.journey_id},
                 {"version", h.version},
                 {"step", h.step},
                 {"action", h.action},
                 {"at", FormatTimestamp(h.at)}};
  if (!h.reason.empty()) o["reason"] = h.reason;
  if (h.detail_json != "{}") o["detail"] = ParsedOrString(h.detail_json);
  return o;
}

json::object TaskObject(const TaskRecord& t) {
  json::object o{{"id", t.id},
                 {"rep_id", t.rep_id},
                 {"profile_id", ProfileIdString(t.profile_id)},
                 {"journey_id", t.journey_id},
                 {"title", t.title},
                 {"talking_points", ParsedOrString(t.talking_points_json)},
                 {"created_at", FormatTimestamp(t.created_at)},
                 {"due_at", FormatTimestamp(t.due_at)},
                 {"state", t.state}};
  if (t.completed_at) {
    o["completed_at"] = FormatTimestamp(*t.completed_at);
    o["completed_by"] = t.completed_by;
    if (!t.notes.empty()) o["notes"] = t.notes;
  }
  return o;
}

json::object ResultsObject(const JourneyResults& r) {
  json::array steps;
  for (const auto& s : r.steps) {
    json::object actions, reasons;
    for (const auto& [k, v] : s.actions) actions[k] = v;
    for (const auto& [k, v] : s.reasons) reasons[k] = v;
    steps.push_back(json::object{{"version", s.version},
                                 {"step", s.step},
                                 {"type", s.type},
                                 {"actions", std::move(actions)},
                                 {"reasons", std::move(reasons)}});
  }
  json::object best;
  for (const auto& [k, v] : r.best_channel) best[k] = v;
  return {{"id", r.id},
          {"entered", r.entered},
          {"active", r.active},
          {"converted", r.converted},
          {"completed", r.completed},
          {"exited", r.exited},
          {"conversion_rate", r.entered > 0 ? static_cast<double>(r.converted) / r.entered : 0.0},
          {"best_channel", std::move(best)},
          {"moved_cheaper", r.moved_cheaper},
          {"steps", std::move(steps)}};
}

// A whole number query parameter in [lo, hi], or `fallback` when absent.
Result<int64_t> IntParam(const Target& t, const char* name, int64_t fallback, int64_t lo,
                         int64_t hi) {
  int64_t v = fallback;
  if (WholeParam(t, name, v).ok() && v >= lo && v <= hi) return v;
  return Status::InvalidArgument(std::string(name) + " must be a whole number from " +
                                 std::to_string(lo) + " to " + std::to_string(hi))
      .WithField(name);
}

Result<int64_t> ResolveProfile(const json::object& o, ProfileService& profiles) {
  if (std::string id = StringField(o, "profile_id"); !id.empty()) {
    auto parsed = ParseProfileId(id);
    if (!parsed.ok()) return Status(parsed.status()).WithField("profile_id");
    return *parsed;
  }
  for (const char* type : {"user_id", "email", "crm_id"}) {
    if (std::string value = StringField(o, type); !value.empty()) {
      auto p = profiles.FindBy(type == std::string("user_id") ? "user_id" : type, value);
      if (!p.ok()) return Status(p.status()).WithField(type);
      return p->record.id;
    }
  }
  return Status::InvalidArgument("name the customer: profile_id, user_id, email or crm_id")
      .WithField("profile_id");
}

Response RecordVisit(JourneyEngine& engine, ProfileService& profiles, const std::string& rep,
                     const Request& req) {
  auto o = BodyObject(req,
                      "{\"user_id\": \"doc-17\", \"notes\": \"interested in the new dosage\", "
                      "\"activate_journey\": \"journey_2\"}");
  if (!o.ok()) return JsonError(o.status());
  auto profile = ResolveProfile(*o, profiles);
  if (!profile.ok()) return JsonError(profile.status());
  RepVisit visit;
  visit.rep_id = rep;
  visit.profile_id = *profile;
  visit.notes = StringField(*o, "notes");
  visit.activate_journey = StringField(*o, "activate_journey");
  if (std::string at = StringField(*o, "at"); !at.empty()) {
    auto parsed = ParseTimestamp(at);
    if (!parsed.ok()) return JsonError(Status(parsed.status()).WithField("at"));
    visit.at = *parsed;
  }
  auto done = engine.RecordVisit(visit);
  if (!done.ok()) return JsonError(done.status());
  json::object body{
      {"message_id", done->message_id}, {"profile_id", ProfileIdString(*profile)}, {"rep_id", rep}};
  if (!visit.activate_journey.empty()) body["activated"] = visit.activate_journey;
  return Json(body, 201);
}

Response ProfileJourneys(JourneyEngine& engine, const std::string& id, const Target& t) {
  auto profile = ParseProfileId(id);
  if (!profile.ok()) return JsonError(profile.status());
  auto instances = engine.Instances(*profile);
  if (!instances.ok()) return JsonError(instances.status());
  auto limit = IntParam(t, "limit", 200, 1, 10'000);
  if (!limit.ok()) return JsonError(limit.status());
  HistoryQuery q;
  q.profile_id = *profile;
  q.limit = static_cast<int>(*limit);
  auto history = engine.History(q);
  if (!history.ok()) return JsonError(history.status());
  json::array items, events;
  for (const auto& r : *instances) items.push_back(InstanceObject(r));
  for (const auto& h : *history) events.push_back(HistoryObject(h));
  return Json(json::object{{"instances", std::move(items)}, {"history", std::move(events)}});
}

std::optional<Response> Journeys(const Request& req, const Target& t,
                                 const std::vector<std::string>& parts, JourneyEngine& engine,
                                 std::string& route) {
  const std::string& m = req.method;
  if (parts.size() == 2 && m == "GET") {
    json::array items;
    for (const auto& j : engine.ListJourneys()) items.push_back(JourneyObject(j));
    return Json(json::object{{"items", std::move(items)}});
  }
  if (parts.size() == 2 && m == "POST" && t.Get("dry_run") == "true") {
    auto checked = engine.CheckJourney(req.body);
    if (!checked.ok()) return JsonError(checked.status());
    return Json(json::object{{"definition", json::parse(*checked)}});
  }
  if (parts.size() == 2 && m == "POST") {
    auto created = engine.CreateJourney(req.body);
    return created.ok() ? Json(JourneyObject(*created), 201) : JsonError(created.status());
  }
  if (parts.size() == 3) {
    if (m == "GET") {
      auto j = engine.GetJourney(parts[2]);
      return j.ok() ? Json(JourneyObject(*j)) : JsonError(j.status());
    }
    if (m == "PUT") {
      auto j = engine.UpdateJourney(parts[2], req.body);
      return j.ok() ? Json(JourneyObject(*j)) : JsonError(j.status());
    }
    if (m == "DELETE") {
      Status s = engine.DeleteJourney(parts[2]);
      return s.ok() ? NoContent() : JsonError(s);
    }
  }
  if (parts.size() == 4 && m == "POST" && (parts[3] == "pause" || parts[3] == "resume")) {
    auto j = engine.SetStatus(parts[2], parts[3] == "pause" ? "paused" : "active");
    return j.ok() ? Json(JourneyObject(*j)) : JsonError(j.status());
  }
  if (parts.size() == 4 && m == "GET" && parts[3] == "report") {
    auto r = engine.Results(parts[2]);
    return r.ok() ? Json(ResultsObject(*r)) : JsonError(r.status());
  }
  if (parts.size() == 4 && m == "GET" && parts[3] == "history") {
    auto after = IntParam(t, "after", 0, 0, INT64_MAX);
    auto limit = IntParam(t, "limit", 100, 1, 10'000);
    if (!after.ok() || !limit.ok()) return JsonError(!after.ok() ? after.status() : limit.status());
    auto h = engine.History({0, parts[2], *after, static_cast<int>(*limit)});
    if (!h.ok()) return JsonError(h.status());
    json::array items;
    for (const auto& row : *h) items.push_back(HistoryObject(row));
    json::object body{{"items", std::move(items)}};
    if (!h->empty() && static_cast<int64_t>(h->size()) == *limit) {
      body["next_after"] = h->back().seq;
    }
    return Json(body);
  }
  route = "unmatched";
  return JsonError(
      Status::NotFound("no route for " + m + " " + t.path + "; see docs/openapi.yaml"));
}

}  // namespace

std::optional<Response> JourneyRoute(const Request& req, const Target& t,
                                     const std::vector<std::string>& parts, JourneyEngine* engine,
                                     ProfileService& profiles, std::string& route) {
  if (parts.size() < 2 || parts[0] != "v1") return std::nullopt;
  const std::string& area = parts[1];
  const bool profile_journeys =
      area == "profiles" && parts.size() == 4 && parts[3] == "journeys" && req.method == "GET";
  if (area != "journeys" && area != "reps" && area != "tasks" && area != "contact-policy" &&
      !profile_journeys) {
    return std::nullopt;
  }
  route =
      "/v1/" + area + (parts.size() > 2 ? "/{id}" : "") + (parts.size() > 3 ? "/" + parts[3] : "");
  if (!engine) return JsonError(Status::Unavailable("journeys are not enabled on this server"));
  if (profile_journeys) return ProfileJourneys(*engine, parts[2], t);
  if (area == "journeys") return Journeys(req, t, parts, *engine, route);
  if (area == "contact-policy" && parts.size() == 2 && req.method == "GET") {
    return Json(json::parse(engine->ContactPolicyJson()));
  }
  if (area == "reps" && parts.size() == 4 && parts[3] == "visits" && req.method == "POST") {
    return RecordVisit(*engine, profiles, parts[2], req);
  }
  if (area == "reps" && parts.size() == 4 && parts[3] == "tasks" && req.method == "GET") {
    auto tasks = engine->Tasks(parts[2], t.Get("state"));
    if (!tasks.ok()) return JsonError(tasks.status());
    json::array items;
    for (const auto& task : *tasks) items.push_back(TaskObject(task));
    return Json(json::object{{"items", std::move(items)}});
  }
  if (area == "tasks" && parts.size() == 4 && parts[3] == "complete" && req.method == "POST") {
    int64_t id = 0;
    try {
      id = std::stoll(parts[2]);
    } catch (const std::exception&) {
      return JsonError(Status::InvalidArgument("task ids are numbers, not '" + parts[2] + "'"));
    }
    json::object body;
    if (!req.body.empty()) {
      auto o = BodyObject(req, "{\"by\": \"rep-7\", \"notes\": \"called back\"}");
      if (!o.ok()) return JsonError(o.status());
      body = *o;
    }
    auto task = engine->CompleteTask(id, StringField(body, "by"), StringField(body, "notes"));
    return task.ok() ? Json(TaskObject(*task)) : JsonError(task.status());
  }
  return JsonError(
      Status::NotFound("no route for " + req.method + " " + t.path + "; see docs/openapi.yaml"));
}

}  // namespace unisono::http
