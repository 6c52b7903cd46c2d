#include "content/internal/sms.h"

#include <algorithm>
#include <span>
#include <vector>

namespace unisono::content {
namespace {

// The GSM 03.38 default alphabet as Unicode code points, in septet order.
constexpr char32_t kGsmBasic[] = {
    U'@',  U'£', U'$', U'¥', U'è', U'é', U'ù', U'ì', U'ò', U'Ç', U'\n', U'Ø', U'ø',
    U'\r', U'Å', U'å', U'Δ', U'_', U'Φ', U'Γ', U'Λ', U'Ω', U'Π', U'Ψ',  U'Σ', U'Θ',
    U'Ξ',  U'Æ', U'æ', U'ß', U'É', U' ', U'!', U'"', U'#', U'¤', U'%',  U'&', U'\'',
    U'(',  U')', U'*', U'+', U',', U'-', U'.', U'/', U':', U';', U'<',  U'=', U'>',
    U'?',  U'¡', U'Ä', U'Ö', U'Ñ', U'Ü', U'§', U'¿', U'ä', U'ö', U'ñ',  U'ü', U'à'};
// Reached through the escape septet: two septets each.
constexpr char32_t kGsmExtension[] = {U'\f', U'^', U'{', U'}', U'\\', U'[', U'~', U']', U'|', U'€'};

constexpr char32_t kInvalid = 0xFFFD;

bool In(std::span<const char32_t> set, char32_t c) {
  return std::find(set.begin(), set.end(), c) != set.end();
}

// 1 or 2 septets, or 0 when the character is not in GSM-7.
int Septets(char32_t c) {
  if ((c >= U'0' && c <= U'9') || (c >= U'A' && c <= U'Z') || (c >= U'a' && c <= U'z')) return 1;
  if (In(kGsmBasic, c)) return 1;
  return In(kGsmExtension, c) ? 2 : 0;
}

std::vector<char32_t> CodePoints(std::string_view s) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t length = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (length == 0 || i + length > s.size()) {
      out.push_back(kInvalid);
      ++i;
      continue;
    }
    char32_t cp = length == 1 ? c : c & (0x7F >> length);
    bool valid = true;
    for (size_t k = 1; k < length; ++k) {
      unsigned char next = static_cast<unsigned char>(s[i + k]);
      valid = valid && (next >> 6) == 2;
      cp = (cp << 6) | (next & 0x3F);
    }
    out.push_back(valid ? cp : kInvalid);
    i += valid ? length : 1;
  }
  return out;
}

// Parts of `part_size` units, a character's units never split between two parts.
int Parts(const std::vector<int>& sizes, int part_size) {
  int parts = 1, used = 0;
  for (int size : sizes) {
    if (used + size > part_size) {
      ++parts;
      used = 0;
    }
    used += size;
  }
  return parts;
}

}  // namespace

SmsLength MeasureSms(std::string_view text) {
  std::vector<char32_t> chars = CodePoints(text);
  std::vector<int> sizes;
  bool gsm = true;
  for (char32_t c : chars) {
    int septets = Septets(c);
    gsm = gsm && septets > 0;
    sizes.push_back(septets);
  }
  if (!gsm) {
    for (size_t i = 0; i < chars.size(); ++i) sizes[i] = chars[i] > 0xFFFF ? 2 : 1;
  }
  SmsLength out;
  out.encoding = gsm ? "gsm7" : "ucs2";
  for (int size : sizes) out.units += size;
  if (out.units == 0) return out;
  const int single = gsm ? 160 : 70, part = gsm ? 153 : 67;
  out.segments = out.units <= single ? 1 : Parts(sizes, part);
  return out;
}

int SmsCapacity(const std::string& encoding, int segments) {
  const bool gsm = encoding == "gsm7";
  if (segments <= 1) return gsm ? 160 : 70;
  return segments * (gsm ? 153 : 67);
}

}  // namespace unisono::content
