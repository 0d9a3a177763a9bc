#include "northbound/connect_limiter.hpp"

#include <algorithm>

namespace edgegw::northbound {

namespace {

ConnectLimiter::Clock::duration interval_for(double rate) {
  if (!(rate > 0)) rate = 1;
  auto ns = static_cast<std::int64_t>(1e9 / rate);
  return std::chrono::duration_cast<ConnectLimiter::Clock::duration>(
      std::chrono::nanoseconds(std::max<std::int64_t>(ns, 1)));
}

}  // namespace

ConnectLimiter::ConnectLimiter(double connects_per_second, unsigned burst)
    : interval_(interval_for(connects_per_second)),
      tolerance_(interval_ * (std::max(burst, 1u) - 1)) {}

ConnectLimiter::Clock::time_point ConnectLimiter::peek(Clock::time_point now) const {
  return std::max(now, tat_ - tolerance_);
}

ConnectLimiter::Clock::time_point ConnectLimiter::reserve(Clock::time_point now) {
  auto go = peek(now);
  tat_ = std::max(tat_, now) + interval_;
  ++reserved_;
  return go;
}

}  // namespace edgegw::northbound
