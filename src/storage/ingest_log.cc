// The ingest log on disk: DIR/<first seq, 20 digits>.log files, each a run of records
//   u32 payload length | u32 CRC-32 of (seq, payload) | i64 seq | payload
// in little-endian order, the payload being the submission's events (event_codec.h).
// Only the newest file is ever appended to, so only its tail can be torn by a crash.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include "storage/internal/event_codec.h"
#include "storage/storage.h"

namespace unisono {
namespace {

namespace fs = std::filesystem;

constexpr size_t kHeader = 16;
constexpr uint64_t kRotateBytes = 8ull << 20;  // a new file after 8 MiB
constexpr uint32_t kMaxPayload = 64u << 20;

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

void PutU32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
void PutI64(char* p, int64_t v) {
  auto u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(u >> (8 * i));
}
uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return v;
}
int64_t GetI64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return static_cast<int64_t>(v);
}

uint32_t Crc(const char* seq_and_payload, size_t n) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(seq_and_payload), static_cast<uInt>(n)));
}

// The first seq in a log file's name ("<20 digits>.log"), or nothing for other files.
std::optional<int64_t> FirstSeqOf(const std::string& name) {
  if (name.size() != 24 || !name.ends_with(".log") ||
      !std::all_of(name.begin(), name.begin() + 20, [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoll(name.substr(0, 20));
}

std::string FileName(int64_t first_seq) {
  std::string digits = std::to_string(first_seq);
  return std::string(20 - std::min<size_t>(20, digits.size()), '0') + digits + ".log";
}

Status SyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::Internal(Errno("cannot open", dir));
  int rc = fsync(fd);
  close(fd);
  if (rc != 0) return Status::Internal(Errno("cannot sync", dir));
  return Status::Ok();
}

Status WriteAll(int fd, const char* data, size_t n, uint64_t offset, const std::string& path) {
  while (n > 0) {
    ssize_t w = pwrite(fd, data, n, static_cast<off_t>(offset));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return Status::Internal(Errno("cannot write", path));
    data += w;
    offset += static_cast<uint64_t>(w);
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

Result<std::string> ReadWhole(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Internal(Errno("cannot open", path));
  std::string out;
  char buf[1 << 16];
  while (true) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      close(fd);
      return Status::Internal(Errno("cannot read", path));
    }
    if (r == 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  close(fd);
  return out;
}

class FileIngestLog final : public IngestLog {
 public:
  ~FileIngestLog() override {
    if (fd_ >= 0) close(fd_);
    if (lock_fd_ >= 0) close(lock_fd_);
  }

  Status OpenAndReplay(const std::string& dir, int64_t after_seq,
                       const std::function<Status(Record)>& replay,
                       const std::function<Status()>& replayed);

  Result<int64_t> Append(const std::vector<const std::vector<Event>*>& submissions) override {
    if (!broken_.empty()) {
      return Status::Unavailable("the ingest log failed to sync (" + broken_ +
                                 "); restart the server");
    }
    if (fd_ < 0 || size_ >= kRotateBytes) {
      // A sync covers one file: the old one is made durable before the switch.
      if (fd_ >= 0 && fdatasync(fd_) != 0) return Broken(Errno("cannot sync", path_));
      if (Status s = StartFile(last_seq_ + 1); !s.ok()) return s;
    }
    buffer_.clear();
    const int64_t first = last_seq_ + 1;
    int64_t seq = first;
    for (const auto* events : submissions) {
      size_t at = buffer_.size();
      buffer_.resize(at + kHeader);
      ingest_log::EncodeEvents(*events, buffer_);
      size_t payload = buffer_.size() - at - kHeader;
      if (payload > kMaxPayload) return Status::TooLarge("a submission is too large to log");
      PutU32(&buffer_[at], static_cast<uint32_t>(payload));
      PutI64(&buffer_[at + 8], seq++);
      PutU32(&buffer_[at + 4], Crc(&buffer_[at + 8], payload + 8));
    }
    if (Status s = WriteAll(fd_, buffer_.data(), buffer_.size(), size_, path_); !s.ok()) {
      // Whatever of a failed write reached the file is not followed by anything:
      // the next write overwrites it, and replay stops before it.
      return s;
    }
    if (fdatasync(fd_) != 0) {
      // After a failed fdatasync the kernel may have dropped the dirty pages: nothing
      // written since can be trusted (PostgreSQL's fsync lesson), so stop.
      return Broken(Errno("cannot sync", path_));
    }
    size_ += buffer_.size();
    last_seq_ = seq - 1;
    return first;
  }

  const std::string& broken() const override { return broken_; }

  Status Release(int64_t indexed_seq) override {
    // A file may go when the next file starts at or below indexed_seq + 1. It is kept
    // as a spare: overwriting an allocated file needs no metadata in fdatasync, which
    // makes each append's sync several times cheaper than growing a file.
    while (files_.size() > 1) {
      auto first = files_.begin();
      if (std::next(first)->first > indexed_seq + 1) break;
      std::error_code ec;
      bool kept = false;
      if (spares_.size() < kSpares) {
        std::string spare = dir_ + "/spare-" + std::to_string(first->first) + ".log";
        fs::rename(first->second, spare, ec);
        kept = !ec;
        if (kept) spares_.push_back(spare);
      }
      if (!kept && !fs::remove(first->second, ec) && ec) {
        return Status::Internal("cannot remove " + first->second + ": " + ec.message());
      }
      files_.erase(first);
    }
    return Status::Ok();
  }

  int64_t last_seq() const override { return last_seq_; }
  const OpenReport& open_report() const override { return report_; }

 private:
  static constexpr size_t kSpares = 2;

  Status Broken(const std::string& why) {
    broken_ = why;
    return Status::Internal(why);
  }

  Status StartFile(int64_t first_seq) {
    std::string path = dir_ + "/" + FileName(first_seq);
    if (!spares_.empty()) {
      // Stale records in a recycled file are never read as ours: replay wants each
      // file's seqs to run on from its name without a gap.
      std::error_code ec;
      fs::rename(spares_.front(), path, ec);
      spares_.erase(spares_.begin());
      if (ec) return Status::Internal("cannot reuse a spare ingest log file: " + ec.message());
    }
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return Status::Internal(Errno("cannot create", path));
    if (Status s = SyncDir(dir_); !s.ok()) {
      close(fd);
      return s;
    }
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
    path_ = path;
    size_ = 0;
    files_[first_seq] = path;
    return Status::Ok();
  }

  std::string dir_;
  int lock_fd_ = -1;                      // DIR/lock, held while the log is open
  std::map<int64_t, std::string> files_;  // first seq -> path
  std::vector<std::string> spares_;       // released files to overwrite
  int fd_ = -1;                           // the newest file, written at size_
  std::string broken_;                    // why a sync failed
  std::string path_;
  uint64_t size_ = 0;
  int64_t last_seq_ = 0;
  std::string buffer_;
  OpenReport report_;
};

Status FileIngestLog::OpenAndReplay(const std::string& dir, int64_t after_seq,
                                    const std::function<Status(Record)>& replay,
                                    const std::function<Status()>& replayed) {
  dir_ = dir;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return Status::Internal("cannot create the ingest log directory " + dir + ": " + ec.message());
  }
  // One process at a time: replay recycles the files, under a writer that may be
  // appending to them.
  std::string lock_path = dir + "/lock";
  lock_fd_ = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) return Status::Internal(Errno("cannot create", lock_path));
  if (flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return Status::FailedPrecondition("the ingest log in " + dir +
                                      " is in use by another unisono process; stop it first");
  }
  std::map<int64_t, std::string> found;
  std::vector<std::string> spares;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.starts_with("spare-") && name.ends_with(".log")) {
      spares.push_back(entry.path().string());
      continue;
    }
    if (auto first = FirstSeqOf(name)) found[*first] = entry.path().string();
  }
  if (ec) return Status::Internal("cannot list " + dir + ": " + ec.message());
  last_seq_ = after_seq;
  for (auto it = found.begin(); it != found.end(); ++it) {
    auto data = ReadWhole(it->second);
    if (!data.ok()) return data.status();
    // Records run on without a gap from the seq in the file's name; the first one that
    // does not (torn, stale from the file's earlier use, or never written) ends it.
    int64_t expected = it->first;
    size_t pos = 0;
    while (data->size() - pos >= kHeader) {
      const char* h = data->data() + pos;
      uint32_t payload = GetU32(h);
      if (payload > kMaxPayload || data->size() - pos - kHeader < payload ||
          GetI64(h + 8) != expected || Crc(h + 8, payload + 8) != GetU32(h + 4)) {
        break;
      }
      if (expected > after_seq) {
        auto events = ingest_log::DecodeEvents(std::string_view(h + kHeader, payload));
        if (!events.ok()) {
          return Status::Internal(it->second + " at byte " + std::to_string(pos) + ": " +
                                  events.status().message());
        }
        report_.records++;
        report_.events += static_cast<int64_t>(events->size());
        if (Status s = replay(Record{expected, std::move(events).value()}); !s.ok()) return s;
      }
      last_seq_ = std::max(last_seq_, expected);
      ++expected;
      pos += kHeader + payload;
    }
    if (auto next = std::next(it); next != found.end() && next->first != expected) {
      return Status::Internal("the ingest log file " + it->second + " is damaged at byte " +
                              std::to_string(pos) + ": it ends before record " +
                              std::to_string(next->first - 1) +
                              ", the last before the next file; move the directory " + dir +
                              " aside to start without it (its unindexed events are then lost)");
    } else if (next == found.end()) {
      report_.cut_bytes = data->size() - pos;  // a torn append, or an earlier use's records
    }
  }
  if (Status s = replayed(); !s.ok()) return s;
  // Everything replayed is durable elsewhere now: the files become spares.
  for (const auto& [first, path] : found) spares.push_back(path);
  for (const auto& path : spares) {
    if (spares_.size() < kSpares) {
      std::string spare = dir_ + "/spare-" + std::to_string(spares_.size()) + "-" +
                          std::to_string(after_seq) + ".log";
      if (path == spare || (fs::rename(path, spare, ec), !ec)) {
        spares_.push_back(spare);
        continue;
      }
    }
    if (!fs::remove(path, ec) && ec) {
      return Status::Internal("cannot remove " + path + ": " + ec.message());
    }
  }
  return SyncDir(dir_);
}

}  // namespace

bool IngestLog::HoldsLogFiles(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (FirstSeqOf(entry.path().filename().string())) return true;
  }
  return false;
}

Result<std::unique_ptr<IngestLog>> IngestLog::Open(const std::string& dir, int64_t after_seq,
                                                   const std::function<Status(Record)>& replay,
                                                   const std::function<Status()>& replayed) {
  auto log = std::make_unique<FileIngestLog>();
  if (Status s = log->OpenAndReplay(dir, after_seq, replay, replayed); !s.ok()) return s;
  return std::unique_ptr<IngestLog>(std::move(log));
}

}  // namespace unisono
