// LD_PRELOAD shim for tests/crash/sync_failure.sh: once UNISONO_TEST_FAIL_SYNC_AFTER
// syncs of ingest log files have succeeded, every further fdatasync or fsync of one
// fails with EIO, as a failing disk would make it. Other files (the SQLite store, the
// log directory) sync normally. A disk cannot be made to fail on demand here, so the
// fault is injected at the system call and everything above it is the real server.
#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

using SyncFn = int (*)(int);

bool IsIngestLogFile(int fd) {
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char target[4096];
  ssize_t n = readlink(link, target, sizeof target - 1);
  if (n <= 0) return false;
  target[n] = '\0';
  return std::strstr(target, "/ingest-log/") != nullptr;
}

std::atomic<long> succeeded{0};

int Sync(SyncFn real, int fd) {
  static const long limit = [] {
    const char* v = std::getenv("UNISONO_TEST_FAIL_SYNC_AFTER");
    return v ? std::atol(v) : -1;
  }();
  if (limit >= 0 && IsIngestLogFile(fd)) {
    if (succeeded.load() >= limit) {
      errno = EIO;
      return -1;
    }
    int rc = real(fd);
    if (rc == 0) succeeded.fetch_add(1);
    return rc;
  }
  return real(fd);
}

}  // namespace

extern "C" int fdatasync(int fd) {
  static const auto real = reinterpret_cast<SyncFn>(dlsym(RTLD_NEXT, "fdatasync"));
  return Sync(real, fd);
}

extern "C" int fsync(int fd) {
  static const auto real = reinterpret_cast<SyncFn>(dlsym(RTLD_NEXT, "fsync"));
  return Sync(real, fd);
}
