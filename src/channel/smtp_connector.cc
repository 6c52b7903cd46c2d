// smtp: email through an SMTP relay with libcurl, one connection kept open per worker.
// STARTTLS is used when the server offers it (required with require_tls; smtps:// is
// TLS from the start). The message is composed here (internal/mime.h) with its links
// tracked; its Message-ID comes from the idempotency key, so a message sent again after
// a crash between the server's acceptance and our mark can be recognised by receivers.
#include <curl/curl.h>

#include <atomic>
#include <cstring>

#include "channel/internal/connector.h"
#include "channel/internal/mime.h"
#include "channel/internal/tracking.h"

namespace unisono::channel {
namespace {

struct Upload {
  const std::string* data;
  size_t at = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t n, void* user) {
  auto* upload = static_cast<Upload*>(user);
  size_t left = upload->data->size() - upload->at;
  size_t count = std::min(left, size * n);
  std::memcpy(buffer, upload->data->data() + upload->at, count);
  upload->at += count;
  return count;
}

int AbortWhenCancelled(void* cancelled, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<std::atomic<bool>*>(cancelled)->load() ? 1 : 0;
}

// The relay's URL split into where to connect and who to log in as.
struct SmtpTarget {
  std::string url;  // scheme://host:port, without the user info
  std::string user;
  std::string password;
};

Result<SmtpTarget> ParseSmtpUrl(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("smtp url '" + text + "' " + why +
                                   "; write smtp://user:password@host:587 or smtps://host:465")
        .WithField("smtp.url");
  };
  CURLU* url = curl_url();
  if (!url) return Status::Internal("cannot parse URLs");
  SmtpTarget target;
  CURLUcode rc = curl_url_set(url, CURLUPART_URL, text.c_str(), 0);
  char* part = nullptr;
  std::string scheme;
  if (rc == CURLUE_OK && curl_url_get(url, CURLUPART_SCHEME, &part, 0) == CURLUE_OK) {
    scheme = part;
    curl_free(part);
  }
  auto take = [&](CURLUPart which, std::string& out) {
    if (curl_url_get(url, which, &part, CURLU_URLDECODE) == CURLUE_OK) {
      out = part;
      curl_free(part);
    }
  };
  take(CURLUPART_USER, target.user);
  take(CURLUPART_PASSWORD, target.password);
  curl_url_set(url, CURLUPART_USER, nullptr, 0);
  curl_url_set(url, CURLUPART_PASSWORD, nullptr, 0);
  if (rc == CURLUE_OK && curl_url_get(url, CURLUPART_URL, &part, 0) == CURLUE_OK) {
    target.url = part;
    curl_free(part);
  }
  curl_url_cleanup(url);
  if (rc != CURLUE_OK) return bad("is not a URL");
  if (scheme != "smtp" && scheme != "smtps") return bad("must start with smtp:// or smtps://");
  return target;
}

class SmtpConnector final : public Connector {
 public:
  SmtpConnector(SmtpOptions options, SmtpTarget target, Clock& clock, const Tracker& tracker)
      : options_(std::move(options)),
        target_(std::move(target)),
        sender_("<" + MailAddress(options_.from) + ">"),
        clock_(clock),
        tracker_(tracker),
        curl_(curl_easy_init()) {}
  ~SmtpConnector() override {
    if (curl_) curl_easy_cleanup(curl_);
  }

  std::vector<SendOutcome> Send(const std::vector<Outgoing>& batch) override {
    std::vector<SendOutcome> out;
    for (const Outgoing& o : batch) out.push_back(SendOne(o));
    return out;
  }
  size_t max_batch() const override { return 16; }
  void Cancel() override { cancelled_ = true; }
  void Resume() override { cancelled_ = false; }

 private:
  SendOutcome SendOne(const Outgoing& o) {
    const OutboxMessage& m = o.message;
    if (o.rendered.html.empty() && o.rendered.text.empty()) {
      return SendOutcome::Permanent("content '" + m.content + "' has no email text or html");
    }
    MailMessage mail;
    mail.from = options_.from;
    mail.to = o.to;
    mail.subject = o.rendered.subject;
    mail.text = o.rendered.text.empty() ? "" : tracker_.RewriteText(o.rendered.text, m);
    mail.html = o.rendered.html.empty() ? "" : tracker_.RewriteHtml(o.rendered.html, m);
    mail.idempotency_key = m.idempotency_key;
    mail.unsubscribe_url = tracker_.UnsubscribeUrl(m);
    mail.date = clock_.Now();
    return Transfer(ComposeMime(mail), "<" + o.to + ">");
  }

  SendOutcome Transfer(const std::string& message, const std::string& recipient) {
    if (!curl_) return SendOutcome::Retry("cannot start an SMTP client");
    curl_slist* rcpt = curl_slist_append(nullptr, recipient.c_str());
    Upload upload{&message};
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl_, CURLOPT_URL, target_.url.c_str());
    if (!target_.user.empty()) {
      curl_easy_setopt(curl_, CURLOPT_USERNAME, target_.user.c_str());
      curl_easy_setopt(curl_, CURLOPT_PASSWORD, target_.password.c_str());
    }
    curl_easy_setopt(curl_, CURLOPT_MAIL_FROM, sender_.c_str());
    curl_easy_setopt(curl_, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl_, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl_, CURLOPT_READFUNCTION, ReadUpload);
    curl_easy_setopt(curl_, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl_, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
    curl_easy_setopt(curl_, CURLOPT_USE_SSL,
                     options_.require_tls ? long{CURLUSESSL_ALL} : long{CURLUSESSL_TRY});
    curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 60000L);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl_, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl_, CURLOPT_XFERINFOFUNCTION, AbortWhenCancelled);
    curl_easy_setopt(curl_, CURLOPT_XFERINFODATA, &cancelled_);
    CURLcode rc = curl_easy_perform(curl_);
    long reply = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &reply);
    curl_easy_setopt(curl_, CURLOPT_MAIL_RCPT, nullptr);
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, nullptr);
    curl_slist_free_all(rcpt);
    if (rc == CURLE_OK) return SendOutcome::Delivered();
    std::string why = std::string("SMTP: ") + curl_easy_strerror(rc);
    if (error[0]) why += std::string(" (") + error + ")";
    // 5xx is the server's final word (unknown mailbox, refused sender, bad login);
    // anything else (no connection, 4xx, a timeout) may pass later.
    if (reply >= 500 && reply < 600) return SendOutcome::Permanent(why);
    return SendOutcome::Retry(why);
  }

  SmtpOptions options_;
  SmtpTarget target_;
  std::string sender_;
  Clock& clock_;
  const Tracker& tracker_;
  CURL* curl_;
  std::atomic<bool> cancelled_ = false;
};

}  // namespace

Result<std::unique_ptr<Connector>> MakeSmtpConnector(const SmtpOptions& options, Clock& clock,
                                                     const Tracker& tracker) {
  auto target = ParseSmtpUrl(options.url);
  if (!target.ok()) return target.status();
  const std::string sender = MailAddress(options.from);
  if (sender.find('@') == std::string::npos) {
    return Status::InvalidArgument("smtp from '" + options.from +
                                   "' has no address; write \"Name <news@example.com>\"")
        .WithField("smtp.from");
  }
  std::unique_ptr<Connector> c =
      std::make_unique<SmtpConnector>(options, std::move(target).value(), clock, tracker);
  return c;
}

}  // namespace unisono::channel
