// Bursts of the same session step are summed up in one line with counts by reason; the first few
// are written as they are; a quiet gateway's lines are never held back.
#include "daemon/session_journal.hpp"

#include <gtest/gtest.h>

namespace edgegw::daemon {
namespace {

using namespace std::chrono_literals;
using northbound::StoryEvent;
using Clock = BurstSummary::Clock;

TEST(CountText, GroupsThousands) {
  EXPECT_EQ(count_text(0), "0");
  EXPECT_EQ(count_text(999), "999");
  EXPECT_EQ(count_text(9874), "9,874");
  EXPECT_EQ(count_text(1234567), "1,234,567");
}

TEST(BurstSummary, TenThousandLostAreThreeLinesAndOneSummary) {
  BurstSummary burst;
  const auto t0 = Clock::time_point{} + 1h;
  std::size_t individual = 0;
  for (int i = 0; i < 10000; ++i) {
    const std::string reason = i < 9874 ? "connection refused" : "timeout";
    individual += burst.record(StoryEvent::lost, loop::LogLevel::info, reason, t0 + i * 10us);
  }
  EXPECT_EQ(individual, 3u);
  EXPECT_TRUE(burst.due(t0 + 1s).empty());  // the window is still open
  ASSERT_EQ(burst.next_due(), t0 + 2s);
  const auto summaries = burst.due(t0 + 2s);
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_EQ(summaries[0].text,
            "cloud: 10,000 sessions lost in the last 2 s (connection refused: 9,874, timeout: "
            "126); 9,997 per-device line(s) at debug level");
  EXPECT_EQ(summaries[0].level, loop::LogLevel::info);
  EXPECT_FALSE(burst.next_due());
}

TEST(BurstSummary, AFewStepsAreWrittenAsTheyAreAndNotSummed) {
  BurstSummary burst;
  const auto t0 = Clock::time_point{};
  EXPECT_TRUE(burst.record(StoryEvent::lost, loop::LogLevel::info, "peer closed", t0));
  EXPECT_TRUE(burst.record(StoryEvent::online, loop::LogLevel::info, "", t0));
  EXPECT_TRUE(burst.due(t0 + 5s).empty());
  // A new window starts with the next step.
  EXPECT_TRUE(burst.record(StoryEvent::lost, loop::LogLevel::info, "peer closed", t0 + 6s));
}

TEST(BurstSummary, KindsAreCountedApartAndTheWorstLevelWins) {
  BurstSummary burst;
  const auto t0 = Clock::time_point{};
  for (int i = 0; i < 5; ++i) {
    burst.record(StoryEvent::refused, loop::LogLevel::error, "CONNACK code 5", t0);
    burst.record(StoryEvent::online, loop::LogLevel::info, "", t0);
  }
  const auto summaries = burst.due(t0 + 2s);
  ASSERT_EQ(summaries.size(), 2u);
  for (const auto& s : summaries) {
    if (s.event == StoryEvent::refused) {
      EXPECT_EQ(s.level, loop::LogLevel::error);
      EXPECT_NE(s.text.find("5 sessions refused by the platform"), std::string::npos) << s.text;
    } else {
      EXPECT_NE(s.text.find("5 sessions came online"), std::string::npos) << s.text;
    }
  }
}

}  // namespace
}  // namespace edgegw::daemon
