// The Modbus event conditions: change, edges of a bool, crossing a threshold either way; the first
// value is a baseline, a level that stays past a threshold raises once.
#include "southbound/event_conditions.hpp"

#include <gtest/gtest.h>

namespace edgegw::southbound {
namespace {

using store::FieldValue;

std::vector<std::string> feed(EventConditions& c, const std::string& point,
                              const std::vector<FieldValue>& values) {
  std::vector<std::string> raised;
  std::int64_t t = 1000;
  for (const auto& v : values) {
    c.observe(point, v);
    for (const auto& r : c.take("meter-1", ++t)) {
      EXPECT_EQ(r.kind, store::RecordKind::event);
      EXPECT_EQ(r.device, "meter-1");
      EXPECT_EQ(r.time_ms, t);
      EXPECT_EQ(r.fields, (std::vector<store::Field>{{point, v}}));
      raised.push_back(r.event + "@" + std::to_string(t - 1001));
    }
  }
  return raised;
}

TEST(EventConditions, ChangeRaisesOnEveryChangeButNotOnTheBaseline) {
  EventConditions c({{"Changed", "mode", EventTrigger::change, 0}});
  EXPECT_EQ(
      feed(c, "mode",
           {std::int64_t{1}, std::int64_t{1}, std::int64_t{2}, std::int64_t{2}, std::int64_t{1}}),
      (std::vector<std::string>{"Changed@2", "Changed@4"}));
}

TEST(EventConditions, RisingAndFallingEdgesOfABool) {
  EventConditions c({{"DoorOpened", "door", EventTrigger::rising, 0},
                     {"DoorClosed", "door", EventTrigger::falling, 0}});
  EXPECT_EQ(feed(c, "door", {true, true, false, false, true, false}),
            (std::vector<std::string>{"DoorClosed@2", "DoorOpened@4", "DoorClosed@5"}));
}

TEST(EventConditions, ACrossingUpRaisesOnceUntilTheValueComesBack) {
  EventConditions c({{"OverVoltage", "volts", EventTrigger::above, 250},
                     {"VoltageBack", "volts", EventTrigger::below, 250}});
  EXPECT_EQ(feed(c, "volts", {230.0, 251.0, 260.0, 250.0, 249.0, 255.5}),
            (std::vector<std::string>{"OverVoltage@1", "VoltageBack@4", "OverVoltage@5"}));
}

TEST(EventConditions, AValueAlreadyPastTheThresholdAtStartRaisesNothing) {
  EventConditions c({{"OverVoltage", "volts", EventTrigger::above, 250}});
  EXPECT_TRUE(feed(c, "volts", {260.0, 270.0}).empty());
}

TEST(EventConditions, OtherPointsAndTextValuesDoNotTrigger) {
  EventConditions c({{"Up", "a", EventTrigger::rising, 0}});
  c.observe("b", false);
  c.observe("b", true);
  EXPECT_TRUE(c.take("d", 1).empty());
  EventConditions text({{"Up", "a", EventTrigger::above, 1}});
  text.observe("a", std::string("0"));
  text.observe("a", std::string("5"));
  EXPECT_TRUE(text.take("d", 1).empty());
}

TEST(EventConditions, ResetMakesTheNextValueABaseline) {
  EventConditions c({{"Changed", "mode", EventTrigger::change, 0}});
  c.observe("mode", std::int64_t{1});
  c.reset();
  c.observe("mode", std::int64_t{2});
  EXPECT_TRUE(c.take("d", 1).empty());
}

}  // namespace
}  // namespace edgegw::southbound
