// Records handed out from memory. A reader (a cloud session) reads its device's records as they
// are committed; reading them back from the database (a query, a read transaction and its
// WAL-index locks, decoding and checking each row) was a fifth of the forwarding path's
// instructions, and at one device in the forwarding bench one query per message (a window of 16
// refilled one PUBACK at a time). The records of a commit are kept instead, for every device a
// reader takes from, and handed out once the reader has had what comes before them: what is older
// (a reader behind its commits, or one that reconnected) is read from the database first, up to
// the first record kept. They are committed before they are kept, so nothing leaves before it is
// durable; a release() (the session reconnects) and a drop forget them.
//
// Kept only in one piece: consecutive sequences, none handed out yet. A record that would leave a
// gap (one dropped from the queue, or one not kept for want of room) is not kept; the kept ones
// are handed out, then the database answers again until the kept list is empty and starts anew.
// Bounded: per device at most kFreshPerDevice records, all devices together at most kFreshTotal
// records and kFreshBytes (a local MQTT reading may be 256 KiB: by count alone, 4,096 of them
// were a gigabyte); a device that is full stops keeping until its reader takes again.
#include <algorithm>

#include "store/outbox.hpp"

namespace edgegw::store {

namespace {

// A forwarding session refills its window from up to ~500 records behind (the forwarding bench):
// 256 a device left half of them to the database.
constexpr std::size_t kFreshPerDevice = 1024;
constexpr std::size_t kFreshTotal = 4096;
constexpr std::uint64_t kFreshBytes = 4u << 20;
// A device's emptied list keeps this much room for the next commit's records; a burst's larger
// allocation is given back.
constexpr std::size_t kFreshCapacityKept = 8;

}  // namespace

void Outbox::keep_fresh() {
  for (PendingAppend& append : appends_) {
    Device& d = devices_[append.device];
    if (!d.reading) continue;
    const std::uint64_t seq = append.record.seq;
    if (seq <= staged_[append.device].dropped_through) continue;  // dropped by this commit
    // Only in one piece: the database holds what a gap leaves out, and hands it out first once
    // the kept list is empty. (An empty list may start anywhere: everything before is stored.)
    if (has_fresh(d) && seq != d.fresh.back().record.seq + 1) continue;
    const auto bytes = static_cast<std::uint32_t>(queued_bytes(append.record));
    if (d.fresh.size() - d.fresh_head >= kFreshPerDevice || fresh_records_ >= kFreshTotal ||
        counters_.kept_bytes + bytes > kFreshBytes) {
      d.reading = false;  // until the reader takes again
      continue;
    }
    d.fresh.push_back(Kept{std::move(append.record), bytes});
    ++fresh_records_;
    counters_.kept_bytes += bytes;
  }
}

bool Outbox::take_fresh(Device& d, std::size_t max, std::vector<Record>& out) {
  if (!has_fresh(d)) return false;
  std::size_t taken = 0;
  while (taken < max && d.fresh_head < d.fresh.size()) {
    counters_.kept_bytes -= d.fresh[d.fresh_head].bytes;
    out.push_back(std::move(d.fresh[d.fresh_head++].record));
    ++taken;
  }
  d.take_from = out.back().seq + 1;
  fresh_records_ -= taken;
  counters_.taken_from_memory += taken;
  drop_fresh_before(d, d.take_from);
  return true;
}

void Outbox::drop_fresh_before(Device& d, std::uint64_t seq) {
  while (d.fresh_head < d.fresh.size() && d.fresh[d.fresh_head].record.seq < seq) {
    counters_.kept_bytes -= d.fresh[d.fresh_head].bytes;
    ++d.fresh_head;
    --fresh_records_;
  }
  if (d.fresh_head == d.fresh.size()) {
    d.fresh.clear();
    d.fresh_head = 0;
    if (d.fresh.capacity() > kFreshCapacityKept) std::vector<Kept>().swap(d.fresh);
  } else if (d.fresh_head * 2 >= d.fresh.size()) {
    d.fresh.erase(d.fresh.begin(), d.fresh.begin() + static_cast<std::ptrdiff_t>(d.fresh_head));
    d.fresh_head = 0;
  }
}

void Outbox::forget_fresh(Device& d) {
  drop_fresh_before(d, UINT64_MAX);
  d.reading = false;
}

}  // namespace edgegw::store
