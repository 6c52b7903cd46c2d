// The subcommands: each wires store, catalog, clock and services, then does one job.
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "channel/channel.h"
#include "cli/cli.h"
#include "content/content.h"
#include "demo/demo.h"
#include "ingest/ingest.h"
#include "journey/journey.h"
#include "profile/profile.h"
#include "server/server.h"
#include "storage/storage.h"

namespace unisono::cli {
namespace {

int Fail(const std::string& what, const Status& s) {
  std::cerr << "unisono " << what << ": " << s.message() << "\n";
  return s.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    for (char c : std::string_view(msg.payload.data(), msg.payload.size())) {
      char escaped[8];
      std::string_view out(&c, 1);
      if (c == '"' || c == '\\') {
        escaped[0] = '\\';
        escaped[1] = c;
        out = std::string_view(escaped, 2);
      } else if (static_cast<unsigned char>(c) < 0x20) {
        std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
        out = std::string_view(escaped, 6);
      }
      dest.append(out.data(), out.data() + out.size());
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }
};

void SetUpLogging(const Config& c) {
  auto logger = spdlog::stderr_color_mt("unisono");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(c.log_level));
  if (c.log_format == "json") {
    // %* is the message escaped as a JSON string body, so every line parses.
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<JsonEscapedMessage>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","logger":"%n","message":"%*"})");
    spdlog::set_formatter(std::move(formatter));
  } else {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  }
}

Result<ChannelCatalog> LoadCatalog(const Config& c) {
  if (c.channels.empty()) return ChannelCatalog::Builtin();
  return ChannelCatalog::FromFile(c.channels);
}

Result<ProductCatalog> LoadProducts(const Config& c) {
  if (c.products.empty()) return ProductCatalog::Builtin();
  return ProductCatalog::FromFile(c.products);
}

bool IsBuiltinIdentifier(const std::string& type) {
  for (const char* t : {"user_id", "anonymous_id", "email", "phone", "crm_id", "device_id"}) {
    if (type == t) return true;
  }
  return false;
}

namespace fs = std::filesystem;

constexpr const char* kIngestLogDirSetting = "ingest_log_dir";

std::string DefaultIngestLogDir(const Config& c) {
  return (fs::path(c.data) / "ingest-log").string();
}

std::string IngestLogDir(const Config& c) {
  return c.ingest_log.empty() ? DefaultIngestLogDir(c) : c.ingest_log;
}

// A store's ingest log stays where its writers found it: a writer pointed elsewhere
// would start a new log and never replay the old one's unindexed events. Moving it is
// a stop, a `mv`, and a start with the new --ingest-log.
Status CheckIngestLogPlace(Store& store, const Config& c) {
  auto recorded = store.GetSetting(kIngestLogDirSetting);
  if (!recorded.ok()) return recorded.status();
  std::error_code ec;
  const std::string dir = fs::weakly_canonical(fs::absolute(IngestLogDir(c)), ec).string();
  const std::string previous =
      recorded->has_value()
          ? **recorded
          : fs::weakly_canonical(fs::absolute(DefaultIngestLogDir(c)), ec).string();
  if (previous == dir) {
    return recorded->has_value() ? Status::Ok() : store.PutSetting(kIngestLogDirSetting, dir);
  }
  if (IngestLog::HoldsLogFiles(previous)) {
    return Status::FailedPrecondition(
        "the ingest log of the store in " + c.data + " is in " + previous +
        ", which still holds log files (acknowledged events may be only there); start with "
        "--ingest-log " +
        previous + ", or stop every unisono process on it and move it: mv " + previous + " " + dir);
  }
  return store.PutSetting(kIngestLogDirSetting, dir);
}

ProfileServiceOptions ServiceOptions(const Config& c) {
  ProfileServiceOptions o;
  // Every command that writes replays what a crashed server left in the log first.
  o.ingest_log_dir = IngestLogDir(c);
  o.identity.default_country_code = c.default_country_code;
  for (const auto& id : c.identifiers) {
    auto& rules = o.identity.rules;
    auto it = std::find_if(rules.begin(), rules.end(),
                           [&](const IdentifierRule& r) { return r.type == id.type; });
    if (it == rules.end()) {
      rules.push_back({id.type, id.priority, id.limit});
    } else {
      *it = {id.type, id.priority, id.limit};
    }
  }
  return o;
}

