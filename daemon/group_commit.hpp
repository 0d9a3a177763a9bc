// GroupCommit: the one caller of Outbox::commit() in the daemon (store/outbox.hpp wants one owner).
//
// Appends and acks only queue in memory; one SQLite transaction makes everything queued durable
// when the loop has nothing else to do, or at the latest `latency` after the first queued change
// when the loop stays busy, so the loop pays one fsync per batch, never one per record. After a
// commit the sessions are offered the new records (after_commit: Northbound::drain).
//
// Commits are paced: the next one runs no sooner than `min_interval` (1 ms) after the last, unless
// a source can send nothing more until it runs (`waited_on`: the local broker's window looks full,
// southbound::LocalMqttSource::blocked_on_commit; its messages are acknowledged only once
// durable). A loop under load goes idle after nearly every read, and committing at each idle
// moment made commits of ~5 readings at 1 device in the forwarding bench (tests/bench/pipeline):
// two fcntl locks, a WAL write and SQLite's per-transaction work for every few readings. Paced,
// edgegw's own CPU per forwarded message at 1 device fell from 28.5-32.5 to 21 us (sync=normal;
// docs/local-mqtt.md). A reading waits at most that 1 ms longer. Pacing that did not know when
// the broker is blocked capped its stream at one window per interval (0.4x the rate at 100
// devices when tried).
//
// A failed commit (disk full, the database locked or broken) keeps everything queued; it is logged
// once, with one text, until a commit works again, and retried after a growing delay:
// loop::Backoff with Jitter::none, 100 ms doubling to 10 s. No jitter because there is one disk
// and one committer - no herd of clients to spread - and a predictable retry keeps the journal and
// the tests exact. Every `max_age_ticks` housekeeping ticks it commits even when nothing is queued,
// because that is when the outbox drops records older than store.max_age.
//
// When to run is asked of a CommitWakeup: on the loop an idle-priority defer source plus a timer
// (LoopCommitWakeup); in tests a recorder, with the time passed in, so batching and retry are
// tested without a loop (tests/unit/daemon/group_commit_test.cpp).
#pragma once

#include <systemd/sd-event.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "loop/backoff.hpp"
#include "loop/event_source.hpp"
#include "loop/log_rate_limit.hpp"
#include "store/outbox.hpp"

namespace edgegw::daemon {

// Runs the group commit once, later: when the loop is idle (if `when_idle`) or after `delay`,
// whichever comes first. disarm() cancels what is armed.
class CommitWakeup {
 public:
  virtual ~CommitWakeup() = default;
  virtual void arm(std::chrono::microseconds delay, bool when_idle) = 0;
  virtual void disarm() = 0;
};

struct GroupCommitOptions {
  std::chrono::milliseconds latency{20};  // the longest a queued change waits on a busy loop
  // The least time between two commits, unless a source waits on the next one (see above).
  std::chrono::microseconds min_interval{1000};
  loop::BackoffOptions retry{std::chrono::milliseconds(100), std::chrono::milliseconds(10000),
                             std::chrono::milliseconds(0), loop::Jitter::none,
                             std::chrono::milliseconds(0)};
  unsigned max_age_ticks = 60;  // housekeeping ticks between commits that only enforce max_age
  // A full store drops records at every commit: its warnings (dropped, made room, quarantined)
  // are rate-limited, with the count of the lines left out.
  loop::LogRateLimitOptions log_limit;
};

struct GroupCommitCounters {
  std::uint64_t commits = 0;   // successful commits
  std::uint64_t failures = 0;  // failed attempts (each retry counts)
};

class GroupCommit {
 public:
  using Clock = std::chrono::steady_clock;

