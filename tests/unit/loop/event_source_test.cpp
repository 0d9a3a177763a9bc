// EventSource owns an sd_event_source: released exactly once, and a released source never calls
// back into its (possibly gone) owner.
#include "loop/event_source.hpp"

#include <gtest/gtest.h>

#include <utility>

namespace edgegw::loop {
namespace {

struct Loop {
  Loop() { EXPECT_GE(sd_event_new(&event), 0); }
  ~Loop() { sd_event_unref(event); }
  sd_event* event = nullptr;
};

int count_call(sd_event_source*, void* counter) {
  ++*static_cast<int*>(counter);
  return 0;
}

TEST(EventSource, ResetSourceNeverCallsBack) {
  Loop loop;
  int calls = 0;
  EventSource defer;
  ASSERT_GE(sd_event_add_defer(loop.event, defer.out(), &count_call, &calls), 0);
  defer.reset();
  EXPECT_FALSE(defer);
  EXPECT_GE(sd_event_run(loop.event, 0), 0);
  EXPECT_EQ(calls, 0);
}

TEST(EventSource, MovedSourceStillCallsBackOnceAndOwnershipFollows) {
  Loop loop;
  int calls = 0;
  EventSource a;
  ASSERT_GE(sd_event_add_defer(loop.event, a.out(), &count_call, &calls), 0);
  ASSERT_GE(a.set_enabled(SD_EVENT_ONESHOT), 0);
  EventSource b = std::move(a);
  EXPECT_FALSE(a);
  EXPECT_TRUE(b);
  EXPECT_GE(sd_event_run(loop.event, 0), 0);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(b.enabled(), SD_EVENT_OFF);  // oneshot spent
}

TEST(EventSource, OutReleasesWhatWasHeld) {
  Loop loop;
  int first = 0, second = 0;
  EventSource s;
  ASSERT_GE(sd_event_add_defer(loop.event, s.out(), &count_call, &first), 0);
  ASSERT_GE(sd_event_add_defer(loop.event, s.out(), &count_call, &second), 0);
  EXPECT_GE(sd_event_run(loop.event, 0), 0);
  EXPECT_EQ(first, 0);
  EXPECT_EQ(second, 1);
}

TEST(EventSource, EmptySourceRefusesCallsInsteadOfCrashing) {
  EventSource s;
  EXPECT_LT(s.set_enabled(SD_EVENT_ON), 0);
  EXPECT_LT(s.arm_relative(1000), 0);
  EXPECT_EQ(s.enabled(), SD_EVENT_OFF);
}

}  // namespace
}  // namespace edgegw::loop
