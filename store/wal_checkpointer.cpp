#include "store/wal_checkpointer.hpp"

namespace edgegw::store {

WalCheckpointer::WalCheckpointer(sqlite3* writer, const std::string& path, int wake_pages,
                                 int stall_pages)
    : writer_(writer), wake_pages_(wake_pages), stall_pages_(stall_pages) {
  db_.open(path);
  sqlite3_busy_timeout(db_.get(), 1000);
  // A connection opens the WAL only once it has read the database; until then a checkpoint on it
  // "succeeds" doing nothing.
  db_.query_int("SELECT count(*) FROM sqlite_master");
  thread_ = std::thread([this] { run(); });
  sqlite3_wal_hook(writer_, &WalCheckpointer::on_commit, this);
}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_hook(writer_, nullptr, nullptr);
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

int WalCheckpointer::on_commit(void* self, sqlite3* /*writer*/, const char* /*db name*/,
                               int wal_pages) noexcept {
  auto* me = static_cast<WalCheckpointer*>(self);
  me->wal_pages_ = wal_pages;
  if (wal_pages < me->stall_pages_) me->pinned_ = false;  // the WAL restarted since
  if (wal_pages >= me->stall_pages_) {
    // Back-pressure: the background checkpoints fall behind, so this commit helps. RESTART, after
    // the background checkpoint under way, makes the next commit write the WAL from its start:
    // its disk use stays near stall_pages. Without waiting for readers: the only ones that can
    // hold it up are other processes', for as long as they like (see the header).
    me->checkpoint_now(SQLITE_CHECKPOINT_RESTART, std::chrono::milliseconds(0));
  } else if (wal_pages >= me->wake_pages_) {
    {
      std::lock_guard lock(me->mutex_);
      me->wanted_ = true;
    }
    me->wake_.notify_one();
  }
  return SQLITE_OK;  // a checkpoint that failed (disk full) is simply tried again later
}

int WalCheckpointer::checkpoint_now(int mode, std::chrono::milliseconds busy) {
  std::lock_guard checkpointing(checkpointing_);
  sqlite3_busy_timeout(writer_, pinned_ ? 0 : static_cast<int>(busy.count()));
  const int rc = sqlite3_wal_checkpoint_v2(writer_, nullptr, mode, nullptr, nullptr);
  sqlite3_busy_timeout(writer_, 0);
  // A checkpoint that failed otherwise (the disk is full: it could not grow the database) says
  // nothing either way: what was known stays.
  if (mode == SQLITE_CHECKPOINT_RESTART || mode == SQLITE_CHECKPOINT_TRUNCATE) {
    if (rc == SQLITE_BUSY) pinned_ = true;
    if (rc == SQLITE_OK) pinned_ = false;
  }
  return rc;
}

void WalCheckpointer::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return wanted_ || stop_; });
    if (stop_) return;
    wanted_ = false;
    lock.unlock();
    {
      std::lock_guard checkpointing(checkpointing_);
      sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }
    lock.lock();
  }
}

}  // namespace edgegw::store
