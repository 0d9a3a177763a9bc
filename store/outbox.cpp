// Outbox data path: queueing, the group commit with its limits, and reading out per device.
#include "store/outbox.hpp"

#include <algorithm>

#include "store/field_codec.hpp"

namespace edgegw::store {

namespace {

// max_age is checked at most this often, idle or busy: the check reads the head of every
// device's rows, and a busy outbox commits hundreds of times a second (max_age is days; a record
// outliving it by a second is fine). A short max_age is checked more often: a tenth of it.
constexpr std::int64_t kAgeCheckMs = 1000;

// Steps a statement that returns no rows and resets it; returns SQLITE_OK or the error.
int run(Statement& s) {
  const int rc = s.step();
  s.reset();
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

}  // namespace

std::uint32_t Outbox::device_index(const std::string& name) {
  if (last_device_ != UINT32_MAX && devices_[last_device_].name == name) return last_device_;
  auto it = by_name_.find(name);
  if (it == by_name_.end()) {
    Device d;
    d.name = name;
    d.id = next_device_id_++;
    const auto index = static_cast<std::uint32_t>(devices_.size());
    devices_.push_back(std::move(d));
    unstored_.push_back(index);
    it = by_name_.emplace(name, index).first;
    by_id_.emplace(devices_.back().id, index);
  }
  last_device_ = it->second;
  return it->second;
}

const Outbox::Device* Outbox::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &devices_[it->second];
}

std::uint64_t Outbox::append(Record record, std::function<void()> on_committed) {
  const std::uint32_t index = device_index(record.device);
  record.seq = ++devices_[index].last_seq;
  const std::uint64_t seq = record.seq;
  appends_.push_back(PendingAppend{index, std::move(record), 0, bool(on_committed)});
  if (last_commit_failed_) count_queued(appends_.back());
  if (on_committed) callbacks_.push_back(std::move(on_committed));
  if (on_queued_) on_queued_();
  return seq;
}

void Outbox::ack(const std::string& device, std::uint64_t seq) {
  auto it = by_name_.find(device);
  if (it == by_name_.end()) return;
  acks_.push_back(PendingAck{it->second, seq});
  if (on_queued_) on_queued_();
}

std::int64_t Outbox::age_check_interval_ms() const {
  return std::clamp<std::int64_t>(options_.max_age.count() / 10, 1, kAgeCheckMs);
}

CommitResult Outbox::commit() {
  return commit(std::chrono::system_clock::now());
}

CommitResult Outbox::commit(std::chrono::system_clock::time_point now) {
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const bool age_due = options_.max_age.count() > 0 &&
                       now_ms - last_age_check_ms_ >= age_check_interval_ms() &&
                       total_backlog() > 0;
  if (!has_pending() && !age_due) {
    CommitResult nothing;
    nothing.wal_pinned_bytes = wal_pinned_bytes();
    return nothing;
  }
  age_checked_ = false;

  CommitResult result;
  const bool keeping_room = keeping_room_for_a_pinned_wal();
  int rc = keeping_room ? SQLITE_FULL : try_commit(result, now_ms);
  if (!keeping_room && (rc & 0xff) == SQLITE_FULL) rc = commit_on_full_disk(result, now_ms);
  if (rc != SQLITE_OK) {
    commit_failed();
    CommitResult failed;
    failed.status = (rc & 0xff) == SQLITE_FULL ? CommitStatus::disk_full : CommitStatus::error;
    failed.error = keeping_room ? "the room left is kept for the checkpoint after the pinned WAL"
                                : sqlite3_errmsg(db_.get());
    failed.wal_pinned_bytes = wal_pinned_bytes(true);
    return failed;  // the queues stay as they were; the next commit retries them
  }
  if (age_checked_) last_age_check_ms_ = now_ms;
  result.wal_pinned_bytes = wal_pinned_bytes();
  apply_staged();
  // Their rows went in with this transaction (store_new_devices). Not before: a commit of acks
  // alone (commit_acks_in_pieces) inserts none.
  for (const std::uint32_t i : unstored_) devices_[i].stored = true;
  unstored_.clear();
  if (queue_dropped_) {
    for (Device& d : devices_) d.queue_drops = 0;
    queue_dropped_ = false;
  }
  after_commit(result);
  keep_fresh();
  appends_.clear();
  commit_worked();
  acks_.clear();
  quarantine_.clear();
  // Callbacks may append or ack again; those go to the next commit.
  std::vector<std::function<void()>> callbacks;
  callbacks.swap(callbacks_);
  for (auto& callback : callbacks) callback();
  callbacks.clear();
  if (callbacks_.empty()) callbacks_.swap(callbacks);  // keeps the capacity
  return result;
}

// The file system is full. Give back the reserve so the WAL can take a commit; commit the acks
// first, in pieces with a checkpoint between them (deleting a whole backlog at once would need a
// WAL as big as the database); then aim lower so the oldest records make room for the newest.
//
// Not while another process's reader pins the WAL (the checkpoint says SQLITE_BUSY): the WAL took
// the space and gives it back when the reader goes, dropping the oldest would make none (a delete
// only adds to the WAL), and the reserve must stay for the checkpoint after the pin, which grows
// the database by the pages the WAL holds. Given to the WAL, it was eaten too, and once the reader
// had gone that checkpoint failed for want of space, and so did every commit, for good. The
// commit is tried as it is and fails until the reader goes; what waits is bounded (max_queued).
int Outbox::commit_on_full_disk(CommitResult& result, std::int64_t now_ms) {
  used_known_ = false;
  space_known_ = false;
  if (checkpoint_truncate() == SQLITE_BUSY) {
    result = CommitResult{};
    return try_commit(result, now_ms);
  }
  if (reserve_.release()) ++counters_.reserve_released;
  reserve_held_ = false;
  checkpoint_truncate();
  std::uint64_t acked = 0;
  int rc = commit_acks_in_pieces(acked);
  if (rc != SQLITE_OK) return rc;
  // The WAL restarted (or is pinned, found once the checkpoint had room): what it gave back may be
  // all the commit needed. Only a commit that still finds the disk full aims lower.
  checkpoint_truncate();
  result = CommitResult{};
  rc = try_commit(result, now_ms);
  if ((rc & 0xff) != SQLITE_FULL || checkpointer_->pinned()) {
    result.acked += acked;
    return rc;
  }
  const std::uint64_t used = database_bytes();
  limit_override_ = std::max<std::uint64_t>(used - used / 16, 1);
  result = CommitResult{};
  rc = try_commit(result, now_ms);
  limit_override_ = 0;
  result.acked += acked;
  if (rc == SQLITE_OK) {
    result.made_room = true;
    counters_.dropped_for_space += result.dropped_by_size;
  }
  return rc;
}

int Outbox::commit_acks_in_pieces(std::uint64_t& acked) {
  constexpr std::size_t kAcksPerPiece = 64;
  std::sort(acks_.begin(), acks_.end());
  std::vector<PendingAck> all;
  all.swap(acks_);
  std::size_t done = 0;
  int rc = SQLITE_OK;
  while (done < all.size() && rc == SQLITE_OK) {
    checkpoint_truncate();  // the WAL restarts from nothing: each piece fits
    const std::size_t end = std::min(all.size(), done + kAcksPerPiece);
    acks_.assign(all.begin() + static_cast<std::ptrdiff_t>(done),
                 all.begin() + static_cast<std::ptrdiff_t>(end));
    reset_staged();
    CommitResult piece;
    rc = run(begin_);
    if (rc == SQLITE_OK) rc = apply_acks(piece, 0, acks_.size());
    if (rc == SQLITE_OK) rc = update_device_rows();
    if (rc == SQLITE_OK) rc = run(commit_);
    if (rc != SQLITE_OK) {
      if (!sqlite3_get_autocommit(db_.get())) run(rollback_);
      break;
    }
    apply_staged();
    acked += piece.acked;
    done = end;
  }
  acks_.assign(all.begin() + static_cast<std::ptrdiff_t>(done), all.end());
  return rc;
}

// One attempt: the whole transaction, rolled back on any error (the queues are untouched).
int Outbox::try_commit(CommitResult& result, std::int64_t now_ms) {
  reset_staged();
  if (queue_dropped_) {  // counted with the device's drops by this commit (outbox_queue.cpp)
    for (std::uint32_t i = 0; i < devices_.size(); ++i) {
      if (devices_[i].queue_drops > 0) stage(i).dropped.by_size = devices_[i].queue_drops;
    }
  }
  int rc = run(begin_);
  if (rc == SQLITE_OK) {
    rc = write_transaction(result, now_ms);
    if (rc == SQLITE_OK) rc = run(commit_);
  }
  if (rc != SQLITE_OK && !sqlite3_get_autocommit(db_.get())) run(rollback_);
  return rc;
}

void Outbox::after_commit(const CommitResult& result) {
  counters_.quarantined += result.quarantined;
  if (result.appended == 0) return;
  // The high-water mark follows the commit: it may lag the database, never lead it.
  for (const std::uint32_t i : touched_) {
    if (staged_[i].last_added == 0) continue;
    Device& d = devices_[i];
    d.committed_seq = staged_[i].last_added;
    hwm_.set(d.name, d.committed_seq);
    if (!d.newly_committed) {
      d.newly_committed = true;
      newly_committed_.push_back(i);
    }
  }
  hwm_.flush();
  // Not while another process pins the WAL: the reserve would take back the room the WAL grows
  // into, and the next commit would find the disk full again.
  if (!limit_override_ && !reserve_held_ && !checkpointer_->pinned()) {
    reserve_held_ = reserve_.ensure();
    space_known_ = false;  // the limit counts the reserve while it is away
  }
}

int Outbox::write_transaction(CommitResult& result, std::int64_t now_ms) {
  int rc = store_new_devices();
  if (rc == SQLITE_OK) rc = move_to_quarantine(result, now_ms);
  // The acks of records stored before go first: what the cloud has acknowledged makes room, and
  // is never dropped for it (and counted as dropped, with its ack then deleting nothing).
  const std::size_t stored_acks = acks_stored_first();
  if (rc == SQLITE_OK) rc = apply_acks(result, 0, stored_acks);
  // Room for the new rows is made before they are written: on a full file system they could not
  // be written first. (The other acks follow the inserts: they name records of this very commit.)
  // The limit depends on the file system's free space: looked up once per commit that appends.
  const std::uint64_t limit = appends_.empty() ? 0 : size_limit(now_ms);
  if (rc == SQLITE_OK && !appends_.empty()) rc = drop_by_size(result, incoming_bytes(), limit);
  if (rc == SQLITE_OK) rc = insert_appends(result);
  if (rc == SQLITE_OK) rc = apply_acks(result, stored_acks, acks_.size());
  if (rc == SQLITE_OK && options_.max_age.count() > 0 &&
      now_ms - last_age_check_ms_ >= age_check_interval_ms()) {
    rc = drop_by_age(now_ms, result);
    age_checked_ = true;
  }
  if (rc == SQLITE_OK && result.appended > 0) rc = drop_by_size(result, 0, limit);
  if (rc == SQLITE_OK) rc = update_device_rows();
  return rc;
}

int Outbox::store_new_devices() {
  for (const std::uint32_t i : unstored_) {
    const Device& d = devices_[i];
    if (d.stored) continue;
    insert_device_.bind(1, d.id);
    insert_device_.bind_text(2, d.name);
    insert_device_.bind(3, static_cast<std::int64_t>(d.committed_seq));
    if (const int rc = run(insert_device_); rc != SQLITE_OK) return rc;
    grew(2 * static_cast<std::uint64_t>(page_size_));
  }
  return SQLITE_OK;
}

void Outbox::bind_append(Statement& insert, int row, const PendingAppend& append) {
  const Record& r = append.record;
  std::string& blob = blobs_[static_cast<std::size_t>(row)];
  blob.clear();
  encode_record_fields(r, blob);
  const int base = row * kColumnsPerRow;
  const std::int64_t device_id = devices_[append.device].id;
  const auto kind = static_cast<std::int64_t>(r.kind);
  insert.bind(base + 1, device_id);
  insert.bind(base + 2, static_cast<std::int64_t>(r.seq));
  // Ids only move forward, even past a rolled-back commit: the arrival order stays strict.
  insert.bind(base + 3, next_record_id_++);
  insert.bind(base + 4, r.time_ms);
  insert.bind(base + 5, kind);
  insert.bind_blob(base + 6, blob);
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(blob.data()),
                                            blob.size());
  insert.bind(base + 7, record_checksum(device_id, r.seq, r.time_ms, kind, bytes));
  grew(row_growth_bound(blob.size()));
}

