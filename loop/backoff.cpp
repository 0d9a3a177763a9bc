#include "loop/backoff.hpp"

#include <algorithm>

namespace edgegw::loop {

Backoff::Backoff(BackoffOptions options, std::uint64_t seed) : options_(options), rng_(seed) {
  using std::chrono::milliseconds;
  if (options_.min.count() < 0) options_.min = milliseconds(0);
  if (options_.max < options_.min) options_.max = options_.min;
  if (options_.floor.count() < 0) options_.floor = milliseconds(0);
}

std::chrono::milliseconds Backoff::ceiling() const {
  // Doubling stops once it reaches max; the loop is bounded so it cannot overflow.
  auto ceiling = options_.min;
  for (unsigned i = 0; i < attempts_ && ceiling < options_.max; ++i) {
    ceiling = ceiling.count() == 0 ? options_.max : ceiling * 2;
  }
  return std::max(std::min(ceiling, options_.max), options_.floor);
}

std::chrono::milliseconds Backoff::next_delay() {
  const auto hi = ceiling();
  std::chrono::milliseconds delay = hi;
  switch (options_.jitter) {
    case Jitter::full:
      delay = uniform(options_.floor, hi);
      break;
    case Jitter::equal:
      delay = uniform(std::max(options_.floor, hi / 2), hi);
      break;
    case Jitter::none:
      break;
  }
  if (attempts_ < 64) ++attempts_;
  return delay;
}

std::chrono::milliseconds Backoff::long_delay() {
  if (attempts_ < 64) ++attempts_;
  return uniform(std::max(options_.floor, options_.max / 2),
                 std::max(options_.floor, options_.max));
}

void Backoff::link_up(Clock::time_point now) {
  up_ = true;
  up_since_ = now;
}

void Backoff::link_down(Clock::time_point now) {
  if (up_ && now - up_since_ >= options_.stable_after) attempts_ = 0;
  up_ = false;
}

std::chrono::milliseconds Backoff::uniform(std::chrono::milliseconds lo,
                                           std::chrono::milliseconds hi) {
  if (hi <= lo) return lo;
  std::uniform_int_distribution<std::int64_t> pick(lo.count(), hi.count());
  return std::chrono::milliseconds(pick(rng_));
}

}  // namespace edgegw::loop
