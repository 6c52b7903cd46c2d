// LD_PRELOAD shim for the tests in tests/crash/ that need a disk to fail on demand
// (one cannot be made to fail here), so the fault is injected at the system call and
// everything above it is the real server:
//   UNISONO_TEST_FAIL_SYNC_AFTER=N     once N syncs of ingest log files have succeeded,
//                                      every further fdatasync/fsync of one fails (EIO);
//   UNISONO_TEST_FAIL_STORE_WHEN=PATH  while the file PATH exists, every write to the
//                                      SQLite store (unisono.db and its WAL) fails
//                                      (ENOSPC), as on a full disk.
// Other files (the log directory, the ingest log's writes) are left alone.
#include <dlfcn.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

using SyncFn = int (*)(int);
using PwriteFn = ssize_t (*)(int, const void*, size_t, off_t);
using WriteFn = ssize_t (*)(int, const void*, size_t);

// Whether fd's path contains `part`.
bool PathHas(int fd, const char* part) {
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char target[4096];
  ssize_t n = readlink(link, target, sizeof target - 1);
  if (n <= 0) return false;
  target[n] = '\0';
  return std::strstr(target, part) != nullptr;
}

// The C library's own functions, behind the ones this shim puts in their place.
struct Real {
  SyncFn fdatasync = reinterpret_cast<SyncFn>(dlsym(RTLD_NEXT, "fdatasync"));
  SyncFn fsync = reinterpret_cast<SyncFn>(dlsym(RTLD_NEXT, "fsync"));
  PwriteFn pwrite = reinterpret_cast<PwriteFn>(dlsym(RTLD_NEXT, "pwrite"));
  PwriteFn pwrite64 = reinterpret_cast<PwriteFn>(dlsym(RTLD_NEXT, "pwrite64"));
  WriteFn write = reinterpret_cast<WriteFn>(dlsym(RTLD_NEXT, "write"));
};
const Real& real() {
  static const Real r;
  return r;
}

std::atomic<long> syncs_succeeded{0};

int Sync(SyncFn sync, int fd) {
  static const long limit = [] {
    const char* v = std::getenv("UNISONO_TEST_FAIL_SYNC_AFTER");
    return v ? std::atol(v) : -1;
  }();
  if (limit < 0 || !PathHas(fd, "/ingest-log/")) return sync(fd);
  if (syncs_succeeded.load() >= limit) {
    errno = EIO;
    return -1;
  }
  int rc = sync(fd);
  if (rc == 0) syncs_succeeded.fetch_add(1);
  return rc;
}

// Whether a write to fd must fail: the trigger file exists and fd is the store.
bool StoreIsFull(int fd) {
  static const char* trigger = std::getenv("UNISONO_TEST_FAIL_STORE_WHEN");
  if (trigger == nullptr) return false;
  struct stat st;
  return stat(trigger, &st) == 0 && PathHas(fd, "/unisono.db");
}

ssize_t Full() {
  errno = ENOSPC;
  return -1;
}

}  // namespace

extern "C" int fdatasync(int fd) { return Sync(real().fdatasync, fd); }
extern "C" int fsync(int fd) { return Sync(real().fsync, fd); }
extern "C" ssize_t pwrite64(int fd, const void* buf, size_t n, off_t offset) {
  return StoreIsFull(fd) ? Full() : real().pwrite64(fd, buf, n, offset);
}
extern "C" ssize_t pwrite(int fd, const void* buf, size_t n, off_t offset) {
  return StoreIsFull(fd) ? Full() : real().pwrite(fd, buf, n, offset);
}
extern "C" ssize_t write(int fd, const void* buf, size_t n) {
  return StoreIsFull(fd) ? Full() : real().write(fd, buf, n);
}
