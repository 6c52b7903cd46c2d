#include "server/internal/tracking_routes.h"

namespace unisono::http {
namespace {

// A 1x1 transparent GIF.
constexpr unsigned char kPixel[] = {
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,
    0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};

Response Page(int status, const std::string& title, const std::string& text,
              const std::string& form_action = "") {
  Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body =
      "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
      "content=\"width=device-width\"><title>" +
      title +
      "</title></head><body style=\"font-family:sans-serif;max-width:32em;margin:3em auto\"><h1>" +
      title + "</h1><p>" + text + "</p>";
  if (!form_action.empty()) {
    r.body += "<form method=\"post\" action=\"" + form_action +
              "\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
              "<button type=\"submit\">Unsubscribe</button></form>";
  }
  r.body += "</body></html>";
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

Response Pixel() {
  Response r;
  r.content_type = "image/gif";
  r.body.assign(reinterpret_cast<const char*>(kPixel), sizeof kPixel);
  r.headers.emplace_back("Cache-Control", "no-store, max-age=0");
  return r;
}

}  // namespace

bool TrackingRoute(const Request& req, const Target& t, const std::vector<std::string>& parts,
                   Delivery* delivery, std::function<void(std::string, Response)> finish) {
  if (parts.size() != 3 || parts[0] != "t" || parts[1].size() != 1) return false;
  const std::string& token = parts[2];
  if (parts[1] == "o" && req.method == "GET") {
    const std::string route = "/t/o/{token}";
    // A mail reader shows an image whatever happens; a bad token is only not counted.
    if (!delivery || !token.ends_with(".gif")) {
      finish(route, Pixel());
      return true;
    }
    delivery->Open(token.substr(0, token.size() - 4), req.user_agent,
                   [finish, route](const Result<TrackingResult>&) { finish(route, Pixel()); });
    return true;
  }
  if (parts[1] == "c" && req.method == "GET") {
    const std::string route = "/t/c/{token}";
    if (!delivery) {
      finish(route, Page(503, "Link unavailable", "Tracking is not enabled on this server."));
      return true;
    }
    delivery->Click(token, req.user_agent, [finish, route](const Result<TrackingResult>& clicked) {
      if (!clicked.ok()) {
        bool forged = clicked.status().code() == StatusCode::kPermissionDenied ||
                      clicked.status().code() == StatusCode::kInvalidArgument;
        return finish(route, Page(forged ? 404 : 503, "Link not valid",
                                  forged ? "This link is not valid. Please use the link in your "
                                           "message."
                                         : "We could not follow this link; please try again."));
      }
      Response r;
      r.status = 302;
      r.content_type.clear();
      r.headers.emplace_back("Location", clicked->redirect_url);
      r.headers.emplace_back("Cache-Control", "no-store");
      finish(route, std::move(r));
    });
    return true;
  }
  if (parts[1] == "u" && (req.method == "GET" || req.method == "POST")) {
    const std::string route = "/t/u/{token}";
    if (!delivery) {
      finish(route, Page(503, "Unavailable", "Unsubscribing is not available right now."));
    } else if (req.method == "GET") {
      // Link scanners follow GET links: only a POST unsubscribes.
      finish(route, Page(200, "Unsubscribe", "Press the button to stop receiving these messages.",
                         t.path));
    } else if (auto done = delivery->Unsubscribe(token); !done.ok()) {
      bool forged = done.status().code() == StatusCode::kPermissionDenied ||
                    done.status().code() == StatusCode::kInvalidArgument;
      finish(route, Page(forged ? 404 : 503, "Link not valid",
                         forged ? "This unsubscribe link is not valid."
                                : "We could not record your request; please try again."));
    } else {
      finish(route, Page(200, "Unsubscribed", "You will not receive these messages any more."));
    }
    return true;
  }
  return false;
}

}  // namespace unisono::http