int Outbox::insert_appends(CommitResult& result) {
  const std::size_t n = appends_.size();
  std::size_t i = 0;
  // As many rows per statement as there are: 16, then 4, then one at a time.
  for (auto [rows, insert] :
       {std::pair{kRowsPerInsert, &insert_records_},
        std::pair{kRowsPerSmallInsert, &insert_few_records_}, std::pair{1, &insert_record_}}) {
    for (; i + static_cast<std::size_t>(rows) <= n; i += static_cast<std::size_t>(rows)) {
      for (int row = 0; row < rows; ++row) bind_append(*insert, row, appends_[i + row]);
      if (const int rc = run(*insert); rc != SQLITE_OK) return rc;
    }
  }
  for (const auto& a : appends_) {
    Staged& staged = stage(a.device);
    ++staged.added;
    staged.last_added = a.record.seq;
  }
  result.appended = n;
  return SQLITE_OK;
}

// Orders the acks so that those of records committed before this commit come first; returns how
// many they are. (The queue keeps its content: a failed commit retries all of them.)
std::size_t Outbox::acks_stored_first() {
  const auto stored = std::partition(acks_.begin(), acks_.end(), [&](const PendingAck& a) {
    return a.seq <= devices_[a.device].committed_seq;
  });
  return static_cast<std::size_t>(stored - acks_.begin());
}

