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
  EventConditions c({{"Changed", "mode", EventTrigger::change, 0, ""}});
  EXPECT_EQ(
      feed(c, "mode",
           {std::int64_t{1}, std::int64_t{1}, std::int64_t{2}, std::int64_t{2}, std::int64_t{1}}),
      (std::vector<std::string>{"Changed@2", "Changed@4"}));
}

TEST(EventConditions, RisingAndFallingEdgesOfABool) {
  EventConditions c({{"DoorOpened", "door", EventTrigger::rising, 0, ""},
                     {"DoorClosed", "door", EventTrigger::falling, 0, ""}});
  EXPECT_EQ(feed(c, "door", {true, true, false, false, true, false}),
            (std::vector<std::string>{"DoorClosed@2", "DoorOpened@4", "DoorClosed@5"}));
}

TEST(EventConditions, ACrossingUpRaisesOnceUntilTheValueComesBack) {
  EventConditions c({{"OverVoltage", "volts", EventTrigger::above, 250, ""},
                     {"VoltageBack", "volts", EventTrigger::below, 250, ""}});
  EXPECT_EQ(feed(c, "volts", {230.0, 251.0, 260.0, 250.0, 249.0, 255.5}),
            (std::vector<std::string>{"OverVoltage@1", "VoltageBack@4", "OverVoltage@5"}));
}

TEST(EventConditions, AValueAlreadyPastTheThresholdAtStartRaisesNothing) {
  EventConditions c({{"OverVoltage", "volts", EventTrigger::above, 250, ""}});
  EXPECT_TRUE(feed(c, "volts", {260.0, 270.0}).empty());
}

TEST(EventConditions, OtherPointsAndTextValuesDoNotTrigger) {
  EventConditions c({{"Up", "a", EventTrigger::rising, 0, ""}});
  c.observe("b", false);
  c.observe("b", true);
  EXPECT_TRUE(c.take("d", 1).empty());
  EventConditions text({{"Up", "a", EventTrigger::above, 1, ""}});
  text.observe("a", std::string("0"));
  text.observe("a", std::string("5"));
  EXPECT_TRUE(text.take("d", 1).empty());
}

TEST(EventConditions, ResetMakesTheNextValueABaseline) {
  EventConditions c({{"Changed", "mode", EventTrigger::change, 0, ""}});
  c.observe("mode", std::int64_t{1});
  c.reset();
  c.observe("mode", std::int64_t{2});
  EXPECT_TRUE(c.take("d", 1).empty());
}

// Baselines restored after a restart: the side a condition was on carries over, so a crossing
// that happened while edgegw was down raises on the first value, and a level already past the
// threshold raises nothing. They change only when the side flips (one save per edge).
TEST(EventConditions, RestoredBaselinesCarryTheConditionsSideAcrossARestart) {
  const std::vector<PointEventOptions> options{{"High", "volts", EventTrigger::above, 100, ""}};
  EventConditions before(options);
  EXPECT_EQ(feed(before, "volts", {FieldValue{50.0}}), std::vector<std::string>{});
  EXPECT_TRUE(before.baselines_changed());
  EXPECT_EQ(feed(before, "volts", {FieldValue{60.0}, FieldValue{70.0}}),
            std::vector<std::string>{});
  EXPECT_FALSE(before.baselines_changed());  // still below: nothing to save
  const auto below = before.baselines();
  ASSERT_EQ(below.size(), 1u);

  EventConditions after(options);
  after.restore(below);
  EXPECT_EQ(feed(after, "volts", {FieldValue{150.0}}), std::vector<std::string>{"High@0"});
  EXPECT_TRUE(after.baselines_changed());

  EventConditions again(options);
  again.restore(after.baselines());
  EXPECT_EQ(feed(again, "volts", {FieldValue{150.0}, FieldValue{160.0}}),
            std::vector<std::string>{});

  // Another threshold is another condition: the old baseline does not apply.
  EventConditions changed({{"High", "volts", EventTrigger::above, 200, ""}});
  changed.restore(below);
  EXPECT_EQ(feed(changed, "volts", {FieldValue{250.0}}), std::vector<std::string>{});
}

}  // namespace
}  // namespace edgegw::southbound
