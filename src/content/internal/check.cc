#include "content/internal/check.h"

#include <algorithm>
#include <set>

#include "content/internal/links.h"
#include "content/internal/render.h"
#include "content/internal/sms.h"

namespace unisono::content {
namespace {

using Scope = std::set<std::string>;  // the fields a check looks at

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// Lower case (ASCII and Latin-1 letters such as 'Á'), whitespace runs as one space.
std::string Folded(std::string_view s) {
  std::string out;
  bool space = false;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (std::isspace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    if (c == 0xC3 && i + 1 < s.size()) {
      unsigned char next = static_cast<unsigned char>(s[i + 1]);
      bool upper = next >= 0x80 && next <= 0x9E && next != 0x97;  // À..Þ but ×
      out += static_cast<char>(c);
      out += static_cast<char>(upper ? next + 0x20 : next);
      ++i;
      continue;
    }
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

size_t Characters(std::string_view utf8) {
  return std::count_if(utf8.begin(), utf8.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

std::string FactLabel(std::string_view fact) {
  return fact == "call_to_action" ? "call to action" : std::string(fact);
}

class Checker {
 public:
  Checker(const ContentDefinition& d, const ProductCatalog& products)
      : d_(d), products_(products) {}

  std::vector<ContentProblem> Run() {
    ItemProblems();
    for (const RenditionSpec& spec : RenditionSpecs()) {
      const std::string name(spec.name);
      if (auto it = d_.renditions.find(name); it != d_.renditions.end()) {
        Rendition(name, it->second, "/renditions/" + name, nullptr, "");
      }
    }
    for (size_t i = 0; i < d_.variants.size(); ++i) {
      const ContentVariant& v = d_.variants[i];
      for (const RenditionSpec& spec : RenditionSpecs()) {
        const std::string name(spec.name);
        auto over = v.renditions.find(name);
        if (over == v.renditions.end()) continue;
        Scope scope;
        for (const auto& [field, text] : over->second.texts) scope.insert(field);
        for (const auto& [field, list] : over->second.lists) scope.insert(field);
        Rendition(name, *d_.Effective(name, &v),
                  "/variants/" + std::to_string(i) + "/renditions/" + name, &scope,
                  "variant " + Quoted(v.id) + ": ");
      }
    }
    return std::move(problems_);
  }

 private:
  void Add(std::string rendition, std::string field, std::string message) {
    problems_.push_back({std::move(rendition), std::move(field), std::move(message)});
  }

  void ItemProblems() {
    if (auto it = d_.core.find("product"); it != d_.core.end() && !products_.Find(it->second)) {
      std::string known;
      for (size_t i = 0; i < products_.products().size() && i < 5; ++i) {
        known += (i ? ", " : "") + products_.products()[i].id;
      }
      Add("", "/core/product",
          Quoted(it->second) + " is not in the product catalog" +
              (known.empty() ? std::string() : "; use a product id such as " + known));
    }
    for (const std::string& c : d_.channels) {
      if (!d_.renditions.contains(c)) {
        Add(c, "/renditions/" + c,
            "missing: /channels lists " + c + "; add a " + c +
                " rendition or take it out of /channels");
      }
    }
    for (const RenditionSpec& spec : RenditionSpecs()) {
      const std::string name(spec.name);
      if (d_.renditions.contains(name) &&
          std::find(d_.channels.begin(), d_.channels.end(), name) == d_.channels.end()) {
        Add(name, "/renditions/" + name,
            "not in /channels; add " + Quoted(name) + " there or remove this rendition");
      }
    }
  }

  // `scope` null: every field; else only the fields a variant sets. `label` prefixes
  // the messages of a variant.
  void Rendition(const std::string& name, const RenditionFields& fields, const std::string& at,
                 const Scope* scope, const std::string& label) {
    auto in = [&](const std::string& field) { return !scope || scope->contains(field); };
    RenderInput input;
    input.extra["unsubscribe_url"] = kCheckUnsubscribeUrl;
    auto rendered = RenderFields(name, fields, d_.defaults_json, input);
    if (!rendered.ok()) {
      Add(name, at, label + rendered.status().message());
      return;
    }
    Required(name, fields, at, in, label);
    Facts(name, *rendered, at, label);
    Links(name, fields, *rendered, at, in, label);
    if (name == "email") Unsubscribe(fields, *rendered, at, in, label);
    if (name == "sms" && in("text")) Sms(rendered->text, at + "/text", label);
    if (name == "push") {
      auto length = [&](const char* field, const std::string& text, size_t most) {
        if (in(field) && Characters(text) > most) {
          Add(name, at + "/" + field,
              label + "is " + std::to_string(Characters(text)) + " characters; a push " + field +
                  " may have at most " + std::to_string(most));
        }
      };
      length("title", rendered->title, kMaxPushTitle);
      length("body", rendered->text, kMaxPushBody);
    }
  }

  template <typename InScope>
  void Required(const std::string& name, const RenditionFields& fields, const std::string& at,
                InScope in, const std::string& label) {
    auto has = [&](const char* field) {
      auto it = fields.texts.find(field);
      return it != fields.texts.end() && !Trim(it->second).empty();
    };
    auto need = [&](const char* field, const char* what) {
      if (in(field) && !has(field)) Add(name, at + "/" + field, label + "required: " + what);
    };
    if (name == "email" || name == "webinar") {
      need("subject", "the subject line");
      if (!has("html") && !has("text") && (in("html") || in("text"))) {
        Add(name, at + "/html", label + "required: an html or a text part (or both)");
      }
    }
    if (name == "webinar") need("url", "the link to join the webinar");
    if (name == "sms" || name == "postal") need("text", "the text");
    if (name == "whatsapp") need("template", "the name of the approved WhatsApp template");
    if (name == "push") {
      need("title", "the title");
      need("body", "the body");
    }
    if (name == "rep" && in("talking_points")) {
      auto it = fields.lists.find("talking_points");
      if (it == fields.lists.end() || it->second.empty()) {
        Add(name, at + "/talking_points", label + "required: at least one talking point");
      }
    }
  }

  void Facts(const std::string& name, const RenderedMessage& m, const std::string& at,
             const std::string& label) {
    std::string all = m.subject + "\n" + HtmlText(m.html) + "\n" + m.text + "\n" + m.title;
    for (const std::string& p : m.whatsapp_parameters) all += "\n" + p;
    for (const std::string& p : m.talking_points) all += "\n" + p;
    const std::string text = Folded(all);
    for (const std::string& fact : d_.RequiredFacts()) {
      const std::string& value = d_.core.at(fact);
      std::vector<std::string> accepted = {value};
      if (fact == "product") {
        if (const Product* p = products_.Find(value)) accepted = {p->name, p->id};
      }
      bool found = std::any_of(accepted.begin(), accepted.end(), [&](const std::string& a) {
        return !Folded(a).empty() && text.find(Folded(a)) != std::string::npos;
      });
      if (found) continue;
      Add(name, at,
          label + "misses the " + FactLabel(fact) + " " + Quoted(accepted.front()) +
              (fact == "product" && accepted.size() > 1 ? " (or " + Quoted(accepted[1]) + ")"
                                                        : std::string()) +
              "; every rendition says it");
    }
  }

  template <typename InScope>
  void Links(const std::string& name, const RenditionFields& fields, const RenderedMessage& m,
             const std::string& at, InScope in, const std::string& label) {
    auto report = [&](const std::string& field_at, const std::vector<FoundLink>& links) {
      for (const FoundLink& link : links) {
        std::string problem = LinkProblem(link.url, link.in_attribute);
        if (!problem.empty())
          Add(name, field_at, label + "link " + Quoted(link.url) + " " + problem);
      }
    };
    for (const auto& [field, text] : fields.texts) {
      if (!in(field) || field == "template") continue;
      if (field == "html") report(at + "/html", LinksInHtml(m.html));
      if (field == "url") report(at + "/url", {{m.url, false}});
      const std::string* value = field == "subject"                   ? &m.subject
                                 : field == "title"                   ? &m.title
                                 : field == "text" || field == "body" ? &m.text
                                                                      : nullptr;
      if (value) report(at + "/" + field, LinksInText(*value));
    }
    for (const auto& [field, list] : fields.lists) {
      if (!in(field)) continue;
      const auto& values = field == "parameters" ? m.whatsapp_parameters : m.talking_points;
      for (size_t i = 0; i < values.size(); ++i) {
        report(at + "/" + field + "/" + std::to_string(i), LinksInText(values[i]));
      }
    }
  }

  // The html and text parts each need a way out: {{unsubscribe_url}} or a literal
  // unsubscribe link.
  template <typename InScope>
  void Unsubscribe(const RenditionFields& fields, const RenderedMessage& m, const std::string& at,
                   InScope in, const std::string& label) {
    for (const char* field : {"html", "text"}) {
      auto it = fields.texts.find(field);
      if (!in(field) || it == fields.texts.end() || Trim(it->second).empty()) continue;
      bool html = field == std::string("html");
      bool has = UsesVariable(it->second, "unsubscribe_url");
      for (const FoundLink& link : html ? LinksInHtml(m.html) : LinksInText(m.text)) {
        has = has || ToLower(link.url).find("unsubscribe") != std::string::npos;
      }
      if (!has) {
        Add("email", at + "/" + field,
            label + "has no unsubscribe link; add " +
                (html ? "<a href=\"{{unsubscribe_url}}\">unsubscribe</a>"
                      : "\"Unsubscribe: {{unsubscribe_url}}\""));
      }
    }
  }

  void Sms(const std::string& text, const std::string& at, const std::string& label) {
    SmsLength length = MeasureSms(text);
    const int most = d_.MaxSmsSegments();
    if (length.segments <= most) return;
    const bool gsm = length.encoding == "gsm7";
    const std::string unit = gsm ? " septets" : " UCS-2 units";
    Add("sms", at,
        label + "is " + std::to_string(length.segments) + " SMS segments (" +
            std::to_string(length.units) + unit + "); the most is " + std::to_string(most) +
            ": shorten it to " + std::to_string(SmsCapacity(length.encoding, most)) + unit +
            " or raise /max_sms_segments" +
            (gsm ? "" : " (one character outside GSM-7 makes the whole text UCS-2)"));
  }

  const ContentDefinition& d_;
  const ProductCatalog& products_;
  std::vector<ContentProblem> problems_;
};

}  // namespace

std::vector<ContentProblem> CheckContent(const ContentDefinition& definition,
                                         const ProductCatalog& products) {
  return Checker(definition, products).Run();
}

}  // namespace unisono::content