// Traits read as identifiers: the custom types of the config file.
std::vector<IdentifierTrait> IdentifierTraits(const Config& c) {
  std::vector<IdentifierTrait> out;
  for (const auto& id : c.identifiers) {
    if (!IsBuiltinIdentifier(id.type)) out.push_back({id.trait, id.type});
  }
  return out;
}

Result<std::unique_ptr<Clock>> MakeClock(const std::string& spec) {
  if (spec == "system" || spec.empty()) return std::unique_ptr<Clock>(new SystemClock());
  if (spec.starts_with("manual")) {
    Timestamp start = SystemClock().Now();
    if (spec.size() > 7 && spec[6] == ':') {
      auto t = ParseTimestamp(spec.substr(7));
      if (!t.ok()) return Status(t.status()).WithField("clock");
      start = *t;
    }
    return std::unique_ptr<Clock>(new ManualClock(start));
  }
  return Status::InvalidArgument("--clock must be system or manual[:2026-01-01T00:00:00Z]");
}

// The write keys to accept: the given ones, else the one kept in the store.
Result<std::vector<std::string>> WriteKeys(const Config& c, Store& store) {
  if (!c.write_keys.empty()) return c.write_keys;
  auto kept = store.GetSetting("write_key");
  if (!kept.ok()) return kept.status();
  if (*kept) return std::vector<std::string>{**kept};
  std::string key = "wk_" + RandomHexId(12);
  if (Status s = store.PutSetting("write_key", key); !s.ok()) return s;
  std::cout << "created write key " << key << " (kept in " << c.data
            << "; send it as the HTTP Basic user name)" << std::endl;
  return std::vector<std::string>{key};
}

// Connectors from the config; a channel without one keeps its messages pending, unless
// dry_run sends every message to DATA/messages.jsonl instead.
DeliveryOptions DeliveryOptionsFor(const Config& config, uint16_t port) {
  DeliveryOptions o;
  o.data_dir = config.data;
  const DeliverySettings& d = config.delivery;
  o.dry_run = d.dry_run;
  o.public_url =
      d.public_url.empty() ? "http://" + config.host + ":" + std::to_string(port) : d.public_url;
  o.tracking_secret = d.tracking_secret;
  o.webhook.max_attempts = d.max_attempts;
  if (!d.smtp.empty()) {
    SmtpOptions smtp;
    smtp.url = d.smtp;
    smtp.from = d.smtp_from;
    smtp.require_tls = d.smtp_require_tls;
    smtp.connector.rate_per_second = d.smtp_rate;
    smtp.connector.max_attempts = d.max_attempts;
    o.smtp = smtp;
  }
  auto provider = [&](const std::string& url, const std::string& from, const std::string& auth,
                      double rate, const std::string& format,
                      const std::map<std::string, std::string>& fields,
                      const std::string& id_field) {
    HttpProviderOptions p;
    p.url = url;
    p.from = from;
    p.auth = auth;
    p.body_format = format;
    if (!fields.empty()) p.fields = fields;
    p.id_field = id_field;
    p.connector.rate_per_second = rate;
    p.connector.max_attempts = d.max_attempts;
    return p;
  };
  if (!d.sms_provider.empty()) {
    o.sms = provider(d.sms_provider, d.sms_from, d.sms_auth, d.sms_rate, d.sms_format, d.sms_fields,
                     d.sms_id_field);
  }
  if (!d.whatsapp_provider.empty()) {
    o.whatsapp = provider(d.whatsapp_provider, d.whatsapp_from, d.whatsapp_auth, 0,
                          d.whatsapp_format, d.whatsapp_fields, d.whatsapp_id_field);
  }
  return o;
}

}  // namespace

