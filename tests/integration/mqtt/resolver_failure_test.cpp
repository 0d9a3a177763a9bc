// A Resolver that cannot make its eventfd (the process is at its fd limit) can never deliver an
// answer. It must say so at once, so a connect fails now with dns_failed and its owner backs off,
// instead of every connect hanging until its timeout; and it must heal once fds are free again.
#include <gtest/gtest.h>

#include <chrono>

#include "loop/event_source.hpp"
#include "loop_fixture.hpp"
#include "support/fd_limit.hpp"

namespace edgegw::mqtt::test {
namespace {

using namespace std::chrono_literals;

using edgegw::test::FdLimitReached;

using ResolverFailure = LoopFixture;

TEST_F(ResolverFailure, AResolverWithoutItsEventfdFailsTheConnectAtOnce) {
  if (!edgegw::test::kFdExhaustionTestable)
    GTEST_SKIP() << "takes the last fd, which the sanitizers need";
  std::unique_ptr<Resolver> broken;
  {
    FdLimitReached limit;
    broken = std::make_unique<Resolver>(loop_);
  }
  EXPECT_NE(broken->setup_error().find("eventfd"), std::string::npos) << broken->setup_error();
  // A running daemon's loop has its monotonic timers (and their timerfd) already; only the
  // resolver lacks its fd.
  loop::EventSource daemon_timer;
  ASSERT_GE(sd_event_add_time_relative(loop_, daemon_timer.out(), CLOCK_MONOTONIC, 3600'000'000, 0,
                                       nullptr, nullptr),
            0);
  RecordingHandler h;
  Connection c(loop_, *broken, h);
  auto o = plain_options(1, "resolver-broken");
  o.connect_timeout = 10s;
  {
    FdLimitReached limit;  // still no fd for the resolver when the connect starts
    const auto started = std::chrono::steady_clock::now();
    c.connect(o);
    ASSERT_TRUE(run_until([&] { return !h.closed.empty(); }, 2s));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  }
  EXPECT_EQ(h.closed[0].reason, CloseReason::dns_failed) << h.closed[0].detail;
  EXPECT_NE(h.closed[0].detail.find("eventfd"), std::string::npos) << h.closed[0].detail;
}

TEST_F(ResolverFailure, TheResolverHealsWhenFdsAreFreeAgain) {
  if (!edgegw::test::kFdExhaustionTestable)
    GTEST_SKIP() << "takes the last fd, which the sanitizers need";
  std::unique_ptr<Resolver> broken;
  {
    FdLimitReached limit;
    broken = std::make_unique<Resolver>(loop_);
  }
  ResolveResult answer;
  bool answered = false;
  const auto ticket = broken->resolve("127.0.0.1", [&](const ResolveResult& r) {
    answer = r;
    answered = true;
  });
  EXPECT_NE(ticket, 0u);
  EXPECT_TRUE(broken->setup_error().empty());
  ASSERT_TRUE(run_until([&] { return answered; }, 2s));
  EXPECT_EQ(answer.addresses.size(), 1u);
}

}  // namespace
}  // namespace edgegw::mqtt::test
