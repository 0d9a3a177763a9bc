// EventSource: the one owner of an sd_event_source. Every module that lives on sd-event holds its
// sources in these, so a source is disabled and released exactly once, when its owner goes, and
// no callback can fire into an object that no longer exists.
//
//   loop::EventSource timer;
//   int r = sd_event_add_time_relative(loop, timer.out(), CLOCK_MONOTONIC, usec, 0, &on_timer,
//   this); if (r < 0) ... // the add failed; `timer` is still empty
#pragma once

#include <systemd/sd-event.h>

#include <cstdint>

namespace edgegw::loop {

class EventSource {
 public:
  EventSource() = default;
  explicit EventSource(sd_event_source* adopted) noexcept : source_(adopted) {}
  ~EventSource() { reset(); }

  EventSource(const EventSource&) = delete;
  EventSource& operator=(const EventSource&) = delete;
  EventSource(EventSource&& other) noexcept : source_(other.release()) {}
  EventSource& operator=(EventSource&& other) noexcept;

  // Releases what is held and returns the slot for an sd_event_add_*() call to fill.
  sd_event_source** out() noexcept;

  // Disables and releases the source (a no-op when empty). After this its callback never runs.
  void reset() noexcept;
  sd_event_source* release() noexcept;

  sd_event_source* get() const noexcept { return source_; }
  explicit operator bool() const noexcept { return source_ != nullptr; }

  // Small conveniences over the calls every owner makes; each returns sd-event's result (< 0 is
  // -errno), or -EINVAL when nothing is held.
  int set_enabled(int mode) noexcept;  // SD_EVENT_ON, SD_EVENT_OFF, SD_EVENT_ONESHOT
  int enabled() const noexcept;        // SD_EVENT_OFF when empty
  int set_io_events(std::uint32_t events) noexcept;
  // Re-arms a CLOCK_MONOTONIC timer to fire once, `usec` from now.
  int arm_relative(std::uint64_t usec) noexcept;

 private:
  sd_event_source* source_ = nullptr;
};

}  // namespace edgegw::loop
