// What the Outbox tells its owner: how opening went, how a commit went, what was dropped. Plain
// values, because the store never logs or throws on the data path; the daemon decides what to log.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace edgegw::store {

// How Outbox::open found the database. The daemon logs `moved_aside` loudly (journald error).
struct OpenReport {
  bool created = false;  // a fresh database was started (no file before, or a corrupt one moved)
  std::optional<std::filesystem::path> moved_aside;  // where a corrupt/unreadable file was kept
  std::string corruption;  // why it was moved aside (quick_check's first complaint, SQLite's error)
  int schema_before = 0;   // schema version found (0 = empty file); migrations ran up to ...
  int schema_after = 0;    // ... this version
  std::uint64_t backlog = 0;  // committed, unacknowledged records found, all devices
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
  bool ok() const { return status == CommitStatus::ok; }
};

// Per device, since the database was created (kept in the database).
struct DropCounters {
  std::uint64_t by_size = 0;
  std::uint64_t by_age = 0;
  bool operator==(const DropCounters&) const = default;
};

}  // namespace edgegw::store
