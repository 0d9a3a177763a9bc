// The outbox's limits: max_age and the size limit drop the oldest records in arrival order.
// Records are clustered per device (schema 4), so the arrival order is a merge of every device's
// rows by records.id: a device's rows arrive in sequence order, so its oldest row heads its list,
// and a heap of the devices' heads yields the oldest row overall. A drop then costs one range
// DELETE per device it touches.
#include <algorithm>
#include <queue>

#include "store/outbox.hpp"

namespace edgegw::store {

namespace {

// Limits are enforced in batches: never fewer rows than this per drop, so a full outbox costs a
// few range deletes per commit, not one per record.
constexpr std::uint64_t kMinDropBatch = 256;
// Rows read per device at a time while merging: enough that a large drop seldom reads again,
// small enough that 1,000 devices stay cheap when only a batch is dropped.
constexpr std::uint64_t kMaxRowsPerRead = 256;

struct Row {
  std::int64_t seq;
  std::int64_t id;
  std::int64_t time_ms;
};

// One device's rows in sequence order, read a few at a time.
struct DeviceRows {
  std::uint32_t device;
  std::int64_t device_id;
  std::vector<Row> rows;
  std::size_t next = 0;
  bool more = true;  // the last read was full: rows may follow
};

// Reads up to `limit` of the device's rows after `after_seq`; returns SQLITE_OK or the error.
int read_rows(Statement& s, DeviceRows& d, std::int64_t after_seq, std::uint64_t limit) {
  d.rows.clear();
  d.next = 0;
  s.bind(1, d.device_id);
  s.bind(2, after_seq);
  s.bind(3, static_cast<std::int64_t>(limit));
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    d.rows.push_back(Row{s.column_int(0), s.column_int(1), s.column_int(2)});
  }
  s.reset();
  d.more = d.rows.size() == limit;
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

}  // namespace

int Outbox::drop_by_age(std::int64_t now_ms, CommitResult& result) {
  // The oldest rows in arrival order while they are older than the cutoff. A reading that arrived
  // late with an old time waits behind newer ones: drops stay a prefix of the arrival order.
  return drop_oldest(UINT64_MAX, now_ms - options_.max_age.count(), DropReason::age,
                     result.dropped_by_age);
}

int Outbox::drop_by_size(CommitResult& result, std::uint64_t incoming, std::uint64_t full_limit) {
  const std::uint64_t limit = full_limit > incoming ? full_limit - incoming : 0;
  // Far under the limit even if every write since the last look grew the file by its bound.
  if (used_known_ && used_seen_ + growth_bound_ <= limit) return SQLITE_OK;
  while (true) {
    std::uint64_t used = 0;
    if (const int rc = used_bytes(used); rc != SQLITE_OK) return rc;
    const std::uint64_t rows = staged_rows();
    if (used <= limit || rows == 0) return SQLITE_OK;

    // Drop about the share of rows by which we are over, and at least a batch.
    const auto share = static_cast<double>(used - limit) / static_cast<double>(used);
    const auto over = static_cast<std::uint64_t>(share * static_cast<double>(rows)) + 1;
    const std::uint64_t n = std::min(rows, std::max({kMinDropBatch, rows / 64, over}));
    const std::uint64_t before = result.dropped_by_size;
    if (const int rc = drop_oldest(n, INT64_MAX, DropReason::size, result.dropped_by_size);
        rc != SQLITE_OK) {
      return rc;
    }
    if (result.dropped_by_size == before) return SQLITE_OK;  // nothing left that could go
  }
}

int Outbox::used_bytes(std::uint64_t& used) {
  ++counters_.size_queries;
  int rc = page_count_.step();
  const std::int64_t pages = page_count_.column_int(0);
  page_count_.reset();
  if (rc != SQLITE_ROW) return rc;
  rc = freelist_count_.step();
  const std::int64_t free_pages = freelist_count_.column_int(0);
  freelist_count_.reset();
  if (rc != SQLITE_ROW) return rc;
  used = static_cast<std::uint64_t>((pages - free_pages) * page_size_);
  used_seen_ = used;
  growth_bound_ = 0;
  used_known_ = true;
  return SQLITE_OK;
}

// A row of the records B-tree (WITHOUT ROWID: an index B-tree) holds its key and columns, about
// 64 bytes beside the fields; pages split half full, and each leaf's divider key (a whole row)
// goes into its parent: three times the row bounds all that. Past ~1,000 bytes the row spills
// into overflow pages, each holding a page less 4 bytes.
std::uint64_t Outbox::row_growth_bound(std::size_t fields_bytes) const {
  const auto page = static_cast<std::uint64_t>(page_size_);
  const std::uint64_t row = fields_bytes + 64;
  const std::uint64_t overflow = row > 900 ? (row / (page - 4) + 1) * page : 0;
  return 3 * std::min<std::uint64_t>(row, 1024) + overflow;
}

int Outbox::drop_oldest(std::uint64_t max_rows, std::int64_t older_than_ms, DropReason reason,
                        std::uint64_t& dropped) {
  std::vector<DeviceRows> lists;
  for (std::uint32_t i = 0; i < devices_.size(); ++i) {
    if (devices_[i].backlog + staged_[i].added > staged_[i].removed) {
      lists.push_back(DeviceRows{i, devices_[i].id, {}, 0, true});
    }
  }
  if (lists.empty()) return SQLITE_OK;
  const std::uint64_t per_read =
      std::min<std::uint64_t>(max_rows / lists.size(), kMaxRowsPerRead - 1) + 1;
  // Heap of the lists by the arrival id of their head row, oldest on top.
  const auto later = [&](std::size_t a, std::size_t b) {
    return lists[a].rows[lists[a].next].id > lists[b].rows[lists[b].next].id;
  };
  std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(later)> heads(later);
  // The age check runs every second over every device with a backlog and usually drops nothing:
  // its first look is each device's oldest row alone (64 rows each cost 10,000 instructions per
  // device and second at 1,000 devices); the lists that turn out old read on in batches.
  const std::uint64_t first_read = reason == DropReason::age ? 1 : per_read;
  for (std::size_t i = 0; i < lists.size(); ++i) {
    if (const int rc = read_rows(device_rows_, lists[i], 0, first_read); rc != SQLITE_OK) return rc;
    if (!lists[i].rows.empty()) heads.push(i);
  }
  std::vector<std::uint64_t> last_seq(devices_.size(), 0);  // 0: nothing dropped
  for (std::uint64_t n = 0; n < max_rows && !heads.empty(); ++n) {
    const std::size_t i = heads.top();
    DeviceRows& d = lists[i];
    const Row& row = d.rows[d.next];
    if (row.time_ms >= older_than_ms) break;
    const std::int64_t seq = row.seq;
    heads.pop();
    last_seq[d.device] = static_cast<std::uint64_t>(seq);
    if (++d.next == d.rows.size()) {
      if (!d.more) continue;
      if (const int rc = read_rows(device_rows_, d, seq, per_read); rc != SQLITE_OK) return rc;
      if (d.rows.empty()) continue;
    }
    heads.push(i);
  }
  return delete_dropped(last_seq, reason, dropped);
}

// Deletes each device's rows through last_seq[device] (0: none) and counts them.
int Outbox::delete_dropped(const std::vector<std::uint64_t>& last_seq, DropReason reason,
                           std::uint64_t& dropped) {
  for (std::uint32_t i = 0; i < last_seq.size(); ++i) {
    if (last_seq[i] == 0) continue;
    delete_range_.bind(1, devices_[i].id);
    delete_range_.bind(2, 0);
    delete_range_.bind(3, static_cast<std::int64_t>(last_seq[i]));
    const int rc = delete_range_.step();
    delete_range_.reset();
    if (rc != SQLITE_DONE) return rc;
    grew(static_cast<std::uint64_t>(page_size_));
    const auto n = static_cast<std::uint64_t>(sqlite3_changes(db_.get()));
    Staged& s = stage(i);
    s.dropped_through = std::max(s.dropped_through, last_seq[i]);
    forget_fresh(devices_[i]);  // records kept in memory may be among the dropped
    s.removed += n;
    (reason == DropReason::size ? s.dropped.by_size : s.dropped.by_age) += n;
    dropped += n;
  }
  return SQLITE_OK;
}

}  // namespace edgegw::store
