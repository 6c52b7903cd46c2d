// SMS length: which encoding a text needs and how many segments it takes. GSM-7 (3GPP
// TS 23.038 default alphabet) when every character is in it, the extension table's
// characters (€ [ ] { } ^ ~ | \ and form feed) counting two septets; UCS-2 otherwise,
// characters beyond the BMP counting two units. One segment holds 160 septets or 70
// units; a longer text is split into parts of 153 or 67, never between the two halves
// of an escaped character or a surrogate pair. Pure functions: thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace unisono::content {

struct SmsLength {
  std::string encoding;  // "gsm7" | "ucs2"
  int units = 0;         // septets (gsm7) or 16-bit code units (ucs2)
  int segments = 0;      // 0 for an empty text
};

// `text` is UTF-8; an invalid byte counts as a character outside GSM-7.
SmsLength MeasureSms(std::string_view text);

// Units that fit in `segments` segments of the encoding.
int SmsCapacity(const std::string& encoding, int segments);

}  // namespace unisono::content
