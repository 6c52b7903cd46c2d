#include "content/internal/render.h"

#include <boost/json.hpp>
#include <charconv>
#include <kainjow/mustache.hpp>

namespace unisono::content {
namespace {

namespace json = boost::json;
namespace mustache = kainjow::mustache;

struct TemplateTag {
  char kind = 0;  // 0 a variable; '#', '^', '/', '>', '&', '!', '=', '{' as written
  std::string name;
};

// The tags of a template written with the default delimiters, in order; stops at an
// unclosed tag (the Mustache parser reports it).
std::vector<TemplateTag> Tags(std::string_view text) {
  std::vector<TemplateTag> out;
  for (size_t at = text.find("{{"); at != std::string_view::npos; at = text.find("{{", at)) {
    bool triple = at + 2 < text.size() && text[at + 2] == '{';
    size_t start = at + (triple ? 3 : 2);
    size_t end = text.find(triple ? "}}}" : "}}", start);
    if (end == std::string_view::npos) break;
    std::string contents = Trim(text.substr(start, end - start));
    TemplateTag tag;
    if (triple) {
      tag.kind = '{';
    } else if (!contents.empty() &&
               std::string_view("#^/>&!=").find(contents[0]) != std::string_view::npos) {
      tag.kind = contents[0];
      contents = Trim(std::string_view(contents).substr(1));
    }
    tag.name = std::move(contents);
    out.push_back(std::move(tag));
    at = end + (triple ? 3 : 2);
  }
  return out;
}

std::string ShortNumber(double d) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, end);
}

// JSON as Mustache data: objects and lists as they are, scalars as text, null as
// nothing (so a section over it is skipped).
mustache::data ToData(const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: {
      mustache::data out{mustache::data::type::object};
      for (const auto& [key, value] : v.get_object()) {
        if (!value.is_null()) out.set(std::string(key), ToData(value));
      }
      return out;
    }
    case json::kind::array: {
      mustache::data out{mustache::data::type::list};
      for (const json::value& item : v.get_array()) out.push_back(ToData(item));
      return out;
    }
    case json::kind::string:
      return mustache::data(std::string(v.get_string()));
    case json::kind::bool_:
      return mustache::data(std::string(v.get_bool() ? "true" : "false"));
    case json::kind::int64:
      return mustache::data(std::to_string(v.get_int64()));
    case json::kind::uint64:
      return mustache::data(std::to_string(v.get_uint64()));
    case json::kind::double_:
      return mustache::data(ShortNumber(v.get_double()));
    case json::kind::null:
      break;
  }
  return mustache::data(std::string());
}

// `over`'s members replace `base`'s; objects on both sides merge member by member;
// a null member leaves the base's value.
void Overlay(json::object& base, const json::object& over) {
  for (const auto& [key, value] : over) {
    if (value.is_null()) continue;
    json::value* mine = base.if_contains(key);
    if (mine && mine->is_object() && value.is_object()) {
      Overlay(mine->get_object(), value.get_object());
    } else {
      base[key] = value;
    }
  }
}

Result<json::object> ObjectFrom(const std::string& text, const char* what) {
  boost::system::error_code ec;
  json::value v = json::parse(text.empty() ? "{}" : text, ec);
  if (ec || !v.is_object()) {
    return Status::InvalidArgument(std::string(what) + " must be a JSON object");
  }
  return std::move(v.get_object());
}

Result<std::string> Render(const std::string& text, const mustache::data& data, bool html,
                           std::string_view field) {
  try {
    mustache::mustache tmpl(text);
    if (!html) tmpl.set_custom_escape([](const std::string& s) { return s; });
    std::string out = tmpl.is_valid() ? tmpl.render(data) : std::string();
    if (!tmpl.is_valid()) {
      return Status::FailedPrecondition("the " + std::string(field) +
                                        " template cannot be rendered: " + tmpl.error_message());
    }
    return out;
  } catch (const std::exception& e) {  // kainjow throws nothing documented; keep it a Status
    return Status::Internal("rendering the " + std::string(field) + " failed: " + e.what());
  }
}

}  // namespace

Status CheckTemplate(std::string_view text) {
  mustache::mustache tmpl{std::string(text)};
  if (!tmpl.is_valid()) return Status::InvalidArgument("template error: " + tmpl.error_message());
  for (const TemplateTag& tag : Tags(text)) {
    if (tag.kind == '>') {
      return Status::InvalidArgument("partials ({{> " + tag.name +
                                     "}}) are not supported; write the text in place");
    }
    if (tag.kind == '=') {
      return Status::InvalidArgument(
          "changing the delimiters ({{=...=}}) is not supported; keep {{ and }}");
    }
  }
  return Status::Ok();
}

bool UsesVariable(std::string_view text, std::string_view name) {
  for (const TemplateTag& tag : Tags(text)) {
    if ((tag.kind == 0 || tag.kind == '&' || tag.kind == '{') && tag.name == name) return true;
  }
  return false;
}

Result<RenderedMessage> RenderFields(std::string_view rendition, const RenditionFields& fields,
                                     const std::string& defaults_json, const RenderInput& input) {
  auto values = ObjectFrom(defaults_json, "the defaults");
  if (!values.ok()) return values.status();
  auto traits = ObjectFrom(input.traits_json, "the traits");
  if (!traits.ok()) return traits.status();
  Overlay(*values, *traits);
  for (const auto& [key, value] : input.extra) (*values)[key] = value;
  const mustache::data data = ToData(*values);

  RenderedMessage out;
  out.rendition = std::string(rendition);
  for (const auto& [field, text] : fields.texts) {
    if (field == "template") {
      out.whatsapp_template = text;  // a name, not rendered
      continue;
    }
    auto rendered = Render(text, data, field == "html", field);
    if (!rendered.ok()) return rendered.status();
    std::string* target = field == "subject" ? &out.subject
                          : field == "html"  ? &out.html
                          : field == "title" ? &out.title
                          : field == "url"   ? &out.url
                                             : &out.text;  // text; push body
    *target = std::move(*rendered);
  }
  for (const auto& [field, texts] : fields.lists) {
    std::vector<std::string>& target =
        field == "parameters" ? out.whatsapp_parameters : out.talking_points;
    for (const std::string& text : texts) {
      auto rendered = Render(text, data, false, field);
      if (!rendered.ok()) return rendered.status();
      target.push_back(std::move(*rendered));
    }
  }
  return out;
}

}  // namespace unisono::content
