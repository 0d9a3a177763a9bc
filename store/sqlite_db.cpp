#include "store/sqlite_db.hpp"

namespace edgegw::store {

void throw_if_error(sqlite3* db, int rc, std::string_view what) {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return;
  std::string message = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  const int primary = rc & 0xff;
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) throw SqliteCorrupt(rc, message);
  throw SqliteError(rc, message);
}

void SqliteDb::open(const std::string& path) {
  close();
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message =
        "cannot open " + path + ": " +
        (db_ ? std::string(sqlite3_errmsg(db_)) : std::string(sqlite3_errstr(rc)));
    close();
    throw SqliteError(rc, message);
  }
  sqlite3_extended_result_codes(db_, 1);
}

void SqliteDb::close() {
  if (db_) sqlite3_close_v2(db_);
  db_ = nullptr;
}

void SqliteDb::exec(std::string_view sql) {
  const std::string text(sql);
  throw_if_error(db_, sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr), text);
}

std::int64_t SqliteDb::query_int(std::string_view sql) {
  Statement s(db_, sql);
  const int rc = s.step();
  throw_if_error(db_, rc, sql);
  return rc == SQLITE_ROW ? s.column_int(0) : 0;
}

Statement::Statement(sqlite3* db, std::string_view sql) {
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  throw_if_error(db, rc, std::string("prepare ") + std::string(sql));
}

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_) sqlite3_finalize(stmt_);
    stmt_ = other.stmt_;
    other.stmt_ = nullptr;
  }
  return *this;
}

}  // namespace edgegw::store
