// MQTT 3.1.1 §4.7 topic filter matching, against the standard's own examples and the cases the
// local MQTT source (southbound) and the generic platform's command topic (northbound) rely on.
#include "mqtt/topic_filter.hpp"

#include <gtest/gtest.h>

#include <string>

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

TEST(TopicFilter, StringsFollowTheUtf8RulesOfSection153) {
  using namespace std::string_literals;
  EXPECT_TRUE(valid_topic_filter("capteurs/température/°C"));  // multi-byte UTF-8 is fine
  EXPECT_TRUE(valid_topic_filter("a/\xF0\x9F\x8C\xA1"));       // U+1F321, four bytes
  EXPECT_FALSE(valid_topic_filter("a/\0b"s));                  // U+0000
  EXPECT_FALSE(valid_topic_filter("a/\x01"));                  // a control character
  EXPECT_FALSE(valid_topic_filter("a/\xC2\x85"));              // U+0085, a C1 control
  EXPECT_FALSE(valid_topic_filter("a/\xFF"));                  // not UTF-8
  EXPECT_FALSE(valid_topic_filter("a/\xC3"));                  // truncated sequence
  EXPECT_FALSE(valid_topic_filter("a/\xC0\xAF"));              // overlong '/'
  EXPECT_FALSE(valid_topic_filter("a/\xED\xA0\x80"));          // a UTF-16 surrogate
  EXPECT_FALSE(valid_topic_filter("a/\xF4\x90\x80\x80"));      // past U+10FFFF
  EXPECT_FALSE(valid_topic_filter("a/\xEF\xBF\xBF"));          // U+FFFF, a non-character
  EXPECT_TRUE(valid_topic_filter(std::string(kMaxTopicBytes, 'a')));
  EXPECT_FALSE(valid_topic_filter(std::string(kMaxTopicBytes + 1, 'a')));
}

TEST(TopicFilter, ProblemsAreSentences) {
  EXPECT_EQ(topic_filter_problem("a/b"), std::nullopt);
  EXPECT_EQ(topic_filter_problem("a/#/c"), "has '#' other than as the whole last level");
  EXPECT_EQ(topic_filter_problem("a/b+"), "has '+' other than as a whole level");
  EXPECT_EQ(topic_filter_problem(""), "is empty");
  EXPECT_EQ(topic_filter_problem(std::string(70000, 'a')), "is longer than MQTT's 65535 bytes");
}

TEST(TopicName, IsAFilterWithoutWildcards) {
  EXPECT_EQ(topic_name_problem("devices/meter-1/commands"), std::nullopt);
  EXPECT_TRUE(topic_name_problem("a/+").has_value());
  EXPECT_TRUE(topic_name_problem("a/#").has_value());
  EXPECT_TRUE(topic_name_problem("").has_value());
  EXPECT_TRUE(topic_name_problem("a/\xFF").has_value());
}

TEST(TopicFilter, LastLevel) {
  EXPECT_EQ(last_topic_level("sensors/room1/temperature"), "temperature");
  EXPECT_EQ(last_topic_level("temperature"), "temperature");
  EXPECT_EQ(last_topic_level("a/"), "");
}

}  // namespace
}  // namespace edgegw::mqtt
