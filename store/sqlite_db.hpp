// Thin RAII owners for an SQLite connection and its prepared statements, private to the store.
// Errors found while opening (the control plane) are thrown: SqliteCorrupt for a damaged or
// foreign file, which Outbox::open turns into "move it aside and start fresh", SqliteError for
// anything else. On the data path callers use the raw result codes instead and never throw.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace edgegw::store {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

// The file is not a database, or fails its integrity check.
class SqliteCorrupt : public SqliteError {
 public:
  using SqliteError::SqliteError;
};

// Throws SqliteCorrupt or SqliteError if `rc` is an error; `what` says what was being done.
void throw_if_error(sqlite3* db, int rc, std::string_view what);

class SqliteDb {
 public:
  SqliteDb() = default;
  ~SqliteDb() { close(); }
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Opens (creating) the file; throws SqliteError if the path cannot be used at all.
  void open(const std::string& path);
  void close();
  sqlite3* get() const { return db_; }
  // Runs SQL without results (pragmas, DDL); throws on error.
  void exec(std::string_view sql);
  // Runs a query that yields one integer (pragmas); throws on error.
  std::int64_t query_int(std::string_view sql);

 private:
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, std::string_view sql);  // prepares (persistent); throws on error
  ~Statement();
  Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  sqlite3_stmt* get() const { return stmt_; }
  void bind(int index, std::int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
  void bind_text(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  }
  void bind_blob(int index, std::string_view bytes) {
    sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
  }
  int step() { return sqlite3_step(stmt_); }
  // Resets for the next use; returns the error of the last step, if any.
  int reset() { return sqlite3_reset(stmt_); }
  std::int64_t column_int(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when leaving a scope, so an early return never leaves it holding a read lock.
class ResetOnExit {
 public:
  explicit ResetOnExit(Statement& s) : s_(s) {}
  ~ResetOnExit() { s_.reset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  Statement& s_;
};

}  // namespace edgegw::store
