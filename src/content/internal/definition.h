// A content item's definition as values: core facts, targeted channels, defaults, one
// rendition per channel and the variants by stage. Read from JSON with errors that name
// the JSON pointer (templates are parsed too), and written back canonically. Pure
// functions: thread-safe.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "content/content.h"

namespace unisono::content {

// What a rendition may hold. Text fields are Mustache templates, except a WhatsApp
// "template", which is the provider's template name; list fields hold templates too.
struct RenditionSpec {
  std::string_view name;
  std::span<const std::string_view> texts;
  std::span<const std::string_view> lists;
};

// Every rendition, in canonical order: email, sms, whatsapp, push, rep, postal, webinar.
std::span<const RenditionSpec> RenditionSpecs();
const RenditionSpec* FindRendition(std::string_view name);
// "email, sms, ..." for messages.
std::string RenditionNames();

// The core facts in canonical order; every one but tone must appear in each rendition
// unless facts_required says otherwise.
inline constexpr std::string_view kFacts[] = {"product", "claim", "offer", "call_to_action",
                                              "tone"};

struct RenditionFields {
  std::map<std::string, std::string> texts;               // "subject" -> template
  std::map<std::string, std::vector<std::string>> lists;  // "talking_points" -> templates

  bool empty() const { return texts.empty() && lists.empty(); }
  // `over`'s fields replace these ones.
  RenditionFields Overlaid(const RenditionFields& over) const;
};

struct ContentVariant {
  std::string id;
  std::vector<std::string> journey_stages;       // empty: any
  std::vector<std::string> relationship_stages;  // empty: any
  std::map<std::string, RenditionFields> renditions;

  bool Matches(std::string_view journey_stage, std::string_view relationship_stage) const;
};

struct ContentDefinition {
  std::string id;  // "" until the library gives it one
  std::string name;
  std::vector<std::string> channels;        // rendition names, canonical order
  std::map<std::string, std::string> core;  // fact -> text, only the given ones
  std::optional<std::vector<std::string>> facts_required;
  std::optional<int> max_sms_segments;
  std::string defaults_json = "{}";  // a JSON object
  std::map<std::string, RenditionFields> renditions;
  std::vector<ContentVariant> variants;

  // The facts each rendition must carry.
  std::vector<std::string> RequiredFacts() const;
  int MaxSmsSegments() const { return max_sms_segments.value_or(3); }
  const ContentVariant* FindVariant(std::string_view variant_id) const;
  // The rendition's fields with the variant's (when given) over them; nullopt when the
  // definition has no such rendition.
  std::optional<RenditionFields> Effective(std::string_view rendition,
                                           const ContentVariant* variant) const;
};

// Reads a definition (docs/content.md). Unknown fields are errors; each error is an
// InvalidArgument whose message starts with the JSON pointer it names, which is also
// its field(): "/renditions/sms/text: expected a string". Variant stages must be among
// `options`' stage names.
Result<ContentDefinition> ParseContent(std::string_view json, const ContentOptions& options);

// Canonical JSON: fields in a fixed order, renditions in RenditionSpecs order;
// ParseContent(ContentToJson(d)) gives d back.
std::string ContentToJson(const ContentDefinition& definition);

// "Cardiozen launch" -> "cardiozen-launch"; "content" when nothing is left.
std::string Slug(std::string_view name);
// Ids are 1-64 of a-z, A-Z, 0-9, '-', '_', '.'.
bool IsContentId(std::string_view id);

}  // namespace unisono::content
