// The per-message log rate limit: a flood gives `burst` lines and one summary with the count, per
// device and kind; time is a parameter, the loop timer is tested with a real sd-event loop.
#include "loop/log_rate_limit.hpp"

#include <gtest/gtest.h>
#include <systemd/sd-event.h>

#include <string>
#include <vector>

namespace edgegw::loop {
namespace {

using namespace std::chrono_literals;

struct Line {
  LogLevel level;
  std::string device;
  std::string message;
};

struct Recorder {
  std::vector<Line> lines;
  LogSink sink() {
    return [this](LogLevel level, std::string_view device, std::string_view message) {
      lines.push_back({level, std::string(device), std::string(message)});
    };
  }
};

TEST(LogRateLimit, AFloodGivesTheBurstAndOneSummaryWithTheCount) {
  Recorder r;
  LogRateLimit limit(nullptr, r.sink(), {60s, 3, 100});
  const auto t0 = LogRateLimit::Clock::time_point{} + 1h;
  for (int i = 0; i < 608000; ++i) {
    limit.log_at(t0 + std::chrono::microseconds(i * 10), LogLevel::warning, "meter-1",
                 "malformed downlink", "bad json " + std::to_string(i));
  }
  ASSERT_EQ(r.lines.size(), 3u);
  EXPECT_EQ(r.lines[0].message, "bad json 0");
  EXPECT_EQ(r.lines[0].device, "meter-1");
  limit.flush_at(t0 + 61s);
  ASSERT_EQ(r.lines.size(), 4u);
  EXPECT_EQ(r.lines[3].device, "meter-1");
  EXPECT_EQ(r.lines[3].level, LogLevel::warning);
  EXPECT_EQ(r.lines[3].message,
            "malformed downlink: … and 607,997 more in the last minute (last: bad json 607999)");
  EXPECT_EQ(limit.suppressed(), 607997u);
  EXPECT_EQ(limit.keys(), 0u);
}

TEST(LogRateLimit, DevicesAndKindsHaveTheirOwnBudgets) {
  Recorder r;
  LogRateLimit limit(nullptr, r.sink(), {60s, 1, 100});
  const auto t0 = LogRateLimit::Clock::time_point{} + 1h;
  for (int i = 0; i < 10; ++i) {
    limit.log_at(t0, LogLevel::warning, "a", "oversized", "x");
    limit.log_at(t0, LogLevel::warning, "b", "oversized", "x");
    limit.log_at(t0, LogLevel::warning, "a", "malformed", "x");
  }
  EXPECT_EQ(r.lines.size(), 3u);
  // The next line of a key after its window first reports the old window.
  limit.log_at(t0 + 60s, LogLevel::warning, "a", "oversized", "again");
  ASSERT_EQ(r.lines.size(), 5u);
  EXPECT_EQ(r.lines[3].message, "oversized: … and 9 more in the last minute (last: x)");
  EXPECT_EQ(r.lines[4].message, "again");
}

TEST(LogRateLimit, RareLinesAreAllLogged) {
  Recorder r;
  LogRateLimit limit(nullptr, r.sink(), {60s, 1, 100});
  const auto t0 = LogRateLimit::Clock::time_point{} + 1h;
  for (int i = 0; i < 5; ++i) {
    limit.log_at(t0 + i * 61s, LogLevel::warning, "a", "oversized", "x");
  }
  EXPECT_EQ(r.lines.size(), 5u);
}

TEST(LogRateLimit, TheLoopTimerReportsAFloodThatStopped) {
  sd_event* loop = nullptr;
  ASSERT_GE(sd_event_new(&loop), 0);
  Recorder r;
  {
    LogRateLimit limit(loop, r.sink(), {200ms, 1, 100});
    for (int i = 0; i < 50; ++i) limit.log(LogLevel::warning, "dev", "unknown topic", "t");
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (r.lines.size() < 2 && std::chrono::steady_clock::now() < deadline) {
      sd_event_run(loop, 100000);
    }
    ASSERT_EQ(r.lines.size(), 2u);
    EXPECT_EQ(r.lines[1].message, "unknown topic: … and 49 more in the last 200 ms (last: t)");
  }
  sd_event_unref(loop);
}

TEST(LogRateLimit, ThousandsSeparators) {
  EXPECT_EQ(with_thousands(0), "0");
  EXPECT_EQ(with_thousands(999), "999");
  EXPECT_EQ(with_thousands(1000), "1,000");
  EXPECT_EQ(with_thousands(12345678), "12,345,678");
}

}  // namespace
}  // namespace edgegw::loop
