// Signed tracking links. A token is base64url(fields) "." base64url(HMAC-SHA256)[:16
// bytes]; the fields name the link's kind, the message, the profile, the channel, the
// journey and content (for reports) and, for a click, the target. Verifying needs no
// lookup, so a link keeps working after its outbox row is gone, and a forged or edited
// token is refused.
#include "channel/internal/tracking.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>
#include <cctype>
#include <future>
#include <string_view>
#include <vector>

namespace unisono::channel {
namespace {

namespace json = boost::json;

constexpr size_t kSignatureBytes = 16;
constexpr char kSeparator = '\n';

std::string Base64Url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::optional<std::string> FromBase64Url(std::string_view text) {
  std::string padded(text);
  for (char& c : padded) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (!std::isalnum(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
  }
  size_t pad = (4 - padded.size() % 4) % 4;
  if (pad == 3) return std::nullopt;
  padded.append(pad, '=');
  std::string out(3 * padded.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(padded.data()),
                          static_cast<int>(padded.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<size_t>(n) - pad);  // DecodeBlock counts the padding as zeros
  return out;
}

std::string Signature(const std::string& secret, std::string_view payload) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), mac, &len);
  return std::string(reinterpret_cast<const char*>(mac), kSignatureBytes);
}

struct LinkFields {
  char kind = 0;  // 'o' open, 'c' click, 'u' unsubscribe
  int64_t message_id = 0;
  int64_t profile_id = 0;
  std::string channel;
  std::string journey;
  std::string content;
  std::string target;  // click only
};

std::string Sign(const std::string& secret, const LinkFields& f) {
  std::string payload;
  payload += f.kind;
  for (const std::string& part : {std::to_string(f.message_id), std::to_string(f.profile_id),
                                  f.channel, f.journey, f.content, f.target}) {
    payload += kSeparator;
    payload += part;
  }
  return Base64Url(payload) + "." + Base64Url(Signature(secret, payload));
}

Result<LinkFields> Verify(const std::string& secret, std::string_view token, char kind) {
  const Status forged = Status::PermissionDenied(
      "this tracking link is not valid (it was altered or signed with another key)");
  size_t dot = token.find('.');
  if (dot == std::string_view::npos) return forged;
  auto payload = FromBase64Url(token.substr(0, dot));
  auto mac = FromBase64Url(token.substr(dot + 1));
  if (!payload || !mac || mac->size() != kSignatureBytes) return forged;
  std::string expected = Signature(secret, *payload);
  if (CRYPTO_memcmp(expected.data(), mac->data(), kSignatureBytes) != 0) return forged;
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t end = payload->find(kSeparator, start);
    parts.push_back(payload->substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (parts.size() != 7 || parts[0].size() != 1) return forged;
  if (parts[0][0] != kind) {
    return Status::InvalidArgument("this tracking link is for another action");
  }
  LinkFields f;
  f.kind = kind;
  try {
    f.message_id = std::stoll(parts[1]);
    f.profile_id = std::stoll(parts[2]);
  } catch (const std::exception&) {
    return forged;
  }
  f.channel = parts[3];
  f.journey = parts[4];
  f.content = parts[5];
  f.target = parts[6];
  return f;
}

LinkFields FieldsOf(const OutboxMessage& m, char kind) {
  return {kind, m.id, m.profile_id, m.channel, m.journey_id, m.content, ""};
}

bool IsUrlStart(std::string_view text, size_t at) {
  std::string_view rest = text.substr(at);
  return rest.starts_with("http://") || rest.starts_with("https://");
}

// Where a URL in running text ends: at white space, a quote or an angle bracket, minus
// trailing punctuation that belongs to the sentence.
size_t UrlEnd(std::string_view text, size_t at) {
  size_t end = at;
  while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
         text[end] != '"' && text[end] != '\'' && text[end] != '<' && text[end] != '>') {
    ++end;
  }
  while (end > at && std::string_view(".,;:!?)").find(text[end - 1]) != std::string_view::npos) {
    --end;
  }
  return end;
}

std::string HtmlUnescapeAmp(std::string url) {
  for (size_t at = url.find("&amp;"); at != std::string::npos; at = url.find("&amp;", at + 1)) {
    url.replace(at, 5, "&");
  }
  return url;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

Event TrackingEvent(const LinkFields& f, const std::string& name, Timestamp at) {
  Event e;
  e.type = EventType::kTrack;
  e.name = name;
  e.channel = f.channel;
  e.profile_id = f.profile_id;
  e.timestamp = e.original_timestamp = e.received_at = at;
  e.source = "tracking";
  e.communication = f.content;
  return e;
}

std::string Properties(const LinkFields& f, const std::string& user_agent) {
  json::object o;
  o["message_id"] = f.message_id;
  if (!f.journey.empty()) o["journey"] = f.journey;
  if (!f.content.empty()) o["content"] = f.content;
  if (!f.target.empty()) o["url"] = f.target;
  if (!user_agent.empty()) o["user_agent"] = user_agent;
  return json::serialize(o);
}

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

}  // namespace

Tracker::Tracker(ProfileService& profiles, Clock& clock, std::string public_url, std::string secret)
    : profiles_(profiles),
      clock_(clock),
      public_url_(std::move(public_url)),
      secret_(std::move(secret)) {
  while (!public_url_.empty() && public_url_.back() == '/') public_url_.pop_back();
}

void Tracker::set_public_url(std::string url) {
  public_url_ = std::move(url);
  while (!public_url_.empty() && public_url_.back() == '/') public_url_.pop_back();
}

std::string Tracker::OpenPixelUrl(const OutboxMessage& m) const {
  return public_url_ + "/t/o/" + Sign(secret_, FieldsOf(m, 'o')) + ".gif";
}

std::string Tracker::ClickUrl(const OutboxMessage& m, const std::string& target) const {
  LinkFields f = FieldsOf(m, 'c');
  f.target = target;
  return public_url_ + "/t/c/" + Sign(secret_, f);
}

std::string Tracker::UnsubscribeUrl(const OutboxMessage& m) const {
  return public_url_ + "/t/u/" + Sign(secret_, FieldsOf(m, 'u'));
}

std::string Tracker::RewriteHtml(const std::string& html, const OutboxMessage& m) const {
  const std::string own = public_url_ + "/t/";
  std::string out;
  out.reserve(html.size() + 256);
  size_t at = 0;
  while (at < html.size()) {
    size_t href = html.find("href=", at);
    if (href == std::string::npos || href + 6 > html.size()) break;
    char quote = html[href + 5];
    size_t value = href + 6;
    size_t end = (quote == '"' || quote == '\'') ? html.find(quote, value) : std::string::npos;
    if (end == std::string::npos || !IsUrlStart(html, value)) {
      out.append(html, at, href + 5 - at);
      at = href + 5;
      continue;
    }
    std::string url = HtmlUnescapeAmp(html.substr(value, end - value));
    out.append(html, at, value - at);
    out += url.starts_with(own) ? html.substr(value, end - value) : ClickUrl(m, url);
    at = end;
  }
  out.append(html, at, std::string::npos);
  const std::string pixel = "<img src=\"" + OpenPixelUrl(m) +
                            "\" width=\"1\" height=\"1\" alt=\"\" style=\"display:none\">";
  for (size_t body = out.size(); body >= 7;) {
    body = out.rfind('<', body - 1);
    if (body == std::string::npos) break;
    if (IEquals(std::string_view(out).substr(body, 7), "</body>")) {
      out.insert(body, pixel);
      return out;
    }
    if (body == 0) break;
  }
  return out + pixel;
}

std::string Tracker::RewriteText(const std::string& text, const OutboxMessage& m) const {
  const std::string own = public_url_ + "/t/";
  std::string out;
  size_t at = 0;
  while (at < text.size()) {
    size_t http = text.find("http", at);
    if (http == std::string::npos) break;
    if (!IsUrlStart(text, http) ||
        (http > 0 && std::isalnum(static_cast<unsigned char>(text[http - 1])))) {
      out.append(text, at, http + 4 - at);
      at = http + 4;
      continue;
    }
    size_t end = UrlEnd(text, http);
    std::string url = text.substr(http, end - http);
    out.append(text, at, http - at);
    out += url.starts_with(own) ? url : ClickUrl(m, url);
    at = end;
  }
  out.append(text, at, std::string::npos);
  return out;
}

// Writes the event and answers with `result` once it is durable.
static void Submit(ProfileService& profiles, Event e, TrackingResult result, Tracker::Done done) {
  profiles.Submit({std::move(e)}, [result = std::move(result),
                                   done = std::move(done)](const Result<IngestResult>& written) {
    if (!written.ok()) return done(written.status());
    done(result);
  });
}

void Tracker::Open(const std::string& token, const std::string& user_agent, Done done) {
  auto f = Verify(secret_, token, 'o');
  if (!f.ok()) return done(f.status());
  // One open per message: image proxies and every re-reading fetch the pixel again.
  const std::string name = f->channel == "email" ? "email_opened" : f->channel + "_opened";
  Event e = TrackingEvent(*f, name, clock_.Now());
  e.message_id = "open:" + std::to_string(f->message_id);
  e.properties_json = Properties(*f, user_agent);
  Submit(profiles_, std::move(e), TrackingResult{"", f->profile_id, name}, std::move(done));
}

void Tracker::Click(const std::string& token, const std::string& user_agent, Done done) {
  auto f = Verify(secret_, token, 'c');
  if (!f.ok()) return done(f.status());
  // A double click or a link scanner within the same minute is one click.
  const int64_t minute = ToMillis(clock_.Now()) / 60'000;
  Event e = TrackingEvent(*f, "link_clicked", clock_.Now());
  e.message_id = "click:" + std::to_string(f->message_id) + ":" + std::to_string(Fnv1a(f->target)) +
                 ":" + std::to_string(minute);
  e.properties_json = Properties(*f, user_agent);
  Submit(profiles_, std::move(e), TrackingResult{f->target, f->profile_id, "link_clicked"},
         std::move(done));
}

Result<TrackingResult> Tracker::Open(const std::string& token, const std::string& user_agent) {
  std::promise<Result<TrackingResult>> answer;
  Open(token, user_agent, [&](Result<TrackingResult> r) { answer.set_value(std::move(r)); });
  return answer.get_future().get();
}

Result<TrackingResult> Tracker::Click(const std::string& token, const std::string& user_agent) {
  std::promise<Result<TrackingResult>> answer;
  Click(token, user_agent, [&](Result<TrackingResult> r) { answer.set_value(std::move(r)); });
  return answer.get_future().get();
}

Result<TrackingResult> Tracker::Unsubscribe(const std::string& token) {
  auto f = Verify(secret_, token, 'u');
  if (!f.ok()) return f.status();
  Status consent =
      profiles_.SetConsent(f->profile_id, f->channel, false,
                           "unsubscribe link in message " + std::to_string(f->message_id));
  if (!consent.ok()) return consent;
  Event e = TrackingEvent(*f, "unsubscribed", clock_.Now());
  e.message_id = "unsubscribe:" + std::to_string(f->message_id);
  e.properties_json = Properties(*f, "");
  auto written = profiles_.SubmitAndWait({std::move(e)});
  if (!written.ok()) return written.status();
  return TrackingResult{"", f->profile_id, "unsubscribed"};
}

}  // namespace unisono::channel
