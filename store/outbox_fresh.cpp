// Records handed out from memory. A reader (a cloud session) that has caught up with its device
// waits for the next commit; reading those records back from the database (a query, a read
// transaction and its WAL-index locks, decoding and checking each row) was a fifth of the
// forwarding path's instructions. The records of a commit are kept instead, for the devices whose
// last take handed out everything committed, and the next take() hands them out. They are
// committed before they are kept, so nothing leaves before it is durable; a release() (the
// session reconnects) and a drop forget them, and the database answers as before.
//
// Bounded: per device at most kFreshPerDevice records (a reader that falls behind reads from the
// database), all devices together at most kFreshTotal; a device that stopped reading keeps what
// it was given until its session comes back.
#include <algorithm>

#include "store/outbox.hpp"

namespace edgegw::store {

namespace {

constexpr std::size_t kFreshPerDevice = 256;
constexpr std::size_t kFreshTotal = 4096;
// A device's emptied list keeps this much room for the next commit's records; a burst's larger
// allocation is given back.
constexpr std::size_t kFreshCapacityKept = 8;

}  // namespace

void Outbox::keep_fresh() {
  for (PendingAppend& append : appends_) {
    Device& d = devices_[append.device];
    if (!d.caught_up) continue;
    const std::uint64_t seq = append.record.seq;
    // Consecutive from the first record the reader has not had; a gap (a record not kept) ends
    // the keeping until the reader catches up again through the database.
    const bool next = has_fresh(d) ? seq == d.fresh.back().seq + 1 : seq >= d.take_from;
    const bool room =
        d.fresh.size() - d.fresh_head < kFreshPerDevice && fresh_records_ < kFreshTotal;
    if (!next || !room || seq <= staged_[append.device].dropped_through) {
      d.caught_up = false;
      continue;
    }
    d.fresh.push_back(std::move(append.record));
    ++fresh_records_;
  }
}

bool Outbox::take_fresh(Device& d, std::size_t max, std::vector<Record>& out) {
  if (!has_fresh(d)) return false;
  std::size_t taken = 0;
  while (taken < max && d.fresh_head < d.fresh.size()) {
    out.push_back(std::move(d.fresh[d.fresh_head++]));
    ++taken;
  }
  d.take_from = out.back().seq + 1;
  fresh_records_ -= taken;
  counters_.taken_from_memory += taken;
  drop_fresh_before(d, d.take_from);
  return true;
}

void Outbox::drop_fresh_before(Device& d, std::uint64_t seq) {
  while (d.fresh_head < d.fresh.size() && d.fresh[d.fresh_head].seq < seq) {
    ++d.fresh_head;
    --fresh_records_;
  }
  if (d.fresh_head == d.fresh.size()) {
    d.fresh.clear();
    d.fresh_head = 0;
    if (d.fresh.capacity() > kFreshCapacityKept) std::vector<Record>().swap(d.fresh);
  } else if (d.fresh_head * 2 >= d.fresh.size()) {
    d.fresh.erase(d.fresh.begin(), d.fresh.begin() + static_cast<std::ptrdiff_t>(d.fresh_head));
    d.fresh_head = 0;
  }
}

void Outbox::forget_fresh(Device& d) {
  fresh_records_ -= d.fresh.size() - d.fresh_head;
  d.fresh_head = d.fresh.size();
  drop_fresh_before(d, 0);
  d.caught_up = false;
}

}  // namespace edgegw::store
