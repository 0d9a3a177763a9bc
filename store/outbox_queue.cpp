// The readings waiting in memory for a commit are bounded (OutboxOptions::max_queued_bytes) while
// commits fail. A commit normally takes them within milliseconds, however many arrived since the
// last one, and nothing is dropped then. But while commits fail (another program holds the write
// lock, a disk too full to take even a dropped batch, I/O errors) polls and local MQTT messages of
// QoS 0 keep coming, and they waited without bound: the daemon grew until the kernel killed it,
// and everything waiting was lost with it. Past the bound the oldest waiting readings go, as the
// outbox's size limit drops its oldest: a quarter of the bound at a time, so a queue at its bound
// costs one pass per quarter, not one per reading. Readings whose sender waits for their
// commit (a local MQTT message of QoS 1, acknowledged to the broker only once stored) are never
// dropped: the broker keeps what is not acknowledged, and its window bounds them. The newest
// reading always stays.
//
// A commit that works takes whatever waits, so the bytes are counted only from the first commit
// that fails (all that waits then, once) until the next one that works: nothing is estimated per
// reading on a good day.
//
// Each drop is counted with its device's drops by size once a commit works (the sequence gap it
// leaves is a counted drop, as everywhere else) and in OutboxCounters::dropped_queued at once.
#include <algorithm>

#include "store/outbox.hpp"

namespace edgegw::store {

// What a reading holds in memory, near enough: its record, each field, and each string too long
// to sit inside its std::string.
std::size_t Outbox::queued_bytes(const Record& r) {
  constexpr std::size_t kInline = 15;  // libstdc++'s short-string capacity
  const auto heap = [](const std::string& s) { return s.size() > kInline ? s.capacity() + 1 : 0; };
  std::size_t bytes =
      sizeof(PendingAppend) + heap(r.device) + heap(r.event) + r.fields.capacity() * sizeof(Field);
  for (const Field& f : r.fields) {
    bytes += heap(f.name);
    if (const auto* s = std::get_if<std::string>(&f.value)) bytes += heap(*s);
  }
  return bytes;
}

void Outbox::measure_queued(PendingAppend& a) {
  a.bytes = static_cast<std::uint32_t>(queued_bytes(a.record));
  queued_bytes_ += a.bytes;
}

void Outbox::count_queued(PendingAppend& a) {
  measure_queued(a);
  if (queued_bytes_ > queue_pass_bytes_) bound_queue();
}

void Outbox::commit_failed() {
  if (!last_commit_failed_) {
    last_commit_failed_ = true;
    queued_bytes_ = 0;
    for (PendingAppend& a : appends_) measure_queued(a);
  }
  if (queued_bytes_ > queue_pass_bytes_) bound_queue();
}

void Outbox::commit_worked() {
  last_commit_failed_ = false;
  queued_bytes_ = 0;
  queue_pass_bytes_ = options_.max_queued_bytes;
}

void Outbox::bound_queue() {
  const std::uint64_t target = options_.max_queued_bytes - options_.max_queued_bytes / 4;
  std::size_t kept = 0;
  const std::size_t newest = appends_.size() - 1;
  for (std::size_t i = 0; i < appends_.size(); ++i) {
    PendingAppend& a = appends_[i];
    if (queued_bytes_ > target && !a.awaited && i != newest) {
      queued_bytes_ -= a.bytes;
      ++devices_[a.device].queue_drops;
      ++counters_.dropped_queued;
      queue_dropped_ = true;
      continue;
    }
    if (kept != i) appends_[kept] = std::move(a);
    ++kept;
  }
  appends_.resize(kept);
  // Readings a sender waits for cannot go: when they alone pass the bound, the next pass waits
  // for another quarter of it, not for the next append (a pass per append would be quadratic).
  queue_pass_bytes_ =
      std::max(options_.max_queued_bytes, queued_bytes_ + options_.max_queued_bytes / 4);
}

}  // namespace edgegw::store
