// The routing table and the handlers. Each handler parses, calls one module function
// and renders; business rules live in the modules.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>

#include "server/internal/catalog_routes.h"
#include "server/internal/content_routes.h"
#include "server/internal/delivery_routes.h"
#include "server/internal/journey_reports.h"
#include "server/internal/journey_routes.h"
#include "server/internal/quadrant_reports.h"
#include "server/internal/render.h"
#include "server/internal/reports.h"
#include "server/internal/request_util.h"
#include "server/internal/roi_reports.h"
#include "server/internal/router.h"
#include "server/internal/segment_routes.h"
#include "server/internal/tracking_routes.h"

namespace unisono::http {
namespace json = boost::json;

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kTooLarge:
      return 413;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

Response JsonError(const Status& status) {
  json::object error{{"code", StatusCodeName(status.code())}, {"message", status.message()}};
  if (!status.field().empty()) error["field"] = status.field();
  if (status.index()) error["index"] = *status.index();
  Response r;
  r.status = HttpStatusFor(status.code());
  r.body = json::serialize(json::object{{"error", std::move(error)}});
  if (r.status == 401) r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"unisono\"");
  return r;
}

namespace {

const std::pair<std::string_view, Endpoint> kIngestPaths[] = {
    {"/v1/identify", Endpoint::kIdentify}, {"/v1/track", Endpoint::kTrack},
    {"/v1/page", Endpoint::kPage},         {"/v1/screen", Endpoint::kScreen},
    {"/v1/group", Endpoint::kGroup},       {"/v1/alias", Endpoint::kAlias},
    {"/v1/batch", Endpoint::kBatch},       {"/v1/import", Endpoint::kBatch},
};

std::optional<Endpoint> IngestEndpoint(std::string_view path) {
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  for (const auto& [p, e] : kIngestPaths) {
    if (path == p) return e;
  }
  return std::nullopt;
}

// Splits "/v1/profiles/p_1/timeline" into its segments.
std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

}  // namespace

struct Router::Impl {
  Impl(ServerOptions o, ServerDeps d, Metrics& m)
      : options(std::move(o)),
        deps(d),
        metrics(m),
        write_keys(options.write_keys.begin(), options.write_keys.end()) {
    options.ingest.catalog = &deps.catalog;
    options.ingest.products = &products();
  }
  ~Impl() {
    std::unique_lock<std::mutex> lock(imports_mu);
    imports_done.wait(lock, [&] { return imports_running == 0; });
  }

  void Ingest(Endpoint endpoint, Request& req, Reply reply);
  Response Profiles(const Target& t);
  Response ProfileById(const std::string& id, const Target& t, bool timeline_only);
  Response PutConsent(const std::string& id, const Request& req);
  Response ProfileSegments(const std::string& id);
  Response AdvanceClock(const Request& req);
  Status SettleJourneys();
  void ImportCsv(const Target& t, Request& req, Reply reply);
  void RunImport(const CsvImportOptions& o, std::string body, Reply reply);

  // Parsers keep buffers between requests; one per concurrent request.
  std::unique_ptr<SegmentParser> AcquireParser() {
    std::lock_guard<std::mutex> lock(parsers_mu);
    if (parsers.empty()) return std::make_unique<SegmentParser>(options.ingest);
    auto p = std::move(parsers.back());
    parsers.pop_back();
    return p;
  }
  void ReleaseParser(std::unique_ptr<SegmentParser> p) {
    std::lock_guard<std::mutex> lock(parsers_mu);
    parsers.push_back(std::move(p));
  }

  const ProductCatalog& products() const {
    return deps.products ? *deps.products : builtin_products;
  }

  ServerOptions options;
  ServerDeps deps;
  Metrics& metrics;
  ProductCatalog builtin_products = ProductCatalog::Builtin();  // when deps name none
  std::unordered_set<std::string> write_keys;
  std::mutex parsers_mu;
  std::vector<std::unique_ptr<SegmentParser>> parsers;
  std::mutex imports_mu;
  std::condition_variable imports_done;
  int imports_running = 0;
};

