#include <toml++/toml.h>

#include <sstream>

#include "cli/cli.h"

namespace unisono::cli {

namespace {

// [stages]: durations as "30d", event lists, and [stages.journey] event -> stage.
Status LoadStages(const std::string& path, const toml::table& t, StageConfig& out) {
  static const char* kKnown[] = {"new_within",        "at_risk_after",   "lapsed_after",
                                 "loyal_conversions", "loyal_window",    "engagement_half_life",
                                 "online_window",     "response_events", "conversion_events",
                                 "engagement_events", "journey"};
  for (const auto& [key, value] : t) {
    if (std::find(std::begin(kKnown), std::end(kKnown), key.str()) == std::end(kKnown)) {
      return Status::InvalidArgument(path + ": [stages] has no key '" + std::string(key.str()) +
                                     "'; see docs/segments.md");
    }
  }
  for (auto [key, field] :
       {std::pair{"new_within", &out.new_within}, std::pair{"at_risk_after", &out.at_risk_after},
        std::pair{"lapsed_after", &out.lapsed_after}, std::pair{"loyal_window", &out.loyal_window},
        std::pair{"engagement_half_life", &out.engagement_half_life},
        std::pair{"online_window", &out.online_window}}) {
    if (auto text = t[key].value<std::string>()) {
      auto d = ParseDuration(*text);
      if (!d.ok() || d->count() <= 0) {
        return Status::InvalidArgument(path + ": [stages] " + key +
                                       " must be a duration like \"60d\", not '" + *text + "'");
      }
      *field = *d;
    }
  }
  out.loyal_conversions = t["loyal_conversions"].value_or(out.loyal_conversions);
  for (auto [key, list] : {std::pair{"response_events", &out.response_events},
                           std::pair{"conversion_events", &out.conversion_events},
                           std::pair{"engagement_events", &out.engagement_events}}) {
    if (auto* array = t[key].as_array()) {
      list->clear();
      for (auto& v : *array) {
        if (auto s = v.value<std::string>()) list->push_back(*s);
      }
    }
  }
  if (auto* journey = t["journey"].as_table()) {
    out.journey_stage_by_event.clear();
    for (const auto& [event, stage] : *journey) {
      if (auto s = stage.value<std::string>()) out.journey_stage_by_event[std::string(event)] = *s;
    }
  }
  if (out.at_risk_after >= out.lapsed_after) {
    return Status::InvalidArgument(path +
                                   ": [stages] at_risk_after must be shorter than "
                                   "lapsed_after");
  }
  return Status::Ok();
}

Status LoadDelivery(const std::string& path, const toml::table& t, DeliverySettings& out) {
  static const char* kKeys[] = {"smtp",
                                "smtp_from",
                                "smtp_require_tls",
                                "smtp_rate",
                                "sms_provider",
                                "sms_from",
                                "sms_auth",
                                "sms_rate",
                                "whatsapp_provider",
                                "whatsapp_from",
                                "whatsapp_auth",
                                "max_attempts",
                                "public_url",
                                "tracking_secret",
                                "dry_run",
                                "sms_format",
                                "sms_fields",
                                "sms_id_field",
                                "whatsapp_format",
                                "whatsapp_fields",
                                "whatsapp_id_field"};
  for (const auto& [key, value] : t) {
    if (std::find(std::begin(kKeys), std::end(kKeys), key.str()) == std::end(kKeys)) {
      return Status::InvalidArgument(path + ": [delivery] has no key '" + std::string(key.str()) +
                                     "'; see docs/delivery.md for the keys");
    }
  }
  out.smtp = t["smtp"].value_or(out.smtp);
  out.smtp_from = t["smtp_from"].value_or(out.smtp_from);
  out.smtp_require_tls = t["smtp_require_tls"].value_or(out.smtp_require_tls);
  out.smtp_rate = t["smtp_rate"].value_or(out.smtp_rate);
  out.sms_provider = t["sms_provider"].value_or(out.sms_provider);
  out.sms_from = t["sms_from"].value_or(out.sms_from);
  out.sms_auth = t["sms_auth"].value_or(out.sms_auth);
  out.sms_rate = t["sms_rate"].value_or(out.sms_rate);
  out.whatsapp_provider = t["whatsapp_provider"].value_or(out.whatsapp_provider);
  out.whatsapp_from = t["whatsapp_from"].value_or(out.whatsapp_from);
  out.whatsapp_auth = t["whatsapp_auth"].value_or(out.whatsapp_auth);
  out.max_attempts = t["max_attempts"].value_or(out.max_attempts);
  out.public_url = t["public_url"].value_or(out.public_url);
  out.tracking_secret = t["tracking_secret"].value_or(out.tracking_secret);
  out.dry_run = t["dry_run"].value_or(out.dry_run);
  out.sms_format = t["sms_format"].value_or(out.sms_format);
  out.sms_id_field = t["sms_id_field"].value_or(out.sms_id_field);
  out.whatsapp_format = t["whatsapp_format"].value_or(out.whatsapp_format);
  out.whatsapp_id_field = t["whatsapp_id_field"].value_or(out.whatsapp_id_field);
  for (auto [key, fields] : {std::pair{"sms_fields", &out.sms_fields},
                             std::pair{"whatsapp_fields", &out.whatsapp_fields}}) {
    const toml::node* node = t.get(key);
    if (!node) continue;
    const toml::table* table = node->as_table();
    if (!table) {
      return Status::InvalidArgument(path + ": [delivery] " + key +
                                     " must be a table of field = \"template\", e.g. [delivery." +
                                     key + "] Body = \"{{body}}\"");
    }
    fields->clear();
    for (const auto& [name, value] : *table) {
      auto text = value.value<std::string>();
      if (!text) {
        return Status::InvalidArgument(path + ": [delivery." + key + "] " +
                                       std::string(name.str()) +
                                       " must be a string (a Mustache template)");
      }
      (*fields)[std::string(name.str())] = *text;
    }
  }
  if (out.max_attempts < 1) {
    return Status::InvalidArgument(path + ": [delivery] max_attempts must be at least 1");
  }
  if (out.smtp_rate < 0 || out.sms_rate < 0) {
    return Status::InvalidArgument(path + ": [delivery] rates must be 0 (unlimited) or more");
  }
  return Status::Ok();
}

}  // namespace

Status LoadConfigFile(const std::string& path, Config& config) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << path << ":" << e.source().begin.line << ": " << e.description();
    return Status::InvalidArgument(msg.str());
  }
  static const char* kKnown[] = {
      "host",     "port",       "data",      "ingest_log",     "write_keys",
      "channels", "threads",    "log_level", "log_format",     "default_country_code",
      "currency", "identifier", "stages",    "contact_policy", "delivery",
      "products"};
  for (const auto& [key, value] : t) {
    if (std::find(std::begin(kKnown), std::end(kKnown), key.str()) == std::end(kKnown)) {
      return Status::InvalidArgument(
          path + ": unknown key '" + std::string(key.str()) +
          "'; known keys: host, port, data, ingest_log, write_keys, channels, "
          "products, threads, log_level, log_format, "
          "default_country_code, "
          "currency, [[identifier]], [stages], [contact_policy], "
          "[delivery]");
    }
  }
  config.host = t["host"].value_or(config.host);
  config.port = t["port"].value_or(config.port);
  config.data = t["data"].value_or(config.data);
  config.ingest_log = t["ingest_log"].value_or(config.ingest_log);
  config.channels = t["channels"].value_or(config.channels);
  config.products = t["products"].value_or(config.products);
  config.threads = t["threads"].value_or(config.threads);
  config.log_level = t["log_level"].value_or(config.log_level);
  config.log_format = t["log_format"].value_or(config.log_format);
  config.default_country_code = t["default_country_code"].value_or(config.default_country_code);
  config.currency = t["currency"].value_or(config.currency);
  if (auto* ids = t["identifier"].as_array()) {
    for (size_t i = 0; i < ids->size(); ++i) {
      auto* table = ids->get(i)->as_table();
      std::string where = path + ": [[identifier]] " + std::to_string(i + 1);
      if (!table) return Status::InvalidArgument(where + " must be a table");
      IdentifierSetting id;
      id.type = (*table)["type"].value_or(std::string());
      if (id.type.empty()) {
        return Status::InvalidArgument(where + " needs a type, e.g. type = \"npi\"");
      }
      id.trait = (*table)["trait"].value_or(id.type);
      id.priority = (*table)["priority"].value_or(100);
      id.limit = (*table)["limit"].value_or(5);
      if (id.limit < 1 || id.priority < 1) {
        return Status::InvalidArgument(where + ": priority and limit must be at least 1");
      }
      config.identifiers.push_back(std::move(id));
    }
  }
  if (auto* stages = t["stages"].as_table()) {
    if (Status s = LoadStages(path, *stages, config.stages); !s.ok()) return s;
  }
  if (auto* policy = t["contact_policy"].as_table()) {
    // The journey engine reads the policy as JSON and checks it at start.
    std::ostringstream json;
    json << toml::json_formatter{*policy};
    config.contact_policy_json = json.str();
  }
  if (auto* delivery = t["delivery"].as_table()) {
    if (Status s = LoadDelivery(path, *delivery, config.delivery); !s.ok()) return s;
  }
  if (auto* keys = t["write_keys"].as_array()) {
    config.write_keys.clear();
    for (auto& k : *keys) {
      if (auto s = k.value<std::string>()) config.write_keys.push_back(*s);
    }
  }
  return Status::Ok();
}

}  // namespace unisono::cli
