// postal: one CSV file per day (postal/YYYY-MM-DD.csv) for the print house, a row per
// letter: message_id,key,profile_id,name,address,letter. Rows are synced before their
// messages are marked delivered; the keys already in the day's file are not written
// again, and a row cut short by a crash is cut off and written again whole.
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "channel/internal/connector.h"
#include "channel/internal/durable_file.h"

namespace unisono::channel {
namespace {

constexpr std::string_view kHeader = "message_id,key,profile_id,name,address,letter\r\n";

// RFC 4180: quoted when it holds a comma, a quote or a line break.
std::string CsvField(std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// The second field (the key) of every complete record, and where the last complete
// record ends.
struct CsvKeys {
  std::unordered_set<std::string> keys;
  size_t complete = 0;
};

CsvKeys ReadCsvKeys(std::string_view text) {
  CsvKeys out;
  size_t field = 0;
  std::string value;
  bool quoted = false;
  bool header = true;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c != '"') {
        value += c;
      } else if (i + 1 < text.size() && text[i + 1] == '"') {
        value += '"';
        ++i;
      } else {
        quoted = false;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      if (field == 1 && !header) out.keys.insert(value);
      ++field;
      value.clear();
    } else if (c == '\n') {
      header = false;
      field = 0;
      value.clear();
      out.complete = i + 1;
    } else if (c != '\r') {
      value += c;
    }
  }
  return out;
}

std::string Day(Timestamp t) {
  std::chrono::year_month_day ymd(std::chrono::floor<std::chrono::days>(t));
  char out[16];
  std::snprintf(out, sizeof(out), "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return out;
}

class PostalConnector final : public Connector {
 public:
  PostalConnector(std::string dir, Clock& clock) : dir_(std::move(dir)), clock_(clock) {}

  std::vector<SendOutcome> Send(const std::vector<Outgoing>& batch) override {
    const std::string path = dir_ + "/" + Day(clock_.Now()) + ".csv";
    if (Status s = OpenDay(path); !s.ok()) {
      return std::vector<SendOutcome>(batch.size(), SendOutcome::Retry(s.message()));
    }
    std::string rows;
    std::vector<const std::string*> keys;
    for (const Outgoing& o : batch) {
      const OutboxMessage& m = o.message;
      if (written_.count(m.idempotency_key)) continue;
      rows += std::to_string(m.id) + "," + CsvField(m.idempotency_key) + "," +
              ProfileIdString(m.profile_id) + "," + CsvField(o.name) + "," + CsvField(o.to) + "," +
              CsvField(o.rendered.text) + "\r\n";
      keys.push_back(&m.idempotency_key);
    }
    Status appended = rows.empty() ? Status::Ok() : AppendDurably(path, rows, kHeader);
    if (appended.ok()) {
      for (const std::string* key : keys) written_.insert(*key);
    }
    return std::vector<SendOutcome>(batch.size(), appended.ok()
                                                      ? SendOutcome::Delivered()
                                                      : SendOutcome::Retry(appended.message()));
  }
  size_t max_batch() const override { return 1000; }

 private:
  // Reads the keys of the day's file the first time it is written to that day.
  Status OpenDay(const std::string& path) {
    if (path == path_) return Status::Ok();
    if (mkdir(dir_.c_str(), 0755) != 0 && errno != EEXIST) {
      return Status::Unavailable("cannot create " + dir_ + ": " + std::strerror(errno));
    }
    auto content = ReadWholeFile(path);
    if (!content.ok()) return content.status();
    CsvKeys found = ReadCsvKeys(*content);
    if (found.complete < content->size()) {
      if (Status s = TruncateFile(path, found.complete); !s.ok()) return s;
    }
    written_ = std::move(found.keys);
    path_ = path;
    return Status::Ok();
  }

  std::string dir_;
  Clock& clock_;
  std::string path_;  // the day's file written to last
  std::unordered_set<std::string> written_;
};

}  // namespace

std::unique_ptr<Connector> MakePostalConnector(const std::string& dir, Clock& clock) {
  return std::make_unique<PostalConnector>(dir, clock);
}

}  // namespace unisono::channel
