// The SMS counter against hand-computed cases, and the link parser the one-voice check
// uses.
#include <gtest/gtest.h>

#include "content/internal/links.h"
#include "content/internal/sms.h"

namespace unisono::content {
namespace {

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

void ExpectSms(const std::string& text, const char* encoding, int units, int segments) {
  SmsLength length = MeasureSms(text);
  EXPECT_EQ(length.encoding, encoding) << text;
  EXPECT_EQ(length.units, units) << text;
  EXPECT_EQ(length.segments, segments) << text;
}

TEST(ContentSms, AnEmptyTextTakesNoSegment) { ExpectSms("", "gsm7", 0, 0); }

TEST(ContentSms, OneHundredSixtyGsmCharactersFitOneSegmentAndOneMoreTakesTwo) {
  ExpectSms(Repeat("a", 160), "gsm7", 160, 1);
  ExpectSms(Repeat("a", 161), "gsm7", 161, 2);  // 153 + 8
  ExpectSms(Repeat("a", 306), "gsm7", 306, 2);  // 2 x 153
  ExpectSms(Repeat("a", 307), "gsm7", 307, 3);
}

TEST(ContentSms, ExtensionCharactersCountTwoSeptets) {
  ExpectSms("€", "gsm7", 2, 1);
  ExpectSms("[x]{y}~|^\\", "gsm7", 18, 1);
  ExpectSms(Repeat("a", 158) + "€", "gsm7", 160, 1);
  ExpectSms(Repeat("a", 159) + "€", "gsm7", 161, 2);
}

TEST(ContentSms, AnEscapedCharacterIsNotSplitBetweenTwoParts) {
  // 152 + 2 + 152 = 306 septets, yet the € cannot start in part 1 (152 + 2 > 153):
  // parts of 152, 153 (€ + 151 a) and 1.
  ExpectSms(Repeat("a", 152) + "€" + Repeat("a", 152), "gsm7", 306, 3);
}

TEST(ContentSms, SpanishNTildeIsGsmButAnAccentedAIsNot) {
  ExpectSms("Señor Muñoz", "gsm7", 11, 1);
  ExpectSms("O'Brien & Co @ 10$ £5 ¿Sí?", "ucs2", 26, 1);  // í is not in GSM-7
  ExpectSms("á", "ucs2", 1, 1);
  ExpectSms(Repeat("á", 70), "ucs2", 70, 1);
  ExpectSms(Repeat("á", 71), "ucs2", 71, 2);    // 67 + 4
  ExpectSms(Repeat("á", 134), "ucs2", 134, 2);  // 2 x 67
  ExpectSms(Repeat("á", 135), "ucs2", 135, 3);
}

TEST(ContentSms, OtherCharactersOutsideGsmMakeItUcs2) {
  ExpectSms("a`b", "ucs2", 3, 1);  // the backtick is not in GSM-7
  ExpectSms("tab\there", "ucs2", 8, 1);
  ExpectSms("Hi 😀", "ucs2", 5, 1);  // beyond the BMP: a surrogate pair
  ExpectSms("\xff", "ucs2", 1, 1);  // invalid UTF-8
  // 66 units then an emoji: the pair does not fit part 1 (66 + 2 > 67).
  ExpectSms(Repeat("á", 66) + "😀" + Repeat("á", 66), "ucs2", 134, 3);
}

TEST(ContentSms, CapacityOfSegments) {
  EXPECT_EQ(SmsCapacity("gsm7", 1), 160);
  EXPECT_EQ(SmsCapacity("gsm7", 3), 459);
  EXPECT_EQ(SmsCapacity("ucs2", 1), 70);
  EXPECT_EQ(SmsCapacity("ucs2", 3), 201);
}

TEST(ContentLinks, AcceptsAbsoluteHttpLinksWithAHost) {
  for (const char* ok :
       {"https://example.com", "http://example.com/a/b?c=1&d=2#top",
        "https://sub.example.co.uk:8443/x", "http://localhost:8080/x", "http://127.0.0.1/x",
        "https://[2001:db8::1]:443/", "HTTPS://EXAMPLE.COM", "https://example.com/a%20b"}) {
    EXPECT_EQ(LinkProblem(ok, false), "") << ok;
  }
  EXPECT_EQ(LinkProblem("mailto:info@example.com", true), "");
  EXPECT_EQ(LinkProblem("tel:+34911234567", true), "");
}

TEST(ContentLinks, NamesWhatIsWrongWithABrokenLink) {
  EXPECT_EQ(LinkProblem("", true), "is empty");
  EXPECT_EQ(LinkProblem("htp://example.com", false),
            "uses 'htp'; only http and https links are allowed");
  EXPECT_EQ(LinkProblem("ftp://example.com", false),
            "uses 'ftp'; only http and https links are allowed");
  EXPECT_EQ(LinkProblem("https:///samples", false), "has no host");
  EXPECT_EQ(LinkProblem("https://example", false),
            "has host 'example' without a domain (like example.com)");
  EXPECT_EQ(LinkProblem("https://exa_mple.com", false),
            "has host 'exa_mple.com', which is not a valid host name");
  EXPECT_EQ(LinkProblem("http://999.1.1.1/", false),
            "has host '999.1.1.1', which is not a valid IPv4 address");
  EXPECT_EQ(LinkProblem("https://example.com:0/", false),
            "has port '0', which is not a number from 1 to 65535");
  EXPECT_EQ(LinkProblem("https://example.com:99999/", false),
            "has port '99999', which is not a number from 1 to 65535");
  EXPECT_EQ(LinkProblem("https://user:pw@example.com/", false),
            "carries a user name before the host; leave it out");
  EXPECT_EQ(LinkProblem("https://example.com/a b", true), "contains a space; encode it as %20");
  EXPECT_EQ(LinkProblem("https://example.com/%zz", false),
            "has a '%' that is not followed by two hex digits");
  EXPECT_EQ(LinkProblem("www.example.com", false), "has no scheme; write https://www.example.com");
  EXPECT_EQ(LinkProblem("/samples", true),
            "is not an absolute link; write it as https://host/path");
  EXPECT_EQ(LinkProblem("mailto:info@example.com", false),
            "is not an absolute link; write it as https://host/path");
  EXPECT_EQ(LinkProblem("mailto:nobody", true), "is not a complete mailto link");
}

TEST(ContentLinks, FindsLinksInAttributesAndInText) {
  auto links = LinksInHtml(
      "<p>See <a class=x HREF='https://a.example.com/?x=1&amp;y=2'>here</a> "
      "<img src=https://img.example.com/p.png> or visit www.b.example.com.</p>"
      "<!-- <a href=\"https://hidden.example.com\"> -->");
  ASSERT_EQ(links.size(), 3u);
  EXPECT_EQ(links[0].url, "https://a.example.com/?x=1&y=2");
  EXPECT_TRUE(links[0].in_attribute);
  EXPECT_EQ(links[1].url, "https://img.example.com/p.png");
  EXPECT_EQ(links[2].url, "www.b.example.com");
  EXPECT_FALSE(links[2].in_attribute);

  auto text = LinksInText("Order (https://example.com/s), or htp://bad.example.com. Thanks!");
  ASSERT_EQ(text.size(), 2u);
  EXPECT_EQ(text[0].url, "https://example.com/s");
  EXPECT_EQ(text[1].url, "htp://bad.example.com");
}

TEST(ContentLinks, HtmlTextKeepsWordsSplitByInlineTags) {
  EXPECT_EQ(HtmlText("<p>Lowers <b>blood</b> pres<i>sure</i></p><p>O&apos;Brien &amp; Co&#33;</p>"),
            " Lowers blood pressure  O'Brien & Co! ");
  EXPECT_EQ(HtmlText("<style>p {color: red}</style>Hi"), " Hi");
}

}  // namespace
}  // namespace unisono::content
