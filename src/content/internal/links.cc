#include "content/internal/links.h"

#include <algorithm>
#include <cctype>

#include "core/core.h"

namespace unisono::content {
namespace {

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(c); });
}

// The common named entities and numeric ones; anything else stays as written.
std::string DecodeEntities(std::string_view s) {
  static constexpr std::pair<std::string_view, std::string_view> kNamed[] = {
      {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", " "}};
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    size_t semi = s[i] == '&' ? s.find(';', i) : std::string_view::npos;
    if (semi == std::string_view::npos || semi - i > 10) {
      out += s[i];
      continue;
    }
    std::string_view name = s.substr(i + 1, semi - i - 1);
    bool done = false;
    for (const auto& [entity, text] : kNamed) {
      if (name == entity) {
        out += text;
        done = true;
      }
    }
    if (!done && name.size() > 1 && name[0] == '#') {
      bool hex = name[1] == 'x' || name[1] == 'X';
      std::string digits(name.substr(hex ? 2 : 1));
      char* end = nullptr;
      unsigned long cp = digits.empty() ? 0 : std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
      if (end && *end == '\0' && cp > 0 && cp <= 0x10FFFF) {
        AppendUtf8(out, static_cast<char32_t>(cp));
        done = true;
      }
    }
    if (done) {
      i = semi;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Tags that sit inside a line of text: dropped without a space, so "fa<b>ct</b>" reads
// "fact".
bool IsInlineTag(std::string_view name) {
  static constexpr std::string_view kInline[] = {"a",    "b",     "i",   "u",   "em",  "strong",
                                                 "span", "small", "sup", "sub", "font"};
  return std::find(std::begin(kInline), std::end(kInline), name) != std::end(kInline);
}

struct Tag {
  std::string name;                                             // lower case, without '/'
  size_t end = 0;                                               // just past '>'
  std::vector<std::pair<std::string, std::string>> attributes;  // lower-case name, value
};

// The tag starting at html[at] == '<'.
Tag ReadTag(std::string_view html, size_t at) {
  Tag tag;
  if (html.compare(at, 4, "<!--") == 0) {
    size_t close = html.find("-->", at + 4);
    tag.end = close == std::string_view::npos ? html.size() : close + 3;
    return tag;
  }
  size_t i = at + 1;
  if (i < html.size() && html[i] == '/') ++i;
  while (i < html.size() && !IsSpace(html[i]) && html[i] != '>' && html[i] != '/') {
    tag.name += static_cast<char>(std::tolower(static_cast<unsigned char>(html[i++])));
  }
  while (i < html.size() && html[i] != '>') {
    if (IsSpace(html[i]) || html[i] == '/') {
      ++i;
      continue;
    }
    std::string name;
    while (i < html.size() && !IsSpace(html[i]) && html[i] != '=' && html[i] != '>') {
      name += static_cast<char>(std::tolower(static_cast<unsigned char>(html[i++])));
    }
    while (i < html.size() && IsSpace(html[i])) ++i;
    std::string value;
    if (i < html.size() && html[i] == '=') {
      ++i;
      while (i < html.size() && IsSpace(html[i])) ++i;
      if (i < html.size() && (html[i] == '"' || html[i] == '\'')) {
        char quote = html[i++];
        size_t close = html.find(quote, i);
        if (close == std::string_view::npos) close = html.size();
        value = html.substr(i, close - i);
        i = std::min(close + 1, html.size());
      } else {
        while (i < html.size() && !IsSpace(html[i]) && html[i] != '>') value += html[i++];
      }
    }
    if (!name.empty()) tag.attributes.emplace_back(std::move(name), DecodeEntities(value));
  }
  tag.end = std::min(i + 1, html.size());
  return tag;
}

std::string_view TrimPunctuation(std::string_view token) {
  while (!token.empty() &&
         std::string_view(".,;:!?)]}'\">").find(token.back()) != std::string_view::npos) {
    token.remove_suffix(1);
  }
  return token;
}

bool IsSchemeChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
}

// "" or why the host (without port) is not one a link may point to.
std::string HostProblem(std::string_view host) {
  if (host.empty()) return "has no host";
  if (host.back() == '.') host.remove_suffix(1);
  if (ToLower(host) == "localhost") return "";
  std::vector<std::string_view> labels;
  for (size_t start = 0;;) {
    size_t dot = host.find('.', start);
    labels.push_back(host.substr(start, dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  bool numeric = std::all_of(labels.begin(), labels.end(), IsDigits);
  if (numeric) {
    bool ipv4 = labels.size() == 4 && std::all_of(labels.begin(), labels.end(), [](auto l) {
                  return l.size() <= 3 && std::stoi(std::string(l)) <= 255;
                });
    return ipv4 ? "" : "has host '" + std::string(host) + "', which is not a valid IPv4 address";
  }
  if (labels.size() < 2) {
    return "has host '" + std::string(host) + "' without a domain (like example.com)";
  }
  for (std::string_view label : labels) {
    bool ok = !label.empty() && label.size() <= 63 && label.front() != '-' && label.back() != '-';
    for (char c : label) {
      ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                  static_cast<unsigned char>(c) >= 0x80);
    }
    if (!ok) return "has host '" + std::string(host) + "', which is not a valid host name";
  }
  if (IsDigits(labels.back())) {
    return "has host '" + std::string(host) + "', whose last part cannot be a number";
  }
  return "";
}

std::string AuthorityProblem(std::string_view authority) {
  if (authority.find('@') != std::string_view::npos) {
    return "carries a user name before the host; leave it out";
  }
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return "has an unclosed IPv6 address";
    std::string_view ip = authority.substr(1, close - 1);
    bool ok = ip.find(':') != std::string_view::npos;
    for (char c : ip)
      ok = ok && (std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.');
    if (!ok) return "has '" + std::string(ip) + "', which is not an IPv6 address";
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return "has text after its IPv6 address";
    port = rest.empty() ? rest : rest.substr(1);
    host = {};
    if (rest.empty()) return "";
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return "has a ':' without a port after the host";
  }
  if (!port.empty() && (!IsDigits(port) || port.size() > 5 || std::stoi(std::string(port)) == 0 ||
                        std::stoi(std::string(port)) > 65535)) {
    return "has port '" + std::string(port) + "', which is not a number from 1 to 65535";
  }
  return host.empty() && !port.empty() ? "" : HostProblem(host);
}

}  // namespace

std::string HtmlText(std::string_view html) {
  std::string out;
  size_t text_start = 0;
  for (size_t i = 0; i < html.size();) {
    if (html[i] != '<') {
      ++i;
      continue;
    }
    out += DecodeEntities(html.substr(text_start, i - text_start));
    Tag tag = ReadTag(html, i);
    i = tag.end;
    if (tag.name == "style" || tag.name == "script") {  // their text is not read
      size_t close = html.find("</", i);
      i = close == std::string_view::npos ? html.size() : ReadTag(html, close).end;
    }
    if (!IsInlineTag(tag.name)) out += ' ';
    text_start = i;
  }
  out += DecodeEntities(html.substr(std::min(text_start, html.size())));
  return out;
}

std::vector<FoundLink> LinksInHtml(std::string_view html) {
  std::vector<FoundLink> out;
  for (size_t i = html.find('<'); i != std::string_view::npos; i = html.find('<', i)) {
    Tag tag = ReadTag(html, i);
    for (const auto& [name, value] : tag.attributes) {
      if (name == "href" || name == "src") out.push_back({value, true});
    }
    i = std::max(tag.end, i + 1);
  }
  for (FoundLink& link : LinksInText(HtmlText(html))) out.push_back(std::move(link));
  return out;
}

std::vector<FoundLink> LinksInText(std::string_view text) {
  std::vector<FoundLink> out;
  for (size_t i = 0; i < text.size();) {
    while (i < text.size() && IsSpace(text[i])) ++i;
    size_t end = i;
    while (end < text.size() && !IsSpace(text[end])) ++end;
    std::string_view token = text.substr(i, end - i);
    i = end;
    if (size_t sep = token.find("://"); sep != std::string_view::npos) {
      size_t start = sep;
      while (start > 0 && IsSchemeChar(token[start - 1])) --start;
      out.push_back({std::string(TrimPunctuation(token.substr(start))), false});
      continue;
    }
    size_t lead = 0;
    while (lead < token.size() &&
           std::string_view("(<[\"'").find(token[lead]) != std::string_view::npos) {
      ++lead;
    }
    std::string_view word = TrimPunctuation(token.substr(lead));
    if (ToLower(word.substr(0, 4)) == "www." && word.size() > 4) {
      out.push_back({std::string(word), false});
    }
  }
  return out;
}

std::string LinkProblem(std::string_view url, bool in_attribute) {
  if (Trim(url).empty()) return "is empty";
  std::string lower = ToLower(url);
  if (in_attribute && (lower.starts_with("mailto:") || lower.starts_with("tel:"))) {
    std::string_view rest = url.substr(url.find(':') + 1);
    bool ok = lower.starts_with("mailto:") ? rest.find('@') != std::string_view::npos
                                           : rest.find_first_of("0123456789") != rest.npos;
    return ok ? "" : "is not a complete " + lower.substr(0, lower.find(':')) + " link";
  }
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    return lower.starts_with("www.") ? "has no scheme; write https://" + std::string(url)
                                     : "is not an absolute link; write it as https://host/path";
  }
  std::string scheme = lower.substr(0, sep);
  if (scheme.empty()) return "has no scheme before '://'; write https://";
  if (scheme != "http" && scheme != "https") {
    return "uses '" + scheme + "'; only http and https links are allowed";
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) < 0x21 || c == '"' || c == '<' || c == '>') {
      return c == ' ' ? "contains a space; encode it as %20"
                      : "contains a character links cannot hold; percent-encode it";
    }
  }
  for (size_t p = url.find('%'); p != std::string_view::npos; p = url.find('%', p + 1)) {
    if (p + 2 >= url.size() || !std::isxdigit(static_cast<unsigned char>(url[p + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(url[p + 2]))) {
      return "has a '%' that is not followed by two hex digits";
    }
  }
  std::string_view rest = url.substr(sep + 3);
  return AuthorityProblem(rest.substr(0, rest.find_first_of("/?#")));
}

}  // namespace unisono::content
