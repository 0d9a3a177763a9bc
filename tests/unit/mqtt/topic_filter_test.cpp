// MQTT 3.1.1 §4.7 topic filter matching, against the standard's own examples and the cases the
// local MQTT source (southbound) and the generic platform's command topic (northbound) rely on.
#include "mqtt/topic_filter.hpp"

#include <gtest/gtest.h>

namespace edgegw::mqtt {
namespace {

TEST(TopicFilter, ExactLevelsMatchOnlyThemselves) {
  EXPECT_TRUE(topic_matches("sensors/room1/telemetry", "sensors/room1/telemetry"));
  EXPECT_FALSE(topic_matches("sensors/room1/telemetry", "sensors/room1/telemetry/x"));
  EXPECT_FALSE(topic_matches("sensors/room1/telemetry", "sensors/room1"));
  EXPECT_FALSE(topic_matches("sensors/room1", "sensors/room2"));
}

TEST(TopicFilter, PlusMatchesExactlyOneLevel) {
  EXPECT_TRUE(topic_matches("sport/tennis/+", "sport/tennis/player1"));
  EXPECT_FALSE(topic_matches("sport/tennis/+", "sport/tennis/player1/ranking"));
  EXPECT_FALSE(topic_matches("sport/+", "sport"));
  EXPECT_TRUE(topic_matches("sport/+", "sport/"));  // an empty level is a level
  EXPECT_TRUE(topic_matches("+/+", "/finance"));
  EXPECT_TRUE(topic_matches("/+", "/finance"));
  EXPECT_FALSE(topic_matches("+", "/finance"));
  EXPECT_TRUE(topic_matches("+/tennis/#", "sport/tennis/player1"));
}

TEST(TopicFilter, HashMatchesTheParentAndEverythingBelow) {
  EXPECT_TRUE(topic_matches("sport/tennis/player1/#", "sport/tennis/player1"));
  EXPECT_TRUE(topic_matches("sport/tennis/player1/#", "sport/tennis/player1/ranking"));
  EXPECT_TRUE(topic_matches("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon"));
  EXPECT_TRUE(topic_matches("sport/#", "sport"));
  EXPECT_TRUE(topic_matches("#", "a/b/c"));
  EXPECT_FALSE(topic_matches("sport/tennis/#", "sport/football"));
}

// The cases the generic platform's command topic matching was written against (they moved here
// with the matcher).
TEST(TopicFilter, CommandTopicCases) {
  EXPECT_TRUE(topic_matches("a/b", "a/b"));
  EXPECT_FALSE(topic_matches("a/b", "a/c"));
  EXPECT_TRUE(topic_matches("a/+/c", "a/b/c"));
  EXPECT_FALSE(topic_matches("a/+", "a/b/c"));
  EXPECT_TRUE(topic_matches("a/#", "a/b/c"));
  EXPECT_TRUE(topic_matches("a/#", "a"));
  EXPECT_FALSE(topic_matches("a/b", "a"));
  EXPECT_FALSE(topic_matches("a", "a/b"));
}

TEST(TopicFilter, WildcardsAtTheStartDoNotMatchDollarTopics) {
  EXPECT_FALSE(topic_matches("#", "$SYS/broker/uptime"));
  EXPECT_FALSE(topic_matches("+/monitor/Clients", "$SYS/monitor/Clients"));
  EXPECT_TRUE(topic_matches("$SYS/#", "$SYS/broker/uptime"));
  EXPECT_TRUE(topic_matches("$SYS/monitor/+", "$SYS/monitor/Clients"));
}

TEST(TopicFilter, ValidityFollowsTheWildcardRules) {
  EXPECT_TRUE(valid_topic_filter("a/b"));
  EXPECT_TRUE(valid_topic_filter("a/+/c"));
  EXPECT_TRUE(valid_topic_filter("a/#"));
  EXPECT_TRUE(valid_topic_filter("#"));
  EXPECT_TRUE(valid_topic_filter("+"));
  EXPECT_FALSE(valid_topic_filter(""));
  EXPECT_FALSE(valid_topic_filter("a/#/c"));
  EXPECT_FALSE(valid_topic_filter("a#"));
  EXPECT_FALSE(valid_topic_filter("a/b+"));
  EXPECT_FALSE(valid_topic_filter("a/+b/c"));
}

TEST(TopicFilter, LastLevel) {
  EXPECT_EQ(last_topic_level("sensors/room1/temperature"), "temperature");
  EXPECT_EQ(last_topic_level("temperature"), "temperature");
  EXPECT_EQ(last_topic_level("a/"), "");
}

}  // namespace
}  // namespace edgegw::mqtt
