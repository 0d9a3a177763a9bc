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

Outbox::Outbox(const OutboxOptions& options)
    : options_(options),
      hwm_(options.path.string() + "-hwm"),
      reserve_(options.path.string() + "-reserve", 0) {
  queue_pass_bytes_ = options.max_queued_bytes;
}

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
  outbox->check_high_water_mark();
  if (report) *report = std::move(local);
  return outbox;
}

void Outbox::open_database(OpenReport& report) {
  const std::string path = options_.path.string();
  std::error_code ec;
  const auto wal_size = fs::file_size(path + "-wal", ec);
  if (!ec && wal_size > 0 && fs::exists(options_.path) && fs::file_size(options_.path, ec) == 0) {
    // SQLite would start an empty database and reset the WAL: the commits in it would be gone
    // without a word. Keep both for a human; the high-water mark says what is missing.
    throw SqliteCorrupt(SQLITE_CORRUPT,
                        "a 0-byte database beside a " + std::to_string(wal_size) + "-byte WAL");
  }
  // Before SQLite creates anything: the database 0600, and SQLite gives its -wal and -shm the
  // database's mode. Existing ones are narrowed too.
  for (const char* suffix : {"", "-wal", "-shm"}) {
    if (suffix[0] == '\0' || fs::exists(path + suffix)) make_private(path + suffix);
  }
  // On a full file system the reserve is what lets SQLite create its -shm and replay the WAL.
  // It is given back at every start (and taken again once open): if what is free then is little
  // more than the reserve itself, the file system was full.
  reserve_ = SpaceReserve(path + "-reserve", 0);
  const auto reserve_bytes = fs::file_size(path + "-reserve", ec);
  if (!ec && reserve_.release()) {
    const auto space = space_of(options_.path.parent_path());
    report.started_on_full_disk = space && space->available < reserve_bytes + (256u << 10);
  }
  try {
    open_sqlite(report);
  } catch (const SqliteCorrupt&) {
    throw;
  } catch (const SqliteError& e) {
    const int primary = e.code() & 0xff;
    if (primary != SQLITE_FULL && primary != SQLITE_IOERR) throw;
    const auto space = space_of(options_.path.parent_path());
    throw SqliteError(e.code(),
                      "cannot open " + path + ": the file system of the state directory is full (" +
                          std::to_string(space ? space->available : 0) +
                          " bytes free); free some space or move state_dir (" + e.what() + ")");
  }
}

void Outbox::open_sqlite(OpenReport& report) {
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
  db_.exec("PRAGMA temp_store=MEMORY");
  page_size_ = db_.query_int("PRAGMA page_size");

  report.schema_before = migrate(db_);
  report.schema_after = kSchemaVersion;
  prepare_statements();
  load_devices(report);
  setup_space();
  for (const char* suffix : {"-wal", "-shm"}) {
    if (fs::exists(options_.path.string() + suffix)) make_private(options_.path.string() + suffix);
  }
}

void Outbox::prepare_statements() {
  sqlite3* db = db_.get();
  begin_ = Statement(db, "BEGIN IMMEDIATE");
  begin_read_ = Statement(db, "BEGIN DEFERRED");
  commit_ = Statement(db, "COMMIT");
  rollback_ = Statement(db, "ROLLBACK");
  insert_device_ = Statement(db, "INSERT INTO devices(id, name, last_seq) VALUES(?1, ?2, ?3)");
  const std::string insert =
      "INSERT INTO records(device_id, seq, id, time_ms, kind, fields, crc) VALUES";
  const auto rows = [&insert](int n) {
    std::string sql = insert + "(?,?,?,?,?,?,?)";
    for (int row = 1; row < n; ++row) sql += ",(?,?,?,?,?,?,?)";
    return sql;
  };
  insert_record_ = Statement(db, rows(1));
  insert_few_records_ = Statement(db, rows(kRowsPerSmallInsert));
  insert_records_ = Statement(db, rows(kRowsPerInsert));
  blobs_.resize(kRowsPerInsert);
  delete_range_ =
      Statement(db, "DELETE FROM records WHERE device_id = ?1 AND seq BETWEEN ?2 AND ?3");
  update_device_ = Statement(db,
                             "UPDATE devices SET last_seq = max(last_seq, ?2),"
                             " dropped_by_size = dropped_by_size + ?3,"
                             " dropped_by_age = dropped_by_age + ?4 WHERE id = ?1");
  device_rows_ = Statement(db,
                           "SELECT seq, id, time_ms FROM records"
                           " WHERE device_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3");
  quarantine_insert_ =
      Statement(db,
                "INSERT INTO quarantine(device_id, seq, time_ms, kind, fields, crc,"
                " why, at_ms) SELECT device_id, seq, time_ms, kind, fields, crc,"
                " ?3, ?4 FROM records WHERE device_id = ?1 AND seq = ?2");
  page_count_ = Statement(db, "PRAGMA page_count");
  freelist_count_ = Statement(db, "PRAGMA freelist_count");
  take_ = Statement(db,
                    "SELECT seq, time_ms, kind, fields, crc FROM records"
                    " WHERE device_id = ?1 AND seq >= ?2 AND seq < ?4 ORDER BY seq LIMIT ?3");
}

