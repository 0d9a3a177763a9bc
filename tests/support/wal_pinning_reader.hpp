// A reader in another connection that keeps a read transaction open on an outbox database, as
// `sqlite3 "file:outbox.db?mode=ro"` left inside BEGIN or a slow backup does: no checkpoint gets
// past its snapshot, so it pins the WAL until end() (or its destructor).
//
// Header-only: the tests that use it link SQLite through the store already; the shared test
// support library does not.
#pragma once

#include <sqlite3.h>

#include <string>

namespace edgegw::test {

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

}  // namespace edgegw::test
