// The durable outbox: every reading is committed here before anything else happens to it, read
// out per device in order, and deleted only when the cloud acknowledged it (DESIGN.md).
//
// Shaped for one owner on the event loop: append() and ack() only queue in memory (cheap, no I/O);
// commit() writes everything queued in ONE SQLite transaction (group commit, WAL, statements
// prepared once), so the loop pays one fsync per tick at most, never one per record. Nothing here
// throws after open(); outcomes are values. Not thread-safe: call it from one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/outbox_options.hpp"
#include "store/outbox_results.hpp"
#include "store/record.hpp"
#include "store/sqlite_db.hpp"
#include "store/state_files.hpp"
#include "store/wal_budget.hpp"
#include "store/wal_checkpointer.hpp"

namespace edgegw::store {

class Outbox {
 public:
  // Opens or creates the database at options.path: WAL, PRAGMA quick_check, numbered migrations.
  // A corrupt or unreadable file (or one from a newer build, or a 0-byte one beside a WAL) is
  // moved aside as <path>.corrupt-<unix-time> (with its -wal) and a fresh database started;
  // `report` says so. Then the high-water mark (<path>-hwm) is compared with what the database
  // holds: loss_report() lists what went missing, and sequences never go back over it. Every state
  // file is made 0600. On a full file system the space reserve is released first.
  // Throws std::runtime_error only when the path cannot be used (missing directory, no
  // permission, a file system too full to open even without the reserve: the message says so).
  // Cost: reads the whole file once (quick_check) and counts each device's backlog.
  static std::unique_ptr<Outbox> open(const OutboxOptions& options, OpenReport* report = nullptr);
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Queues `record` for the next commit and returns its sequence number (record.seq is ignored and
  // replaced): strictly increasing per device, across restarts too. `on_committed` runs inside the
  // commit() whose transaction made the record durable. No I/O.
  std::uint64_t append(Record record, std::function<void()> on_committed = {});
  // Queues the removal of an acknowledged record. Unknown devices and sequences are ignored.
  void ack(const std::string& device, std::uint64_t seq);

  // Writes all queued appends and acks in one transaction, then enforces max_age and the size
  // limit (max_size, and what the file system holds beyond min_free) by dropping the oldest
  // records in batches (counted per device, reported in the result). A full file system is met by
  // releasing the reserve and dropping the oldest, not by stopping (result.made_room). On
  // disk_full or error nothing of this commit is kept on disk and everything stays queued: call
  // again later (with backoff). Also call it now and then when idle, so max_age is enforced.
  CommitResult commit();
  CommitResult commit(std::chrono::system_clock::time_point now);  // for tests: a given clock
  bool has_pending() const { return !appends_.empty() || !acks_.empty() || !quarantine_.empty(); }
  // `hook` runs each time something is queued for the next commit: an append, an ack, a record
  // take() found broken. The daemon's group commit arms on it, so no caller (a session acking a
  // PUBACK, a source appending) has to tell it. Empty: nothing runs.
  void on_queued(std::function<void()> hook) { on_queued_ = std::move(hook); }
  std::size_t pending_appends() const { return appends_.size(); }

  // Up to `max` committed, unacknowledged records of `device`, oldest first, skipping those
  // handed out since the last release(device). One indexed query. A record whose checksum or
  // fields do not check out is never returned: it is counted and moved to the quarantine table by
  // the next commit.
  // Costs nothing when every committed record of the device was handed out already.
  std::vector<Record> take(const std::string& device, std::size_t max);
  // take(devices[i], max_each) for each i, answered in the same order (empty for an unknown
  // device or one with nothing new): what the northbound reads for all its ready sessions at once.
  // Devices with nothing new cost no query; the others share ONE read transaction (a lock of the
  // WAL index per round instead of per device). Call it outside commit().
  std::vector<std::vector<Record>> take_many(const std::vector<std::string>& devices,
                                             std::size_t max_each);
  // The device's cloud session reconnected: offer all its unacknowledged records again.
  void release(const std::string& device);

  std::uint64_t backlog(const std::string& device) const;         // committed, unacknowledged
  std::uint64_t total_backlog() const { return total_backlog_; }  // kept, not summed per call
  std::vector<std::string> devices() const;  // devices that have records (backlog > 0)
  DropCounters drops(const std::string& device) const;
  // Devices with a backlog, starting one further at each call (round-robin), so a caller that
  // drains several devices per loop turn never lets one huge backlog starve the others.
  std::vector<std::string> drain_order();

  // The devices by index, for a caller that visits many of them per commit (the northbound's
  // drain) without a name's copy or lookup each: an index names the same device for the outbox's
  // life (devices are never removed), and indexes run from 0 to device_count() - 1.
  std::size_t device_count() const { return devices_.size(); }
  const std::string& device_name(std::uint32_t index) const { return devices_[index].name; }
  bool has_backlog(std::uint32_t index) const { return devices_[index].backlog > 0; }
  // Appends to `out` each device whose committed records grew since the last call, once: after a
  // commit only these have records that no reader was offered yet. Costs the devices listed, not
  // the devices there are.
  void take_newly_committed(std::vector<std::uint32_t>& out);
  // Where a round-robin over all devices starts this time: one further at each call.
  std::uint32_t next_round_start();
  // take_many() by index.
  std::vector<std::vector<Record>> take_many_by_index(const std::vector<std::uint32_t>& devices,
                                                      std::size_t max_each);

  // The database's logical size in bytes (what the file is once the WAL is checkpointed).
  std::uint64_t database_bytes();
  // The time of the oldest committed record still waiting (by arrival); nullopt when none is or
  // the query failed. One indexed step (the records' primary key).
  std::optional<std::int64_t> oldest_record_time_ms();
  // PRAGMA quick_check: "ok" or its first complaint. Reads the whole file; for tests and tools.
  std::string quick_check();
  // A PASSIVE checkpoint on the loop's connection (the background thread does this by itself).
  void checkpoint();

  // What open() found missing against the high-water mark (empty when nothing was).
  const LossReport& loss_report() const { return loss_; }
  OutboxCounters counters() const { return counters_; }

 private:
  struct Kept {  // a record kept in memory for its reader, and what it holds (queued_bytes)
    Record record;
    std::uint32_t bytes = 0;
  };
  struct Device {
    std::string name;
    std::int64_t id = 0;              // devices.id
    std::uint64_t last_seq = 0;       // last sequence given out by append (queued or committed)
    std::uint64_t backlog = 0;        // committed rows
    std::uint64_t take_from = 0;      // take() offers seq >= this
    std::uint64_t committed_seq = 0;  // last sequence made durable (what the high-water mark says)
    DropCounters drops;
    std::uint64_t queue_drops = 0;  // dropped from the queue since the last commit (by_size)
    bool stored = false;            // its devices row is committed
    bool newly_committed = false;   // listed in newly_committed_
    // A reader takes this device's records: what the next commits add for it is kept in
    // `fresh` (from fresh_head on, consecutive sequences, committed and not handed out yet) and
    // handed out from memory once the reader has had what comes before them (outbox_fresh.cpp).
    bool reading = false;
    std::size_t fresh_head = 0;
    std::vector<Kept> fresh;
  };
  struct PendingAppend {
    std::uint32_t device;  // index into devices_
    Record record;
    std::uint32_t bytes = 0;  // queued_bytes(record), counted only while commits fail
    bool awaited = false;     // an on_committed waits for it: never dropped from the queue
  };
  struct Quarantined {
    std::uint32_t device;
    std::uint64_t seq;
    const char* why;
  };
  struct PendingAck {
    std::uint32_t device;
    std::uint64_t seq;
    bool operator<(const PendingAck& o) const {
      return device != o.device ? device < o.device : seq < o.seq;
    }
  };
  // What the open transaction changed per device; applied to devices_ only once it committed.
  struct Staged {
    bool touched = false;  // listed in touched_
    std::uint64_t added = 0;
    std::uint64_t removed = 0;
    std::uint64_t last_added = 0;
    std::uint64_t dropped_through = 0;  // the last sequence a drop removed (0: none)
    DropCounters dropped;
  };
  enum class DropReason { size, age };
  // Rows per multi-row INSERT: one statement per 16 records halves the cost per record. A commit
  // of a few (one device forwarding: ~8) goes in fours rather than one by one.
  static constexpr int kRowsPerInsert = 16;
  static constexpr int kRowsPerSmallInsert = 4;
  static constexpr int kColumnsPerRow = 7;

  explicit Outbox(const OutboxOptions& options);
  void open_database(OpenReport& report);
  void prepare_statements();
  void load_devices(OpenReport& report);
  void check_high_water_mark();
  void persist_sequences_over_loss();
  void setup_space();
  void open_sqlite(OpenReport& report);
  std::uint32_t device_index(const std::string& name);  // creates the device if new
  const Device* find(const std::string& name) const;

  int try_commit(CommitResult& result, std::int64_t now_ms);
  int commit_on_full_disk(CommitResult& result, std::int64_t now_ms);
  int commit_acks_in_pieces(std::uint64_t& acked);
  int checkpoint_truncate();
  std::uint64_t wal_pinned_bytes(bool failed = false) const;  // CommitResult::wal_pinned_bytes
  int write_transaction(CommitResult& result, std::int64_t now_ms);
  int move_to_quarantine(CommitResult& result, std::int64_t now_ms);
  const char* read_taken(const Device& d, Record& r);
  bool has_untaken(const Device& d) const;
  void take_device(std::uint32_t index, std::size_t max, std::vector<Record>& out);
  // Reads records seq < `below` from the database; true when it found all there are below it.
  bool take_stored(std::uint32_t index, std::size_t max, std::uint64_t below,
                   std::vector<Record>& out);
  // outbox_queue.cpp: the bound on appends_ while commits fail.
  static std::size_t queued_bytes(const Record& r);
  void measure_queued(PendingAppend& a);
  void count_queued(PendingAppend& a);
  void commit_failed();
  void commit_worked();
  void bound_queue();
  // outbox_fresh.cpp: records kept from the commit for the devices being read.
  void keep_fresh();
  bool take_fresh(Device& d, std::size_t max, std::vector<Record>& out);
  void drop_fresh_before(Device& d, std::uint64_t seq);
  void forget_fresh(Device& d);
  static bool has_fresh(const Device& d) { return d.fresh_head < d.fresh.size(); }
  std::uint64_t size_limit(std::int64_t now_ms);
  bool keeping_room_for_a_pinned_wal();
  std::uint64_t incoming_bytes();
  void after_commit(const CommitResult& result);
  int store_new_devices();
  int insert_appends(CommitResult& result);
  void bind_append(Statement& insert, int row, const PendingAppend& append);
  std::size_t acks_stored_first();
  // Deletes the records of acks_[begin, end) (sorted here first).
  int apply_acks(CommitResult& result, std::size_t begin, std::size_t end);
  int drop_by_age(std::int64_t now_ms, CommitResult& result);
  // Drops the oldest until the database is under `full_limit` less `incoming` bytes.
  int drop_by_size(CommitResult& result, std::uint64_t incoming, std::uint64_t full_limit);
  // The bytes in use (pages less free pages), looked up: counted in counters_.size_queries.
  int used_bytes(std::uint64_t& used);
  // What the rows written since the last look can have added to the bytes in use, at most.
  void grew(std::uint64_t bytes) {
    growth_bound_ += bytes;
    space_written_ += bytes;
  }
  std::uint64_t row_growth_bound(std::size_t fields_bytes) const;
  // Drops up to `max_rows` of the oldest rows in arrival order, stopping at the first one whose
  // time is not before `older_than_ms`; counts them per device under `reason` into `dropped`.
  int drop_oldest(std::uint64_t max_rows, std::int64_t older_than_ms, DropReason reason,
                  std::uint64_t& dropped);
  int delete_dropped(const std::vector<std::uint64_t>& last_seq, DropReason reason,
                     std::uint64_t& dropped);
  int update_device_rows();
  std::uint64_t staged_rows() const;
  Staged& stage(std::uint32_t device);  // staged_[device], listed in touched_
  void reset_staged();
  void apply_staged();

  OutboxOptions options_;
  SqliteDb db_;  // declared before the statements: destroyed after them
  std::int64_t page_size_ = 4096;
  std::unique_ptr<WalCheckpointer> checkpointer_;  // after db_: stopped before it closes

  Statement begin_, begin_read_, commit_, rollback_;
  Statement insert_device_, insert_record_, insert_few_records_, insert_records_, delete_range_;
  Statement update_device_, device_rows_, page_count_, freelist_count_, take_;
  Statement quarantine_insert_;
  Statement oldest_record_;  // prepared on first use (the fleet's health only)

  HighWaterMark hwm_;
  SpaceReserve reserve_;
  WalBudget wal_budget_;              // the room kept for the WAL's growth (store/wal_budget.hpp)
  std::uint64_t limit_override_ = 0;  // != 0: a commit retried on a full disk aims under this
  // The size check's shortcut: the bytes in use at the last look plus an upper bound of what was
  // written since. While that is under the limit the database is too, and nothing is looked up
  // (two PRAGMA statements, one of which SQLite prepares anew at every run: ~20k instructions).
  std::uint64_t used_seen_ = 0;
  std::uint64_t growth_bound_ = 0;
  bool used_known_ = false;
  // The file system's part of the limit (statvfs and two stat calls) is looked at again once
  // the writes since the last look could have taken a sixteenth of the room it showed, or the
  // reserve changed; other programs filling the disk meanwhile meet the full-disk path.
  std::uint64_t space_written_ = 0;
  std::uint64_t space_slack_ = 0;
  std::uint64_t limit_seen_ = 0;
  bool space_known_ = false;
  // The space reserve is in place: known from ensure() and release(), not asked of the file
  // system at every commit (a reserve deleted behind our back is found at the next full disk).
  bool reserve_held_ = false;
  LossReport loss_;
  OutboxCounters counters_;
  std::vector<Quarantined> quarantine_;
  std::vector<Device> devices_;
  // The sum of devices_[].backlog, kept with it: every commit that appends reads it (the size
  // check's estimate), and summing it there cost each commit the devices there are.
  std::uint64_t total_backlog_ = 0;
  std::unordered_map<std::string, std::uint32_t> by_name_;
  std::unordered_map<std::int64_t, std::uint32_t> by_id_;
  std::int64_t next_device_id_ = 1;
  std::int64_t next_record_id_ = 1;         // records.id: the arrival order, across devices
  std::uint32_t last_device_ = UINT32_MAX;  // append() fast path: same device as last time

  std::vector<PendingAppend> appends_;
  std::uint64_t queued_bytes_ = 0;      // queued_bytes() of appends_, while commits fail
  std::uint64_t queue_pass_bytes_ = 0;  // bound_queue() runs past this (outbox_queue.cpp)
  bool queue_dropped_ = false;          // some Device::queue_drops is not 0
  bool last_commit_failed_ = false;     // the queue is bounded only then (outbox_queue.cpp)
  std::vector<std::function<void()>> callbacks_;
  std::function<void()> on_queued_;
  std::vector<PendingAck> acks_;
  // By device index, as long as devices_; only the entries of touched_ differ from Staged{}, so
  // a commit costs the devices it touches, not the devices there are.
  std::vector<Staged> staged_;
  std::vector<std::uint32_t> touched_;
  std::vector<std::uint32_t> unstored_;  // devices whose row the next commit inserts
  std::vector<std::string> blobs_;       // reused encoding buffers, one per row of insert_records_
  std::int64_t last_age_check_ms_ = 0;   // when drop_by_age last ran (committed)
  bool age_checked_ = false;             // this commit's transaction ran drop_by_age
  std::int64_t age_check_interval_ms() const;
  std::size_t drain_rotation_ = 0;
  std::vector<std::uint32_t> newly_committed_;  // see take_newly_committed()
  std::size_t fresh_records_ = 0;               // records kept in Device::fresh, all devices
};

}  // namespace edgegw::store
