// Links in rendered texts: finding them (href and src attributes in HTML, URLs written
// in text) and parsing them, so the one-voice check can say which one is broken and
// why; and HTML as plain text, so facts split by tags are still found. Pure functions:
// thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace unisono::content {

struct FoundLink {
  std::string url;
  bool in_attribute = false;  // href/src, else written in the text
};

// href and src attribute values (entities decoded), then URLs in the text outside tags.
std::vector<FoundLink> LinksInHtml(std::string_view html);
// Tokens of a plain text that are links: anything with "://", and "www." words.
std::vector<FoundLink> LinksInText(std::string_view text);

// "" when `url` is an absolute http(s) URL with a valid host (a name with a dot,
// localhost, an IPv4 address or a bracketed IPv6 address) and port; otherwise why not.
// In attributes, mailto: and tel: links are fine too.
std::string LinkProblem(std::string_view url, bool in_attribute);

// The text of an HTML fragment: tags dropped (block tags as spaces), entities decoded.
std::string HtmlText(std::string_view html);

}  // namespace unisono::content