void Router::Impl::Ingest(Endpoint endpoint, Request& req, Reply reply) {
  auto reject = [&](const Status& s) {
    metrics.EventsRejected(StatusCodeName(s.code()), 1);
    reply(JsonError(s));
  };
  if (ToLower(req.content_encoding) == "gzip" || ToLower(req.content_encoding) == "deflate") {
    auto body = Gunzip(req.body, endpoint == Endpoint::kBatch ? kMaxBatchBytes : kMaxEventBytes);
    if (!body.ok()) return reject(body.status());
    req.body = std::move(body).value();
  } else if (!req.content_encoding.empty() && ToLower(req.content_encoding) != "identity") {
    return reject(Status::InvalidArgument("Content-Encoding '" + req.content_encoding +
                                          "' is not supported; send gzip or no encoding"));
  }
  std::string header_key = BasicAuthUser(req.authorization);
  if (!req.authorization.empty() && header_key.empty()) {
    return reject(Status::Unauthenticated(
        "the Authorization header is not Basic auth; send the write key as the user name"));
  }
  if (!header_key.empty() && !write_keys.count(header_key)) {
    return reject(
        Status::Unauthenticated("unknown write key; use a key the server was "
                                "started with (--write-key) or printed at start"));
  }
  auto parser = AcquireParser();
  auto parsed = parser->Parse(endpoint, req.body, deps.clock.Now());
  ReleaseParser(std::move(parser));
  if (header_key.empty()) {
    // Without the header the key may be in the body; authenticate before any
    // detail of a parse error is revealed.
    std::string body_key = parsed.ok() ? parsed->write_key : std::string();
    if (body_key.empty() || !write_keys.count(body_key)) {
      return reject(Status::Unauthenticated(
          body_key.empty() ? "missing write key: send it as the HTTP Basic user name or as "
                             "\"writeKey\" in the body"
                           : "unknown write key; use a key the server was started with"));
    }
  }
  if (!parsed.ok()) return reject(parsed.status());
  size_t n = parsed->events.size();
  for (auto& e : parsed->events) e.source = "http";
  // Acknowledged once durable in the ingest log; duplicates are counted while indexing.
  deps.profiles.Append(std::move(parsed->events),
                       [this, n, reply = std::move(reply)](const Result<IngestResult>& r) {
                         if (!r.ok()) {
                           metrics.EventsRejected(StatusCodeName(r.status().code()), n);
                           reply(JsonError(r.status()));
                           return;
                         }
                         metrics.EventsAccepted(r->accepted);
                         metrics.EventsDuplicate(r->duplicates);
                         reply(Response{200, R"({"success":true})"});
                       });
}

Response Router::Impl::ProfileById(const std::string& id_text, const Target& t,
                                   bool timeline_only) {
  auto id = ParseProfileId(id_text);
  if (!id.ok()) return JsonError(id.status());
  auto profile = deps.profiles.Get(*id);
  if (!profile.ok()) return JsonError(profile.status());
  TimelineQuery q;
  q.profile_id = profile->record.id;
  q.channel = t.Get("channel");
  q.cursor = t.Get("cursor");
  if (std::string limit = t.Get("limit"); !limit.empty()) {
    try {
      q.limit = std::stoi(limit);
    } catch (const std::exception&) {
      q.limit = -1;
    }
    if (q.limit < 1 || q.limit > 1000) {
      return JsonError(
          Status::InvalidArgument("limit must be a number from 1 to 1000").WithField("limit"));
    }
  }
  for (auto [key, out] : {std::pair{"since", &q.since}, std::pair{"until", &q.until}}) {
    if (std::string v = t.Get(key); !v.empty()) {
      auto ts = ParseTimestamp(v);
      if (!ts.ok()) return JsonError(Status(ts.status()).WithField(key));
      *out = *ts;
    }
  }
  auto page = deps.profiles.Timeline(q);
  if (!page.ok()) return JsonError(page.status());
  if (timeline_only) return Json(TimelineJson(*page));
  auto o = ProfileObject(*profile);
  if (deps.segments) {
    if (auto view = deps.segments->ForProfile(profile->record.id); view.ok()) {
      for (auto& [key, value] : ProfileSegmentsJson(*view)) o[key] = value;
    }
  }
  o["timeline"] = TimelineJson(*page);
  return Json(o);
}

Response Router::Impl::Profiles(const Target& t) {
  static constexpr const char* kPaging[] = {"limit", "cursor", "channel", "since", "until"};
  for (const auto& [key, value] : t.query) {
    if (std::find(std::begin(kPaging), std::end(kPaging), key) != std::end(kPaging)) continue;
    auto profile = deps.profiles.FindBy(key, value);
    if (!profile.ok()) return JsonError(profile.status());
    return ProfileById(ProfileIdString(profile->record.id), t, false);
  }
  return JsonError(Status::InvalidArgument(
      "name an identifier to look up, e.g. /v1/profiles?email=ana@example.com "
      "(user_id, crm_id, email, phone, anonymous_id, device_id, ...)"));
}

