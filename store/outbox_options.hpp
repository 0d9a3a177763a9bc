// Options of the SQLite outbox ([store] in the configuration).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>

namespace edgegw::store {

enum class SyncMode {
  normal,  // WAL + synchronous=NORMAL: survives a crash of the daemon
  full,    // WAL + synchronous=FULL: also survives a power cut
};

struct OutboxOptions {
  std::filesystem::path path;                 // the database file (state_dir/outbox.db)
  std::uint64_t max_size_bytes = 1ull << 30;  // past this the oldest records are dropped
  std::chrono::milliseconds max_age{7 * 24 * 3600 * 1000LL};  // 0 = keep forever
  SyncMode sync = SyncMode::normal;
  // WAL pages (4 KiB each) at which the background checkpointer copies the WAL into the database
  // file; at 16 times this the committing thread checkpoints itself (the WAL's disk use is
  // bounded).
  std::uint32_t wal_checkpoint_pages = 1024;
  // Space left to others on the state directory's file system: the outbox's limit is the smaller
  // of max_size_bytes and what the file system can hold beyond this (checked at every commit).
  std::uint64_t min_free_bytes = 0;
  // Readings waiting in memory for a commit (estimated bytes): past this, while commits fail,
  // the oldest that no sender waits for are dropped (store/outbox_queue.cpp).
  std::uint64_t max_queued_bytes = 16ull << 20;
  bool operator==(const OutboxOptions&) const = default;
};

}  // namespace edgegw::store
