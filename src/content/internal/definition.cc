// Reading a content definition: a Reader walks the Boost.JSON tree, fills the values
// and stops at the first problem, which it names by JSON pointer. Templates are parsed
// here, so a Mustache syntax error is a parse error. Writing is in definition_json.cc.
#include "content/internal/definition.h"

#include <algorithm>
#include <boost/json.hpp>

#include "content/internal/render.h"

namespace unisono::content {
namespace {

namespace json = boost::json;
using Names = std::span<const std::string_view>;

constexpr std::string_view kTopFields[] = {"id",       "name",           "channels",
                                           "core",     "facts_required", "max_sms_segments",
                                           "defaults", "renditions",     "variants"};
constexpr std::string_view kVariantFields[] = {"id", "when", "renditions"};
constexpr std::string_view kWhenFields[] = {"journey_stage", "relationship_stage"};
constexpr int kMostSmsSegments = 10;

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string List(Names names) {
  std::string out;
  for (std::string_view n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

bool Contains(Names names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// One reference token of a JSON pointer (RFC 6901: '~' and '/' escaped).
std::string Child(const std::string& at, std::string_view key) {
  std::string out = at + "/";
  for (char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}
std::string Child(const std::string& at, size_t index) { return at + "/" + std::to_string(index); }

// Renditions in canonical order.
void SortRenditionNames(std::vector<std::string>& names) {
  auto rank = [](const std::string& n) {
    auto specs = RenditionSpecs();
    for (size_t i = 0; i < specs.size(); ++i) {
      if (specs[i].name == n) return i;
    }
    return specs.size();
  };
  std::stable_sort(names.begin(), names.end(),
                   [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
}

class Reader {
 public:
  explicit Reader(const ContentOptions& options) : options_(options) {}
  const Status& error() const { return error_; }

  bool Content(const json::value& v, ContentDefinition& d) {
    const json::object* o = v.if_object();
    if (!o) return Fail("", "expected a JSON object with name, core and renditions");
    if (!Known(*o, "", kTopFields) || !Text(*o, "id", "", d.id, false) ||
        !Text(*o, "name", "", d.name, true)) {
      return false;
    }
    if (!d.id.empty() && !IsContentId(d.id)) {
      return Fail("/id",
                  Quoted(d.id) + " is not an id; use 1 to 64 letters, digits, '-', '_' or '.'");
    }
    return Core(*o, d) && FactsRequired(*o, d) && MaxSegments(*o, d) && Defaults(*o, d) &&
           Renditions(*o, d) && Channels(*o, d) && Variants(*o, d);
  }

 private:
  bool Fail(const std::string& at, const std::string& message) {
    const std::string where = at.empty() ? "/" : at;
    error_ = Status::InvalidArgument(where + ": " + message).WithField(where);
    return false;
  }

  bool Known(const json::object& o, const std::string& at, Names allowed) {
    for (const auto& [key, value] : o) {
      if (!Contains(allowed, key)) {
        return Fail(Child(at, key), "unknown field; use " + List(allowed));
      }
    }
    return true;
  }

  // A string field; `required` also rules out "".
  bool Text(const json::object& o, std::string_view key, const std::string& at, std::string& out,
            bool required) {
    const json::value* v = o.if_contains(key);
    if (!v) return required ? Fail(Child(at, key), "required") : true;
    const json::string* s = v->if_string();
    if (!s) return Fail(Child(at, key), "must be a string");
    if (required && s->empty()) return Fail(Child(at, key), "required, and must not be empty");
    out.assign(s->data(), s->size());
    return true;
  }

  // An array of distinct strings, each one of `choices`.
  bool Choices(const json::value& v, const std::string& at, Names choices,
               std::vector<std::string>& out) {
    const json::array* a = v.if_array();
    if (!a) return Fail(at, "must be an array of strings from " + List(choices));
    if (a->empty()) return Fail(at, "must not be empty; name at least one of " + List(choices));
    for (size_t i = 0; i < a->size(); ++i) {
      const json::string* s = (*a)[i].if_string();
      if (!s) return Fail(Child(at, i), "must be a string from " + List(choices));
      std::string value(s->data(), s->size());
      if (!Contains(choices, value)) {
        return Fail(Child(at, i), Quoted(value) + " is not one of " + List(choices));
      }
      if (std::find(out.begin(), out.end(), value) != out.end()) {
        return Fail(Child(at, i), Quoted(value) + " is listed twice");
      }
      out.push_back(std::move(value));
    }
    return true;
  }

  bool Core(const json::object& root, ContentDefinition& d) {
    const json::value* v = root.if_contains("core");
    if (!v) return true;
    const json::object* o = v->if_object();
    if (!o)
      return Fail("/core", "must be an object of product, claim, offer, call_to_action, tone");
    if (!Known(*o, "/core", kFacts)) return false;
    for (std::string_view fact : kFacts) {
      std::string text;
      if (!Text(*o, fact, "/core", text, false)) return false;
      if (o->contains(fact) && Trim(text).empty()) {
        return Fail(Child("/core", fact), "must not be empty; leave the fact out instead");
      }
      if (!text.empty()) d.core[std::string(fact)] = text;
    }
    return true;
  }

  bool FactsRequired(const json::object& root, ContentDefinition& d) {
    const json::value* v = root.if_contains("facts_required");
    if (!v) return true;
    std::vector<std::string> facts;
    if (v->is_array() && v->get_array().empty()) {
      d.facts_required = std::move(facts);  // no fact required
      return true;
    }
    if (!Choices(*v, "/facts_required", kFacts, facts)) return false;
    for (size_t i = 0; i < facts.size(); ++i) {
      if (!d.core.contains(facts[i])) {
        return Fail(Child("/facts_required", i), Quoted(facts[i]) + " has no text; set /core/" +
                                                     facts[i] + " or leave it out here");
      }
    }
    d.facts_required = std::move(facts);
    return true;
  }

  bool MaxSegments(const json::object& root, ContentDefinition& d) {
    const json::value* v = root.if_contains("max_sms_segments");
    if (!v) return true;
    if (!v->is_int64() || v->get_int64() < 1 || v->get_int64() > kMostSmsSegments) {
      return Fail("/max_sms_segments",
                  "must be a whole number from 1 to " + std::to_string(kMostSmsSegments));
    }
    d.max_sms_segments = static_cast<int>(v->get_int64());
    return true;
  }

  bool Defaults(const json::object& root, ContentDefinition& d) {
    const json::value* v = root.if_contains("defaults");
    if (!v) return true;
    if (!v->is_object()) {
      return Fail("/defaults", "must be an object of values, like {\"title\": \"Dr.\"}");
    }
    d.defaults_json = json::serialize(*v);
    return true;
  }

  bool Template(const std::string& text, const std::string& at) {
    Status s = CheckTemplate(text);
    return s.ok() || Fail(at, s.message());
  }

  // One rendition's fields; `partial` (a variant) may leave any out.
  bool Fields(const json::value& v, const std::string& at, const RenditionSpec& spec,
              RenditionFields& out) {
    const json::object* o = v.if_object();
    std::vector<std::string_view> allowed(spec.texts.begin(), spec.texts.end());
    allowed.insert(allowed.end(), spec.lists.begin(), spec.lists.end());
    if (!o) return Fail(at, "must be an object of " + List(allowed));
    if (!Known(*o, at, allowed)) return false;
    for (std::string_view field : spec.texts) {
      if (!o->contains(field)) continue;
      std::string text;
      if (!Text(*o, field, at, text, false)) return false;
      // A WhatsApp template is the provider's template name, not a Mustache template.
      if (field != "template" && !Template(text, Child(at, field))) return false;
      out.texts[std::string(field)] = std::move(text);
    }
    for (std::string_view field : spec.lists) {
      const json::value* list = o->if_contains(field);
      if (!list) continue;
      const std::string list_at = Child(at, field);
      const json::array* a = list->if_array();
      if (!a) return Fail(list_at, "must be an array of strings");
      std::vector<std::string>& texts = out.lists[std::string(field)];
      for (size_t i = 0; i < a->size(); ++i) {
        const json::string* s = (*a)[i].if_string();
        if (!s) return Fail(Child(list_at, i), "must be a string");
        texts.emplace_back(s->data(), s->size());
        if (!Template(texts.back(), Child(list_at, i))) return false;
      }
    }
    return true;
  }

  bool Renditions(const json::object& root, ContentDefinition& d) {
    const json::value* v = root.if_contains("renditions");
    const char* what = "an object with a rendition per channel, like {\"sms\": {\"text\": ...}}";
    if (!v) return Fail("/renditions", std::string("required: ") + what);
    const json::object* o = v->if_object();
    if (!o) return Fail("/renditions", std::string("must be ") + what);
    if (o->empty()) return Fail("/renditions", "add at least one rendition: " + RenditionNames());
    for (const auto& [key, value] : *o) {
      const RenditionSpec* spec = FindRendition(key);
      const std::string at = Child("/renditions", key);
      if (!spec) return UnknownRendition(at, key);
      if (!Fields(value, at, *spec, d.renditions[std::string(key)])) return false;
    }
    return true;
  }

  bool UnknownRendition(const std::string& at, std::string_view name) {
    std::string carried = RenditionFor(name);
    if (!carried.empty()) {
      return Fail(at, "channel " + Quoted(name) + " is carried by the " + Quoted(carried) +
                          " rendition; use " + Quoted(carried));
    }
    return Fail(at, Quoted(name) + " is not a rendition; use " + RenditionNames());
  }

  // Default: the renditions given.
  bool Channels(const json::object& root, ContentDefinition& d) {
    const json::value* v = root.if_contains("channels");
    if (!v) {
      for (const auto& [name, fields] : d.renditions) d.channels.push_back(name);
    } else {
      const json::array* a = v->if_array();
      if (!a || a->empty()) {
        return Fail("/channels", "must be a non-empty array of renditions: " + RenditionNames());
      }
      for (size_t i = 0; i < a->size(); ++i) {
        const json::string* s = (*a)[i].if_string();
        if (!s) return Fail(Child("/channels", i), "must be a string: " + RenditionNames());
        std::string name(s->data(), s->size());
        if (!FindRendition(name)) return UnknownRendition(Child("/channels", i), name);
        if (std::find(d.channels.begin(), d.channels.end(), name) != d.channels.end()) {
          return Fail(Child("/channels", i), Quoted(name) + " is listed twice");
        }
        d.channels.push_back(std::move(name));
      }
    }
    SortRenditionNames(d.channels);
    return true;
  }

  bool Variants(const json::object& root, ContentDefinition& d) {
    const json::value* v = root.if_contains("variants");
    if (!v) return true;
    const json::array* a = v->if_array();
    if (!a) return Fail("/variants", "must be an array of {id, when, renditions}");
    for (size_t i = 0; i < a->size(); ++i) {
      const std::string at = Child("/variants", i);
      ContentVariant& variant = d.variants.emplace_back();
      if (!Variant((*a)[i], at, d, variant)) return false;
      for (size_t j = 0; j < i; ++j) {
        if (d.variants[j].id == variant.id) {
          return Fail(Child(at, "id"), Quoted(variant.id) + " is already the id of " +
                                           Child("/variants", j) + "; variant ids must be unique");
        }
      }
    }
    return true;
  }

  bool Variant(const json::value& v, const std::string& at, const ContentDefinition& d,
               ContentVariant& out) {
    const json::object* o = v.if_object();
    if (!o) return Fail(at, "must be an object of id, when and renditions");
    if (!Known(*o, at, kVariantFields) || !Text(*o, "id", at, out.id, true)) return false;
    if (!IsContentId(out.id)) {
      return Fail(Child(at, "id"), Quoted(out.id) +
                                       " is not an id; use 1 to 64 letters, digits, '-', '_' "
                                       "or '.'");
    }
    if (!When(*o, Child(at, "when"), out)) return false;
    const json::value* renditions = o->if_contains("renditions");
    const std::string r_at = Child(at, "renditions");
    if (!renditions) return Fail(r_at, "required: the rendition fields this variant changes");
    const json::object* r = renditions->if_object();
    if (!r || r->empty()) {
      return Fail(r_at, "must be an object of the rendition fields this variant changes");
    }
    for (const auto& [key, value] : *r) {
      const RenditionSpec* spec = FindRendition(key);
      if (!spec) return UnknownRendition(Child(r_at, key), key);
      if (!d.renditions.contains(std::string(key))) {
        return Fail(Child(r_at, key), "the item has no " + Quoted(key) +
                                          " rendition to vary; add it under /renditions first");
      }
      if (!Fields(value, Child(r_at, key), *spec, out.renditions[std::string(key)])) return false;
    }
    return true;
  }

  bool When(const json::object& variant, const std::string& at, ContentVariant& out) {
    const json::value* v = variant.if_contains("when");
    const char* example = "{\"relationship_stage\": [\"loyal\"]}";
    if (!v) return Fail(at, std::string("required, like ") + example);
    const json::object* o = v->if_object();
    if (!o || o->empty()) {
      return Fail(
          at, std::string("must name journey_stage and/or relationship_stage, like ") + example);
    }
    if (!Known(*o, at, kWhenFields)) return false;
    std::vector<std::string_view> journey(options_.journey_stages.begin(),
                                          options_.journey_stages.end());
    std::vector<std::string_view> relationship(options_.relationship_stages.begin(),
                                               options_.relationship_stages.end());
    if (const json::value* j = o->if_contains("journey_stage");
        j && !Choices(*j, Child(at, "journey_stage"), journey, out.journey_stages)) {
      return false;
    }
    if (const json::value* r = o->if_contains("relationship_stage");
        r && !Choices(*r, Child(at, "relationship_stage"), relationship, out.relationship_stages)) {
      return false;
    }
    return true;
  }

  const ContentOptions& options_;
  Status error_;
};

// "line 3, column 7" of byte `offset` in `text`.
std::string Position(std::string_view text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    column = text[i] == '\n' ? 1 : column + 1;
    line += text[i] == '\n';
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

Result<ContentDefinition> ParseContent(std::string_view text, const ContentOptions& options) {
  json::stream_parser parser;
  boost::system::error_code ec;
  size_t used = parser.write(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    return Status::InvalidArgument("/: not valid JSON at " + Position(text, used) + " (" +
                                   ec.message() + ")")
        .WithField("/");
  }
  ContentDefinition definition;
  Reader reader(options);
  if (!reader.Content(parser.release(), definition)) return reader.error();
  return definition;
}

std::vector<std::string> ContentDefinition::RequiredFacts() const {
  if (facts_required) return *facts_required;
  std::vector<std::string> out;
  for (std::string_view fact : kFacts) {
    if (fact != "tone" && core.contains(std::string(fact))) out.emplace_back(fact);
  }
  return out;
}

const ContentVariant* ContentDefinition::FindVariant(std::string_view variant_id) const {
  for (const ContentVariant& v : variants) {
    if (v.id == variant_id) return &v;
  }
  return nullptr;
}

std::optional<RenditionFields> ContentDefinition::Effective(std::string_view rendition,
                                                            const ContentVariant* variant) const {
  auto base = renditions.find(std::string(rendition));
  if (base == renditions.end()) return std::nullopt;
  if (!variant) return base->second;
  auto over = variant->renditions.find(std::string(rendition));
  return over == variant->renditions.end() ? base->second : base->second.Overlaid(over->second);
}

RenditionFields RenditionFields::Overlaid(const RenditionFields& over) const {
  RenditionFields out = *this;
  for (const auto& [k, v] : over.texts) out.texts[k] = v;
  for (const auto& [k, v] : over.lists) out.lists[k] = v;
  return out;
}

bool ContentVariant::Matches(std::string_view journey_stage,
                             std::string_view relationship_stage) const {
  auto in = [](const std::vector<std::string>& list, std::string_view stage) {
    return list.empty() || std::find(list.begin(), list.end(), stage) != list.end();
  };
  return in(journey_stages, journey_stage) && in(relationship_stages, relationship_stage);
}

}  // namespace unisono::content
