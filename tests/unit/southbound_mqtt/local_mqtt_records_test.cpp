// What a local MQTT message becomes: a typed reading (issue 15 item 10: a float field's 10 goes up
// as 10.0, which Alibaba needs for a float property) or an event of the device.
#include "southbound/local_mqtt_records.hpp"

#include <gtest/gtest.h>

#include "southbound/field_types.hpp"

namespace edgegw::southbound {
namespace {

MqttDeviceOptions room() {
  MqttDeviceOptions o;
  o.topic = "sensors/room1/telemetry";
  o.fields = {{"temperature", "/temp"}, {"count", "/n"}, {"on", "/on"}};
  o.types = {{"temperature", FieldType::floating}, {"count", FieldType::integer}};
  o.events = {{"DoorAlarm", "sensors/room1/alarm/+", {}, ""}};
  return o;
}

TEST(LocalMqttRecords, AFloatFieldGoesUpAsAFloatEvenWhenSentAsAnInteger) {
  auto m = device_message("room-1", room(), "sensors/room1/telemetry",
                          R"({"temp":10,"n":3.0,"on":true})", 1234);
  ASSERT_TRUE(m.record) << m.problem;
  EXPECT_EQ(m.record->kind, store::RecordKind::telemetry);
  ASSERT_EQ(m.record->fields.size(), 3u);
  EXPECT_EQ(m.record->fields[0].value, store::FieldValue(10.0));
  EXPECT_EQ(m.record->fields[1].value, store::FieldValue(std::int64_t{3}));
  EXPECT_EQ(m.record->fields[2].value, store::FieldValue(true));
}

TEST(LocalMqttRecords, AValueThatCannotTakeItsTypeIsRefused) {
  auto m = device_message("room-1", room(), "sensors/room1/telemetry", R"({"temp":"warm"})", 1);
  EXPECT_FALSE(m.record);
  EXPECT_NE(m.problem.find("temperature"), std::string::npos) << m.problem;
  m = device_message("room-1", room(), "sensors/room1/telemetry", R"({"n":2.5})", 1);
  EXPECT_FALSE(m.record);
}

TEST(LocalMqttRecords, AMessageOnAnEventTopicIsThatEvent) {
  const auto o = room();
  EXPECT_TRUE(device_matches(o, "sensors/room1/alarm/door"));
  EXPECT_FALSE(device_matches(o, "sensors/room2/alarm/door"));
  EXPECT_EQ(device_filters(o),
            (std::vector<std::string>{"sensors/room1/telemetry", "sensors/room1/alarm/+"}));
  auto m = device_message("room-1", o, "sensors/room1/alarm/door", R"({"level":3})", 77);
  ASSERT_TRUE(m.record) << m.problem;
  EXPECT_EQ(m.record->kind, store::RecordKind::event);
  EXPECT_EQ(m.record->event, "DoorAlarm");
  EXPECT_EQ(m.record->time_ms, 77);
  EXPECT_EQ(m.record->fields, (std::vector<store::Field>{{"level", std::int64_t{3}}}));
  // An event needs no parameters.
  m = device_message("room-1", o, "sensors/room1/alarm/door", "", 78);
  ASSERT_TRUE(m.record) << m.problem;
  EXPECT_TRUE(m.record->fields.empty());
}

TEST(FieldTypes, Conversions) {
  using store::FieldValue;
  EXPECT_EQ(convert_field(FieldValue(std::int64_t{10}), FieldType::floating), FieldValue(10.0));
  EXPECT_EQ(convert_field(FieldValue(std::string("2.5")), FieldType::floating), FieldValue(2.5));
  EXPECT_EQ(convert_field(FieldValue(4.0), FieldType::integer), FieldValue(std::int64_t{4}));
  EXPECT_FALSE(convert_field(FieldValue(4.5), FieldType::integer));
  EXPECT_EQ(convert_field(FieldValue(std::int64_t{1}), FieldType::boolean), FieldValue(true));
  EXPECT_FALSE(convert_field(FieldValue(std::int64_t{2}), FieldType::boolean));
  EXPECT_EQ(convert_field(FieldValue(true), FieldType::string), FieldValue(std::string("true")));
  EXPECT_FALSE(convert_field(FieldValue(true), FieldType::floating));
  EXPECT_EQ(parse_field_type("float"), FieldType::floating);
  EXPECT_FALSE(parse_field_type("double"));
}

}  // namespace
}  // namespace edgegw::southbound
