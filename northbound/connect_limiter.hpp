// The gateway-wide cap on new connection attempts (connects_per_second), shared by every session.
//
// A session that wants to connect asks for a slot and is told when it may go; it does not poll.
// The schedule is a token bucket written as GCRA (a "theoretical arrival time"): up to `burst`
// attempts may go at once after a quiet spell, then one every 1/rate. 10,000 sessions that all
// become ready in the same second after a cloud outage are therefore spread over 10,000/rate
// seconds, and the cloud sees a steady trickle rather than a storm. Requests must be made with
// non-decreasing `now` (they are: the event loop's clock); a slot is never taken back.
#pragma once

#include <chrono>
#include <cstdint>

namespace edgegw::northbound {

class ConnectLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // rate > 0 attempts per second; burst >= 1.
  ConnectLimiter(double connects_per_second, unsigned burst);

  // Reserves the next slot for a session ready at `now`; returns when it may connect (>= now).
  Clock::time_point reserve(Clock::time_point now);

  // When a request made at `now` would be allowed to go, without reserving (for status).
  Clock::time_point peek(Clock::time_point now) const;

  std::uint64_t reserved() const { return reserved_; }
  Clock::duration interval() const { return interval_; }

 private:
  Clock::duration interval_;
  Clock::duration tolerance_;  // (burst - 1) intervals may be taken ahead of the schedule
  Clock::time_point tat_{};    // theoretical arrival time of the next request
  std::uint64_t reserved_ = 0;
};

}  // namespace edgegw::northbound
