// The email as it goes over SMTP: header encoding, quoted-printable bodies, the date,
// the Message-ID and the multipart structure.
#include "channel/internal/mime.h"

#include <gtest/gtest.h>

#include <regex>

#include "delivery_world.h"

namespace unisono::channel {
namespace {

using testing::DecodeQuotedPrintable;
using testing::ParseMail;

std::string FromBase64(const std::string& text) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    if (c == '=') break;
    bits = (bits << 6) | static_cast<uint32_t>(kAlphabet.find(c));
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return out;
}

// The text an RFC 2047 header stands for (only the B encoding unisono writes).
std::string DecodeHeader(const std::string& header) {
  std::string out;
  std::regex word(R"(=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=)");
  for (std::sregex_iterator it(header.begin(), header.end(), word), end; it != end; ++it) {
    out += FromBase64((*it)[1]);
  }
  return out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= text.size()) {
    size_t end = text.find("\r\n", at);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(at, end - at));
    at = end + 2;
  }
  return out;
}

TEST(Mime, QuotedPrintableKeepsEveryLineWithin76AndDecodesToTheSameText) {
  std::string text = "Grüße aus Sevilla — ñandú = 100% " + std::string(200, 'x') +
                     " end\nsecond line with trailing space \n\tand a tab";
  std::string qp = QuotedPrintable(text);
  for (const std::string& line : Lines(qp)) {
    EXPECT_LE(line.size(), 76u) << line;
    EXPECT_TRUE(line.empty() || (line.back() != ' ' && line.back() != '\t')) << line;
    for (unsigned char c : line) EXPECT_LT(c, 128) << "only ASCII on the wire";
  }
  EXPECT_NE(qp.find("=3D"), std::string::npos) << "'=' itself is encoded";
  EXPECT_EQ(qp.find('\n'), qp.find("\r\n") + 1) << "CRLF line ends";
  EXPECT_EQ(DecodeQuotedPrintable(qp), text);
}

TEST(Mime, AsciiHeadersStayAsTheyAreAndOthersBecomeEncodedWords) {
  EXPECT_EQ(EncodeHeaderText("Cardiozen news"), "Cardiozen news");
  std::string subject = "Cardiozen — für Dr. Müller: " + std::string(60, 'a') + " ñ€";
  std::string encoded = EncodeHeaderText(subject);
  EXPECT_TRUE(encoded.starts_with("=?UTF-8?B?"));
  for (const std::string& line : Lines(encoded)) {
    std::string word = line.starts_with(" ") ? line.substr(1) : line;
    EXPECT_LE(word.size(), 75u) << word;
  }
  EXPECT_EQ(DecodeHeader(encoded), subject) << "no UTF-8 character split between words";
}

TEST(Mime, DateIsRfc5322InUtc) {
  EXPECT_EQ(Rfc5322Date(ParseTimestamp("2026-01-05T10:00:07.900Z").value()),
            "Mon, 05 Jan 2026 10:00:07 +0000");
  EXPECT_EQ(Rfc5322Date(ParseTimestamp("2024-02-29T23:59:59Z").value()),
            "Thu, 29 Feb 2024 23:59:59 +0000");
}

TEST(Mime, MessageIdComesFromTheKeyAndTheSendersDomain) {
  EXPECT_EQ(MessageIdFor("j12:welcome:1767607200000", "Unisono <news@pharma.example>"),
            "<j12=3Awelcome=3A1767607200000@pharma.example>");
  EXPECT_EQ(MessageIdFor("a=b c", "news@x.org"), "<a=3Db=20c@x.org>");
  EXPECT_EQ(MessageIdFor("k", "no-domain"), "<k@localhost>");
  EXPECT_EQ(MailAddress("\"Unisono News\" <news@x.org>"), "news@x.org");
  EXPECT_EQ(MailAddress("  news@x.org "), "news@x.org");
}

TEST(Mime, ComposesAMultipartMessageWithUnsubscribeHeaders) {
  MailMessage mail;
  mail.from = "Pharma Ñews <news@pharma.example>";
  mail.to = "doc@example.com";
  mail.subject = "Hello Dr. Müller";
  mail.text = "Hello\n.a line starting with a dot\nUnsubscribe: https://t.example/u/x";
  mail.html = "<p>Hello</p><p><a href=\"https://t.example/u/x\">Unsubscribe</a></p>";
  mail.idempotency_key = "j1:s1:42";
  mail.unsubscribe_url = "https://t.example/u/x";
  mail.date = ParseTimestamp("2026-01-05T10:00:00Z").value();
  const std::string raw = ComposeMime(mail);
  auto parsed = ParseMail(raw);
  EXPECT_TRUE(parsed.crlf_only);
  for (const std::string& line : parsed.raw_lines) EXPECT_LE(line.size(), 998u);
  EXPECT_EQ(parsed.headers["to"], "doc@example.com");
  EXPECT_EQ(DecodeHeader(parsed.headers["subject"]), "Hello Dr. Müller");
  EXPECT_EQ(DecodeHeader(parsed.headers["from"]), "Pharma Ñews");
  EXPECT_TRUE(parsed.headers["from"].ends_with("<news@pharma.example>"));
  EXPECT_EQ(parsed.headers["date"], "Mon, 05 Jan 2026 10:00:00 +0000");
  EXPECT_EQ(parsed.headers["message-id"], "<j1=3As1=3A42@pharma.example>");
  EXPECT_EQ(parsed.headers["mime-version"], "1.0");
  EXPECT_EQ(parsed.headers["list-unsubscribe"], "<https://t.example/u/x>");
  EXPECT_EQ(parsed.headers["list-unsubscribe-post"], "List-Unsubscribe=One-Click");
  EXPECT_TRUE(parsed.headers["content-type"].starts_with("multipart/alternative; boundary="));
  EXPECT_EQ(parsed.text, mail.text);
  EXPECT_EQ(parsed.html, mail.html);
  EXPECT_NE(raw.find("Content-Type: text/plain; charset=utf-8\r\n"
                     "Content-Transfer-Encoding: quoted-printable"),
            std::string::npos);
  EXPECT_EQ(ComposeMime(mail), raw) << "the same message composes the same bytes";
}

TEST(Mime, OnePartAloneIsNotMultipart) {
  MailMessage mail;
  mail.from = "news@x.org";
  mail.to = "a@b.c";
  mail.subject = "Hi";
  mail.html = "<p>Only html</p>";
  mail.idempotency_key = "k";
  auto parsed = ParseMail(ComposeMime(mail));
  EXPECT_EQ(parsed.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(parsed.html, "<p>Only html</p>");
  EXPECT_EQ(parsed.headers.count("list-unsubscribe"), 0u) << "no URL, no header";
}

}  // namespace
}  // namespace unisono::channel