int Outbox::apply_acks(CommitResult& result, std::size_t begin, std::size_t end) {
  if (begin >= end) return SQLITE_OK;
  // Acks arrive mostly in order per device: sorted and merged into ranges, a whole window of
  // PUBACKs costs one DELETE per device.
  std::sort(acks_.begin() + static_cast<std::ptrdiff_t>(begin),
            acks_.begin() + static_cast<std::ptrdiff_t>(end));
  std::size_t i = begin;
  while (i < end) {
    const std::uint32_t device = acks_[i].device;
    const std::uint64_t first = acks_[i].seq;
    std::uint64_t last = first;
    ++i;
    while (i < end && acks_[i].device == device && acks_[i].seq <= last + 1) {
      last = acks_[i].seq;
      ++i;
    }
    delete_range_.bind(1, devices_[device].id);
    delete_range_.bind(2, static_cast<std::int64_t>(first));
    delete_range_.bind(3, static_cast<std::int64_t>(last));
    if (const int rc = run(delete_range_); rc != SQLITE_OK) return rc;
    // A delete frees pages, but may rebalance the tree and put a longer key into a parent.
    grew(static_cast<std::uint64_t>(page_size_));
    const auto removed = static_cast<std::uint64_t>(sqlite3_changes(db_.get()));
    stage(device).removed += removed;
    result.acked += removed;
  }
  return SQLITE_OK;
}

