// An SQLite VFS for tests that wraps the default one and can (1) fail chosen writes, fsyncs and
// truncates with an I/O error or "disk full", and (2) simulate a power cut: it remembers what each
// write overwrote until the file is fsynced, and at the cut undoes every write not yet synced
// (the newest first), as a disk cache that never reached the platter would. Every durable
// mutation (write, sync, truncate) is one numbered "point"; the sweeps choose a point to fail or
// to cut at. Installed as the default VFS while an instance lives, so Outbox uses it unchanged.
// Files written outside SQLite (the high-water mark) are not affected: the model is a power cut
// that loses what SQLite left unsynced.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace edgegw::store::testing {

class FaultVfs {
 public:
  FaultVfs();   // registers itself as the default VFS
  ~FaultVfs();  // unregisters; the previous default is the default again
  FaultVfs(const FaultVfs&) = delete;
  FaultVfs& operator=(const FaultVfs&) = delete;

  // Points counted since the last reset (write, sync, truncate calls, from any connection).
  long points() const { return points_.load(); }
  void reset_points() { points_ = 0; }
  // Points first..first+count-1 fail with `error` (SQLITE_IOERR_WRITE, SQLITE_FULL, ...), and do
  // nothing. count < 0: every point from `first` on fails (the disk is gone) until disarm().
  void fail(long first, long count, int error);
  // At point `at` the power goes: that point and every later one does nothing and fails.
  void cut_power_at(long at);
  void disarm();
  bool power_cut() const { return cut_.load(); }
  // The "reboot": undoes every write not yet synced, newest first. Call with no connection open.
  void lose_unsynced_writes();

  // Used by the wrapped files.
  int before_point();  // SQLITE_OK to go ahead, or the error to return
  void remember(const std::string& path, std::int64_t offset, std::int64_t length);
  void remember_truncate(const std::string& path, std::int64_t size);
  void synced(const std::string& path);
  sqlite3_vfs* real() const { return real_; }

 private:
  struct Undo {
    std::int64_t offset;
    std::string old_bytes;  // what was there (may be shorter than written: past the old end)
    std::int64_t old_size;  // the file's size before the write or truncate
  };
  sqlite3_vfs vfs_{};
  sqlite3_vfs* real_ = nullptr;
  std::atomic<long> points_{0};
  std::atomic<long> fail_first_{-1};
  std::atomic<long> fail_count_{0};
  std::atomic<int> fail_error_{SQLITE_IOERR_WRITE};
  std::atomic<long> cut_at_{-1};
  std::atomic<bool> cut_{false};
  std::mutex mutex_;
  std::map<std::string, std::vector<Undo>> unsynced_;
};

}  // namespace edgegw::store::testing
