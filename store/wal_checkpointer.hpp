// Copies the WAL back into the database file on a thread of its own, so the event loop's commit()
// never waits for a checkpoint's fsyncs (with sync = normal a commit then does no fsync at all).
// The loop's connection reports the WAL's size after each commit (sqlite3_wal_hook); past
// `wake_pages` this thread runs a PASSIVE checkpoint on its own connection, which never blocks the
// writer. Should the WAL still outgrow `stall_pages` (a disk slower than the ingest), the commit
// itself checkpoints (waiting for the thread): the WAL's disk use stays bounded, at the price of
// that one slow commit.
//
// Another process that keeps a read transaction open on the database (`sqlite3` left inside a
// BEGIN, a backup) pins the WAL: no checkpoint gets past its snapshot until it ends. The commit
// does not wait for such a reader (it runs on the event loop, which also keeps every session's
// keepalive and the watchdog: waiting 1 s per commit, as it did, stopped the gateway); the WAL
// then grows past its budget, pinned() says so, and each later commit past the stall size tries
// again, at no cost beyond SQLite's locks, until the reader is gone.
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
  // one under way (if any) has finished; other processes' readers are waited for up to `busy`, or
  // not at all while the WAL is known to be pinned. Returns SQLite's result code; SQLITE_BUSY from
  // a RESTART or TRUNCATE means a reader pins the WAL. On the writer's thread only.
  int checkpoint_now(int mode, std::chrono::milliseconds busy);

  // The last checkpoint that had to restart the WAL found it pinned by another process's reader,
  // and no commit since has found it restarted. On the writer's thread.
  bool pinned() const { return pinned_; }
  // The WAL's frames (pages) after the last commit, as SQLite reported them.
  int wal_pages() const { return wal_pages_; }

 private:
  static int on_commit(void* self, sqlite3* db, const char* name, int wal_pages) noexcept;
  void run();

  sqlite3* writer_;
  SqliteDb db_;
  int wake_pages_;
  int stall_pages_;
  bool pinned_ = false;  // the writer's thread only, as wal_pages_
  int wal_pages_ = 0;
  std::mutex checkpointing_;  // held for the length of every checkpoint, on either connection
  std::mutex mutex_;
  std::condition_variable wake_;
  bool wanted_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace edgegw::store
