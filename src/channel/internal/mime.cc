#include "channel/internal/mime.h"

#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <functional>

namespace unisono::channel {
namespace {

constexpr std::string_view kCrlf = "\r\n";

bool IsPrintableAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// Characters a Message-ID's left part may hold as they are (RFC 5322 atext, no dot so
// that the escape stays unambiguous).
bool IsAtext(unsigned char c) {
  if (std::isalnum(c)) return true;
  return std::string_view("!#$%&'*+-/?^_`{|}~").find(static_cast<char>(c)) !=
         std::string_view::npos;
}

// Length of the UTF-8 character that starts with `lead` (1 for a stray byte).
size_t Utf8Length(unsigned char lead) {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}

std::string Boundary(std::string_view key) {
  // "=_" never occurs in quoted-printable text, so the boundary cannot clash with a part.
  char hash[17];
  std::snprintf(hash, sizeof(hash), "%016zx", std::hash<std::string_view>{}(key));
  return std::string("=_unisono_") + hash;
}

void Header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append(kCrlf);
}

void Part(std::string& out, const std::string& boundary, std::string_view type,
          std::string_view body) {
  out.append("--").append(boundary).append(kCrlf);
  Header(out, "Content-Type", std::string(type) + "; charset=utf-8");
  Header(out, "Content-Transfer-Encoding", "quoted-printable");
  out.append(kCrlf).append(QuotedPrintable(body)).append(kCrlf);
}

}  // namespace

std::string Base64(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t v = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(v >> shift) & 63];
  }
  if (i < data.size()) {
    uint32_t v = uint8_t(data[i]) << 16;
    if (i + 1 < data.size()) v |= uint8_t(data[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string MailAddress(std::string_view from) {
  auto open = from.rfind('<');
  auto close = from.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
    return Trim(from.substr(open + 1, close - open - 1));
  }
  return Trim(from);
}

std::string MailDomain(std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos || at + 1 == address.size()) return "localhost";
  return std::string(address.substr(at + 1));
}

std::string MessageIdFor(std::string_view idempotency_key, std::string_view from) {
  std::string left;
  for (unsigned char c : idempotency_key) {
    if (IsAtext(c) && c != '=') {
      left += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof(hex), "=%02X", c);
      left += hex;
    }
  }
  if (left.empty()) left = "unisono";
  return "<" + left + "@" + MailDomain(MailAddress(from)) + ">";
}

std::string Rfc5322Date(Timestamp t) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto day = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day ymd(day);
  std::chrono::weekday wd(day);
  std::chrono::hh_mm_ss hms(std::chrono::floor<std::chrono::seconds>(t - day));
  char out[64];
  std::snprintf(out, sizeof(out), "%s, %02u %s %04d %02d:%02d:%02d +0000", kDays[wd.c_encoding()],
                static_cast<unsigned>(ymd.day()), kMonths[static_cast<unsigned>(ymd.month()) - 1],
                static_cast<int>(ymd.year()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return out;
}

std::string EncodeHeaderText(std::string_view text) {
  if (IsPrintableAscii(text)) return std::string(text);
  // "=?UTF-8?B?" + "?=" is 12 characters; 45 bytes make 60 base64 characters: 72 < 75.
  constexpr size_t kMaxBytes = 45;
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = i;
    while (end < text.size()) {
      size_t next = end + Utf8Length(static_cast<unsigned char>(text[end]));
      if (next - i > kMaxBytes) break;
      end = next;
    }
    if (end == i) end = std::min(text.size(), i + kMaxBytes);  // a broken sequence
    if (!out.empty()) out.append("\r\n ");
    out.append("=?UTF-8?B?").append(Base64(text.substr(i, end - i))).append("?=");
    i = end;
  }
  return out;
}

std::string QuotedPrintable(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  size_t column = 0;
  auto emit = [&](std::string_view piece) {
    // A soft break keeps every line, with its trailing '=', within 76 characters.
    if (column + piece.size() > 75) {
      out.append("=\r\n");
      column = 0;
    }
    out.append(piece);
    column += piece.size();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    if (c == '\n') {
      out.append(kCrlf);
      column = 0;
      continue;
    }
    bool at_line_end = i + 1 == text.size() || text[i + 1] == '\n' || text[i + 1] == '\r';
    bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_line_end);
    // A '.' alone at a line start is left to the SMTP client's dot-stuffing.
    if (literal) {
      char one = static_cast<char>(c);
      emit(std::string_view(&one, 1));
    } else {
      char hex[4];
      std::snprintf(hex, sizeof(hex), "=%02X", c);
      emit(hex);
    }
  }
  return out;
}

std::string ComposeMime(const MailMessage& mail) {
  std::string out;
  std::string from = mail.from;
  if (auto open = from.rfind('<'); open != std::string::npos && open > 0) {
    std::string name = Trim(std::string_view(from).substr(0, open));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
    }
    from = EncodeHeaderText(name) + " <" + MailAddress(mail.from) + ">";
  }
  Header(out, "From", from);
  Header(out, "To", mail.to);
  Header(out, "Subject", EncodeHeaderText(mail.subject));
  Header(out, "Date", Rfc5322Date(mail.date));
  Header(out, "Message-ID", MessageIdFor(mail.idempotency_key, mail.from));
  Header(out, "MIME-Version", "1.0");
  if (!mail.unsubscribe_url.empty()) {
    Header(out, "List-Unsubscribe", "<" + mail.unsubscribe_url + ">");
    Header(out, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
  }
  if (mail.html.empty() || mail.text.empty()) {
    // One part alone needs no multipart wrapper.
    bool html = !mail.html.empty();
    Header(out, "Content-Type", html ? "text/html; charset=utf-8" : "text/plain; charset=utf-8");
    Header(out, "Content-Transfer-Encoding", "quoted-printable");
    out.append(kCrlf).append(QuotedPrintable(html ? mail.html : mail.text)).append(kCrlf);
    return out;
  }
  const std::string boundary = Boundary(mail.idempotency_key);
  Header(out, "Content-Type", "multipart/alternative; boundary=\"" + boundary + "\"");
  out.append(kCrlf);
  Part(out, boundary, "text/plain", mail.text);
  Part(out, boundary, "text/html", mail.html);
  out.append("--").append(boundary).append("--").append(kCrlf);
  return out;
}

}  // namespace unisono::channel