Response Router::Impl::PutConsent(const std::string& id_text, const Request& req) {
  auto id = ParseProfileId(id_text);
  if (!id.ok()) return JsonError(id.status());
  boost::system::error_code ec;
  json::value body = json::parse(req.body, ec);
  if (ec || !body.is_object()) {
    return JsonError(Status::InvalidArgument(
        "send a JSON object like {\"consent\": {\"email\": true, \"sms\": false}, "
        "\"source\": \"call_center\"}"));
  }
  const json::object& o = body.as_object();
  const json::value* consent = o.if_contains("consent");
  if (!consent || !consent->is_object() || consent->as_object().empty()) {
    return JsonError(Status::InvalidArgument("'consent' must be an object of channel: true/false")
                         .WithField("consent"));
  }
  std::string source = "api";
  if (const json::value* s = o.if_contains("source"); s && s->is_string()) {
    source = std::string(s->as_string());
  }
  // Validate everything before writing anything.
  std::vector<std::pair<std::string, bool>> changes;
  for (const auto& [channel, granted] : consent->as_object()) {
    if (!granted.is_bool()) {
      return JsonError(Status::InvalidArgument("consent for '" + std::string(channel) +
                                               "' must be true or false")
                           .WithField("consent." + std::string(channel)));
    }
    changes.emplace_back(deps.catalog.Canonical(channel), granted.as_bool());
  }
  for (const auto& [channel, granted] : changes) {
    if (Status s = deps.profiles.SetConsent(*id, channel, granted, source); !s.ok()) {
      return JsonError(s);
    }
  }
  return ProfileById(id_text, Target{}, false);
}

Response Router::Impl::ProfileSegments(const std::string& id_text) {
  auto id = ParseProfileId(id_text);
  if (!id.ok()) return JsonError(id.status());
  if (!deps.segments) return JsonError(Status::Unavailable("segments are not enabled"));
  auto profile = deps.profiles.Get(*id);  // follows merges
  if (!profile.ok()) return JsonError(profile.status());
  auto view = deps.segments->ForProfile(profile->record.id);
  if (!view.ok()) return JsonError(view.status());
  auto o = ProfileSegmentsJson(*view);
  o["profile_id"] = ProfileIdString(profile->record.id);
  return Json(o);
}

