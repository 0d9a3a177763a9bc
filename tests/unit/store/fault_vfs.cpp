#include "fault_vfs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

namespace edgegw::store::testing {

namespace {

struct WrappedFile {
  sqlite3_file base;
  FaultVfs* owner;
  const char* path;  // SQLite keeps the name alive until xClose; null for temporary files
  sqlite3_file* real;
};

WrappedFile* wrapped(sqlite3_file* f) {
  return reinterpret_cast<WrappedFile*>(f);
}
sqlite3_file* real(sqlite3_file* f) {
  return wrapped(f)->real;
}

int file_close(sqlite3_file* f) {
  const int rc = real(f)->pMethods ? real(f)->pMethods->xClose(real(f)) : SQLITE_OK;
  return rc;
}
int file_read(sqlite3_file* f, void* out, int n, sqlite3_int64 offset) {
  return real(f)->pMethods->xRead(real(f), out, n, offset);
}
int file_write(sqlite3_file* f, const void* in, int n, sqlite3_int64 offset) {
  WrappedFile* w = wrapped(f);
  if (const int rc = w->owner->before_point(); rc != SQLITE_OK) return rc;
  if (w->path) w->owner->remember(w->path, offset, n);
  return w->real->pMethods->xWrite(w->real, in, n, offset);
}
int file_truncate(sqlite3_file* f, sqlite3_int64 size) {
  WrappedFile* w = wrapped(f);
  if (const int rc = w->owner->before_point(); rc != SQLITE_OK) return rc;
  if (w->path) w->owner->remember_truncate(w->path, size);
  return w->real->pMethods->xTruncate(w->real, size);
}
int file_sync(sqlite3_file* f, int flags) {
  WrappedFile* w = wrapped(f);
  if (const int rc = w->owner->before_point(); rc != SQLITE_OK) {
    return rc == SQLITE_IOERR_WRITE ? SQLITE_IOERR_FSYNC : rc;
  }
  const int rc = w->real->pMethods->xSync(w->real, flags);
  if (rc == SQLITE_OK && w->path) w->owner->synced(w->path);
  return rc;
}
int file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real(f)->pMethods->xFileSize(real(f), size);
}
int file_lock(sqlite3_file* f, int level) {
  return real(f)->pMethods->xLock(real(f), level);
}
int file_unlock(sqlite3_file* f, int level) {
  return real(f)->pMethods->xUnlock(real(f), level);
}
int file_check_reserved(sqlite3_file* f, int* out) {
  return real(f)->pMethods->xCheckReservedLock(real(f), out);
}
int file_control(sqlite3_file* f, int op, void* arg) {
  return real(f)->pMethods->xFileControl(real(f), op, arg);
}
int file_sector_size(sqlite3_file* f) {
  return real(f)->pMethods->xSectorSize(real(f));
}
int file_device_characteristics(sqlite3_file* f) {
  return real(f)->pMethods->xDeviceCharacteristics(real(f));
}
int file_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return real(f)->pMethods->xShmMap(real(f), region, size, extend, out);
}
int file_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}
void file_shm_barrier(sqlite3_file* f) {
  real(f)->pMethods->xShmBarrier(real(f));
}
int file_shm_unmap(sqlite3_file* f, int delete_flag) {
  return real(f)->pMethods->xShmUnmap(real(f), delete_flag);
}

const sqlite3_io_methods kMethods = {
    2,  // no xFetch/xUnfetch: every page goes through xRead/xWrite
    file_close,
    file_read,
    file_write,
    file_truncate,
    file_sync,
    file_size,
    file_lock,
    file_unlock,
    file_check_reserved,
    file_control,
    file_sector_size,
    file_device_characteristics,
    file_shm_map,
    file_shm_lock,
    file_shm_barrier,
    file_shm_unmap,
    nullptr,
    nullptr,
};

FaultVfs* owner_of(sqlite3_vfs* vfs) {
  return static_cast<FaultVfs*>(vfs->pAppData);
}

