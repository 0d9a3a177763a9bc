// Copies the WAL back into the database file on a thread of its own, so the event loop's commit()
// never waits for a checkpoint's fsyncs (with sync = normal a commit then does no fsync at all).
// The loop's connection reports the WAL's size after each commit (sqlite3_wal_hook); past
// `wake_pages` this thread runs a PASSIVE checkpoint on its own connection, which never blocks the
// writer. Should the WAL still outgrow `stall_pages` (a disk slower than the ingest), the commit
// itself checkpoints (waiting for the thread): the WAL's disk use stays bounded, at the price of
// that one slow commit.
//
// Checkpoints never overlap: SQLite answers a checkpoint asked while another connection runs one
// with SQLITE_BUSY at once, without calling the busy handler (sqlite3_wal_checkpoint_v2's page).
// Under load the background one was running at nearly every stall, so the writer's RESTART gave
// up each time and the WAL outgrew its budget until it filled a small file system, where no
// checkpoint could then grow the database: the outbox refused every commit. Every checkpoint,
// the writer's included (checkpoint_now), therefore runs under one mutex.
#pragma once

#include <chrono>
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

  // A checkpoint of `mode` (SQLITE_CHECKPOINT_*) on the writer's connection, once the background
  // one under way (if any) has finished; readers are waited for up to `busy`. Returns SQLite's
  // result code.
  int checkpoint_now(int mode, std::chrono::milliseconds busy);

 private:
  static int on_commit(void* self, sqlite3* db, const char* name, int wal_pages) noexcept;
  void run();

  sqlite3* writer_;
  SqliteDb db_;
  int wake_pages_;
  int stall_pages_;
  std::mutex checkpointing_;  // held for the length of every checkpoint, on either connection
  std::mutex mutex_;
  std::condition_variable wake_;
  bool wanted_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace edgegw::store