void Outbox::load_devices(OpenReport& report) {
  sqlite3* db = db_.get();
  Statement list(db,
                 "SELECT id, name, last_seq, dropped_by_size, dropped_by_age FROM devices"
                 " ORDER BY id");
  Statement rows(db, "SELECT count(*), max(seq) FROM records WHERE device_id = ?1");
  Statement newest(db, "SELECT id FROM records WHERE device_id = ?1 ORDER BY seq DESC LIMIT 1");
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
    d.committed_seq = d.last_seq;
    report.backlog += d.backlog;
    total_backlog_ += d.backlog;
    next_device_id_ = std::max(next_device_id_, d.id + 1);
    const auto index = static_cast<std::uint32_t>(devices_.size());
    by_name_.emplace(d.name, index);
    by_id_.emplace(d.id, index);
    devices_.push_back(std::move(d));
  }
  throw_if_error(db, rc, "list devices");
}

}  // namespace edgegw::store

namespace edgegw::store {

// What the database holds against what the high-water mark says was committed. A device whose
// last sequence is below the mark lost (last_seq, mark]; its sequence continues after the mark, so
// a lost number is never given to a new reading (the cloud de-duplicates by it).
void Outbox::check_high_water_mark() {
  std::string damaged;
  const auto seqs = hwm_.read(&damaged);
  if (!seqs) {
    if (!damaged.empty())
      loss_.unchecked = hwm_.path().string() + ": " + damaged;
    else if (total_backlog() > 0)
      loss_.unchecked = hwm_.path().string() + " is missing";
  } else {
    for (const auto& [name, mark] : *seqs) {
      const Device& d = devices_[device_index(name)];
      if (d.last_seq >= mark) continue;
      loss_.ranges.push_back(LostRange{name, d.last_seq + 1, mark});
      loss_.records += mark - d.last_seq;
    }
  }
  counters_.lost_on_open = loss_.records;
  if (!loss_.empty()) persist_sequences_over_loss();
  HighWaterMark::Seqs marks;
  for (const auto& d : devices_) {
    if (d.committed_seq > 0) marks[d.name] = d.committed_seq;
  }
  hwm_.write(marks);
  hwm_.sync();
  reserve_held_ = reserve_.ensure();
}

void Outbox::persist_sequences_over_loss() {
  for (const LostRange& lost : loss_.ranges) {
    Device& d = devices_[device_index(lost.device)];
    d.last_seq = std::max(d.last_seq, lost.last_seq);
    d.committed_seq = d.last_seq;
  }
  // Written now so the next start does not report the same loss again; should this fail (a full
  // disk), the next start reports it again, which is the safe side.
  try {
    db_.exec("BEGIN IMMEDIATE");
    Statement upsert(db_.get(),
                     "INSERT INTO devices(id, name, last_seq) VALUES(?1, ?2, ?3)"
                     " ON CONFLICT(id) DO UPDATE SET last_seq = max(last_seq, ?3)");
    for (const LostRange& lost : loss_.ranges) {
      Device& d = devices_[device_index(lost.device)];
      upsert.bind(1, d.id);
      upsert.bind_text(2, d.name);
      upsert.bind(3, static_cast<std::int64_t>(d.last_seq));
      throw_if_error(db_.get(), upsert.step(), "keep sequences over a loss");
      upsert.reset();
      d.stored = true;
    }
    db_.exec("COMMIT");
  } catch (const SqliteError&) {
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

}  // namespace edgegw::store
