// WalBudget: the room the outbox's size limit keeps free for the WAL's growth until its next
// restart (store/outbox_space.cpp).
//
// It starts from what the checkpoint sizes allow (twice the stall size). A WAL seen past that
// (a burst written in one commit, checkpoints held up by the background one) raises it to 1.25x
// the WAL seen: the limit learns what this file system and load really need. What it learned
// fades: it counts the largest WAL of the last 10 to 20 minutes only, so once the WAL has kept
// within the base for that long the limit is what it was (it used to keep a burst's lesson for
// as long as the daemon ran, and dropped readings for room the outbox had). A WAL that another
// process's reader pins is not learned at all: it is as big as the reader keeps it.
//
// Fed with the commit's wall-clock time; a clock set back starts the window anew.
#pragma once

#include <algorithm>
#include <cstdint>

namespace edgegw::store {

class WalBudget {
 public:
  static constexpr std::int64_t kWindowMs = 10 * 60 * 1000;

  WalBudget() = default;
  explicit WalBudget(std::uint64_t base) : base_(base) {}

  // The WAL measured `wal_bytes` at `now_ms`.
  void saw(std::uint64_t wal_bytes, bool pinned, std::int64_t now_ms) {
    roll(now_ms);
    if (!pinned && wal_bytes > base_) largest_ = std::max(largest_, wal_bytes);
  }

  std::uint64_t bytes() const {
    const std::uint64_t seen = std::max(largest_, previous_largest_);
    return std::max(base_, seen + seen / 4);
  }
  std::uint64_t base() const { return base_; }

 private:
  // Fixed windows of kWindowMs: a WAL seen counts until the end of the window after its own.
  void roll(std::int64_t now_ms) {
    if (now_ms < window_start_ms_ || window_start_ms_ == kNever) {
      window_start_ms_ = now_ms;
      return;
    }
    const std::int64_t windows = (now_ms - window_start_ms_) / kWindowMs;
    if (windows == 0) return;
    previous_largest_ = windows == 1 ? largest_ : 0;
    largest_ = 0;
    window_start_ms_ += windows * kWindowMs;  // fixed windows, however rarely it is asked
  }

  static constexpr std::int64_t kNever = INT64_MIN;
  std::uint64_t base_ = 0;
  std::uint64_t largest_ = 0;           // in the current window
  std::uint64_t previous_largest_ = 0;  // in the window before it
  std::int64_t window_start_ms_ = kNever;
};

}  // namespace edgegw::store
