#include "loop/event_source.hpp"

#include <cerrno>

namespace edgegw::loop {

EventSource& EventSource::operator=(EventSource&& other) noexcept {
  if (this != &other) {
    reset();
    source_ = other.release();
  }
  return *this;
}

sd_event_source** EventSource::out() noexcept {
  reset();
  return &source_;
}

void EventSource::reset() noexcept {
  if (source_) source_ = sd_event_source_disable_unref(source_);
}

sd_event_source* EventSource::release() noexcept {
  sd_event_source* s = source_;
  source_ = nullptr;
  return s;
}

int EventSource::set_enabled(int mode) noexcept {
  return source_ ? sd_event_source_set_enabled(source_, mode) : -EINVAL;
}

int EventSource::enabled() const noexcept {
  int mode = SD_EVENT_OFF;
  if (source_ && sd_event_source_get_enabled(source_, &mode) < 0) return SD_EVENT_OFF;
  return mode;
}

int EventSource::set_io_events(std::uint32_t events) noexcept {
  return source_ ? sd_event_source_set_io_events(source_, events) : -EINVAL;
}

int EventSource::arm_relative(std::uint64_t usec) noexcept {
  if (!source_) return -EINVAL;
  int r = sd_event_source_set_time_relative(source_, usec);
  if (r >= 0) r = sd_event_source_set_enabled(source_, SD_EVENT_ONESHOT);
  return r;
}

}  // namespace edgegw::loop
