// Other programs on the outbox's database file, as an admin's `sqlite3` or a backup tool would be:
// a reader that keeps its read transaction open (it pins the WAL) and a writer that holds the
// write lock (every commit of the daemon fails with "database is locked" meanwhile).
//
// Header-only: the tests that use them link SQLite through the store already; the shared test
// support library does not.
#pragma once

#include <sqlite3.h>

#include <string>

namespace edgegw::test {

// A read transaction kept open, as `sqlite3 "file:outbox.db?mode=ro"` left inside BEGIN or a slow
// backup keeps one: no checkpoint gets past its snapshot, so it pins the WAL until end().
class WalPinningReader {
 public:
  explicit WalPinningReader(const std::string& database_path) {
    if (sqlite3_open_v2(database_path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
      return;
    // The SELECT takes the snapshot; BEGIN alone takes none.
    pinning_ = sqlite3_exec(db_, "BEGIN; SELECT count(*) FROM records;", nullptr, nullptr,
                            nullptr) == SQLITE_OK;
  }
  ~WalPinningReader() {
    end();
    sqlite3_close(db_);
  }
  WalPinningReader(const WalPinningReader&) = delete;
  WalPinningReader& operator=(const WalPinningReader&) = delete;

  // The read transaction is open: assert on this before relying on the pin.
  bool pinning() const { return pinning_; }

  // Ends the read transaction: the next checkpoint may restart the WAL.
  void end() {
    if (pinning_) sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    pinning_ = false;
  }

 private:
  sqlite3* db_ = nullptr;
  bool pinning_ = false;
};

// The write lock, held from construction until release() (BEGIN IMMEDIATE ... ROLLBACK).
class WriteLock {
 public:
  explicit WriteLock(const std::string& database_path) {
    if (sqlite3_open(database_path.c_str(), &db_) != SQLITE_OK) return;
    held_ = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  ~WriteLock() {
    release();
    sqlite3_close(db_);
  }
  WriteLock(const WriteLock&) = delete;
  WriteLock& operator=(const WriteLock&) = delete;

  bool held() const { return held_; }
  void release() {
    if (held_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    held_ = false;
  }

 private:
  sqlite3* db_ = nullptr;
  bool held_ = false;
};

}  // namespace edgegw::test
