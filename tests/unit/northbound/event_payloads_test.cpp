// The event messages against the vendors' own examples: Alink's thing.event.{id}.post (the
// "设备上报事件" page: {"id":"123","version":"1.0","params":{"value":{"Power":"on","WF":"2"},
// "time":1524448722000},"method":"thing.event.{tsl.event.identifier}.post"}), Tencent's event_post
// ({"method":"event_post","clientToken":"123","version":"1.0","eventId":"PowerAlarm",
// "type":"fatal","timestamp":…,"params":{"Voltage":2.8,"Percent":20}}), Huawei's device message
// ({"name":…,"id":…,"content":…}) and the generic platform's configurable topic.
#include "northbound/event_payloads.hpp"

#include <gtest/gtest.h>

#include "identities.hpp"
#include "northbound/platform_payload.hpp"

namespace edgegw::northbound {
namespace {

using namespace testing;

store::Record event(std::string identifier, std::vector<store::Field> fields) {
  store::Record r;
  r.device = "meter-1";
  r.seq = 123;
  r.time_ms = 1524448722000;
  r.kind = store::RecordKind::event;
  r.event = std::move(identifier);
  r.fields = std::move(fields);
  return r;
}

TEST(EventPayloads, AliyunEventPostAsThePageShowsIt) {
  auto platform = make_platform(cloud_for(PlatformKind::aliyun), "/nonexistent");
  auto r = event("PowerAlarm", {{"Power", std::string("on")}, {"WF", std::string("2")}});
  auto out = platform->encode_uplink(aliyun_device(), r);
  ASSERT_TRUE(out.ok()) << out.error->reason;
  ASSERT_EQ(out.publications.size(), 1u);
  EXPECT_EQ(out.publications[0].topic, "/sys/a1B2c3D4e5F/meter-1/thing/event/PowerAlarm/post");
  EXPECT_EQ(out.publications[0].payload,
            R"({"id":"123","version":"1.0","params":{"value":{"Power":"on","WF":"2"},)"
            R"("time":1524448722000},"method":"thing.event.PowerAlarm.post"})");
}

TEST(EventPayloads, AliyunEventPostReplyIsTheAck) {
  auto platform = make_platform(cloud_for(PlatformKind::aliyun), "/nonexistent");
  auto subs = platform->subscriptions(aliyun_device());
  EXPECT_NE(
      std::find(subs.begin(), subs.end(), "/sys/a1B2c3D4e5F/meter-1/thing/event/+/post_reply"),
      subs.end());
  auto down = platform->decode_downlink(
      aliyun_device(), "/sys/a1B2c3D4e5F/meter-1/thing/event/PowerAlarm/post_reply",
      R"({"id":"123","code":200,"data":{}})");
  ASSERT_TRUE(down.ack.has_value());
  EXPECT_EQ(down.ack->id, "123");
  EXPECT_TRUE(down.ack->ok);
}

TEST(EventPayloads, TencentEventPostAsThePageShowsIt) {
  auto platform = make_platform(cloud_for(PlatformKind::tencent), "/nonexistent");
  auto r = event("PowerAlarm", {{"Voltage", 2.8}, {"Percent", std::int64_t{20}}});
  auto out = platform->encode_uplink(tencent_device(), r);
  ASSERT_TRUE(out.ok()) << out.error->reason;
  ASSERT_EQ(out.publications.size(), 1u);
  EXPECT_EQ(out.publications[0].topic, "$thing/up/event/ABCDEF1234/meter-1");
  EXPECT_EQ(out.publications[0].payload,
            R"({"method":"event_post","clientToken":"123","version":"1.0","eventId":"PowerAlarm",)"
            R"("type":"info","timestamp":1524448722000,"params":{"Voltage":2.8,"Percent":20}})");
}

TEST(EventPayloads, HuaweiEventIsADeviceMessage) {
  auto platform = make_platform(cloud_for(PlatformKind::huawei), "/nonexistent");
  auto r = event("OverVoltage", {{"voltage", 250.0}});
  auto out = platform->encode_uplink(huawei_device(), r);
  ASSERT_TRUE(out.ok()) << out.error->reason;
  ASSERT_EQ(out.publications.size(), 1u);
  EXPECT_EQ(out.publications[0].topic, "$oc/devices/6555f8d2_meter-1/sys/messages/up");
  EXPECT_EQ(out.publications[0].payload,
            R"({"name":"OverVoltage","id":"123","content":{"voltage":250.0}})");
}

TEST(EventPayloads, GenericMqttUsesTheEventTopic) {
  auto cloud = cloud_for(PlatformKind::mqtt);
  auto platform = make_platform(cloud, "/nonexistent");
  DeviceIdentity id;
  id.device = "meter-1";
  auto out = platform->encode_uplink(id, event("door_open", {{"open", true}}));
  ASSERT_TRUE(out.ok()) << out.error->reason;
  EXPECT_EQ(out.publications[0].topic, "devices/meter-1/events/door_open");
  EXPECT_EQ(out.publications[0].payload,
            R"({"device":"meter-1","event":"door_open","seq":123,"time":1524448722000,)"
            R"("params":{"open":true}})");
  cloud.mqtt.event_topic = "site/{device}/alarm";
  out = make_platform(cloud, "/nonexistent")->encode_uplink(id, event("door_open", {}));
  ASSERT_TRUE(out.ok()) << out.error->reason;
  EXPECT_EQ(out.publications[0].topic, "site/meter-1/alarm");
  EXPECT_EQ(out.publications[0].payload,
            R"({"device":"meter-1","event":"door_open","seq":123,"time":1524448722000,)"
            R"("params":{}})");
}

TEST(EventPayloads, AnEventIsNeverSplitNorSentWithABadIdentifier) {
  auto platform = make_platform(cloud_for(PlatformKind::tencent), "/nonexistent");
  auto big = event("Big", {{"a", std::string(10000, 'x')}, {"b", std::string(10000, 'y')}});
  auto out = platform->encode_uplink(tencent_device(), big);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error->problem, UplinkProblem::too_large);
  out = platform->encode_uplink(tencent_device(), event("a/b", {{"x", true}}));
  ASSERT_FALSE(out.ok());
  EXPECT_FALSE(valid_event_identifier(""));
  EXPECT_FALSE(valid_event_identifier(std::string(65, 'a')));
  EXPECT_TRUE(valid_event_identifier("Power_Alarm2"));
}

}  // namespace
}  // namespace edgegw::northbound
