// guarded: an exception escaping a loop callback is logged naming the callback and ends the loop
// with 1, instead of unwinding through sd-event's C frames.
#include "loop/guarded.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "loop/event_source.hpp"

namespace edgegw::loop {
namespace {

struct Captured {
  std::vector<std::string> lines;
};

int throwing_defer(sd_event_source* s, void*) {
  return guarded(s, "test defer", [] { throw std::runtime_error("boom"); });
}

int quiet_defer(sd_event_source* s, void* ran) {
  return guarded(s, "quiet", [&] { *static_cast<bool*>(ran) = true; });
}

TEST(Guarded, EscapedExceptionIsLoggedNamingTheCallbackAndEndsTheLoopWithOne) {
  Captured captured;
  set_fault_sink([&](LogLevel level, std::string_view, std::string_view message) {
    EXPECT_EQ(level, LogLevel::error);
    captured.lines.emplace_back(message);
  });
  sd_event* loop = nullptr;
  ASSERT_GE(sd_event_new(&loop), 0);
  {
    EventSource defer;
    ASSERT_GE(sd_event_add_defer(loop, defer.out(), &throwing_defer, nullptr), 0);
    EXPECT_EQ(sd_event_loop(loop), 1);
  }
  sd_event_unref(loop);
  set_fault_sink({});
  ASSERT_EQ(captured.lines.size(), 1u);
  EXPECT_EQ(captured.lines[0], "test defer: unexpected error: boom; stopping");
}

TEST(Guarded, CallbackThatReturnsLeavesTheLoopRunning) {
  sd_event* loop = nullptr;
  ASSERT_GE(sd_event_new(&loop), 0);
  bool ran = false;
  {
    EventSource defer;
    ASSERT_GE(sd_event_add_defer(loop, defer.out(), &quiet_defer, &ran), 0);
    ASSERT_GE(defer.set_enabled(SD_EVENT_ONESHOT), 0);
    EXPECT_GE(sd_event_run(loop, 0), 0);
    int state = sd_event_get_state(loop);
    EXPECT_NE(state, SD_EVENT_FINISHED);
  }
  sd_event_unref(loop);
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace edgegw::loop
