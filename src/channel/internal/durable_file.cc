#include "channel/internal/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace unisono::channel {
namespace {

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Unavailable("cannot write " + path + ": " + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

Status AppendDurably(const std::string& path, std::string_view data, std::string_view header) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Unavailable("cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  bool empty = fstat(fd, &st) == 0 && st.st_size == 0;
  Status written = Status::Ok();
  if (empty && !header.empty()) written = WriteAll(fd, header, path);
  if (written.ok()) written = WriteAll(fd, data, path);
  int synced = written.ok() ? fdatasync(fd) : 0;
  close(fd);
  if (!written.ok()) return written;
  if (synced != 0) return Status::Unavailable("cannot sync " + path + ": " + std::strerror(errno));
  return Status::Ok();
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (access(path.c_str(), F_OK) != 0) return std::string();
    return Status::Unavailable("cannot read " + path);
  }
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

Status TruncateFile(const std::string& path, size_t size) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Status::Unavailable("cannot open " + path + ": " + std::strerror(errno));
  int cut = ftruncate(fd, static_cast<off_t>(size));
  int synced = cut == 0 ? fdatasync(fd) : 0;
  close(fd);
  if (cut != 0 || synced != 0) {
    return Status::Unavailable("cannot cut " + path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

Status CutPartialLine(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Ok();  // no file yet
  char last = '\n';
  off_t size = lseek(fd, 0, SEEK_END);
  if (size > 0 && pread(fd, &last, 1, size - 1) != 1) last = '\n';
  close(fd);
  if (last == '\n') return Status::Ok();
  auto content = ReadWholeFile(path);
  if (!content.ok()) return content.status();
  auto end = content->rfind('\n');
  return TruncateFile(path, end == std::string::npos ? 0 : end + 1);
}

std::unordered_set<std::string> ReadKeys(
    const std::string& path, const std::function<std::string(std::string_view line)>& key_of) {
  std::unordered_set<std::string> keys;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::string key = key_of(line);
    if (!key.empty()) keys.insert(std::move(key));
  }
  return keys;
}

}  // namespace unisono::channel