int vfs_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  FaultVfs* owner = owner_of(vfs);
  WrappedFile* w = wrapped(file);
  w->owner = owner;
  w->path = name;
  w->real = reinterpret_cast<sqlite3_file*>(w + 1);
  const int rc = owner->real()->xOpen(owner->real(), name, w->real, flags, out_flags);
  w->base.pMethods = w->real->pMethods ? &kMethods : nullptr;
  return rc;
}
int vfs_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  FaultVfs* owner = owner_of(vfs);
  if (const int rc = owner->before_point(); rc != SQLITE_OK) return SQLITE_IOERR_DELETE;
  owner->synced(name);  // nothing of it to undo any more
  return owner->real()->xDelete(owner->real(), name, sync_dir);
}
int vfs_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return owner_of(vfs)->real()->xAccess(owner_of(vfs)->real(), name, flags, out);
}
int vfs_full_pathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  return owner_of(vfs)->real()->xFullPathname(owner_of(vfs)->real(), name, n, out);
}

}  // namespace

FaultVfs::FaultVfs() {
  real_ = sqlite3_vfs_find(nullptr);
  vfs_ = *real_;
  vfs_.zName = "edgegw-fault";
  vfs_.szOsFile = static_cast<int>(sizeof(WrappedFile)) + real_->szOsFile;
  vfs_.pAppData = this;
  vfs_.pNext = nullptr;
  vfs_.xOpen = vfs_open;
  vfs_.xDelete = vfs_delete;
  vfs_.xAccess = vfs_access;
  vfs_.xFullPathname = vfs_full_pathname;
  sqlite3_vfs_register(&vfs_, 1);
}

FaultVfs::~FaultVfs() {
  sqlite3_vfs_unregister(&vfs_);
  sqlite3_vfs_register(real_, 1);
}

void FaultVfs::fail(long first, long count, int error) {
  fail_error_ = error;
  fail_count_ = count;
  fail_first_ = first;
}

void FaultVfs::cut_power_at(long at) {
  cut_at_ = at;
}

void FaultVfs::disarm() {
  fail_first_ = -1;
  cut_at_ = -1;
  cut_ = false;
}

int FaultVfs::before_point() {
  const long n = ++points_;
  if (cut_) return SQLITE_IOERR;
  const long cut_at = cut_at_;
  if (cut_at >= 0 && n >= cut_at) {
    cut_ = true;
    return SQLITE_IOERR;
  }
  const long first = fail_first_;
  const long count = fail_count_;
  if (first >= 0 && n >= first && (count < 0 || n < first + count)) return fail_error_;
  return SQLITE_OK;
}

void FaultVfs::remember(const std::string& path, std::int64_t offset, std::int64_t length) {
  Undo undo{offset, {}, 0};
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    undo.old_size = ::lseek(fd, 0, SEEK_END);
    const std::int64_t keep = std::max<std::int64_t>(0, std::min(length, undo.old_size - offset));
    undo.old_bytes.resize(static_cast<std::size_t>(keep));
    if (keep > 0 && ::pread(fd, undo.old_bytes.data(), undo.old_bytes.size(), offset) != keep) {
      undo.old_bytes.clear();
    }
    ::close(fd);
  }
  std::lock_guard lock(mutex_);
  unsynced_[path].push_back(std::move(undo));
}

void FaultVfs::remember_truncate(const std::string& path, std::int64_t size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  const std::int64_t old_size = fd >= 0 ? ::lseek(fd, 0, SEEK_END) : 0;
  if (fd >= 0) ::close(fd);
  if (old_size > size) remember(path, size, old_size - size);
}

void FaultVfs::synced(const std::string& path) {
  std::lock_guard lock(mutex_);
  unsynced_.erase(path);
}

void FaultVfs::lose_unsynced_writes() {
  std::lock_guard lock(mutex_);
  for (auto& [path, undos] : unsynced_) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) continue;
    for (auto it = undos.rbegin(); it != undos.rend(); ++it) {
      if (!it->old_bytes.empty()) {
        (void)!::pwrite(fd, it->old_bytes.data(), it->old_bytes.size(), it->offset);
      }
      (void)!::ftruncate(fd, it->old_size);
    }
    ::close(fd);
  }
  unsynced_.clear();
}

}  // namespace edgegw::store::testing