int RunServe(const Config& config, const std::string& clock_spec) {
  SetUpLogging(config);
  // Block the stop signals in every thread; this one waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto clock = MakeClock(clock_spec);
  if (!clock.ok()) return Fail("serve", clock.status());
  auto catalog = LoadCatalog(config);
  if (!catalog.ok()) return Fail("serve", catalog.status());
  auto products = LoadProducts(config);
  if (!products.ok()) return Fail("serve", products.status());
  auto store = OpenSqliteStore(config.data);
  if (!store.ok()) return Fail("serve", store.status());
  if (Status s = CheckIngestLogPlace(**store, config); !s.ok()) return Fail("serve", s);
  auto keys = WriteKeys(config, **store);
  if (!keys.ok()) return Fail("serve", keys.status());

  auto metrics = MakeMetrics();
  ProfileServiceOptions service_options = ServiceOptions(config);
  service_options.on_log_sync = [metrics](size_t requests, int64_t micros) {
    RecordLogSync(*metrics, requests, micros);
  };
  service_options.on_commit = [metrics](size_t events, int64_t micros) {
    RecordCommit(*metrics, events, micros);
  };
  service_options.on_indexed = [metrics](size_t, size_t duplicates) {
    RecordDuplicates(*metrics, duplicates);
  };
  // Segments hear every commit; the engine is made after the service it writes through.
  // Journeys read the log themselves and are only nudged.
  auto segment_hook = std::make_shared<std::atomic<SegmentEngine*>>(nullptr);
  auto journey_hook = std::make_shared<std::atomic<JourneyEngine*>>(nullptr);
  service_options.on_committed = [segment_hook, journey_hook](const WriteBatch& b,
                                                              const std::vector<uint8_t>& written) {
    if (SegmentEngine* engine = segment_hook->load()) engine->OnCommitted(b, written);
    if (JourneyEngine* journeys = journey_hook->load()) journeys->Nudge();
  };
  service_options.on_bulk_import = [segment_hook] {
    if (SegmentEngine* engine = segment_hook->load()) engine->Reload();
  };
  auto profiles = ProfileService::Create(**store, **clock, service_options);
  if (!profiles.ok()) return Fail("serve", profiles.status());
  if (int64_t replayed = (*profiles)->replayed_events(); replayed > 0) {
    spdlog::info("indexed {} events from the ingest log that the last run acknowledged", replayed);
  }
  SegmentEngineOptions segment_options;
  segment_options.catalog = *catalog;
  segment_options.stages = config.stages;
  auto segments = SegmentEngine::Create(**store, **clock, profiles->get(), segment_options);
  if (!segments.ok()) return Fail("serve", segments.status());
  segment_hook->store(segments->get());
  (*segments)->StartScheduler(Millis(1000));
  ContentOptions content_options;
  content_options.products = *products;
  auto content = ContentLibrary::Create(**store, **clock, content_options);
  if (!content.ok()) return Fail("serve", content.status());
  auto delivery = Delivery::Create(**store, **clock, **profiles, content->get(),
                                   DeliveryOptionsFor(config, static_cast<uint16_t>(config.port)));
  if (!delivery.ok()) return Fail("serve", delivery.status());
  JourneyEngineOptions journey_options;
  journey_options.catalog = *catalog;
  journey_options.contact_policy_json = config.contact_policy_json;
  journey_options.response_events = config.stages.response_events;
  journey_options.content = content->get();
  journey_options.on_queued = [d = delivery->get()](const std::vector<OutboxMessage>& messages) {
    d->Enqueue(messages);
  };
  auto journeys = JourneyEngine::Create(**store, **clock, **profiles, **segments, journey_options);
  if (!journeys.ok()) return Fail("serve", journeys.status());
  journey_hook->store(journeys->get());
  (*journeys)->Start();

  ServerOptions options;
  options.host = config.host;
  if (config.port < 0 || config.port > 65535) {
    return Fail("serve", Status::InvalidArgument("--port must be 0..65535"));
  }
  options.port = static_cast<uint16_t>(config.port);
  options.threads = config.threads;
  options.write_keys = *keys;
  options.ingest.default_currency = config.currency;
  options.ingest.identifier_traits = IdentifierTraits(config);
  ServerDeps deps{**profiles, *catalog, **clock, metrics, store->get()};
  deps.segments = segments->get();
  deps.journeys = journeys->get();
  deps.content = content->get();
  deps.products = &*products;
  deps.delivery = delivery->get();
  deps.manual_clock = dynamic_cast<ManualClock*>(clock->get());
  auto server = Server::Start(options, deps);
  if (!server.ok()) return Fail("serve", server.status());
  // With --port 0 the links can only name the port once it is known.
  if (config.delivery.public_url.empty()) {
    (*delivery)->SetPublicUrl(DeliveryOptionsFor(config, (*server)->port()).public_url);
  }
  (*delivery)->Start();

  std::cout << "unisono listening on http://" << config.host << ":" << (*server)->port()
            << std::endl;
  spdlog::info("serving {} with store {} ({} channels)", kVersion, config.data,
               catalog->channels().size());

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("received {}, draining requests in flight", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  (*server)->Stop();
  server->reset();
  (*journeys)->Stop();
  (*delivery)->Stop();
  journey_hook->store(nullptr);
  (*segments)->StopScheduler();
  profiles->reset();  // drains the commit queue; the engine still hears it
  segment_hook->store(nullptr);
  journeys->reset();
  delivery->reset();
  segments->reset();
  spdlog::info("stopped cleanly");
  return 0;
}

int RunImport(const Config& config, const std::string& file, const std::string& kind_name,
              const std::vector<std::string>& maps, const std::string& format_name) {
  auto format = ParseFormat(format_name);
  if (!format.ok()) return Fail("import", format.status());
  auto kind = ParseCsvKind(kind_name);
  if (!kind.ok()) return Fail("import", kind.status());
  auto catalog = LoadCatalog(config);
  if (!catalog.ok()) return Fail("import", catalog.status());
  auto products = LoadProducts(config);
  if (!products.ok()) return Fail("import", products.status());
  std::ifstream in(file, std::ios::binary);
  if (!in) return Fail("import", Status::NotFound("cannot read '" + file + "'"));
  in.seekg(0, std::ios::end);
  double file_size = static_cast<double>(in.tellg());
  in.seekg(0);

  SystemClock clock;
  CsvImportOptions options;
  options.kind = *kind;
  options.catalog = &*catalog;
  options.products = &*products;
  options.default_currency = config.currency;
  options.source_name = file.substr(file.find_last_of('/') + 1);
  options.received_at = clock.Now();
  for (const auto& m : maps) {
    auto eq = m.find('=');
    if (eq == std::string::npos) {
      return Fail("import", Status::InvalidArgument("--map '" + m +
                                                    "' must be field=column, e.g. email=Correo"));
    }
    options.mapping[m.substr(0, eq)] = m.substr(eq + 1);
  }
  auto reader = CsvReader::Open(in, options);
  if (!reader.ok()) return Fail("import", Status(reader.status()));

  auto store = OpenSqliteStore(config.data);
  if (!store.ok()) return Fail("import", store.status());
  if (Status s = CheckIngestLogPlace(**store, config); !s.ok()) return Fail("import", s);
  auto profiles = ProfileService::Create(**store, clock, ServiceOptions(config));
  if (!profiles.ok()) return Fail("import", profiles.status());

  ProgressBar bar("importing " + options.source_name);
  auto result = (*profiles)->ImportCsv(**reader, [&](int64_t rows) {
    bar.Update(file_size > 0 ? (*reader)->bytes_read() / file_size : 0,
               WithThousands(rows) + " rows");
  });
  if (!result.ok()) {
    return Fail("import", Status(result.status().code(),
                                 result.status().message() + " — nothing was imported"));
  }
  int64_t rows = result->rows;
  bar.Finish(WithThousands(rows) + " rows");
  Table t({"file", "kind", "rows", "stored", "duplicates"});
  t.Add({options.source_name, CsvKindName(*kind), WithThousands(rows),
         WithThousands(result->stored.accepted), WithThousands(result->stored.duplicates)});
  std::cout << t.Render(*format);
  return 0;
}

int RunProfile(const Config& config, const std::string& type, const std::string& value,
               const std::string& format_name, int limit, const std::string& channel) {
  auto format = ParseFormat(format_name);
  if (!format.ok()) return Fail("profile", format.status());
  SqliteOptions store_options;
  store_options.read_only = true;
  store_options.exclusive = false;
  auto store = OpenSqliteStore(config.data, store_options);
  if (!store.ok()) return Fail("profile", store.status());
  // Reads only: the service's commit thread stays idle, and the ingest log is left to
  // the server that may be running on this directory (it alone may replay or recycle
  // its files).
  SystemClock clock;
  ProfileServiceOptions read_options = ServiceOptions(config);
  read_options.ingest_log_dir.clear();
  auto profiles = ProfileService::Create(**store, clock, read_options);
  if (!profiles.ok()) return Fail("profile", profiles.status());
  Result<Profile> profile = Status::Internal("not looked up");
  if (type == "id") {
    auto id = ParseProfileId(value);
    if (!id.ok()) return Fail("profile", id.status());
    profile = (*profiles)->Get(*id);
  } else {
    profile = (*profiles)->FindBy(type, value);
  }
  if (!profile.ok()) return Fail("profile", profile.status());
  TimelineQuery q;
  q.profile_id = profile->record.id;
  q.limit = std::clamp(limit, 1, 1000);
  q.channel = channel;
  auto page = (*profiles)->Timeline(q);
  if (!page.ok()) return Fail("profile", page.status());
  if (*format == Format::kJson) {
    std::cout << ProfileJson(*profile, &*page) << "\n";
    return 0;
  }
  const ProfileRecord& r = profile->record;
  std::cout << "profile " << ProfileIdString(r.id) << "  (created " << FormatTimestamp(r.created_at)
            << ")\n";
  if (!profile->owner_rep.empty()) std::cout << "owner rep: " << profile->owner_rep << "\n";
  if (r.first_seen) {
    std::cout << "seen: " << FormatTimestamp(*r.first_seen) << " .. "
              << FormatTimestamp(*r.last_seen) << ", " << WithThousands(r.event_count)
              << " events\n";
  }
  if (!r.merged_from.empty()) {
    std::cout << "merged from:";
    for (int64_t id : r.merged_from) std::cout << " " << ProfileIdString(id);
    std::cout << "\n";
  }
  std::cout << "\n";
  Table ids({"identifier", "value"});
  for (const auto& i : r.identifiers) ids.Add({i.type, i.value});
  std::cout << ids.Render(*format) << "\n";
  Table traits({"trait", "value"});
  for (const auto& [k, v] : r.traits) {
    // Strings read better without their JSON quotes; other values stay JSON.
    boost::system::error_code ec;
    auto parsed = boost::json::parse(v.value_json, ec);
    traits.Add({k, !ec && parsed.is_string() ? std::string(parsed.as_string()) : v.value_json});
  }
  if (!r.traits.empty()) std::cout << traits.Render(*format) << "\n";
  Table consent({"channel", "consent", "source", "since"});
  for (const auto& [ch, c] : profile->consent) {
    consent.Add({ch, c.granted ? "opt-in" : "opt-out", c.source, FormatTimestamp(c.at)});
  }
  if (!profile->consent.empty()) std::cout << consent.Render(*format) << "\n";
  Table counts({"channel", "events"});
  for (const auto& [ch, n] : r.channel_counts) counts.Add({ch, WithThousands(n)});
  std::cout << counts.Render(*format) << "\n";
  Table timeline({"time", "channel", "type", "event", "campaign"});
  for (const auto& e : page->items) {
    timeline.Add(
        {FormatTimestamp(e.timestamp), e.channel, EventTypeName(e.type), e.name, e.campaign});
  }
  std::cout << timeline.Render(*format);
  if (!page->next_cursor.empty()) {
    std::cout << "(latest " << page->items.size() << " events; --limit N for more)\n";
  }
  return 0;
}

int RunDemo(const Config& config, int64_t n, uint64_t seed, bool if_empty,
            const std::string& format_name) {
  auto format = ParseFormat(format_name);
  if (!format.ok()) return Fail("demo", format.status());
  if (n < 1) return Fail("demo", Status::InvalidArgument("--profiles must be at least 1"));
  auto store = OpenSqliteStore(config.data);
  if (!store.ok()) return Fail("demo", store.status());
  if (Status s = CheckIngestLogPlace(**store, config); !s.ok()) return Fail("demo", s);
  SystemClock clock;
  // Opening the service indexes what a stopped server left in the ingest log, so a
  // store whose only events are still there does not count as empty.
  auto profiles = ProfileService::Create(**store, clock, ServiceOptions(config));
  if (!profiles.ok()) return Fail("demo", profiles.status());
  if (if_empty) {
    auto empty = (*store)->IsEmpty();
    if (!empty.ok()) return Fail("demo", empty.status());
    if (!*empty) {
      std::cout << "the store in " << config.data << " already has events; demo not loaded\n";
      return 0;
    }
  }
  DemoOptions options;
  options.profiles = n;
  options.seed = seed;
  ProgressBar bar("generating demo data");
  auto summary = LoadDemo(**profiles, options, [&](double f) { bar.Update(f); });
  if (!summary.ok()) return Fail("demo", summary.status());
  // Kept so analytics can later be scored against this population's known truth.
  std::string kept = "profiles=" + std::to_string(options.profiles) +
                     " seed=" + std::to_string(options.seed) +
                     " end_ms=" + std::to_string(ToMillis(options.end)) +
                     " months=" + std::to_string(options.months);
  if (Status s = (*store)->PutSetting("demo_options", kept); !s.ok()) return Fail("demo", s);
  bar.Finish();
  Table t({"profiles", "reps", "events", "conversions", "conversion value (EUR)", "cost records"});
  t.Add({WithThousands(summary->profiles), WithThousands(summary->reps),
         WithThousands(summary->events), WithThousands(summary->conversions),
         WithThousands(summary->conversion_value_minor / 100),
         WithThousands(summary->cost_records)});
  std::cout << t.Render(*format);
  return 0;
}

}  // namespace unisono::cli
