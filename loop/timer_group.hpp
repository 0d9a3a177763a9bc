// GroupTimer: a one-shot CLOCK_MONOTONIC timer that shares its loop's one sd-event time source
// with every other GroupTimer of that loop. An sd_event_source is ~250 bytes with its place in
// sd-event's two priority queues; 10,000 idle MQTT connections each held one for their keepalive
// (~0.3 KiB a device, issue 18). Here each timer is ~40 bytes in its owner plus 8 in the group's
// heap, and the loop has one source for all of them, armed at the earliest deadline.
//
// A timer set with an accuracy fires no earlier than its time and, like sd-event's, may fire up to
// `accuracy` later: the group's source takes the earliest timer's time and accuracy, and every
// timer due when it fires runs in that one wakeup (thousands of keepalives coalesce).
//
// Callbacks run through loop::guarded (an escaped exception ends the loop, as for any source). A
// callback may arm, disarm or destroy any timer of the group, its own included; a timer armed by a
// callback runs at the next loop turn at the earliest.
#pragma once

#include <systemd/sd-event.h>

#include <cstddef>
#include <cstdint>
#include <memory>

namespace edgegw::loop {

class TimerGroup;

class GroupTimer {
 public:
  using Callback = void (*)(void* owner);

  GroupTimer() = default;
  ~GroupTimer() { reset(); }
  GroupTimer(const GroupTimer&) = delete;
  GroupTimer& operator=(const GroupTimer&) = delete;

  // Joins `loop`'s group (made with the loop's first timer); disarmed. < 0 (-errno) when the
  // group's time source cannot be made. `what` names the callback in a fault report.
  int attach(sd_event* loop, Callback callback, void* owner, const char* what);
  explicit operator bool() const noexcept { return group_ != nullptr; }
  // Leaves the group (disarmed first); its callback never runs after this.
  void reset() noexcept;

  // Fires once at `usec` (CLOCK_MONOTONIC, absolute), up to `accuracy` µs later. No-op when not
  // attached.
  void arm(std::uint64_t usec, std::uint64_t accuracy) noexcept;
  void disarm() noexcept;
  bool armed() const noexcept { return slot_ != kNone; }

  // The group this timer is in (tests: all timers of a loop share one); null when not attached.
  const TimerGroup* group() const noexcept { return group_.get(); }

 private:
  friend class TimerGroup;
  static constexpr std::uint32_t kNone = static_cast<std::uint32_t>(-1);

  std::shared_ptr<TimerGroup> group_;
  Callback callback_ = nullptr;
  void* owner_ = nullptr;
  const char* what_ = "";
  std::uint64_t usec_ = 0;
  std::uint32_t accuracy_ = 0;  // µs (clamped to ~71 min)
  std::uint32_t slot_ = kNone;  // index in the group's heap while armed
  std::uint64_t round_ = 0;     // the group's dispatch round when armed
};

class TimerGroup : public std::enable_shared_from_this<TimerGroup> {
 public:
  ~TimerGroup();
  TimerGroup(const TimerGroup&) = delete;
  TimerGroup& operator=(const TimerGroup&) = delete;

  // Timers armed now.
  std::size_t armed() const noexcept;
  // Timers attached (armed or not).
  std::size_t members() const noexcept { return members_; }
  // Groups alive in this process (one per loop with timers).
  static std::size_t groups();

 private:
  friend class GroupTimer;
  struct Private;
  explicit TimerGroup(sd_event* loop);
  static std::shared_ptr<TimerGroup> of(sd_event* loop, int* error);

  void insert(GroupTimer* timer);
  void remove(GroupTimer* timer);
  void sift_up(std::size_t i);
  void sift_down(std::size_t i);
  void place(std::size_t i, GroupTimer* timer);
  bool earlier(std::size_t a, std::size_t b) const;
  void rearm() noexcept;
  void dispatch();
  static int on_time(sd_event_source* source, std::uint64_t usec, void* self);

  sd_event* loop_;
  sd_event_source* source_ = nullptr;
  std::unique_ptr<Private> heap_;
  std::size_t members_ = 0;
  bool dispatching_ = false;
  // Counts dispatches; a timer armed during one (round_ equal) waits for the next loop turn, as
  // an sd-event source re-armed in its callback would: a timer re-armed in the past cannot spin.
  std::uint64_t round_ = 0;
};

}  // namespace edgegw::loop
