#include "loop/backoff.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace edgegw::loop {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

BackoffOptions options() {
  return {milliseconds(1000), milliseconds(60000), milliseconds(60000)};
}

TEST(Backoff, EveryDelayLiesInTheDoublingWindowCappedAtMax) {
  Backoff backoff(options(), 42);
  for (unsigned n = 0; n < 20; ++n) {
    auto ceiling = backoff.ceiling();
    auto expected = std::min<std::int64_t>(60000, 1000ll << std::min(n, 20u));
    EXPECT_EQ(ceiling.count(), expected) << "attempt " << n;
    auto delay = backoff.next_delay();
    EXPECT_GE(delay.count(), 0);
    EXPECT_LE(delay, ceiling);
  }
  EXPECT_EQ(backoff.ceiling(), milliseconds(60000));
}

TEST(Backoff, FullJitterSpreadsOverTheWholeWindow) {
  // Many sessions at the same attempt draw from [0, ceiling]: both halves of the window are hit
  // and the mean is near the middle, so reconnects are not synchronized.
  std::int64_t sum = 0;
  int low = 0, high = 0;
  const int n = 10000;
  for (int i = 0; i < n; ++i) {
    Backoff backoff(options(), static_cast<std::uint64_t>(i));
    for (int k = 0; k < 3; ++k) backoff.next_delay();
    auto d = backoff.next_delay().count();  // ceiling 8 s
    ASSERT_LE(d, 8000);
    sum += d;
    (d < 4000 ? low : high)++;
  }
  EXPECT_NEAR(static_cast<double>(sum) / n, 4000, 200);
  EXPECT_GT(low, n / 3);
  EXPECT_GT(high, n / 3);
}

TEST(Backoff, SameSeedSameSequenceOtherSeedOtherSequence) {
  Backoff a(options(), 7), b(options(), 7), c(options(), 8);
  std::vector<milliseconds> sa, sb, sc;
  for (int i = 0; i < 10; ++i) {
    sa.push_back(a.next_delay());
    sb.push_back(b.next_delay());
    sc.push_back(c.next_delay());
  }
  EXPECT_EQ(sa, sb);
  EXPECT_NE(sa, sc);
}

TEST(Backoff, ResetsOnlyAfterTheLinkStayedUpStableAfter) {
  Backoff backoff(options(), 1);
  for (int i = 0; i < 5; ++i) backoff.next_delay();
  EXPECT_EQ(backoff.attempts(), 5u);
  auto t0 = Backoff::Clock::time_point{} + seconds(1000);

  backoff.link_up(t0);
  backoff.link_down(t0 + seconds(59));  // dropped before a minute: keeps growing
  EXPECT_EQ(backoff.attempts(), 5u);
  EXPECT_EQ(backoff.ceiling(), milliseconds(32000));

  backoff.link_up(t0 + seconds(100));
  backoff.link_down(t0 + seconds(160));  // a full minute up: start afresh
  EXPECT_EQ(backoff.attempts(), 0u);
  EXPECT_EQ(backoff.ceiling(), milliseconds(1000));
}

TEST(Backoff, LongDelayIsJitteredInTheUpperHalfOfMax) {
  std::set<std::int64_t> seen;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    Backoff backoff(options(), seed);
    auto d = backoff.long_delay();
    EXPECT_GE(d, milliseconds(30000));
    EXPECT_LE(d, milliseconds(60000));
    seen.insert(d.count());
  }
  EXPECT_GT(seen.size(), 100u);
}

TEST(Backoff, DegenerateOptionsStayInRange) {
  Backoff zero({milliseconds(0), milliseconds(0), milliseconds(0)}, 3);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(zero.next_delay(), milliseconds(0));
  Backoff inverted({milliseconds(5000), milliseconds(1000), milliseconds(0)}, 3);
  for (int i = 0; i < 100; ++i) EXPECT_LE(inverted.next_delay(), milliseconds(5000));
  Backoff huge({milliseconds(1), milliseconds(7 * 24 * 3600 * 1000LL), milliseconds(0)}, 3);
  for (int i = 0; i < 200; ++i) EXPECT_LE(huge.next_delay(), milliseconds(7 * 24 * 3600 * 1000LL));
}

TEST(Backoff, EqualJitterStaysInTheUpperHalfOfTheWindow) {
  BackoffOptions o = options();
  o.jitter = Jitter::equal;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    Backoff backoff(o, seed);
    for (int attempt = 0; attempt < 10; ++attempt) {
      const auto ceiling = backoff.ceiling();
      const auto d = backoff.next_delay();
      EXPECT_GE(d, ceiling / 2);
      EXPECT_LE(d, ceiling);
    }
  }
}

TEST(Backoff, NoJitterDoublesExactlyUpToMax) {
  BackoffOptions o{milliseconds(100), milliseconds(1000), milliseconds(0), Jitter::none};
  Backoff backoff(o, 1);
  std::vector<long> got;
  for (int i = 0; i < 6; ++i) got.push_back(static_cast<long>(backoff.next_delay().count()));
  EXPECT_EQ(got, (std::vector<long>{100, 200, 400, 800, 1000, 1000}));
}

TEST(Backoff, FloorBoundsEveryDelayFromBelow) {
  // A platform that allows one connect per 5 s per device: full jitter must never go under it.
  BackoffOptions o{milliseconds(1000), milliseconds(60000), milliseconds(60000), Jitter::full,
                   milliseconds(5000)};
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    Backoff backoff(o, seed);
    for (int attempt = 0; attempt < 8; ++attempt) EXPECT_GE(backoff.next_delay(), seconds(5));
    EXPECT_GE(backoff.long_delay(), seconds(5));
  }
}

TEST(Backoff, LinkDroppedRightAfterComingUpKeepsGrowing) {
  // A peer that accepts the connection and drops it at once must back off like one that refuses.
  Backoff backoff(options(), 3);
  auto t = Backoff::Clock::time_point{} + seconds(100);
  for (int i = 0; i < 5; ++i) {
    backoff.next_delay();
    backoff.link_up(t);
    t += milliseconds(200);
    backoff.link_down(t);
  }
  EXPECT_EQ(backoff.attempts(), 5u);
  EXPECT_EQ(backoff.ceiling(), milliseconds(32000));
}

}  // namespace
}  // namespace edgegw::loop
