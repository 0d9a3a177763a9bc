#include <gtest/gtest.h>

#include <vector>

#include "northbound/session_publish_gate.hpp"

namespace edgegw::northbound {
namespace {

using Clock = SessionPublishGate::Clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

const Clock::time_point t0 = Clock::time_point{} + seconds(100000);

TEST(SessionPublishGate, NeverMoreThanMaxInflightUnacknowledged) {
  SessionPublishGate gate(16, 1000);
  EXPECT_EQ(gate.allowance(t0, 0), 16u);
  EXPECT_EQ(gate.allowance(t0, 10), 6u);
  EXPECT_EQ(gate.allowance(t0, 16), 0u);
  EXPECT_EQ(gate.allowance(t0, 20), 0u);
}

TEST(SessionPublishGate, PublishRateHoldsOverTime) {
  // Acks come back at once (inflight 0): only the rate limits. 30/s for 100 s → about 3,000
  // (plus the one-second bucket it starts with).
  SessionPublishGate gate(16, 30);
  std::size_t sent = 0;
  auto now = t0;
  while (now < t0 + seconds(100)) {
    auto n = gate.allowance(now, 0);
    gate.spend(now, n);
    sent += n;
    now = std::max(gate.next_token(now), now + milliseconds(1));
  }
  EXPECT_GE(sent, 2990u);
  EXPECT_LE(sent, 3000u);
}

// Issue 15 item 7: a bucket holding a second of tokens let 47 through in one calendar second at
// rate 30. Whatever the pattern of polls, no window (t - 1 s, t] may hold more than the rate.
TEST(SessionPublishGate, NoOneSecondWindowEverHoldsMoreThanTheRate) {
  for (double rate : {30.0, 7.5, 1.0}) {
    SessionPublishGate gate(1000, rate);
    std::vector<Clock::time_point> sent;
    auto now = t0;
    unsigned step = 1;
    while (now < t0 + seconds(20)) {
      auto n = gate.allowance(now, 0);
      gate.spend(now, n);
      sent.insert(sent.end(), n, now);
      // Irregular polling, including an idle stretch that would fill a token bucket.
      step = (step * 7 + 3) % 97;
      now = now < t0 + seconds(5) ? now + milliseconds(step)
                                  : std::max(gate.next_token(now), now + milliseconds(1));
      if (now > t0 + seconds(3) && now < t0 + seconds(5)) now = t0 + seconds(5);
    }
    const auto limit = static_cast<std::size_t>(rate);
    for (std::size_t i = 0; i < sent.size(); ++i) {
      std::size_t in_window = 0;
      for (std::size_t j = i; j < sent.size() && sent[j] < sent[i] + seconds(1); ++j) ++in_window;
      ASSERT_LE(in_window, limit) << "rate " << rate << " at " << i;
    }
    EXPECT_GE(sent.size(), static_cast<std::size_t>(rate * 15)) << rate;
  }
}

TEST(SessionPublishGate, NextTokenSaysWhenToLookAgain) {
  SessionPublishGate gate(16, 10);
  auto n = gate.allowance(t0, 0);
  EXPECT_EQ(n, 10u);
  gate.spend(t0, n);
  EXPECT_EQ(gate.allowance(t0, 0), 0u);
  auto next = gate.next_token(t0);
  // All ten went at t0: the next may go when they leave the window, a second later.
  EXPECT_EQ(next, t0 + seconds(1));
  EXPECT_EQ(gate.allowance(next - milliseconds(1), 0), 0u);
  EXPECT_EQ(gate.allowance(next, 0), 10u);
}

TEST(SessionPublishGate, SlowRatesStillAllowOneMessage) {
  SessionPublishGate gate(4, 0.5);
  EXPECT_EQ(gate.allowance(t0, 0), 1u);
  gate.spend(t0, 1);
  EXPECT_EQ(gate.allowance(t0 + seconds(1), 0), 0u);
  EXPECT_EQ(gate.allowance(t0 + seconds(2), 0), 1u);
}

}  // namespace
}  // namespace edgegw::northbound
