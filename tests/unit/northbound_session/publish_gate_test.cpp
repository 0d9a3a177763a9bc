#include <gtest/gtest.h>

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
  EXPECT_GE(sent, 3000u);
  EXPECT_LE(sent, 3031u);
}

TEST(SessionPublishGate, NextTokenSaysWhenToLookAgain) {
  SessionPublishGate gate(16, 10);
  auto n = gate.allowance(t0, 0);
  EXPECT_EQ(n, 10u);
  gate.spend(t0, n);
  EXPECT_EQ(gate.allowance(t0, 0), 0u);
  auto next = gate.next_token(t0);
  EXPECT_GE(next, t0 + milliseconds(99));
  EXPECT_LE(next, t0 + milliseconds(101));
  EXPECT_EQ(gate.allowance(next, 0), 1u);
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
