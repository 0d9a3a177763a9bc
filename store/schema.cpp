#include "store/schema.hpp"

#include <string>

namespace edgegw::store {

namespace {

// records.id gives the global arrival order (oldest first, what max_size drops); (device, seq)
// serves take() and acks. devices.last_seq keeps a device's sequence from going back once all its
// rows were deleted. From version 4 the records are one B-tree keyed (device_id, seq): an ack or a
// take is one seek, and a commit that touches 1,000 devices updates one tree, not a table and an
// index (issue 18); the arrival order is walked per device (outbox_drops.cpp).
constexpr const char* kMigrations[] = {
    // 1: devices and records
    "CREATE TABLE devices("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  last_seq INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE records("
    "  id INTEGER PRIMARY KEY,"
    "  device_id INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  time_ms INTEGER NOT NULL,"
    "  kind INTEGER NOT NULL,"
    "  fields BLOB NOT NULL);"
    "CREATE INDEX records_by_device ON records(device_id, seq);",
    // 2: drop counters survive restarts
    "ALTER TABLE devices ADD COLUMN dropped_by_size INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE devices ADD COLUMN dropped_by_age INTEGER NOT NULL DEFAULT 0;",
    // 3: a checksum per record (NULL for rows written before: not checked), and a quarantine
    // that keeps malformed records for a human instead of sending them empty.
    "ALTER TABLE records ADD COLUMN crc INTEGER;"
    "CREATE TABLE quarantine("
    "  id INTEGER PRIMARY KEY,"
    "  device_id INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  time_ms INTEGER,"
    "  kind INTEGER,"
    "  fields BLOB,"
    "  crc INTEGER,"
    "  why TEXT NOT NULL,"
    "  at_ms INTEGER NOT NULL);",
    // 4: records clustered per device. The copy keeps each record's arrival id; a (device, seq)
    // pair twice (never written by any version) would keep its first row.
    "CREATE TABLE records_v4("
    "  device_id INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  id INTEGER NOT NULL,"
    "  time_ms INTEGER NOT NULL,"
    "  kind INTEGER NOT NULL,"
    "  fields BLOB NOT NULL,"
    "  crc INTEGER,"
    "  PRIMARY KEY(device_id, seq)) WITHOUT ROWID;"
    "INSERT OR IGNORE INTO records_v4(device_id, seq, id, time_ms, kind, fields, crc)"
    "  SELECT device_id, seq, id, time_ms, kind, fields, crc FROM records ORDER BY device_id, seq;"
    "DROP TABLE records;"
    "ALTER TABLE records_v4 RENAME TO records;",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

}  // namespace

const char* migration_sql(int version) {
  return kMigrations[version - 1];
}

int migrate(SqliteDb& db) {
  const int found = static_cast<int>(db.query_int("PRAGMA user_version"));
  if (found > kSchemaVersion) {
    throw SqliteCorrupt(SQLITE_CORRUPT, "schema version " + std::to_string(found) +
                                            " is newer than this build's " +
                                            std::to_string(kSchemaVersion));
  }
  for (int version = found + 1; version <= kSchemaVersion; ++version) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(migration_sql(version));
      db.exec("PRAGMA user_version = " + std::to_string(version));
      db.exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }
  return found;
}

}  // namespace edgegw::store
