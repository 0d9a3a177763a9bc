// The cap on connect attempts in progress (cloud.max_connecting): on its own, and as the sessions'
// decision core uses it — a session in line has no timer, is woken when an attempt ends, and a
// stopped one leaves the line.
#include "northbound/connect_slots.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "northbound/session_core.hpp"

namespace edgegw::northbound {
namespace {

using Clock = SessionCore::Clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

const Clock::time_point t0 = Clock::time_point{} + seconds(100000);
const SessionCore::Wall::time_point good_wall =
    SessionCore::Wall::time_point{} + seconds(1800000000);

TEST(ConnectSlots, AtMostNInProgressTheRestServedInOrder) {
  ConnectSlots slots(2);
  std::vector<int> granted;
  ConnectSlots::Ticket t[4] = {};
  EXPECT_TRUE(slots.acquire(&t[0], [&] { granted.push_back(0); }));
  EXPECT_TRUE(slots.acquire(&t[1], [&] { granted.push_back(1); }));
  EXPECT_FALSE(slots.acquire(&t[2], [&] { granted.push_back(2); }));
  EXPECT_FALSE(slots.acquire(&t[3], [&] { granted.push_back(3); }));
  EXPECT_EQ(slots.in_progress(), 2u);
  EXPECT_EQ(slots.queued(), 2u);
  EXPECT_TRUE(granted.empty());  // never granted from inside acquire()

  slots.release();  // the slot goes straight to the first in line
  EXPECT_EQ(granted, std::vector<int>({2}));
  EXPECT_EQ(slots.in_progress(), 2u);
  slots.release();
  slots.release();
  EXPECT_EQ(granted, std::vector<int>({2, 3}));
  EXPECT_EQ(slots.in_progress(), 1u);
  slots.release();
  EXPECT_EQ(slots.in_progress(), 0u);
  slots.release();  // more releases than slots taken are ignored
  EXPECT_EQ(slots.in_progress(), 0u);
}

TEST(ConnectSlots, ACancelledCallerIsSkippedAndANewCallerDoesNotJumpTheLine) {
  ConnectSlots slots(1);
  std::vector<int> granted;
  ConnectSlots::Ticket a = 0, b = 0, c = 0, d = 0;
  ASSERT_TRUE(slots.acquire(&a, [&] { granted.push_back(0); }));
  ASSERT_FALSE(slots.acquire(&b, [&] { granted.push_back(1); }));
  ASSERT_FALSE(slots.acquire(&c, [&] { granted.push_back(2); }));
  slots.cancel(b);
  slots.release();
  EXPECT_EQ(granted, std::vector<int>({2}));
  slots.release();
  // A slot is free now, but nobody waits: a newcomer takes it at once.
  EXPECT_TRUE(slots.acquire(&d, [&] { granted.push_back(3); }));
}

TEST(ConnectSlots, ZeroMeansNoCap) {
  ConnectSlots slots(0);
  ConnectSlots::Ticket t = 0;
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(slots.acquire(&t, [] {}));
}

SessionCoreOptions core_options(std::uint64_t seed) {
  SessionCoreOptions o;
  o.backoff = {milliseconds(1000), milliseconds(60000), milliseconds(60000)};
  o.conflict = {milliseconds(10000), 3};
  o.clock = {SessionCore::Wall::time_point{} + seconds(1700000000), milliseconds(5000)};
  o.seed = seed;
  return o;
}

struct Sessions {
  ConnectLimiter limiter{1000, 1000};
  ConnectSlots slots{2};
  std::vector<int> woken;
  std::vector<std::unique_ptr<SessionCore>> cores;
  explicit Sessions(int n) {
    for (int i = 0; i < n; ++i) {
      cores.push_back(std::make_unique<SessionCore>(core_options(i + 1), limiter, &slots,
                                                    [this, i] { woken.push_back(i); }));
    }
  }
};

TEST(SessionCoreWithSlots, TheThirdWaitsWithoutATimerUntilAnAttemptEnds) {
  Sessions s(3);
  EXPECT_TRUE(s.cores[0]->start(t0, good_wall).connect);
  EXPECT_TRUE(s.cores[1]->start(t0, good_wall).connect);
  auto d = s.cores[2]->start(t0, good_wall);
  EXPECT_FALSE(d.connect);
  EXPECT_EQ(d.state, SessionState::waiting);
  EXPECT_FALSE(d.wake_at);  // nothing to poll: the slot's grant wakes it
  EXPECT_TRUE(s.cores[2]->waiting_for_slot());
  // A stray timer (the session's own, for something else) does not let it jump the line.
  EXPECT_FALSE(s.cores[2]->timer(t0 + milliseconds(10), good_wall).connect);

  s.cores[0]->connected(t0 + milliseconds(30));  // the attempt ended: online
  EXPECT_EQ(s.woken, std::vector<int>({2}));
  d = s.cores[2]->timer(t0 + milliseconds(31), good_wall);
  EXPECT_TRUE(d.connect);
  EXPECT_EQ(d.state, SessionState::connecting);
  EXPECT_EQ(s.slots.in_progress(), 2u);  // cores 1 and 2
}

TEST(SessionCoreWithSlots, FailuresStopsAndDestructionGiveTheSlotBack) {
  Sessions s(4);
  for (auto& core : s.cores) core->start(t0, good_wall);
  EXPECT_EQ(s.slots.queued(), 2u);
  s.cores[0]->connect_failed(t0, ConnectFailure::transient, "refused");
  EXPECT_EQ(s.woken, std::vector<int>({2}));
  s.cores[3]->stop();  // leaves the line
  EXPECT_EQ(s.slots.queued(), 0u);
  s.cores[1].reset();  // destroyed mid-attempt: its slot is free again, nobody waits
  EXPECT_EQ(s.slots.in_progress(), 1u);
  s.cores[2]->timer(t0, good_wall);
  s.cores[2]->closed(t0 + milliseconds(5), true, "peer closed");  // failed while connecting
  EXPECT_EQ(s.slots.in_progress(), 0u);
}

}  // namespace
}  // namespace edgegw::northbound
