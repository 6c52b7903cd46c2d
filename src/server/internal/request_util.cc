#include "server/internal/request_util.h"

#include <zlib.h>

namespace unisono::http {

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(s[i + 1]) &&
               std::isxdigit(s[i + 2])) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

Target ParseTarget(std::string_view target) {
  Target t;
  auto q = target.find('?');
  t.path = PercentDecode(target.substr(0, q));
  if (q == std::string_view::npos) return t;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    std::string key = PercentDecode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
    if (!key.empty()) t.query.emplace(std::move(key), std::move(value));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return t;
}

namespace {

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

}  // namespace

std::string BasicAuthUser(std::string_view header) {
  std::string_view prefix = "Basic ";
  if (header.size() <= prefix.size() || ToLower(header.substr(0, 6)) != "basic ") return "";
  std::string_view encoded = header.substr(prefix.size());
  std::string decoded;
  int bits = 0, buffer = 0;
  for (char c : encoded) {
    if (c == '=' || c == ' ') continue;
    int v = Base64Value(c);
    if (v < 0) return "";
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      decoded.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return decoded.substr(0, decoded.find(':'));
}

Result<std::string> Gunzip(std::string_view compressed, size_t limit) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return Status::Internal("zlib init failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char buf[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return Status::InvalidArgument("the body is not valid gzip (Content-Encoding: gzip)");
    }
    out.append(buf, sizeof buf - zs.avail_out);
    if (out.size() > limit) {
      inflateEnd(&zs);
      return Status::TooLarge("the decompressed body is larger than " +
                              std::to_string(limit / 1024) + " KB");
    }
    if (rc != Z_STREAM_END && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      return Status::InvalidArgument("the gzip body is truncated");
    }
  }
  inflateEnd(&zs);
  return out;
}

}  // namespace unisono::http