int Outbox::move_to_quarantine(CommitResult& result, std::int64_t now_ms) {
  if (!quarantine_.empty()) used_known_ = false;  // rare: a copy of a record of any size
  for (const Quarantined& q : quarantine_) {
    const Device& d = devices_[q.device];
    quarantine_insert_.bind(1, d.id);
    quarantine_insert_.bind(2, static_cast<std::int64_t>(q.seq));
    quarantine_insert_.bind_text(3, q.why);
    quarantine_insert_.bind(4, now_ms);
    if (const int rc = run(quarantine_insert_); rc != SQLITE_OK) return rc;
    delete_range_.bind(1, d.id);
    delete_range_.bind(2, static_cast<std::int64_t>(q.seq));
    delete_range_.bind(3, static_cast<std::int64_t>(q.seq));
    if (const int rc = run(delete_range_); rc != SQLITE_OK) return rc;
    const auto removed = static_cast<std::uint64_t>(sqlite3_changes(db_.get()));
    stage(q.device).removed += removed;
    result.quarantined += removed;
  }
  return SQLITE_OK;
}

int Outbox::update_device_rows() {
  for (const std::uint32_t i : touched_) {
    const Staged& s = staged_[i];
    const Device& d = devices_[i];
    // last_seq only matters once all of a device's rows are gone (otherwise max(seq) says it).
    const bool emptied = s.removed > 0 && d.backlog + s.added == s.removed;
    const bool dropped = s.dropped.by_size > 0 || s.dropped.by_age > 0;
    if (!emptied && !dropped) continue;
    update_device_.bind(1, d.id);
    update_device_.bind(2, static_cast<std::int64_t>(d.last_seq));
    update_device_.bind(3, static_cast<std::int64_t>(s.dropped.by_size));
    update_device_.bind(4, static_cast<std::int64_t>(s.dropped.by_age));
    if (const int rc = run(update_device_); rc != SQLITE_OK) return rc;
    grew(static_cast<std::uint64_t>(page_size_));
  }
  return SQLITE_OK;
}

