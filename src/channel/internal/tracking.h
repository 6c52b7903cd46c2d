// Tracking links: every open pixel, click redirect and unsubscribe link carries a token
// that names the message, the profile and the channel (and the target, for a click),
// signed with HMAC-SHA256, so nobody can forge an open, a click or an unsubscribe for
// someone else. Handling a token writes the event on the profile's timeline.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "channel/channel.h"

namespace unisono::channel {

class Tracker {
 public:
  // `secret` signs the tokens; `public_url` is where the links point (no trailing /).
  Tracker(ProfileService& profiles, Clock& clock, std::string public_url, std::string secret);

  void set_public_url(std::string url);  // before any link is made (not thread-safe)

  // Links for one message.
  std::string OpenPixelUrl(const OutboxMessage& m) const;
  std::string ClickUrl(const OutboxMessage& m, const std::string& target) const;
  std::string UnsubscribeUrl(const OutboxMessage& m) const;  // GET page and POST one-click
  // Points every http(s) href at its click redirect (not the unsubscribe link) and adds
  // the open pixel before </body> (or at the end).
  std::string RewriteHtml(const std::string& html, const OutboxMessage& m) const;
  // Points every http(s) URL in a text part (email text, SMS) at its click redirect.
  std::string RewriteText(const std::string& text, const OutboxMessage& m) const;

  // Opens and clicks verify the token at once and answer through `done` once their event
  // is durable (on the profile service's commit thread), so a burst of opens after a
  // send never holds a server thread through a commit. The plain forms wait.
  using Done = std::function<void(Result<TrackingResult>)>;
  void Open(const std::string& token, const std::string& user_agent, Done done);
  void Click(const std::string& token, const std::string& user_agent, Done done);
  Result<TrackingResult> Open(const std::string& token, const std::string& user_agent);
  Result<TrackingResult> Click(const std::string& token, const std::string& user_agent);
  Result<TrackingResult> Unsubscribe(const std::string& token);

 private:
  ProfileService& profiles_;
  Clock& clock_;
  std::string public_url_;
  std::string secret_;
};

}  // namespace unisono::channel
