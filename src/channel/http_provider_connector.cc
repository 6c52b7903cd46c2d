// http_sms: SMS and WhatsApp through an HTTP provider. The request's fields are Mustache
// templates over the message (to, from, body, message_id, template, parameters_json,
// status_callback), posted as a form or as JSON with an Idempotency-Key header and
// HTTP Basic auth when configured. A 2xx answer hands the message over (its delivery
// is reported later through the status callback, matched by the provider's id read
// from the answer); 429, 5xx and network errors are tried again; any other answer is a
// permanent refusal and the provider's words become the dead letter's reason.
#include <boost/json.hpp>
#include <kainjow/mustache.hpp>

#include "channel/internal/connector.h"
#include "channel/internal/http_post.h"
#include "channel/internal/tracking.h"

namespace unisono::channel {
namespace {

namespace json = boost::json;
using Template = kainjow::mustache::mustache;

// The provider's id in its JSON answer: a member, or a JSON pointer ("/data/id").
std::string ProviderId(const std::string& body, const std::string& id_field) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return {};
  const json::value* found = nullptr;
  if (!id_field.empty() && id_field[0] == '/') {
    found = v.find_pointer(id_field, ec);
  } else if (v.is_object()) {
    found = v.as_object().if_contains(id_field);
  }
  if (!found) return {};
  if (found->is_string()) return std::string(found->as_string());
  if (found->is_int64()) return std::to_string(found->as_int64());
  if (found->is_uint64()) return std::to_string(found->as_uint64());
  return {};
}

class HttpProviderConnector final : public Connector {
 public:
  HttpProviderConnector(std::string name, HttpProviderOptions options, std::string status_callback,
                        const Tracker& tracker)
      : name_(std::move(name)),
        options_(std::move(options)),
        status_callback_(std::move(status_callback)),
        tracker_(tracker) {
    for (const auto& [field, text] : options_.fields) {
      fields_.emplace_back(field, Template(text));
      // Values go into a form or JSON, which do their own escaping, not HTML.
      fields_.back().second.set_custom_escape([](const std::string& s) { return s; });
    }
  }

  std::vector<SendOutcome> Send(const std::vector<Outgoing>& batch) override {
    std::vector<SendOutcome> out;
    for (const Outgoing& o : batch) out.push_back(SendOne(o));
    return out;
  }
  // Sent one by one; their new states are written together, once per batch.
  size_t max_batch() const override { return 16; }
  void Cancel() override { http_.Cancel(); }
  void Resume() override { http_.Resume(); }

 private:
  SendOutcome SendOne(const Outgoing& o) {
    const OutboxMessage& m = o.message;
    const RenderedMessage& r = o.rendered;
    if (r.text.empty() && r.whatsapp_template.empty()) {
      return SendOutcome::Permanent("content '" + m.content + "' has no " + name_ + " text");
    }
    json::array parameters;
    for (const std::string& p : r.whatsapp_parameters) parameters.emplace_back(p);
    kainjow::mustache::data data;
    data.set("to", o.to);
    data.set("from", options_.from);
    data.set("body", r.text.empty() ? "" : tracker_.RewriteText(r.text, m));
    data.set("message_id", std::to_string(m.id));
    data.set("template", r.whatsapp_template);
    data.set("parameters_json", json::serialize(parameters));
    data.set("status_callback", status_callback_);
    std::string body, type;
    if (options_.body_format == "json") {
      json::object o;
      for (auto& [field, tmpl] : fields_) o[field] = tmpl.render(data);
      body = json::serialize(o);
      type = "application/json";
    } else {
      for (auto& [field, tmpl] : fields_) {
        if (!body.empty()) body += '&';
        body += FormEncode(field) + "=" + FormEncode(tmpl.render(data));
      }
      type = "application/x-www-form-urlencoded";
    }
    HttpAnswer answer = http_.Post(options_.url, body,
                                   {"Content-Type: " + type, "Accept: application/json",
                                    "Idempotency-Key: " + m.idempotency_key},
                                   options_.auth);
    if (answer.ok()) return SendOutcome::Delivered(ProviderId(answer.body, options_.id_field));
    if (answer.transient()) return SendOutcome::Retry(name_ + " provider: " + answer.Describe());
    return SendOutcome::Permanent(name_ + " provider refused it: " + answer.Describe());
  }

  std::string name_;
  HttpProviderOptions options_;
  std::string status_callback_;
  const Tracker& tracker_;
  std::vector<std::pair<std::string, Template>> fields_;
  HttpPoster http_;
};

}  // namespace

Result<std::unique_ptr<Connector>> MakeHttpProviderConnector(const std::string& name,
                                                             const HttpProviderOptions& options,
                                                             const std::string& status_callback,
                                                             const Tracker& tracker) {
  if (!options.url.starts_with("http://") && !options.url.starts_with("https://")) {
    return Status::InvalidArgument(name + " url '" + options.url +
                                   "' must be an http:// or https:// URL")
        .WithField(name + ".url");
  }
  if (options.body_format != "form" && options.body_format != "json") {
    return Status::InvalidArgument(name + " body_format must be form or json, not '" +
                                   options.body_format + "'")
        .WithField(name + ".body_format");
  }
  if (options.fields.empty()) {
    return Status::InvalidArgument(name + " needs fields to send, e.g. To = \"{{to}}\"")
        .WithField(name + ".fields");
  }
  for (const auto& [field, text] : options.fields) {
    Template t(text);
    if (!t.is_valid()) {
      return Status::InvalidArgument(name + " field " + field + ": " + t.error_message())
          .WithField(name + ".fields." + field);
    }
  }
  std::unique_ptr<Connector> c =
      std::make_unique<HttpProviderConnector>(name, options, status_callback, tracker);
  return c;
}

}  // namespace unisono::channel
