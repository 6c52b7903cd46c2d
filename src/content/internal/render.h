// Mustache rendering of a rendition's fields over data made from the item's defaults,
// the profile's traits and unisono's own values (kainjow/mustache stays inside
// render.cc). HTML fields escape values; every other field keeps them as they are.
// Pure functions: thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "content/internal/definition.h"

namespace unisono::content {

// Whether `text` is a template unisono renders: Mustache syntax, and no partials or
// delimiter changes (a partial would render a trait's value as a template). The error
// says what to change, without a JSON pointer.
Status CheckTemplate(std::string_view text);

// Whether the template names the variable (as {{name}}, {{{name}}} or {{&name}}).
bool UsesVariable(std::string_view text, std::string_view name);

// Renders the fields of `rendition` with data = `defaults_json` overlaid by the traits,
// overlaid by `input.extra`. Nested objects and lists become Mustache objects and
// lists; numbers and booleans become text; missing values render empty.
Result<RenderedMessage> RenderFields(std::string_view rendition, const RenditionFields& fields,
                                     const std::string& defaults_json, const RenderInput& input);

}  // namespace unisono::content
