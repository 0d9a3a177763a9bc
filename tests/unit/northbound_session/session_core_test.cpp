#include "northbound/session_core.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace edgegw::northbound {
namespace {

using Clock = SessionCore::Clock;
using Wall = SessionCore::Wall;
using std::chrono::milliseconds;
using std::chrono::seconds;

const Clock::time_point t0 = Clock::time_point{} + seconds(100000);
const Wall::time_point epoch = Wall::time_point{} + seconds(1700000000);
const Wall::time_point good_wall = epoch + seconds(86400);

SessionCoreOptions options(std::uint64_t seed = 1) {
  SessionCoreOptions o;
  o.backoff = {milliseconds(1000), milliseconds(60000), milliseconds(60000)};
  o.conflict = {milliseconds(10000), 3};
  o.clock = {epoch, milliseconds(5000)};
  o.seed = seed;
  return o;
}

struct Fixture : ::testing::Test {
  ConnectLimiter limiter{1000, 1000};
};

using SessionCoreTest = Fixture;

// Starts the session and has its first connect succeed at once, at `now` (the CONNACK arrived).
void start_connected(SessionCore& core, Clock::time_point now) {
  core.start(now, good_wall);
  core.connected(now);
}

TEST_F(SessionCoreTest, StartConnectsAtOnceWhenTheLimiterHasASlot) {
  SessionCore core(options(), limiter);
  auto d = core.start(t0, good_wall);
  EXPECT_TRUE(d.connect);
  EXPECT_EQ(d.state, SessionState::connecting);
  EXPECT_EQ(core.connect_attempts(), 1u);
  d = core.connected(t0 + milliseconds(50));
  EXPECT_EQ(d.state, SessionState::online);
  EXPECT_FALSE(d.wake_at);
}

// What an attempt reports as its grant is the limiter's slot, not the time a busy loop got round
// to it: a reconnect storm is checked against the limiter by these times.
TEST(SessionCoreGrant, AnAttemptReportsTheLimiterSlotItWasGrantedEvenWhenItsTimerRanLate) {
  ConnectLimiter slow{10, 1};  // one slot every 100 ms
  SessionCore first(options(1), slow);
  SessionCore second(options(2), slow);
  ASSERT_TRUE(first.start(t0, good_wall).connect);
  EXPECT_EQ(first.granted_at(), t0);
  auto d = second.start(t0, good_wall);
  ASSERT_FALSE(d.connect);
  ASSERT_TRUE(d.wake_at);
  EXPECT_EQ(*d.wake_at, t0 + milliseconds(100));
  // The loop was stalled: the timer runs 350 ms late.
  ASSERT_TRUE(second.timer(t0 + milliseconds(450), good_wall).connect);
  EXPECT_EQ(second.granted_at(), t0 + milliseconds(100));
}

TEST_F(SessionCoreTest, TransientFailureBacksOffWithinTheWindowAndRetriesWhenDue) {
  SessionCore core(options(), limiter);
  core.start(t0, good_wall);
  auto d = core.connect_failed(t0, ConnectFailure::transient, "connection refused");
  EXPECT_EQ(d.state, SessionState::waiting);
  ASSERT_TRUE(d.wake_at);
  EXPECT_LE(*d.wake_at, t0 + seconds(1));
  EXPECT_EQ(core.last_error(), "connection refused");
  EXPECT_EQ(d.notice, SessionNotice::none);

  // Early timers do nothing.
  if (*d.wake_at > t0) {
    EXPECT_FALSE(core.timer(t0, good_wall).connect);
  }
  d = core.timer(*d.wake_at, good_wall);
  EXPECT_TRUE(d.connect);
  EXPECT_EQ(core.connect_attempts(), 2u);
}

TEST_F(SessionCoreTest, RepeatedFailuresAreBoundedByTheBackoffNotHammered) {
  // A broker that refuses every connect for ten minutes: count the attempts the core makes.
  SessionCore core(options(), limiter);
  auto now = t0;
  auto d = core.start(now, good_wall);
  while (now < t0 + seconds(600)) {
    if (d.connect) {
      d = core.connect_failed(now, ConnectFailure::transient, "refused");
      continue;
    }
    ASSERT_TRUE(d.wake_at);
    now = *d.wake_at;
    d = core.timer(now, good_wall);
  }
  // Doubling from 1 s to the 60 s cap, full jitter: far fewer than one attempt per second.
  EXPECT_LT(core.connect_attempts(), 60u);
  EXPECT_GT(core.connect_attempts(), 8u);
}

TEST_F(SessionCoreTest, RejectedCredentialsBackOffLongAndAreReportedOnce) {
  SessionCore core(options(), limiter);
  core.start(t0, good_wall);
  auto d = core.connect_failed(t0, ConnectFailure::rejected, "not authorized");
  EXPECT_EQ(d.state, SessionState::auth_failed);
  EXPECT_EQ(d.notice, SessionNotice::auth_failed);
  ASSERT_TRUE(d.wake_at);
  EXPECT_GE(*d.wake_at, t0 + seconds(30));
  EXPECT_LE(*d.wake_at, t0 + seconds(60));

  auto now = *d.wake_at;
  d = core.timer(now, good_wall);
  ASSERT_TRUE(d.connect);
  d = core.connect_failed(now, ConnectFailure::rejected, "not authorized");
  EXPECT_EQ(d.state, SessionState::auth_failed);
  EXPECT_EQ(d.notice, SessionNotice::none);  // said once is enough

  now = *d.wake_at;
  ASSERT_TRUE(core.timer(now, good_wall).connect);
  d = core.connected(now);
  EXPECT_EQ(d.state, SessionState::online);
  EXPECT_EQ(d.notice, SessionNotice::recovered);
}

TEST_F(SessionCoreTest, MisconfigurationIsReportedAsSuchAndWaitsLong) {
  SessionCore core(options(), limiter);
  core.start(t0, good_wall);
  auto d = core.connect_failed(t0, ConnectFailure::misconfigured, "keepalive out of range");
  EXPECT_EQ(d.state, SessionState::auth_failed);
  EXPECT_EQ(d.notice, SessionNotice::misconfigured);
  EXPECT_GE(*d.wake_at, t0 + seconds(30));
}

// Connects and is closed by the server `after` later; returns the decision of the close.
SessionDecision connect_and_drop(SessionCore& core, Clock::time_point& now, Clock::duration after,
                                 bool by_server) {
  auto d = core.timer(now, good_wall);
  EXPECT_TRUE(d.connect);
  core.connected(now);
  now += after;
  d = core.closed(now, by_server, "closed by server");
  if (d.wake_at) now = *d.wake_at;
  return d;
}

TEST_F(SessionCoreTest, KickedQuicklyThreeTimesInARowIsAnIdentityConflictReportedOnce) {
  SessionCore core(options(), limiter);
  auto now = t0;
  start_connected(core, now);
  now += seconds(2);
  auto d = core.closed(now, true, "closed by server");
  EXPECT_EQ(d.state, SessionState::waiting);
  now = *d.wake_at;
  d = connect_and_drop(core, now, seconds(3), true);
  EXPECT_EQ(d.state, SessionState::waiting);
  EXPECT_EQ(d.notice, SessionNotice::none);
  auto before = now;
  d = connect_and_drop(core, now, seconds(1), true);
  EXPECT_EQ(d.state, SessionState::identity_conflict);
  EXPECT_EQ(d.notice, SessionNotice::identity_conflict);
  EXPECT_GE(*d.wake_at - before, seconds(30));

  d = connect_and_drop(core, now, seconds(1), true);
  EXPECT_EQ(d.state, SessionState::identity_conflict);
  EXPECT_EQ(d.notice, SessionNotice::none);

  // The other client went away: a connection that lasts clears it; a later conflict is new.
  d = connect_and_drop(core, now, seconds(3600), true);
  EXPECT_EQ(d.state, SessionState::waiting);
  for (int i = 0; i < 2; ++i) connect_and_drop(core, now, seconds(1), true);
  d = connect_and_drop(core, now, seconds(1), true);
  EXPECT_EQ(d.state, SessionState::identity_conflict);
  EXPECT_EQ(d.notice, SessionNotice::identity_conflict);
}

TEST_F(SessionCoreTest, QuickDropsThatTheServerDidNotCauseAreNoConflict) {
  SessionCore core(options(), limiter);
  auto now = t0;
  start_connected(core, now);
  now += seconds(1);
  auto d = core.closed(now, false, "keepalive timeout");
  now = *d.wake_at;
  for (int i = 0; i < 5; ++i) {
    d = connect_and_drop(core, now, seconds(1), false);
    EXPECT_EQ(d.state, SessionState::waiting);
  }
  // One server close between long connections is not a pattern either.
  for (int i = 0; i < 5; ++i) {
    d = connect_and_drop(core, now, seconds(1), true);
    EXPECT_EQ(d.state, SessionState::waiting);
    d = connect_and_drop(core, now, seconds(30), true);
    EXPECT_EQ(d.state, SessionState::waiting);
  }
}

TEST_F(SessionCoreTest, BackoffStartsAfreshOnlyAfterAStableConnection) {
  SessionCore core(options(), limiter);
  auto now = t0;
  auto d = core.start(now, good_wall);
  for (int i = 0; i < 6; ++i) {
    d = core.connect_failed(now, ConnectFailure::transient, "refused");
    now = *d.wake_at;
    d = core.timer(now, good_wall);
  }
  EXPECT_EQ(core.backoff().ceiling(), milliseconds(60000));
  core.connected(now);
  now += seconds(20);
  d = core.closed(now, false, "reset");
  EXPECT_GT(core.backoff().ceiling(), milliseconds(1000));  // 20 s was not stable
  now = *d.wake_at;
  core.timer(now, good_wall);
  core.connected(now);
  now += seconds(61);
  d = core.closed(now, false, "reset");
  EXPECT_LE(*d.wake_at - now, seconds(1));  // stable: the first retry is soon again
}

TEST_F(SessionCoreTest, ClockBeforeTheBuildDateWaitsLogsOnceAndConnectsWhenSet) {
  auto o = options();
  o.signs_with_time = true;
  SessionCore core(o, limiter);
  const auto wall_1970 = Wall::time_point{} + seconds(5);
  auto d = core.start(t0, wall_1970);
  EXPECT_FALSE(d.connect);
  EXPECT_EQ(d.state, SessionState::clock_wait);
  EXPECT_EQ(d.notice, SessionNotice::clock_wait);
  EXPECT_EQ(*d.wake_at, t0 + seconds(5));

  auto now = t0;
  for (int i = 0; i < 10; ++i) {
    now = *d.wake_at;
    d = core.timer(now, wall_1970 + (now - t0));
    EXPECT_FALSE(d.connect);
    EXPECT_EQ(d.notice, SessionNotice::none);
  }
  EXPECT_EQ(core.connect_attempts(), 0u);

  now = *d.wake_at;
  d = core.timer(now, good_wall);  // NTP set the clock
  EXPECT_TRUE(d.connect);
  EXPECT_EQ(d.notice, SessionNotice::clock_ok);
}

TEST_F(SessionCoreTest, PlatformsThatDoNotSignWithTimeIgnoreTheClock) {
  SessionCore core(options(), limiter);
  EXPECT_TRUE(core.start(t0, Wall::time_point{}).connect);
}

TEST_F(SessionCoreTest, ManySessionsStartingTogetherAreSpreadByTheSharedLimiter) {
  ConnectLimiter shared(20, 5);
  std::vector<std::unique_ptr<SessionCore>> cores;
  std::vector<Clock::time_point> connects;
  for (int i = 0; i < 200; ++i) {
    cores.push_back(std::make_unique<SessionCore>(options(i), shared));
    auto d = cores.back()->start(t0, good_wall);
    if (d.connect) {
      connects.push_back(t0);
      continue;
    }
    ASSERT_EQ(d.state, SessionState::waiting);
    auto at = *d.wake_at;
    d = cores.back()->timer(at, good_wall);
    ASSERT_TRUE(d.connect);
    connects.push_back(at);
  }
  EXPECT_EQ(shared.reserved(), 200u);
  EXPECT_EQ(std::count(connects.begin(), connects.end(), t0), 5);
  // The 200th got its slot (200 - 5) / 20 s after the start.
  EXPECT_EQ(connects.back(), t0 + milliseconds(50) * 195);
  for (std::size_t i = 0; i + 25 < connects.size(); ++i) {
    EXPECT_GE(connects[i + 25] - connects[i], seconds(1));
  }
}

TEST_F(SessionCoreTest, RegistrationConnectsFirstWithRegistrationThenNormally) {
  auto o = options();
  o.needs_registration = true;
  SessionCore core(o, limiter);
  auto d = core.start(t0, good_wall);
  EXPECT_TRUE(d.connect);
  EXPECT_EQ(d.state, SessionState::registering);
  EXPECT_EQ(core.connected(t0).state, SessionState::registering);
  d = core.registered(t0 + milliseconds(10));
  EXPECT_TRUE(d.disconnect);
  EXPECT_EQ(d.state, SessionState::waiting);
  EXPECT_FALSE(core.registration_pending());
  // The registration link's close is not an error.
  EXPECT_EQ(core.closed(t0 + milliseconds(11), false, "").state, SessionState::waiting);
  d = core.timer(*d.wake_at, good_wall);
  EXPECT_TRUE(d.connect);
  EXPECT_EQ(d.state, SessionState::connecting);
  EXPECT_EQ(core.connected(t0 + seconds(1)).state, SessionState::online);
}

TEST_F(SessionCoreTest, RegistrationLinkLostRetriesRegistration) {
  auto o = options();
  o.needs_registration = true;
  SessionCore core(o, limiter);
  start_connected(core, t0);
  auto d = core.closed(t0 + seconds(1), true, "closed");
  EXPECT_EQ(d.state, SessionState::waiting);
  d = core.timer(*d.wake_at, good_wall);
  EXPECT_EQ(d.state, SessionState::registering);
}

TEST_F(SessionCoreTest, StopClosesTheLinkAndIgnoresEverythingAfter) {
  SessionCore core(options(), limiter);
  start_connected(core, t0);
  auto d = core.stop();
  EXPECT_TRUE(d.disconnect);
  EXPECT_EQ(d.state, SessionState::stopped);
  EXPECT_EQ(core.closed(t0, true, "").state, SessionState::stopped);
  EXPECT_FALSE(core.timer(t0 + seconds(100), good_wall).connect);
  EXPECT_FALSE(core.start(t0, good_wall).connect);
}

}  // namespace
}  // namespace edgegw::northbound
