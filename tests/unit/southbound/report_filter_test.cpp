// Report by exception with a fake clock: deadband, heartbeat, bools, deadband 0.
#include "southbound/report_filter.hpp"

#include <gtest/gtest.h>

namespace edgegw::southbound {
namespace {

using namespace std::chrono_literals;
using Clock = ReportFilter::Clock;

TEST(ReportFilter, DeadbandZeroReportsEveryPoll) {
  ReportFilter f(0.0, 60s);
  const Clock::time_point t0{};
  EXPECT_TRUE(f.should_report(1.0, t0));
  EXPECT_TRUE(f.should_report(1.0, t0 + 1s));
  EXPECT_TRUE(f.should_report(true, t0 + 2s));
}

TEST(ReportFilter, ReportsMovesBeyondTheDeadbandAndTheHeartbeat) {
  ReportFilter f(0.5, 60s);
  const Clock::time_point t0{};
  EXPECT_TRUE(f.should_report(230.0, t0));         // first value
  EXPECT_FALSE(f.should_report(230.4, t0 + 1s));   // |0.4| <= 0.5
  EXPECT_FALSE(f.should_report(229.5, t0 + 2s));   // |0.5| is not more than 0.5
  EXPECT_TRUE(f.should_report(230.6, t0 + 3s));    // 0.6 from the last *reported* 230.0
  EXPECT_FALSE(f.should_report(230.2, t0 + 4s));   // 0.4 from 230.6
  EXPECT_FALSE(f.should_report(230.2, t0 + 62s));  // 59 s since the last report
  EXPECT_TRUE(f.should_report(230.2, t0 + 63s));   // heartbeat: 60 s
  EXPECT_FALSE(f.should_report(std::int64_t{230}, t0 + 64s));
  EXPECT_TRUE(f.should_report(std::int64_t{231}, t0 + 65s));
}

TEST(ReportFilter, BoolsOnAnyChange) {
  ReportFilter f(1.0, 60s);
  const Clock::time_point t0{};
  EXPECT_TRUE(f.should_report(false, t0));
  EXPECT_FALSE(f.should_report(false, t0 + 1s));
  EXPECT_TRUE(f.should_report(true, t0 + 2s));
  EXPECT_FALSE(f.should_report(true, t0 + 3s));
  EXPECT_TRUE(f.should_report(true, t0 + 62s));
}

TEST(ReportFilter, ResetReportsTheNextValue) {
  ReportFilter f(10.0, 60s);
  const Clock::time_point t0{};
  EXPECT_TRUE(f.should_report(1.0, t0));
  EXPECT_FALSE(f.should_report(1.0, t0 + 1s));
  f.reset();
  EXPECT_TRUE(f.should_report(1.0, t0 + 2s));
}

}  // namespace
}  // namespace edgegw::southbound
