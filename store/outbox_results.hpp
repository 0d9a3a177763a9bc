// What the Outbox tells its owner: how opening went, how a commit went, what was dropped. Plain
// values, because the store never logs or throws on the data path; the daemon decides what to log.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace edgegw::store {

// How Outbox::open found the database. The daemon logs `moved_aside` loudly (journald error).
struct OpenReport {
  bool created = false;  // a fresh database was started (no file before, or a corrupt one moved)
  std::optional<std::filesystem::path> moved_aside;  // where a corrupt/unreadable file was kept
  std::string corruption;  // why it was moved aside (quick_check's first complaint, SQLite's error)
  int schema_before = 0;   // schema version found (0 = empty file); migrations ran up to ...
  int schema_after = 0;    // ... this version
  std::uint64_t backlog = 0;  // committed, unacknowledged records found, all devices
  // A full file system was met at open: the reserve was released to start (the daemon logs it).
  bool started_on_full_disk = false;
};

// Records the high-water mark says were committed but the database no longer has (a WAL deleted,
// damaged or left beside a 0-byte database, a database moved aside). Some of them may have been
// delivered before they went; none can be sent now. The daemon logs each range at error and shows
// `records` in status and metrics.
struct LostRange {
  std::string device;
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  bool operator==(const LostRange&) const = default;
};
struct LossReport {
  std::vector<LostRange> ranges;
  std::uint64_t records = 0;  // sum of the ranges' lengths
  // Why nothing could be compared (no or damaged high-water mark file); empty when checked.
  std::string unchecked;
  bool empty() const { return ranges.empty(); }
};

// Since this Outbox was opened; the daemon shows them in status and metrics.
struct OutboxCounters {
  std::uint64_t lost_on_open = 0;  // LossReport::records
  std::uint64_t quarantined = 0;   // records whose checksum or fields failed: moved to quarantine
  std::uint64_t dropped_for_space = 0;  // oldest dropped because the FILE SYSTEM was full
  std::uint64_t reserve_released = 0;   // times the space reserve was given up to keep working
  // Oldest readings dropped while they waited in memory for a commit that kept failing, past
  // max_queued_bytes (also in the devices' DropCounters::by_size, once a commit works).
  std::uint64_t dropped_queued = 0;
  std::uint64_t size_limit_bytes = 0;  // the limit in force at the last commit
  // Exact looks at the database's size (PRAGMA page_count and freelist_count). Only a commit that
  // may have brought the database near its limit looks (outbox_space.cpp).
  std::uint64_t size_queries = 0;
  std::uint64_t space_queries = 0;  // looks at the file system's free space (statvfs)
  // Records take() handed out from memory (kept from their commit for the device's reader)
  // rather than read back from the database, and the queries it did run.
  std::uint64_t taken_from_memory = 0;
  std::uint64_t take_queries = 0;
  std::uint64_t kept_bytes = 0;  // what the records kept in memory for their readers hold now
  bool operator==(const OutboxCounters&) const = default;
};

enum class CommitStatus {
  ok,
  disk_full,  // SQLITE_FULL: nothing was committed, everything stays queued; retry with backoff
  error,      // another SQLite error (text in CommitResult::error); everything stays queued
};

struct CommitResult {
  CommitStatus status = CommitStatus::ok;
  std::string error;                  // SQLite's message when status != ok
  std::uint64_t appended = 0;         // records made durable by this commit
  std::uint64_t acked = 0;            // records removed because the cloud acknowledged them
  std::uint64_t dropped_by_size = 0;  // oldest records dropped to stay under max_size
  std::uint64_t dropped_by_age = 0;   // records dropped for being older than max_age
  std::uint64_t quarantined = 0;      // malformed records moved to the quarantine table
  // The file system was full: the reserve was released and the oldest records dropped to make
  // room (these are also in dropped_by_size). The daemon logs it at warning.
  bool made_room = false;
  // Another process keeps a read transaction open on the database, so the WAL cannot be restarted
  // and has grown past its budget, growing with every commit (store/wal_checkpointer.hpp): its
  // size in bytes. 0 otherwise. The daemon warns, naming the cause. Also set on a failed commit:
  // a pinned WAL that filled the disk refuses commits until the reader goes.
  std::uint64_t wal_pinned_bytes = 0;
  bool ok() const { return status == CommitStatus::ok; }
};

// Per device, since the database was created (kept in the database).
struct DropCounters {
  std::uint64_t by_size = 0;
  std::uint64_t by_age = 0;
  bool operator==(const DropCounters&) const = default;
};

}  // namespace edgegw::store