std::uint64_t Outbox::staged_rows() const {
  std::uint64_t rows = total_backlog();
  for (const std::uint32_t i : touched_) rows = rows + staged_[i].added - staged_[i].removed;
  return rows;
}

Outbox::Staged& Outbox::stage(std::uint32_t device) {
  Staged& s = staged_[device];
  if (!s.touched) {
    s.touched = true;
    touched_.push_back(device);
  }
  return s;
}

// Before a transaction: nothing staged, and an entry for every device (some may be new).
void Outbox::reset_staged() {
  for (const std::uint32_t i : touched_) staged_[i] = Staged{};
  touched_.clear();
  staged_.resize(devices_.size());
}

void Outbox::apply_staged() {
  for (const std::uint32_t i : touched_) {
    Device& d = devices_[i];
    const Staged& s = staged_[i];
    d.backlog = d.backlog + s.added - s.removed;
    total_backlog_ = total_backlog_ + s.added - s.removed;
    d.drops.by_size += s.dropped.by_size;
    d.drops.by_age += s.dropped.by_age;
  }
}

std::vector<Record> Outbox::take(const std::string& device, std::size_t max) {
  std::vector<Record> out;
  auto it = by_name_.find(device);
  if (it != by_name_.end()) take_device(it->second, max, out);
  return out;
}

std::vector<std::vector<Record>> Outbox::take_many(const std::vector<std::string>& devices,
                                                   std::size_t max_each) {
  std::vector<std::uint32_t> index(devices.size(), UINT32_MAX);
  for (std::size_t i = 0; i < devices.size(); ++i) {
    if (auto it = by_name_.find(devices[i]); it != by_name_.end()) index[i] = it->second;
  }
  return take_many_by_index(index, max_each);
}

