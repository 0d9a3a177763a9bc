// How many of a session's queued records may be published right now: at most max_inflight QoS 1
// messages unacknowledged, and at most publish_rate per second (the platform's per-device quota;
// Alibaba and Tencent throttle or disconnect devices that exceed it). The rate is a token bucket
// that holds up to one second of tokens, so a session may send a small burst after idling.
// Pure: time is a parameter.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>

namespace edgegw::northbound {

class SessionPublishGate {
 public:
  using Clock = std::chrono::steady_clock;

  SessionPublishGate(unsigned max_inflight, double publish_rate)
      : max_inflight_(std::max(max_inflight, 1u)),
        rate_(publish_rate > 0 ? publish_rate : 1),
        capacity_(std::max(rate_, 1.0)),
        tokens_(capacity_) {}

  // How many may go at `now` with `inflight` unacknowledged.
  std::size_t allowance(Clock::time_point now, std::size_t inflight) {
    refill(now);
    if (inflight >= max_inflight_) return 0;
    auto by_window = max_inflight_ - inflight;
    auto by_rate = static_cast<std::size_t>(tokens_);
    return std::min(by_window, by_rate);
  }

  // `n` were published at `now` (n <= allowance()).
  void spend(Clock::time_point now, std::size_t n) {
    refill(now);
    tokens_ = std::max(0.0, tokens_ - static_cast<double>(n));
  }

  // When the next token will be there (now if one is); for the session's timer.
  Clock::time_point next_token(Clock::time_point now) {
    refill(now);
    if (tokens_ >= 1) return now;
    auto wait = std::chrono::duration<double>((1 - tokens_) / rate_);
    return now + std::chrono::ceil<Clock::duration>(wait);
  }

  unsigned max_inflight() const { return max_inflight_; }

 private:
  void refill(Clock::time_point now) {
    if (last_ == Clock::time_point{}) last_ = now;
    if (now <= last_) return;
    auto elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(capacity_, tokens_ + elapsed * rate_);
    last_ = now;
  }

  unsigned max_inflight_;
  double rate_;
  double capacity_;
  double tokens_;
  Clock::time_point last_{};
};

}  // namespace edgegw::northbound
