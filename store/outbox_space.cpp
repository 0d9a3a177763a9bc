// How big the outbox may be: the smaller of max_size and what the state directory's file system
// can still hold beyond min_free, the WAL's growth until its next checkpoint, and the reserve.
// Checked at every commit (one statvfs), because other programs share the file system.
#include <sys/stat.h>

#include <algorithm>

#include "store/outbox.hpp"

namespace edgegw::store {

namespace {

std::uint64_t file_bytes(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

std::uint64_t minus(std::uint64_t a, std::uint64_t b) {
  return a > b ? a - b : 0;
}

}  // namespace

// On a small file system the WAL and the reserve are scaled to it: a 4 MiB WAL before the first
// checkpoint would not fit on a 3 MiB one.
void Outbox::setup_space() {
  const auto space = space_of(options_.path.parent_path());
  const std::uint64_t total = space ? space->total : 0;
  const auto page = static_cast<std::uint64_t>(page_size_);
  std::uint64_t wake_pages = std::clamp<std::uint64_t>(options_.wal_checkpoint_pages, 1, 1 << 20);
  std::uint64_t stall_pages = 16 * wake_pages;
  if (total > 0 && stall_pages * page > total / 8) {
    stall_pages = std::max<std::uint64_t>(total / 8 / page, 8);
    wake_pages = std::max<std::uint64_t>(std::min(wake_pages, stall_pages / 4), 2);
  }
  // A WAL passes its stall size by up to one commit before the commit hook checkpoints it, and
  // restarts only once a checkpoint got all of it: twice the stall size is what it may take.
  wal_budget_ = WalBudget(2 * stall_pages * page);
  db_.exec("PRAGMA journal_size_limit=" +
           std::to_string(std::min<std::uint64_t>(wal_budget_.base(), 16ull << 20)));
  // The reserve: enough for a checkpoint to grow the database by what a WAL past its budget
  // holds, so that the WAL can then be emptied: 1/8 of a small file system, at most 8 MiB.
  const std::uint64_t reserve =
      total == 0 ? 0 : std::clamp<std::uint64_t>(total / 8, 64 * 1024, 8ull << 20);
  reserve_ = SpaceReserve(options_.path.string() + "-reserve", reserve);
  checkpointer_ = std::make_unique<WalCheckpointer>(db_.get(), options_.path.string(),
                                                    static_cast<int>(wake_pages),
                                                    static_cast<int>(stall_pages));
}

std::uint64_t Outbox::size_limit(std::int64_t now_ms) {
  if (space_known_ && limit_override_ == 0 && space_written_ < space_slack_) return limit_seen_;
  ++counters_.space_queries;
  std::uint64_t limit = options_.max_size_bytes;
  if (limit_override_ != 0) limit = std::min(limit, limit_override_);
  space_slack_ = 0;
  if (const auto space = space_of(options_.path.parent_path())) {
    // Once checkpointed the database file is page_count pages; it may grow into the free space
    // (plus the WAL it replaces), less min_free, less the WAL's budget until its next checkpoint,
    // less the reserve while it is not held (it wants to come back). The file's size on disk, not
    // its logical size: pages still in the WAL grow the file when they are checkpointed.
    const std::uint64_t db_file = file_bytes(options_.path.string());
    const std::uint64_t wal = file_bytes(options_.path.string() + "-wal");
    // A WAL past its budget raises the budget for a while; a pinned one does not (wal_budget.hpp).
    wal_budget_.saw(wal, checkpointer_->pinned(), now_ms);
    std::uint64_t room = minus(space->available + wal, options_.min_free_bytes);
    room = minus(room, std::max(wal_budget_.bytes(), wal));
    if (!reserve_held_) room = minus(room, reserve_.bytes());
    limit = std::min(limit, db_file + room);
    space_slack_ = room / 16;
  }
  space_written_ = 0;
  space_known_ = limit_override_ == 0;
  limit_seen_ = limit;
  counters_.size_limit_bytes = limit;
  return limit;
}

// While another process's reader pins the WAL, every commit grows it, and the space it takes
// comes back only through the checkpoint after the pin, which must first grow the database by the
// new pages the WAL holds: up to the WAL's size. A pinned WAL that took that room too left the
// outbox stranded once the reader had gone (the checkpoint failed for want of space, and with it
// every commit, for good; a 4 MB file system here). So while the WAL is pinned, a commit is
// refused while the free space is less than the WAL (what waits is bounded by max_queued). A
// checkpoint first finds out whether the reader is still there (without waiting): if it has gone,
// the WAL is copied back and emptied, and the commit goes ahead; if the checkpoint cannot tell
// (no room even so), the commit goes ahead too, into the full-disk path and its reserve.
bool Outbox::keeping_room_for_a_pinned_wal() {
  if (!checkpointer_->pinned()) return false;
  const auto space = space_of(options_.path.parent_path());
  if (!space || space->available >= file_bytes(options_.path.string() + "-wal")) return false;
  return checkpoint_truncate() == SQLITE_BUSY;
}

// The new rows' size, estimated from the rows already there (no per-record cost on append).
std::uint64_t Outbox::incoming_bytes() {
  const std::uint64_t rows = total_backlog();
  // An estimate either way: the bound since the last look serves, when there was one.
  const std::uint64_t used = used_known_ ? used_seen_ + growth_bound_ : database_bytes();
  const std::uint64_t per_row = rows > 64 ? std::max<std::uint64_t>(used / rows, 32) : 256;
  return per_row * appends_.size();
}

// Each device's first record is the head of its (device_id, seq) key range: one seek per device,
// no arrival index to keep up on every append.
std::optional<std::int64_t> Outbox::oldest_record_time_ms() {
  if (!oldest_record_.get()) {
    oldest_record_ = Statement(db_.get(),
                               "SELECT min((SELECT time_ms FROM records r WHERE r.device_id = d.id "
                               "ORDER BY r.seq LIMIT 1)) FROM devices d");
  }
  std::optional<std::int64_t> out;
  if (oldest_record_.step() == SQLITE_ROW &&
      sqlite3_column_type(oldest_record_.get(), 0) != SQLITE_NULL) {
    out = oldest_record_.column_int(0);
  }
  oldest_record_.reset();
  return out;
}

}  // namespace edgegw::store
