// The outbox's tables and their numbered migrations. The schema version lives in
// PRAGMA user_version; migration N takes a database from version N-1 to N, each in its own
// transaction, so an interrupted upgrade is simply redone at the next start. The fields BLOB
// format (field_codec.hpp) is part of the schema: changing it means a new migration.
#pragma once

#include "store/sqlite_db.hpp"

namespace edgegw::store {

inline constexpr int kSchemaVersion = 4;

// The SQL of migration `version` (1..kSchemaVersion), for tests that build an old database.
const char* migration_sql(int version);

// Brings the database up to kSchemaVersion; returns the version found. Throws SqliteCorrupt if the
// file has a newer version than this build knows (it cannot be read safely), SqliteError otherwise.
int migrate(SqliteDb& db);

}  // namespace edgegw::store
