// Which connect attempts and failures of one device are news at the default level: the first of
// an episode, a changed reason - never each retry of a backoff.
#include "northbound/session_story.hpp"

#include <gtest/gtest.h>

namespace edgegw::northbound {
namespace {

using namespace std::chrono_literals;
using Clock = SessionStory::Clock;

TEST(SessionStory, TwentyRetriesWithOneReasonAreOneStory) {
  SessionStory story;
  const auto t0 = Clock::time_point{} + 100s;
  EXPECT_TRUE(story.attempt(t0));  // "connecting"
  auto online = story.online(t0 + 1500ms);
  EXPECT_EQ(online.attempt, 1u);
  EXPECT_EQ(online.took, 1500ms);

  story.lost(t0 + 10s);
  int news = 0;
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(story.attempt(t0 + 10s + i * 1s));  // retries are not "connecting" again
    news += story.failed("connection refused");
  }
  EXPECT_EQ(news, 1);  // one "backing off"
  EXPECT_FALSE(story.attempt(t0 + 40s));
  online = story.online(t0 + 41s);
  EXPECT_EQ(online.attempt, 21u);
  EXPECT_EQ(online.took, 31s);  // since the link was lost
}

TEST(SessionStory, AChangedReasonIsNewsAgain) {
  SessionStory story;
  const auto t0 = Clock::time_point{};
  story.attempt(t0);
  EXPECT_TRUE(story.failed("connection refused"));
  EXPECT_FALSE(story.failed("connection refused"));
  EXPECT_TRUE(story.failed("timeout"));
  EXPECT_FALSE(story.failed("timeout"));
  story.online(t0 + 5s);
  story.lost(t0 + 6s);
  EXPECT_TRUE(story.failed("timeout"));  // a new episode tells its first failure
}

}  // namespace
}  // namespace edgegw::northbound
