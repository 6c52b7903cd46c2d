// What happens to a message just before it is sent: its consent is checked again (the
// customer may have unsubscribed since it was queued), its content is rendered for the
// profile as it is now, and its address is read from the profile's traits.
#include <algorithm>
#include <boost/json.hpp>

#include "channel/internal/delivery_impl.h"

namespace unisono {
namespace {

namespace json = boost::json;

// Channels that need a granted consent; any other channel may be used unless refused.
// The same rule as the journey engine's send step (JourneyEngineOptions::consent_required).
constexpr std::string_view kConsentRequired[] = {"email", "sms", "whatsapp", "app", "push"};

Status CheckConsent(const Profile& p, const std::string& channel) {
  auto it = p.consent.find(channel);
  const bool required = std::find(std::begin(kConsentRequired), std::end(kConsentRequired),
                                  channel) != std::end(kConsentRequired);
  if (it != p.consent.end() && !it->second.granted) {
    return Status::FailedPrecondition("no consent for " + channel +
                                      " at delivery (unsubscribed after queueing)");
  }
  if (required && it == p.consent.end()) {
    return Status::FailedPrecondition("no consent for " + channel + " at delivery (never granted)");
  }
  return Status::Ok();
}

json::value Parsed(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value(text) : v;
}

json::object Traits(const Profile& p) {
  json::object traits;
  for (const auto& [key, trait] : p.record.traits) traits[key] = Parsed(trait.value_json);
  return traits;
}

std::string TraitText(const json::object& traits, const std::string& key) {
  const json::value* v = traits.if_contains(key);
  if (!v) return {};
  if (v->is_string()) return Trim(std::string(v->as_string()));
  if (v->is_object()) {
    // A structured postal address: its parts on one line, in the order given.
    std::string out;
    for (const auto& part : v->as_object()) {
      if (!part.value().is_string() || part.value().as_string().empty()) continue;
      if (!out.empty()) out += ", ";
      out += std::string(part.value().as_string());
    }
    return out;
  }
  return {};
}

std::string NameOf(const json::object& traits) {
  std::string name = TraitText(traits, "name");
  if (!name.empty()) return name;
  std::string first = TraitText(traits, "first_name"), last = TraitText(traits, "last_name");
  return Trim(first + " " + last);
}

}  // namespace

Result<RenderedMessage> Delivery::Impl::Render(const OutboxMessage& m,
                                               const std::string& traits_json) const {
  const std::string rendition = RenditionFor(m.channel);
  if (rendition.empty()) {
    return Status::FailedPrecondition("no content rendition carries channel " + m.channel);
  }
  ContentChoice choice{m.content, 0, ""};
  json::value payload = Parsed(m.payload_json);
  if (payload.is_object()) {
    const json::object& o = payload.as_object();
    if (auto* v = o.if_contains("content_version"); v && v->is_int64()) {
      choice.version = static_cast<int>(v->as_int64());
    }
    if (auto* v = o.if_contains("content_variant"); v && v->is_string()) {
      choice.variant = std::string(v->as_string());
    }
  }
  if (choice.version <= 0) {
    // Queued without a version: the approved one now, default texts.
    auto chosen = content_->ChooseForSend(m.content, m.channel, "", "");
    if (!chosen.ok()) return chosen.status();
    choice = *chosen;
  }
  RenderInput input;
  input.traits_json = traits_json;
  input.extra["unsubscribe_url"] = tracker()->UnsubscribeUrl(m);
  auto rendered = content_->Render(choice, rendition, input);
  if (!rendered.ok()) {
    return Status(rendered.status().code(), "cannot render content '" + m.content + "' v" +
                                                std::to_string(choice.version) + " for " +
                                                m.channel + ": " + rendered.status().message());
  }
  return rendered;
}

Result<channel::Outgoing> Delivery::Impl::Prepare(const channel::Lane& lane,
                                                  const OutboxMessage& m) const {
  channel::Outgoing out;
  out.message = m;
  if (lane.name == "webhook") return out;  // a system, not a customer: no consent to ask
  auto profile = profiles_.Get(m.profile_id, ProfileParts::kTraitsAndConsent);
  if (!profile.ok()) {
    if (profile.status().code() != StatusCode::kNotFound) return profile.status();
    return Status::NotFound("profile " + ProfileIdString(m.profile_id) + " does not exist");
  }
  if (Status s = CheckConsent(*profile, m.channel); !s.ok()) return s;
  if (lane.name == "task") return out;
  if (lane.name == "log") {
    // The log shows what would have gone out (a dry run): the rendition, when one fits.
    if (m.content.empty() || !content_ || RenditionFor(m.channel).empty()) return out;
    auto rendered = Render(m, json::serialize(Traits(*profile)));
    if (!rendered.ok()) return Status(StatusCode::kFailedPrecondition, rendered.status().message());
    out.rendered = std::move(rendered).value();
    out.has_content = true;
    return out;
  }

  const json::object traits = Traits(*profile);
  const bool needs_content = lane.name != "postal";
  if (!m.content.empty() && content_) {
    auto rendered = Render(m, json::serialize(traits));
    if (!rendered.ok()) {
      const StatusCode code = rendered.status().code();
      // Content that is unknown, unapproved or broken will not fix itself.
      return Status(code == StatusCode::kUnavailable ? code : StatusCode::kFailedPrecondition,
                    rendered.status().message());
    }
    out.rendered = std::move(rendered).value();
    out.has_content = true;
  } else if (needs_content) {
    return Status::FailedPrecondition(m.content.empty()
                                          ? "the message names no content to send by " + m.channel
                                          : "no content library to render '" + m.content + "'");
  }

  const std::string& trait = lane.name == "smtp"     ? options_.email_trait
                             : lane.name == "postal" ? options_.address_trait
                                                     : options_.phone_trait;
  out.to = TraitText(traits, trait);
  if (out.to.empty()) {
    return Status::FailedPrecondition("profile " + ProfileIdString(m.profile_id) + " has no " +
                                      trait + " trait");
  }
  out.name = NameOf(traits);
  return out;
}

}  // namespace unisono
