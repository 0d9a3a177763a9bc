#include "northbound/connect_limiter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace edgegw::northbound {
namespace {

using Clock = ConnectLimiter::Clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

const Clock::time_point t0 = Clock::time_point{} + seconds(100000);

// The largest number of slots in any window [t, t + 1 s) that starts at a slot.
std::size_t max_per_second(std::vector<Clock::time_point> slots) {
  std::sort(slots.begin(), slots.end());
  std::size_t best = 0, lo = 0;
  for (std::size_t hi = 0; hi < slots.size(); ++hi) {
    while (slots[hi] - slots[lo] >= seconds(1)) ++lo;
    best = std::max(best, hi - lo + 1);
  }
  return best;
}

TEST(ConnectLimiter, BurstGoesAtOnceThenOneEveryInterval) {
  ConnectLimiter limiter(10, 3);
  EXPECT_EQ(limiter.reserve(t0), t0);
  EXPECT_EQ(limiter.reserve(t0), t0);
  EXPECT_EQ(limiter.reserve(t0), t0);
  EXPECT_EQ(limiter.reserve(t0), t0 + milliseconds(100));
  EXPECT_EQ(limiter.reserve(t0), t0 + milliseconds(200));
  EXPECT_EQ(limiter.reserved(), 5u);
}

TEST(ConnectLimiter, TenThousandSimultaneousRequestsAreSpreadAtTheRate) {
  const double rate = 20;
  const unsigned burst = 5;
  ConnectLimiter limiter(rate, burst);
  std::vector<Clock::time_point> slots;
  for (int i = 0; i < 10000; ++i) slots.push_back(limiter.reserve(t0));

  EXPECT_TRUE(std::is_sorted(slots.begin(), slots.end()));
  EXPECT_EQ(std::count(slots.begin(), slots.end(), t0), burst);
  // The last one goes after (10,000 - burst) intervals: about 500 s, not at once.
  EXPECT_EQ(slots.back(), t0 + milliseconds(50) * (10000 - burst));
  EXPECT_LE(max_per_second(slots), static_cast<std::size_t>(rate) + burst);
}

TEST(ConnectLimiter, RequestsArrivingFasterThanTheRateAreBoundedInEverySecond) {
  // Sessions become ready at 200 per second (jittered backoffs ending after an outage); the
  // limiter lets 50 per second through plus the burst.
  ConnectLimiter limiter(50, 10);
  std::vector<Clock::time_point> slots;
  for (int i = 0; i < 10000; ++i) {
    auto now = t0 + milliseconds(5 * i);
    slots.push_back(limiter.reserve(now));
    EXPECT_GE(slots.back(), now);
  }
  EXPECT_LE(max_per_second(slots), 60u);
  EXPECT_GE(max_per_second(slots), 50u);
}

TEST(ConnectLimiter, SlowRequestsGoImmediatelyAndAQuietSpellRefillsTheBurst) {
  ConnectLimiter limiter(1, 2);
  for (int i = 0; i < 10; ++i) {
    auto now = t0 + seconds(2 * i);
    EXPECT_EQ(limiter.reserve(now), now);
  }
  auto later = t0 + seconds(100);
  EXPECT_EQ(limiter.reserve(later), later);
  EXPECT_EQ(limiter.reserve(later), later);
  EXPECT_EQ(limiter.reserve(later), later + seconds(1));
  EXPECT_EQ(limiter.peek(later), later + seconds(2));
}

TEST(ConnectLimiter, NonsenseRateStillSchedules) {
  ConnectLimiter limiter(0, 0);
  EXPECT_EQ(limiter.reserve(t0), t0);
  EXPECT_GT(limiter.reserve(t0), t0);
}

}  // namespace
}  // namespace edgegw::northbound