// Membership changes are written through the profile service: let them land, then run
// what the journeys have due (twice: a journey's own writes may trigger more).
Status Router::Impl::SettleJourneys() {
  if (!deps.journeys) return Status::Ok();
  for (int pass = 0; pass < 2; ++pass) {
    for (int i = 0; i < 500 && deps.profiles.queued_events() > 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (Status s = deps.journeys->RunUntilIdle(); !s.ok()) return s;
  }
  return Status::Ok();
}

// {"advance": "31d"} or {"set": "2026-03-01T00:00:00Z"}; only with --clock manual. Every
// time-based rule follows at once: due segment windows are re-evaluated before replying.
Response Router::Impl::AdvanceClock(const Request& req) {
  if (!deps.manual_clock) {
    return JsonError(Status::FailedPrecondition(
        "the clock is the system clock; start the server with --clock manual to move it"));
  }
  boost::system::error_code ec;
  json::value body = json::parse(req.body, ec);
  const json::object* o = !ec && body.is_object() ? &body.as_object() : nullptr;
  const json::value* advance = o ? o->if_contains("advance") : nullptr;
  const json::value* set = o ? o->if_contains("set") : nullptr;
  if (!o || (!advance == !set) || (advance && !advance->is_string()) ||
      (set && !set->is_string())) {
    return JsonError(Status::InvalidArgument(
        "send {\"advance\": \"31d\"} or {\"set\": \"2026-03-01T00:00:00Z\"}"));
  }
  // What happened before the move (a visit just recorded, a segment entry) is handled
  // at the old time, as the system clock would have; only then does time move.
  if (Status s = SettleJourneys(); !s.ok()) return JsonError(s);
  if (advance) {
    auto d = ParseDuration(std::string(advance->as_string()));
    if (!d.ok()) return JsonError(Status(d.status()).WithField("advance"));
    if (d->count() < 0) {
      return JsonError(
          Status::InvalidArgument("the clock only moves forward").WithField("advance"));
    }
    deps.manual_clock->Advance(*d);
  } else {
    auto t = ParseTimestamp(std::string(set->as_string()));
    if (!t.ok()) return JsonError(Status(t.status()).WithField("set"));
    if (*t < deps.manual_clock->Now()) {
      return JsonError(Status::InvalidArgument("the clock only moves forward").WithField("set"));
    }
    deps.manual_clock->Set(*t);
  }
  size_t evaluated = deps.segments ? deps.segments->RunDue() : 0;
  if (Status s = SettleJourneys(); !s.ok()) return JsonError(s);
  // Messages due by now (new ones, retries whose backoff ended) go out before the answer.
  if (deps.delivery) {
    if (Status s = deps.delivery->RunUntilIdle(); !s.ok()) return JsonError(s);
  }
  return Json(json::object{{"now", FormatTimestamp(deps.manual_clock->Now())},
                           {"profiles_reevaluated", evaluated}});
}

void Router::Impl::ImportCsv(const Target& t, Request& req, Reply reply) {
  auto kind = ParseCsvKind(t.Get("kind"));
  if (!kind.ok()) return reply(JsonError(Status(kind.status()).WithField("kind")));
  CsvImportOptions o;
  o.kind = *kind;
  o.catalog = &deps.catalog;
  o.products = &products();
  o.default_currency = options.ingest.default_currency;
  o.source_name = t.Get("name").empty() ? "upload" : t.Get("name");
  o.received_at = deps.clock.Now();
  auto [first, last] = t.query.equal_range("map");
  for (auto it = first; it != last; ++it) {
    auto sep = it->second.find_first_of("=:");
    if (sep == std::string::npos) {
      return reply(
          JsonError(Status::InvalidArgument("map must be field=column, e.g. map=email=Correo")
                        .WithField("map")));
    }
    o.mapping[it->second.substr(0, sep)] = it->second.substr(sep + 1);
  }
  // An import holds the commit thread for a while; keep the I/O thread free.
  {
    std::lock_guard<std::mutex> lock(imports_mu);
    ++imports_running;
  }
  std::thread([this, o, body = std::move(req.body), reply = std::move(reply)]() mutable {
    RunImport(o, std::move(body), std::move(reply));
    std::lock_guard<std::mutex> lock(imports_mu);
    if (--imports_running == 0) imports_done.notify_all();
  }).detach();
}

void Router::Impl::RunImport(const CsvImportOptions& o, std::string body, Reply reply) {
  std::istringstream in(std::move(body));
  auto reader = CsvReader::Open(in, o);
  if (!reader.ok()) return reply(JsonError(reader.status()));
  auto result = deps.profiles.ImportCsv(**reader);
  if (!result.ok()) {
    metrics.EventsRejected(StatusCodeName(result.status().code()), 1);
    return reply(JsonError(result.status()));
  }
  metrics.EventsAccepted(result->stored.accepted);
  metrics.EventsDuplicate(result->stored.duplicates);
  reply(Json(json::object{{"rows", result->rows},
                          {"accepted", result->stored.accepted},
                          {"duplicates", result->stored.duplicates}}));
}

Router::Router(ServerOptions options, ServerDeps deps, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), deps, metrics)) {}
Router::~Router() = default;

size_t Router::BodyLimit(std::string_view target) const {
  // Runs for every request before its body: look at the path only, no query parsing.
  if (target.substr(0, target.find('?')) == "/v1/import/csv") return impl_->options.max_csv_bytes;
  // Compressed bodies are checked again after inflating.
  return kMaxBatchBytes + 1;
}