  // `outbox` and `wakeup` outlive this; `after_commit` runs after every commit attempt that did
  // not fail (it drains the outbox into the sessions).
  GroupCommit(store::Outbox& outbox, CommitWakeup& wakeup, std::function<void()> after_commit,
              GroupCommitOptions options = {});
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Something may have been queued (an append, an ack): arms the wakeup unless it is armed
  // already (or re-arms a paced one for the next idle moment when a source now waits on it).
  // Cheap; call it as often as you like (the Gateway calls it whenever the outbox queues).
  void request(Clock::time_point now);
  // Asked at each request(): true when a source can send nothing more until the next commit
  // (Gateway: the local broker's window is full). Such a commit is not paced.
  void set_waited_on(std::function<bool()> waited_on) { waited_on_ = std::move(waited_on); }
  // The wakeup fired: commit what is queued (and drain), or retry a failed commit.
  void run(Clock::time_point now);
  // One housekeeping tick (once a second): now and then a commit for max_age.
  void tick(Clock::time_point now);
  // Commits what is queued now, whatever is armed (shutdown, tests). False when it failed.
  bool flush();

  bool armed() const { return armed_; }
  // Armed for the end of min_interval rather than the next idle moment.
  bool paced() const { return armed_ && paced_; }
  bool failing() const { return failing_; }
  // Why the last commit failed ("disk full" or SQLite's message); empty while commits work.
  const std::string& last_error() const { return last_error_; }
  // When the next retry is due after a failure (the epoch otherwise).
  Clock::time_point retry_at() const { return retry_at_; }
  const GroupCommitCounters& counters() const { return counters_; }

 private:
  // One Outbox::commit() and what follows from its result; false when it failed.
  bool commit_once(Clock::time_point now);
  void report_commit(const store::CommitResult& result);
  void report_queue_drops();

  store::Outbox& outbox_;
  CommitWakeup& wakeup_;
  std::function<void()> after_commit_;
  std::function<bool()> waited_on_;
  GroupCommitOptions options_;
  loop::Backoff retry_;
  bool armed_ = false;
  bool paced_ = false;    // armed_ for last_commit_ + min_interval, not for the idle moment
  bool failing_ = false;  // the last commit failed (logged once until one works again)
  std::string last_error_;
  Clock::time_point retry_at_{};
  Clock::time_point last_commit_{};  // the last successful commit
  std::uint64_t ticks_ = 0;
  GroupCommitCounters counters_;
  loop::LogRateLimit dropping_log_;    // full disk, max_size, max_age, max_queued (store dropping)
  loop::LogRateLimit quarantine_log_;  // records that failed their checksum
  loop::LogRateLimit wal_log_;         // another process's reader pins the WAL
  bool wal_pinned_ = false;            // the last commit found the WAL pinned
  std::uint64_t queue_drops_reported_ = 0;  // OutboxCounters::dropped_queued at the last line
};

// The CommitWakeup of the running daemon: an idle-priority defer source (the loop has nothing
// else to do) and a CLOCK_MONOTONIC timer (the latest moment), both calling `fire`.
// The timer is left running by disarm() and kept by arm() when it is due no later than asked:
// a busy loop commits thousands of times a second, and setting and clearing the deadline for
// each batch cost a timerfd_settime() or two per commit. A timer that fires while nothing is
// armed does nothing (at most once per `delay`).
class LoopCommitWakeup final : public CommitWakeup {
 public:
  // Throws std::runtime_error when the sources cannot be added (startup only).
  LoopCommitWakeup(sd_event* loop, std::function<void()> fire);
  void arm(std::chrono::microseconds delay, bool when_idle) override;
  void disarm() override;
  // When the timer is due (CLOCK_MONOTONIC microseconds); 0 when it is off. For tests.
  std::uint64_t timer_due() const;

 private:
  static int on_idle(sd_event_source* s, void* self) noexcept;
  static int on_timer(sd_event_source* s, std::uint64_t usec, void* self) noexcept;

  sd_event* loop_;
  std::function<void()> fire_;
  loop::EventSource idle_;
  loop::EventSource timer_;
  bool armed_ = false;
};

}  // namespace edgegw::daemon
