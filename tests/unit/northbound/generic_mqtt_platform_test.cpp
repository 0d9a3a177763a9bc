// The generic MQTT platform: credentials as configured, telemetry JSON and the command topic.
#include "northbound/generic_mqtt_platform.hpp"

#include <gtest/gtest.h>

#include "identities.hpp"
#include "northbound/result_codes.hpp"

namespace edgegw::northbound {
namespace {

using namespace testing;

TEST(GenericMqttPlatform, CredentialsAsConfigured) {
  auto cloud = cloud_for(PlatformKind::mqtt);
  auto p = make_platform(cloud, "/x")->connect_params(mqtt_device(), kNow, "");
  EXPECT_EQ(p.host, "broker.example.com");
  EXPECT_EQ(p.client_id, "meter-1");
  EXPECT_EQ(p.username, "gw");
  EXPECT_EQ(p.password, "pw");
  auto id = mqtt_device();
  id.client_id = "gw-meter-1";
  id.username.clear();
  id.password.clear();
  id.cert_file = "/c.pem";
  id.key_file = "/k.pem";
  p = make_platform(cloud, "/x")->connect_params(id, kNow, "");
  EXPECT_EQ(p.client_id, "gw-meter-1");
  EXPECT_EQ(p.cert_file, "/c.pem");
  EXPECT_EQ(p.problem, "");
}

TEST(GenericMqttPlatform, TelemetryJson) {
  auto platform = make_platform(cloud_for(PlatformKind::mqtt), "/x");
  auto u = platform->encode_uplink(mqtt_device(), meter_record());
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u.publications.at(0).topic, "devices/meter-1/telemetry");
  EXPECT_EQ(u.publications.at(0).payload,
            R"({"device":"meter-1","seq":17,"time":1700000000123,"values":{)"
            R"("voltage":230.5,"current":10.0,"count":42,"on":true,"state":"ok"}})");
}

TEST(GenericMqttPlatform, CommandTopicSetsPoints) {
  auto platform = make_platform(cloud_for(PlatformKind::mqtt), "/x");
  EXPECT_EQ(platform->subscriptions(mqtt_device()),
            std::vector<std::string>{"devices/meter-1/commands"});
  auto d = platform->decode_downlink(mqtt_device(), "devices/meter-1/commands",
                                     R"({"relay":true,"setpoint":21.5})");
  ASSERT_TRUE(d.command);
  EXPECT_EQ(d.command->kind, Command::Kind::set_points);
  EXPECT_EQ(d.command->values, (std::vector<store::Field>{{"relay", true}, {"setpoint", 21.5}}));
  // Answered beside the command topic, even without an id (then an empty one).
  auto reply = platform->encode_reply(mqtt_device(), *d.command, {true, 0, "", {}});
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->topic, "devices/meter-1/commands/reply");
  EXPECT_EQ(reply->payload, R"({"id":"","ok":true,"code":0,"message":"done","data":{}})");
}

TEST(GenericMqttPlatform, ANamedCommandCarriesItsIdAndIsAnsweredWithItOnTheReplyTopic) {
  auto cloud = cloud_for(PlatformKind::mqtt);
  auto platform = make_platform(cloud, "/x");
  auto d = platform->decode_downlink(mqtt_device(), "devices/meter-1/commands",
                                     R"({"id":"c-17","command":"reboot","params":{"delay":5}})");
  ASSERT_TRUE(d.command);
  EXPECT_EQ(d.command->kind, Command::Kind::run_command);
  EXPECT_EQ(d.command->request_id, "c-17");
  EXPECT_EQ(d.command->name, "reboot");
  EXPECT_EQ(d.command->values, (std::vector<store::Field>{{"delay", std::int64_t{5}}}));
  auto reply = platform->encode_reply(mqtt_device(), *d.command,
                                      {false, result_code::not_supported, "no such command", {}});
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->payload,
            R"({"id":"c-17","command":"reboot","ok":false,"code":4,"message":"no such command",)"
            R"("data":{}})");
  // A set with an id: the id is not a point.
  d = platform->decode_downlink(mqtt_device(), "devices/meter-1/commands",
                                R"({"id":"c-18","relay":true})");
  ASSERT_TRUE(d.command);
  EXPECT_EQ(d.command->request_id, "c-18");
  EXPECT_EQ(d.command->values, (std::vector<store::Field>{{"relay", true}}));
  // A configured reply topic.
  cloud.mqtt.reply_topic = "answers/{device}";
  reply = make_platform(cloud, "/x")->encode_reply(mqtt_device(), *d.command, {true, 0, "", {}});
  EXPECT_EQ(reply->topic, "answers/meter-1");
}

TEST(GenericMqttPlatform, CustomTopicsAndWildcards) {
  auto cloud = cloud_for(PlatformKind::mqtt);
  cloud.mqtt.telemetry_topic = "site/7/{device}/up";
  cloud.mqtt.command_topic = "site/7/{device}/down/#";
  auto platform = make_platform(cloud, "/x");
  EXPECT_EQ(platform->encode_uplink(mqtt_device(), meter_record()).publications.at(0).topic,
            "site/7/meter-1/up");
  EXPECT_TRUE(platform->decode_downlink(mqtt_device(), "site/7/meter-1/down/x", "{}").ok());
  EXPECT_TRUE(platform->decode_downlink(mqtt_device(), "site/7/meter-1/down", "{}").ok());
  EXPECT_EQ(platform->decode_downlink(mqtt_device(), "site/7/meter-2/down/x", "{}").error->problem,
            DownlinkProblem::unknown_topic);
}

TEST(GenericMqttPlatform, EmptyCommandTopicSubscribesToNothing) {
  auto cloud = cloud_for(PlatformKind::mqtt);
  cloud.mqtt.command_topic.clear();
  auto platform = make_platform(cloud, "/x");
  EXPECT_TRUE(platform->subscriptions(mqtt_device()).empty());
  EXPECT_FALSE(platform->decode_downlink(mqtt_device(), "", "{}").ok());
}

TEST(GenericMqttPlatform, MalformedCommandsAreRefusedWithoutReply) {
  auto platform = make_platform(cloud_for(PlatformKind::mqtt), "/x");
  for (std::string payload :
       std::vector<std::string>{"", "[1]", "{\"a\":null}", "{\"a\":", std::string("\0\0", 2)}) {
    auto d = platform->decode_downlink(mqtt_device(), "devices/meter-1/commands", payload);
    ASSERT_FALSE(d.ok()) << payload;
    EXPECT_EQ(d.error->problem, DownlinkProblem::malformed);
    EXPECT_FALSE(d.error->reply);
  }
}

TEST(GenericMqttPlatform, BadCredentialsBackOffLong) {
  auto platform = make_platform(cloud_for(PlatformKind::mqtt), "/x");
  EXPECT_EQ(platform->classify_connack(4).verdict, ConnectVerdict::back_off_long);
  EXPECT_EQ(platform->classify_connack(5).verdict, ConnectVerdict::back_off_long);
  EXPECT_EQ(platform->classify_connack(3).verdict, ConnectVerdict::retry_soon);
}

}  // namespace
}  // namespace edgegw::northbound
