// An email as it goes over SMTP: RFC 5322 headers (RFC 2047 encoded words when a header
// is not ASCII), a multipart/alternative body with a text and an HTML part in
// quoted-printable UTF-8, CRLF line endings, RFC 8058 one-click unsubscribe headers.
// Dot-stuffing is left to the SMTP client. Pure functions: thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/core.h"

namespace unisono::channel {

struct MailMessage {
  std::string from;             // "Unisono <news@example.com>" or "news@example.com"
  std::string to;               // the recipient's address
  std::string subject;          // UTF-8
  std::string text;             // text/plain part ("" none)
  std::string html;             // text/html part ("" none)
  std::string idempotency_key;  // makes the Message-ID, stable across retries
  std::string unsubscribe_url;  // List-Unsubscribe ("" none)
  Timestamp date{};
};

// The whole message, ready for DATA.
std::string ComposeMime(const MailMessage& mail);

// "Name <a@b.c>" -> "a@b.c"; a bare address is returned trimmed.
std::string MailAddress(std::string_view from);
// "a@b.c" -> "b.c"; "localhost" when there is no domain.
std::string MailDomain(std::string_view address);
// "<key@domain>" with the key's characters that may not stand in a Message-ID escaped.
std::string MessageIdFor(std::string_view idempotency_key, std::string_view from);
// "Mon, 05 Jan 2026 10:00:00 +0000".
std::string Rfc5322Date(Timestamp t);
// The text as is when it is printable ASCII, else RFC 2047 "=?UTF-8?B?...?=" words
// (each at most 75 characters, never splitting a UTF-8 character), folded.
std::string EncodeHeaderText(std::string_view text);
// Quoted-printable (RFC 2045): lines of at most 76 characters, CRLF hard breaks.
std::string QuotedPrintable(std::string_view text);
std::string Base64(std::string_view data);

}  // namespace unisono::channel