std::vector<std::vector<Record>> Outbox::take_many_by_index(
    const std::vector<std::uint32_t>& devices, std::size_t max_each) {
  std::vector<std::vector<Record>> out(devices.size());
  std::size_t queries = 0;
  for (const std::uint32_t index : devices) {
    if (index < devices_.size() && has_untaken(devices_[index]) && !has_fresh(devices_[index]))
      ++queries;
  }
  // Each statement outside a transaction is a read transaction of its own: a lock and an unlock
  // of the WAL index (fcntl) and a look at the WAL's header. One for the whole round instead.
  const bool grouped =
      queries > 1 && sqlite3_get_autocommit(db_.get()) && run(begin_read_) == SQLITE_OK;
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const std::uint32_t index = devices[i];
    if (index < devices_.size() && has_untaken(devices_[index])) {
      take_device(index, max_each, out[i]);
    }
  }
  if (grouped) run(commit_);
  return out;
}

void Outbox::take_newly_committed(std::vector<std::uint32_t>& out) {
  for (const std::uint32_t index : newly_committed_) {
    devices_[index].newly_committed = false;
    out.push_back(index);
  }
  newly_committed_.clear();
}

std::uint32_t Outbox::next_round_start() {
  if (devices_.empty()) return 0;
  return static_cast<std::uint32_t>(drain_rotation_++ % devices_.size());
}

bool Outbox::has_untaken(const Device& d) const {
  // Every committed record has seq <= committed_seq: past it nothing can be found.
  return d.backlog > 0 && d.take_from <= d.committed_seq;
}

void Outbox::take_device(std::uint32_t index, std::size_t max, std::vector<Record>& out) {
  Device& d = devices_[index];
  if (max == 0) return;
  d.reading = true;
  if (!has_untaken(d)) {
    // Nothing stored is left to hand out: the next commit's records follow on directly, from
    // memory, with no look into the database for anything older.
    d.take_from = std::max(d.take_from, d.committed_seq + 1);
    return;
  }
  // What comes before the records kept in memory is read from the database (a reader behind
  // its commits, or one that reconnected), then the kept ones follow from memory.
  bool all_below = true;
  if (!has_fresh(d) || d.take_from < d.fresh[d.fresh_head].record.seq) {
    const std::uint64_t below = has_fresh(d) ? d.fresh[d.fresh_head].record.seq : UINT64_MAX;
    all_below = take_stored(index, max, below, out);
    drop_fresh_before(d, d.take_from);
  }
  if (all_below && out.size() < max) take_fresh(d, max - out.size(), out);
}

bool Outbox::take_stored(std::uint32_t index, std::size_t max, std::uint64_t below,
                         std::vector<Record>& out) {
  Device& d = devices_[index];
  // A batch that was all quarantined says nothing about what follows it: read on.
  bool more = true;
  while (more && out.empty()) {
    take_.bind(1, d.id);
    take_.bind(2, static_cast<std::int64_t>(d.take_from));
    take_.bind(3, static_cast<std::int64_t>(std::min<std::size_t>(max, INT64_MAX)));
    take_.bind(4, static_cast<std::int64_t>(std::min<std::uint64_t>(below, INT64_MAX)));
    ResetOnExit reset(take_);
    ++counters_.take_queries;
    std::size_t rows = 0;
    while (take_.step() == SQLITE_ROW) {
      ++rows;
      Record& r = out.emplace_back();
      r.seq = static_cast<std::uint64_t>(take_.column_int(0));
      d.take_from = r.seq + 1;
      if (const char* why = read_taken(d, r)) {
        // Never sent: kept aside for a human, counted, removed by the next commit.
        const bool queued =
            std::any_of(quarantine_.begin(), quarantine_.end(),
                        [&](const Quarantined& q) { return q.device == index && q.seq == r.seq; });
        if (!queued) {
          quarantine_.push_back(Quarantined{index, r.seq, why});
          if (on_queued_) on_queued_();
        }
        out.pop_back();
      }
    }
    more = rows == max;
  }
  return !more;
}

