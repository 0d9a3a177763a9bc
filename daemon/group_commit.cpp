#include "daemon/group_commit.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "daemon/logging.hpp"
#include "loop/guarded.hpp"

namespace edgegw::daemon {

namespace {

// The store's stable events go to the journal with their MESSAGE_ID (journalctl -x explains them),
// rate-limited like every repeated line.
loop::LogSink journal_event(const log::MessageId& id) {
  return [&id](loop::LogLevel level, std::string_view, std::string_view message) {
    log::event(log::to_spdlog(level), id, {}, "{}", message);
  };
}

}  // namespace

GroupCommit::GroupCommit(store::Outbox& outbox, CommitWakeup& wakeup,
                         std::function<void()> after_commit, GroupCommitOptions options)
    : outbox_(outbox),
      wakeup_(wakeup),
      after_commit_(std::move(after_commit)),
      options_(options),
      retry_(options.retry, 0),
      dropping_log_(nullptr, journal_event(log::kStoreDropping), options.log_limit),
      quarantine_log_(nullptr, journal_event(log::kStoreQuarantined), options.log_limit),
      wal_log_(nullptr, journal_event(log::kStoreWalPinned), options.log_limit) {}

void GroupCommit::request(Clock::time_point now) {
  if (armed_ && !paced_) return;
  if (!outbox_.has_pending() && !failing_) return;
  if (now < retry_at_) {
    // After a failure only the retry time counts: an idle loop must not hammer a full disk.
    if (armed_) return;
    armed_ = true;
    paced_ = false;
    wakeup_.arm(std::chrono::ceil<std::chrono::microseconds>(retry_at_ - now), false);
    return;
  }
  const auto earliest = last_commit_ + options_.min_interval;
  const bool pace = now < earliest && !(waited_on_ && waited_on_());
  if (armed_ && pace) return;  // paced already, and still nobody waits
  armed_ = true;
  paced_ = pace;
  if (pace) {
    wakeup_.arm(std::chrono::ceil<std::chrono::microseconds>(earliest - now), false);
  } else {
    wakeup_.arm(options_.latency, true);
  }
}

void GroupCommit::run(Clock::time_point now) {
  armed_ = false;
  paced_ = false;
  wakeup_.disarm();
  // While failing, retry even with nothing queued: only a commit that works ends the failure.
  if (outbox_.has_pending() || failing_) {
    if (!commit_once(now)) {
      retry_at_ = now + retry_.next_delay();
      request(now);
      return;
    }
  }
  if (after_commit_) after_commit_();
}

void GroupCommit::tick(Clock::time_point now) {
  // The count of rate-limited lines, once their window is over.
  dropping_log_.flush_at(now);
  quarantine_log_.flush_at(now);
  if (++ticks_ % options_.max_age_ticks != 0 || armed_) return;
  // Nothing may be queued: the commit is for max_age, which only a commit enforces.
  if (!commit_once(now)) {
    retry_at_ = now + retry_.next_delay();
    request(now);
  }
}

bool GroupCommit::flush() {
  armed_ = false;
  paced_ = false;
  wakeup_.disarm();
  if (!outbox_.has_pending() && !failing_) {
    if (after_commit_) after_commit_();
    return true;
  }
  const bool ok = commit_once(Clock::now());
  if (ok && after_commit_) after_commit_();
  return ok;
}

bool GroupCommit::commit_once(Clock::time_point now) {
  const store::CommitResult r = outbox_.commit();
  if (!r.ok()) {
    ++counters_.failures;
    last_error_ = r.status == store::CommitStatus::disk_full ? "disk full" : r.error;
    if (r.wal_pinned_bytes > 0) {
      last_error_ += "; another process's read transaction pins the WAL at " +
                     std::to_string(r.wal_pinned_bytes >> 20) + " MiB";
    }
    if (!failing_) {
      spdlog::error(
          "outbox: commit failed ({}); readings stay queued in memory and the commit is retried "
          "(past store.max_queued the oldest are dropped)",
          last_error_);
    }
    failing_ = true;
    report_queue_drops();
    return false;
  }
  if (failing_) spdlog::info("outbox: commits succeed again");
  report_queue_drops();
  failing_ = false;
  last_error_.clear();
  retry_.reset();
  retry_at_ = {};
  ++counters_.commits;
  last_commit_ = now;
  report_commit(r);
  return true;
}

// Readings dropped from the memory queue while commits failed (store/outbox_queue.cpp): said at
// each attempt that finds more of them, rate-limited with the other drops.
void GroupCommit::report_queue_drops() {
  const std::uint64_t dropped = outbox_.counters().dropped_queued;
  if (dropped == queue_drops_reported_) return;
  const std::uint64_t more = dropped - queue_drops_reported_;
  queue_drops_reported_ = dropped;
  dropping_log_.log(loop::LogLevel::warning, {}, "outbox queue drops",
                    "outbox: while commits failed (" + last_error_ +
                        "), the readings waiting in memory for them passed store.max_queued: "
                        "dropped the oldest " +
                        std::to_string(more) + ", never stored");
}

// Each sort of line has its own budget, so a steady max_age drop cannot hide a full disk.
void GroupCommit::report_commit(const store::CommitResult& r) {
  if (r.made_room) {
    dropping_log_.log(loop::LogLevel::warning, {}, "outbox full disk",
                      "outbox: the file system is full; dropped the oldest " +
                          std::to_string(r.dropped_by_size) +
                          " record(s) to make room (free space on the state directory)");
  } else if (r.dropped_by_size > 0 || r.dropped_by_age > 0) {
    dropping_log_.log(loop::LogLevel::warning, {}, "outbox drops",
                      "outbox: dropped " + std::to_string(r.dropped_by_size) +
                          " record(s) over store.max_size and " + std::to_string(r.dropped_by_age) +
                          " over store.max_age");
  }
  if (r.wal_pinned_bytes > 0) {
    wal_log_.log(loop::LogLevel::warning, {}, "outbox wal pinned",
                 "outbox: another process keeps a read transaction open on outbox.db, so its WAL "
                 "cannot be copied back and restarted: the WAL is " +
                     std::to_string(r.wal_pinned_bytes >> 20) +
                     " MiB and grows with every commit until that reader ends its transaction "
                     "(fuser -v on the state directory's outbox.db names it)");
  } else if (wal_pinned_) {
    spdlog::info("outbox: the WAL was copied back and restarted; the reader that held it is gone");
  }
  wal_pinned_ = r.wal_pinned_bytes > 0;
  if (r.quarantined > 0) {
    quarantine_log_.log(
        loop::LogLevel::warning, {}, "outbox quarantine",
        "outbox: " + std::to_string(r.quarantined) +
            " record(s) failed their checksum and were moved to the quarantine table "
            "(they are not sent)");
  }
}

// --- on the loop --------------------------------------------------------------------------------

LoopCommitWakeup::LoopCommitWakeup(sd_event* loop, std::function<void()> fire)
    : loop_(loop), fire_(std::move(fire)) {
  int r = sd_event_add_defer(loop, idle_.out(), &LoopCommitWakeup::on_idle, this);
  if (r >= 0) r = sd_event_source_set_priority(idle_.get(), SD_EVENT_PRIORITY_IDLE);
  if (r >= 0) r = idle_.set_enabled(SD_EVENT_OFF);
  if (r >= 0) {
    r = sd_event_add_time_relative(loop, timer_.out(), CLOCK_MONOTONIC, 0, 0,
                                   &LoopCommitWakeup::on_timer, this);
  }
  // sd-event's default accuracy (an accuracy of 0) lets a timer fire up to 250 ms late on an
  // otherwise idle loop: a paced commit due in 1 ms would hold its readings that long.
  if (r >= 0) r = sd_event_source_set_time_accuracy(timer_.get(), 1);
  if (r >= 0) r = timer_.set_enabled(SD_EVENT_OFF);
  if (r < 0) throw std::runtime_error("cannot set up the outbox's group commit on the event loop");
}

void LoopCommitWakeup::arm(std::chrono::microseconds delay, bool when_idle) {
  armed_ = true;
  if (when_idle) idle_.set_enabled(SD_EVENT_ONESHOT);
  const auto delay_usec = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(delay).count());
  std::uint64_t now = 0;
  const std::uint64_t due = timer_due();
  if (due != 0 && sd_event_now(loop_, CLOCK_MONOTONIC, &now) >= 0 && due <= now + delay_usec) {
    return;  // an earlier deadline, still set from an earlier batch, serves
  }
  timer_.arm_relative(delay_usec);
}

void LoopCommitWakeup::disarm() {
  armed_ = false;
  idle_.set_enabled(SD_EVENT_OFF);
}

std::uint64_t LoopCommitWakeup::timer_due() const {
  std::uint64_t due = 0;
  if (timer_.enabled() == SD_EVENT_OFF || sd_event_source_get_time(timer_.get(), &due) < 0) {
    return 0;
  }
  return due;
}

int LoopCommitWakeup::on_idle(sd_event_source* s, void* self) noexcept {
  return loop::guarded(s, "group commit (idle)", [self] {
    auto* wakeup = static_cast<LoopCommitWakeup*>(self);
    if (wakeup->armed_) wakeup->fire_();
  });
}

int LoopCommitWakeup::on_timer(sd_event_source* s, std::uint64_t, void* self) noexcept {
  return loop::guarded(s, "group commit (timer)", [self] {
    auto* wakeup = static_cast<LoopCommitWakeup*>(self);
    if (wakeup->armed_) wakeup->fire_();
  });
}

}  // namespace edgegw::daemon
