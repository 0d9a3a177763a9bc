// Outbox::open: checking the file, moving a corrupt one aside, migrating, loading the devices.
// Exceptions are used here (this is the control plane, before the loop runs); corruption never
// escapes open(), only an unusable path does.
#include <algorithm>
#include <ctime>
#include <filesystem>
#include <string>

#include "store/outbox.hpp"
#include "store/schema.hpp"
#include "store/wal_checkpointer.hpp"

namespace edgegw::store {

namespace {

namespace fs = std::filesystem;

// Renames `path` (and its -wal) to <path>.corrupt-<unix-time>[-n] and removes its -shm.
fs::path move_aside(const fs::path& path) {
  const std::string base = path.string() + ".corrupt-" + std::to_string(std::time(nullptr));
  fs::path target = base;
  for (int n = 1; fs::exists(target) || fs::exists(target.string() + "-wal"); ++n) {
    target = base + "-" + std::to_string(n);
  }
  std::error_code ec;
  if (fs::exists(path)) {
    fs::rename(path, target, ec);
    if (ec) throw std::runtime_error("cannot move corrupt " + path.string() + ": " + ec.message());
  }
  const fs::path wal = path.string() + "-wal";
  if (fs::exists(wal)) fs::rename(wal, target.string() + "-wal", ec);
  fs::remove(path.string() + "-shm", ec);
  fs::remove(path.string() + "-journal", ec);
  return target;
}

std::string first_quick_check_row(SqliteDb& db) {
  Statement check(db.get(), "PRAGMA quick_check(1)");
  const int rc = check.step();
  throw_if_error(db.get(), rc, "quick_check");
  if (rc != SQLITE_ROW) return "quick_check returned nothing";
  const auto* text = sqlite3_column_text(check.get(), 0);
  return text ? reinterpret_cast<const char*>(text) : "";
}

}  // namespace

Outbox::Outbox(const OutboxOptions& options) : options_(options) {}

Outbox::~Outbox() = default;

std::unique_ptr<Outbox> Outbox::open(const OutboxOptions& options, OpenReport* report) {
  OpenReport local;
  std::error_code ec;
  const auto size = fs::file_size(options.path, ec);
  const bool existed = !ec && size > 0;
  std::unique_ptr<Outbox> outbox(new Outbox(options));
  try {
    outbox->open_database(local);
    local.created = !existed;
  } catch (const SqliteCorrupt& e) {
    outbox.reset();  // finalizes the statements and closes the file before it is renamed
    local = OpenReport{};
    local.corruption = e.what();
    local.moved_aside = move_aside(options.path);
    outbox.reset(new Outbox(options));
    outbox->open_database(local);  // a fresh file: any error now is the path's fault
    local.created = true;
  }
  if (report) *report = std::move(local);
  return outbox;
}

void Outbox::open_database(OpenReport& report) {
  db_.open(options_.path.string());
  const std::string check = first_quick_check_row(db_);
  if (check != "ok") throw SqliteCorrupt(SQLITE_CORRUPT, "quick_check: " + check);

  // SQLite silently falls back to read-only for a file it may not write: that path is unusable.
  if (sqlite3_db_readonly(db_.get(), "main") == 1) {
    throw SqliteError(SQLITE_READONLY, options_.path.string() + " is not writable");
  }
  db_.exec("PRAGMA journal_mode=WAL");
  db_.exec(options_.sync == SyncMode::full ? "PRAGMA synchronous=FULL"
                                           : "PRAGMA synchronous=NORMAL");
  // A bigger page cache keeps the (device, seq) index pages of many devices hot. Checkpoints run
  // on their own thread from ~4 MiB of WAL (the loop's commit at ~64 MiB if that falls behind);
  // a WAL truncated back to 16 MiB when it restarts bounds the extra disk it takes.
  db_.exec("PRAGMA cache_size=-16384");
  db_.exec("PRAGMA journal_size_limit=16777216");
  db_.exec("PRAGMA temp_store=MEMORY");
  page_size_ = db_.query_int("PRAGMA page_size");

  report.schema_before = migrate(db_);
  report.schema_after = kSchemaVersion;
  prepare_statements();
  load_devices(report);
  const int wake_pages =
      static_cast<int>(std::clamp<std::uint32_t>(options_.wal_checkpoint_pages, 1, 1 << 20));
  checkpointer_ = std::make_unique<WalCheckpointer>(db_.get(), options_.path.string(), wake_pages,
                                                    16 * wake_pages);
}

void Outbox::prepare_statements() {
  sqlite3* db = db_.get();
  begin_ = Statement(db, "BEGIN IMMEDIATE");
  commit_ = Statement(db, "COMMIT");
  rollback_ = Statement(db, "ROLLBACK");
  insert_device_ = Statement(db, "INSERT INTO devices(id, name, last_seq) VALUES(?1, ?2, 0)");
  const std::string insert = "INSERT INTO records(device_id, seq, time_ms, kind, fields) VALUES";
  insert_record_ = Statement(db, insert + "(?,?,?,?,?)");
  std::string many = insert + "(?,?,?,?,?)";
  for (int row = 1; row < kRowsPerInsert; ++row) many += ",(?,?,?,?,?)";
  insert_records_ = Statement(db, many);
  blobs_.resize(kRowsPerInsert);
  delete_range_ =
      Statement(db, "DELETE FROM records WHERE device_id = ?1 AND seq BETWEEN ?2 AND ?3");
  update_device_ = Statement(db,
                             "UPDATE devices SET last_seq = max(last_seq, ?2),"
                             " dropped_by_size = dropped_by_size + ?3,"
                             " dropped_by_age = dropped_by_age + ?4 WHERE id = ?1");
  count_through_ =
      Statement(db, "SELECT device_id, count(*) FROM records WHERE id <= ?1 GROUP BY device_id");
  delete_through_ = Statement(db, "DELETE FROM records WHERE id <= ?1");
  nth_oldest_ = Statement(db, "SELECT id FROM records ORDER BY id LIMIT 1 OFFSET ?1");
  last_id_ = Statement(db, "SELECT max(id) FROM records");
  oldest_batch_ = Statement(db, "SELECT id, time_ms FROM records ORDER BY id LIMIT ?1");
  page_count_ = Statement(db, "PRAGMA page_count");
  freelist_count_ = Statement(db, "PRAGMA freelist_count");
  take_ = Statement(db,
                    "SELECT seq, time_ms, kind, fields FROM records"
                    " WHERE device_id = ?1 AND seq >= ?2 ORDER BY seq LIMIT ?3");
}

void Outbox::load_devices(OpenReport& report) {
  sqlite3* db = db_.get();
  Statement list(db,
                 "SELECT id, name, last_seq, dropped_by_size, dropped_by_age FROM devices"
                 " ORDER BY id");
  Statement rows(db, "SELECT count(*), max(seq) FROM records WHERE device_id = ?1");
  int rc;
  while ((rc = list.step()) == SQLITE_ROW) {
    Device d;
    d.id = list.column_int(0);
    const auto* name = sqlite3_column_text(list.get(), 1);
    d.name = name ? reinterpret_cast<const char*>(name) : "";
    d.last_seq = static_cast<std::uint64_t>(list.column_int(2));
    d.drops.by_size = static_cast<std::uint64_t>(list.column_int(3));
    d.drops.by_age = static_cast<std::uint64_t>(list.column_int(4));
    d.stored = true;
    rows.bind(1, d.id);
    const int rc_rows = rows.step();
    throw_if_error(db, rc_rows, "count records");
    d.backlog = static_cast<std::uint64_t>(rows.column_int(0));
    d.last_seq = std::max(d.last_seq, static_cast<std::uint64_t>(rows.column_int(1)));
    rows.reset();
    report.backlog += d.backlog;
    next_device_id_ = std::max(next_device_id_, d.id + 1);
    const auto index = static_cast<std::uint32_t>(devices_.size());
    by_name_.emplace(d.name, index);
    by_id_.emplace(d.id, index);
    devices_.push_back(std::move(d));
  }
  throw_if_error(db, rc, "list devices");
}

}  // namespace edgegw::store
