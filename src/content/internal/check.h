// The one-voice check: every problem of a definition, each with its rendition and the
// JSON pointer of the field to change. Renditions are rendered with the item's
// defaults (and a stand-in unsubscribe link) before facts, links and lengths are
// measured, so a fact written as {{product_name}} with a default counts. Pure
// function: thread-safe.
#pragma once

#include <vector>

#include "content/internal/definition.h"

namespace unisono::content {

// Push notifications: longer titles and bodies are cut off on most phones.
inline constexpr int kMaxPushTitle = 65;
inline constexpr int kMaxPushBody = 240;

// What {{unsubscribe_url}} renders as while checking.
inline constexpr const char* kCheckUnsubscribeUrl = "https://unsubscribe.unisono.invalid/check";

// Problems in a stable order: the item (product, channels), then each rendition, then
// each variant's renditions.
std::vector<ContentProblem> CheckContent(const ContentDefinition& definition,
                                         const ProductCatalog& products);

}  // namespace unisono::content
