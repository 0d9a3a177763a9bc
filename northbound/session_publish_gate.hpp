// How many of a session's queued records may be published right now: at most max_inflight QoS 1
// messages unacknowledged, and at most publish_rate in ANY one-second window (the platform's
// per-device quota; Alibaba and Tencent throttle or disconnect devices that exceed it).
//
// A token bucket that holds a second of tokens lets 2 × rate through in some one-second window (a
// full bucket, then the refill), so the rate is a sliding-window log instead: the times of the last
// N publications, N = floor(rate); one more may go when the oldest of them is a window old. Below
// one per second the window is 1/rate seconds and N is 1. The log costs N time points per session
// (30 for the default rate). Pure: time is a parameter.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>

#include "northbound/fifo.hpp"

namespace edgegw::northbound {

class SessionPublishGate {
 public:
  using Clock = std::chrono::steady_clock;

  SessionPublishGate(unsigned max_inflight, double publish_rate)
      : max_inflight_(std::max(max_inflight, 1u)),
        per_window_(publish_rate >= 1 ? static_cast<std::size_t>(std::floor(publish_rate)) : 1),
        window_(publish_rate >= 1 || publish_rate <= 0
                    ? Clock::duration(std::chrono::seconds(1))
                    : std::chrono::ceil<Clock::duration>(
                          std::chrono::duration<double>(1.0 / publish_rate))) {}

  // How many may go at `now` with `inflight` unacknowledged.
  std::size_t allowance(Clock::time_point now, std::size_t inflight) {
    forget_before(now);
    if (inflight >= max_inflight_) return 0;
    const std::size_t by_window = max_inflight_ - inflight;
    const std::size_t by_rate = per_window_ - sent_.size();
    return std::min(by_window, by_rate);
  }

  // `n` were published at `now` (n <= allowance()).
  void spend(Clock::time_point now, std::size_t n) {
    forget_before(now);
    for (std::size_t i = 0; i < n; ++i) sent_.push_back(now);
    while (sent_.size() > per_window_) sent_.pop_front();
  }

  // When the next one may go (now if one may); for the session's timer.
  Clock::time_point next_token(Clock::time_point now) {
    forget_before(now);
    if (sent_.size() < per_window_) return now;
    return sent_.front() + window_;
  }

  unsigned max_inflight() const { return max_inflight_; }

 private:
  // A publication at t counts against every window (t - window, t]; at t + window it is out.
  void forget_before(Clock::time_point now) {
    while (!sent_.empty() && sent_.front() + window_ <= now) sent_.pop_front();
  }

  unsigned max_inflight_;
  std::size_t per_window_;
  Clock::duration window_;
  Fifo<Clock::time_point> sent_;  // no storage while nothing was sent lately
};

}  // namespace edgegw::northbound
