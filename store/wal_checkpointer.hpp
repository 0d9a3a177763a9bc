// Copies the WAL back into the database file on a thread of its own, so the event loop's commit()
// never waits for a checkpoint's fsyncs (with sync = normal a commit then does no fsync at all).
// The loop's connection reports the WAL's size after each commit (sqlite3_wal_hook); past
// `wake_pages` this thread runs a PASSIVE checkpoint on its own connection, which never blocks the
// writer. Should the WAL still outgrow `stall_pages` (a disk slower than the ingest), the commit
// itself checkpoints (waiting for the thread): the WAL's disk use stays bounded, at the price of
// that one slow commit.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "store/sqlite_db.hpp"

namespace edgegw::store {

class WalCheckpointer {
 public:
  // Opens its own connection to `path` and hooks `writer`'s commits. Throws SqliteError if the
  // connection cannot be opened.
  WalCheckpointer(sqlite3* writer, const std::string& path, int wake_pages, int stall_pages);
  ~WalCheckpointer();  // stops the thread; the writer's hook is removed
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

 private:
  static int on_commit(void* self, sqlite3* db, const char* name, int wal_pages) noexcept;
  void run();

  sqlite3* writer_;
  SqliteDb db_;
  int wake_pages_;
  int stall_pages_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool wanted_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace edgegw::store
