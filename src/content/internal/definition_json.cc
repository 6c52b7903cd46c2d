// Writing a content definition as canonical JSON (fields and renditions in a fixed
// order, what was left out stays out), the rendition table, and ids. Reading is in
// definition.cc.
#include <boost/json.hpp>

#include "content/internal/definition.h"

namespace unisono::content {
namespace {

namespace json = boost::json;

constexpr std::string_view kEmailTexts[] = {"subject", "html", "text"};
constexpr std::string_view kTextOnly[] = {"text"};
constexpr std::string_view kWhatsappTexts[] = {"template", "text"};
constexpr std::string_view kWhatsappLists[] = {"parameters"};
constexpr std::string_view kPushTexts[] = {"title", "body"};
constexpr std::string_view kRepLists[] = {"talking_points"};
constexpr std::string_view kWebinarTexts[] = {"subject", "html", "text", "url"};

constexpr RenditionSpec kSpecs[] = {
    {"email", kEmailTexts, {}},
    {"sms", kTextOnly, {}},
    {"whatsapp", kWhatsappTexts, kWhatsappLists},
    {"push", kPushTexts, {}},
    {"rep", {}, kRepLists},
    {"postal", kTextOnly, {}},
    {"webinar", kWebinarTexts, {}},
};

json::value Strings(const std::vector<std::string>& list) {
  json::array a;
  for (const std::string& s : list) a.emplace_back(s);
  return a;
}

// The fields in the spec's order.
json::object FieldsJson(const RenditionSpec& spec, const RenditionFields& fields) {
  json::object o;
  for (std::string_view f : spec.texts) {
    if (auto it = fields.texts.find(std::string(f)); it != fields.texts.end()) o[f] = it->second;
  }
  for (std::string_view f : spec.lists) {
    if (auto it = fields.lists.find(std::string(f)); it != fields.lists.end()) {
      o[f] = Strings(it->second);
    }
  }
  return o;
}

json::object RenditionsJson(const std::map<std::string, RenditionFields>& renditions) {
  json::object o;
  for (const RenditionSpec& spec : kSpecs) {
    if (auto it = renditions.find(std::string(spec.name)); it != renditions.end()) {
      o[spec.name] = FieldsJson(spec, it->second);
    }
  }
  return o;
}

// Common Latin letters with accents as their plain letter, for ids made from names.
std::string_view Plain(std::string_view utf8_letter) {
  static constexpr std::pair<std::string_view, std::string_view> kPlain[] = {
      {"á", "a"}, {"à", "a"}, {"ä", "a"}, {"â", "a"}, {"ã", "a"}, {"å", "a"}, {"é", "e"},
      {"è", "e"}, {"ë", "e"}, {"ê", "e"}, {"í", "i"}, {"ì", "i"}, {"ï", "i"}, {"î", "i"},
      {"ó", "o"}, {"ò", "o"}, {"ö", "o"}, {"ô", "o"}, {"õ", "o"}, {"ú", "u"}, {"ù", "u"},
      {"ü", "u"}, {"û", "u"}, {"ñ", "n"}, {"ç", "c"}, {"Á", "a"}, {"É", "e"}, {"Í", "i"},
      {"Ó", "o"}, {"Ú", "u"}, {"Ü", "u"}, {"Ñ", "n"}, {"Ç", "c"}, {"ß", "ss"}};
  for (const auto& [from, to] : kPlain) {
    if (from == utf8_letter) return to;
  }
  return {};
}

}  // namespace

std::span<const RenditionSpec> RenditionSpecs() { return kSpecs; }

const RenditionSpec* FindRendition(std::string_view name) {
  for (const RenditionSpec& spec : kSpecs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::string RenditionNames() {
  std::string out;
  for (const RenditionSpec& spec : kSpecs)
    out += (out.empty() ? "" : ", ") + std::string(spec.name);
  return out;
}

std::string ContentToJson(const ContentDefinition& d) {
  json::object o;
  if (!d.id.empty()) o["id"] = d.id;
  o["name"] = d.name;
  o["channels"] = Strings(d.channels);
  if (!d.core.empty()) {
    json::object core;
    for (std::string_view fact : kFacts) {
      if (auto it = d.core.find(std::string(fact)); it != d.core.end()) core[fact] = it->second;
    }
    o["core"] = std::move(core);
  }
  if (d.facts_required) o["facts_required"] = Strings(*d.facts_required);
  if (d.max_sms_segments) o["max_sms_segments"] = *d.max_sms_segments;
  if (d.defaults_json != "{}") {
    boost::system::error_code ec;
    json::value defaults = json::parse(d.defaults_json, ec);
    if (!ec) o["defaults"] = std::move(defaults);
  }
  o["renditions"] = RenditionsJson(d.renditions);
  if (!d.variants.empty()) {
    json::array variants;
    for (const ContentVariant& v : d.variants) {
      json::object when;
      if (!v.journey_stages.empty()) when["journey_stage"] = Strings(v.journey_stages);
      if (!v.relationship_stages.empty()) {
        when["relationship_stage"] = Strings(v.relationship_stages);
      }
      variants.push_back(json::object{
          {"id", v.id}, {"when", std::move(when)}, {"renditions", RenditionsJson(v.renditions)}});
    }
    o["variants"] = std::move(variants);
  }
  return json::serialize(o);
}

std::string Slug(std::string_view name) {
  std::string out;
  bool gap = false;
  for (size_t i = 0; i < name.size();) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    std::string_view letter;
    size_t length = 1;
    if (c >= 0xC0) {  // a UTF-8 lead byte: the whole sequence
      length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      letter = Plain(name.substr(i, length));
    } else if (std::isalnum(c)) {
      letter = name.substr(i, 1);
    }
    i += length;
    if (letter.empty()) {
      gap = !out.empty();
      continue;
    }
    if (gap) out += '-';
    gap = false;
    for (char l : letter) out += static_cast<char>(std::tolower(static_cast<unsigned char>(l)));
    if (out.size() >= 60) break;
  }
  return out.empty() ? "content" : out;
}

bool IsContentId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

}  // namespace unisono::content