void Router::Handle(Request req, Reply reply) {
  auto started = std::chrono::steady_clock::now();
  Target t = ParseTarget(req.target);
  std::string route = t.path;
  auto finish = [this, started, reply = std::move(reply)](std::string route, Response r) {
    r.headers.emplace_back("Access-Control-Allow-Origin", "*");
    impl_->metrics.Request(
        route, r.status,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    reply(std::move(r));
  };
  if (req.method == "OPTIONS") {
    // CORS preflight: browsers on other origins may POST JSON with credentials headers.
    Response r;
    r.status = 204;
    r.content_type.clear();
    r.headers = {{"Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS"},
                 {"Access-Control-Allow-Headers",
                  "Authorization, Content-Type, Content-Encoding, X-Requested-With, "
                  "X-Unisono-User"},
                 {"Access-Control-Max-Age", "86400"}};
    return finish("preflight", std::move(r));
  }
  if (auto endpoint = IngestEndpoint(t.path)) {
    if (req.method != "POST") {
      return finish(route, JsonError(Status::InvalidArgument("use POST for " + t.path)));
    }
    return impl_->Ingest(*endpoint, req,
                         [finish, route](Response r) mutable { finish(route, std::move(r)); });
  }
  auto parts = Segments(t.path);
  if (TrackingRoute(req, t, parts, impl_->deps.delivery, finish)) return;
  if (req.method == "GET" && t.path == "/healthz") {
    ProfileService& profiles = impl_->deps.profiles;
    json::object health{{"status", "ok"},
                        {"version", kVersion},
                        {"queued_events", profiles.queued_events()},
                        {"unindexed_events", profiles.unindexed_events()}};
    Response r;
    if (std::string error = profiles.ingest_log_error(); !error.empty()) {
      health["status"] = "degraded";
      health["error"] = "ingest is stopped: " + error + "; restart the server";
      r.status = 503;
    }
    r.body = json::serialize(health);
    return finish("/healthz", std::move(r));
  }
  if (req.method == "GET" && t.path == "/metrics") {
    Response r;
    r.body = impl_->metrics.Render();
    r.content_type = "text/plain; version=0.0.4";
    return finish("/metrics", std::move(r));
  }
  // Reads see every event acknowledged before them (indexing trails acks by a group).
  impl_->deps.profiles.WaitVisible();
  if (req.method == "GET" && t.path == "/v1/channels") {
    Response r;
    r.body = ChannelsJson(impl_->deps.catalog);
    return finish("/v1/channels", std::move(r));
  }
  if (std::string name;
      auto r = CatalogRoute(req, t, parts, impl_->products(), impl_->deps.content, name)) {
    return finish(name, std::move(*r));
  }
  if (parts.size() >= 2 && parts[0] == "v1" && parts[1] == "profiles") {
    if (parts.size() == 2 && req.method == "GET") return finish("/v1/profiles", impl_->Profiles(t));
    if (parts.size() == 3 && req.method == "GET") {
      return finish("/v1/profiles/{id}", impl_->ProfileById(parts[2], t, false));
    }
    if (parts.size() == 4 && parts[3] == "timeline" && req.method == "GET") {
      return finish("/v1/profiles/{id}/timeline", impl_->ProfileById(parts[2], t, true));
    }
    if (parts.size() == 4 && parts[3] == "segments" && req.method == "GET") {
      return finish("/v1/profiles/{id}/segments", impl_->ProfileSegments(parts[2]));
    }
    if (parts.size() == 4 && parts[3] == "consent" && req.method == "PUT") {
      return finish("/v1/profiles/{id}/consent", impl_->PutConsent(parts[2], req));
    }
  }
  if (std::string name;
      auto r = SegmentRoute(req, t, parts, impl_->deps.segments, impl_->deps.profiles, name)) {
    return finish(name, std::move(*r));
  }
  if (std::string name;
      auto r = JourneyRoute(req, t, parts, impl_->deps.journeys, impl_->deps.profiles, name)) {
    return finish(name, std::move(*r));
  }
  if (std::string name; auto r = DeliveryRoute(req, t, parts, impl_->deps.delivery, name)) {
    return finish(name, std::move(*r));
  }
  if (std::string name;
      auto r = ContentRoute(req, t, parts, impl_->deps.content, impl_->deps.profiles, name)) {
    return finish(name, std::move(*r));
  }
  if (t.path == "/v1/admin/clock" && req.method == "POST") {
    return finish(t.path, impl_->AdvanceClock(req));
  }
  if (auto r = JourneyReport(req, t, impl_->deps.store, impl_->deps.catalog)) {
    return finish(t.path, std::move(*r));  // transitions, leaks, funnel, journeys, customers
  }
  if (req.method == "GET" && t.path == "/v1/reports/paths") {
    return finish(t.path, PathsReport(t, impl_->deps.store, impl_->deps.catalog));
  }
  if (req.method == "GET" && t.path == "/v1/reports/roi") {
    return finish(t.path, RoiReport(t, impl_->deps.store, impl_->deps.catalog));
  }
  if (req.method == "GET" && t.path == "/v1/reports/kpis") {
    return finish(t.path, KpisReport(t, impl_->deps.store, impl_->deps.catalog));
  }
  if (req.method == "GET" && t.path == "/v1/reports/quadrants") {
    return finish(t.path, QuadrantsReport(t, impl_->deps.store, impl_->deps.catalog));
  }
  if (req.method == "GET" && t.path == "/v1/reports/attribution") {
    return finish(t.path, AttributionReport(t, impl_->deps.store, impl_->deps.catalog));
  }
  if (t.path == "/v1/import/csv" && req.method == "POST") {
    return impl_->ImportCsv(
        t, req, [finish](Response r) mutable { finish("/v1/import/csv", std::move(r)); });
  }
  finish("unmatched", JsonError(Status::NotFound("no route for " + req.method + " " + t.path +
                                                 "; see docs/openapi.yaml")));
}

}  // namespace unisono::http