// Fills `r` from take_'s current row; the reason if the row does not check out.
const char* Outbox::read_taken(const Device& d, Record& r) {
  r.device = d.name;
  r.time_ms = take_.column_int(1);
  const std::int64_t kind = take_.column_int(2);
  const auto* blob = static_cast<const std::uint8_t*>(sqlite3_column_blob(take_.get(), 3));
  const auto size = static_cast<std::size_t>(sqlite3_column_bytes(take_.get(), 3));
  const std::span<const std::uint8_t> bytes(blob, size);
  if (sqlite3_column_type(take_.get(), 4) != SQLITE_NULL &&
      take_.column_int(4) != record_checksum(d.id, r.seq, r.time_ms, kind, bytes)) {
    return "checksum mismatch";
  }
  if (kind < 0 || kind > static_cast<std::int64_t>(RecordKind::command_reply)) {
    return "unknown kind";
  }
  r.kind = static_cast<RecordKind>(kind);
  if (!decode_record_fields(bytes, r)) return "malformed fields";
  return nullptr;
}

void Outbox::release(const std::string& device) {
  auto it = by_name_.find(device);
  if (it == by_name_.end()) return;
  Device& d = devices_[it->second];
  d.take_from = 0;
  forget_fresh(d);  // what was handed out comes first again: read from the database
}

std::uint64_t Outbox::backlog(const std::string& device) const {
  const Device* d = find(device);
  return d ? d->backlog : 0;
}

std::vector<std::string> Outbox::devices() const {
  std::vector<std::string> names;
  for (const auto& d : devices_) {
    if (d.backlog > 0) names.push_back(d.name);
  }
  return names;
}

DropCounters Outbox::drops(const std::string& device) const {
  const Device* d = find(device);
  return d ? d->drops : DropCounters{};
}

std::vector<std::string> Outbox::drain_order() {
  std::vector<std::string> names = devices();
  if (names.empty()) return names;
  const std::size_t start = drain_rotation_++ % names.size();
  std::rotate(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(start), names.end());
  return names;
}

std::uint64_t Outbox::database_bytes() {
  const int rc = page_count_.step();
  const std::int64_t pages = rc == SQLITE_ROW ? page_count_.column_int(0) : 0;
  page_count_.reset();
  return static_cast<std::uint64_t>(pages * page_size_);
}

// Only once the pinned WAL has outgrown its budget: a reader of a few milliseconds that met one
// restart is not worth a warning (the next commit's restart gets past it). A commit that failed
// names any pin: a pinned WAL that filled the disk is why it failed.
std::uint64_t Outbox::wal_pinned_bytes(bool failed) const {
  if (!checkpointer_->pinned()) return 0;
  // A WAL file is a 32-byte header and, per page, a 24-byte frame header and the page.
  const std::uint64_t bytes = 32 + static_cast<std::uint64_t>(checkpointer_->wal_pages()) *
                                       (static_cast<std::uint64_t>(page_size_) + 24);
  return failed || bytes > wal_budget_.bytes() ? bytes : 0;
}

void Outbox::checkpoint() {
  checkpointer_->checkpoint_now(SQLITE_CHECKPOINT_PASSIVE, std::chrono::milliseconds(0));
}

// After the background checkpoint under way, empties the WAL file, which gives its space back to
// a full file system. Only on the full-disk path. A short-lived reader of another process (a
// `sqlite3` query) is waited for briefly; one that pins the WAL is not waited for again.
int Outbox::checkpoint_truncate() {
  return checkpointer_->checkpoint_now(SQLITE_CHECKPOINT_TRUNCATE, std::chrono::milliseconds(250));
}

std::string Outbox::quick_check() {
  sqlite3_stmt* check = nullptr;
  if (sqlite3_prepare_v2(db_.get(), "PRAGMA quick_check(1)", -1, &check, nullptr) != SQLITE_OK) {
    return sqlite3_errmsg(db_.get());
  }
  std::string answer = sqlite3_errmsg(db_.get());
  if (sqlite3_step(check) == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(check, 0);
    answer = text ? reinterpret_cast<const char*>(text) : "";
  }
  sqlite3_finalize(check);
  return answer;
}

}  // namespace edgegw::store
