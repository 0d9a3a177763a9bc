// The gateway's Huawei IoTDA sub-device messages (northbound/huawei_topology) against the
// emulator's independent reading of the same pages (cloud/huawei_topology): status updates with a
// per-device refusal, batched property reports, commands routed by object_device_id and their
// answers on the gateway's topic.
#include "cloud/huawei_topology.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "northbound/huawei_platform.hpp"
#include "northbound/huawei_topology.hpp"

namespace edgegw {
namespace {

using northbound::DeviceIdentity;
using northbound::Publication;
using northbound::SubPublication;
using northbound::TopologyStep;

class HuaweiTopologyTest : public ::testing::Test {
 protected:
  HuaweiTopologyTest() {
    registry.add(cloud::HuaweiDevice{.device_id = "s1", .secret = "x"});
    registry.add(cloud::HuaweiDevice{.device_id = "s2", .secret = "x"});
    registry.add(cloud::HuaweiDevice{.device_id = "off", .secret = "x", .disabled = true});
    gw.device_id = "gw";
  }
  static DeviceIdentity sub(const std::string& id) {
    DeviceIdentity d;
    d.device = "local-" + id;
    d.device_id = id;
    return d;
  }
  // Sends `step` for `subs` to the emulator and decodes its answer.
  std::optional<northbound::TopologyReply> ask(TopologyStep step,
                                               std::vector<const DeviceIdentity*> subs) {
    auto p = protocol->request(step, gw, subs, "ev-7", std::chrono::system_clock::now());
    last = cloud::answer_huawei_topology(registry, "gw", p.topic, p.payload, state);
    EXPECT_TRUE(last.handled) << p.topic;
    EXPECT_EQ(last.problem, "");
    return protocol->decode_reply(gw, last.reply_topic, last.reply_payload);
  }
  static Publication report(const std::string& id, int value) {
    return {"$oc/devices/" + id + "/sys/properties/report",
            R"({"services":[{"service_id":"s","properties":{"v":)" + std::to_string(value) + "}}]}",
            1};
  }
  cloud::Registry registry;
  cloud::HuaweiGatewayState state;
  cloud::HuaweiTopologyAnswer last;
  DeviceIdentity gw;
  std::unique_ptr<northbound::TopologyProtocol> protocol =
      northbound::make_huawei_topology(northbound::CloudOptions{});
};

TEST_F(HuaweiTopologyTest, SubDevicesExistAlreadyAndTheirCommandsComeOnTheGatewaysTopics) {
  EXPECT_FALSE(protocol->needs_add());
  EXPECT_FALSE(protocol->subscribes_sub_topics());
  EXPECT_EQ(protocol->subscriptions(gw),
            std::vector<std::string>{"$oc/devices/gw/sys/events/down"});
  EXPECT_EQ(protocol->max_batch(), 100u);
}

TEST_F(HuaweiTopologyTest, OneStatusUpdateBringsTheKnownOnlineAndNamesTheRefused) {
  auto s1 = sub("s1"), s2 = sub("s2"), off = sub("off"), ghost = sub("ghost");
  auto reply = ask(TopologyStep::login, {&s1, &off, &s2, &ghost});
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->id, "ev-7");
  EXPECT_TRUE(reply->ok);
  EXPECT_EQ(last.now_online, (std::vector<std::string>{"s1", "s2"}));
  ASSERT_EQ(reply->refused.size(), 2u);
  EXPECT_EQ(reply->refused[0].key, "off");
  EXPECT_EQ(reply->refused[0].code, "IOTDA.014001");
  EXPECT_EQ(reply->refused[1].key, "ghost");
  reply = ask(TopologyStep::logout, {&s1});
  ASSERT_TRUE(reply);
  EXPECT_TRUE(reply->refused.empty());
  EXPECT_EQ(last.now_offline, std::vector<std::string>{"s1"});
}

TEST_F(HuaweiTopologyTest, AnotherEventOnTheGatewaysDownTopicIsNotAReply) {
  EXPECT_FALSE(protocol->decode_reply(
      gw, "$oc/devices/gw/sys/events/down",
      R"({"services":[{"service_id":"$ota","event_type":"version_query","paras":{}}]})"));
  EXPECT_FALSE(protocol->decode_reply(gw, "$oc/devices/gw/sys/commands/request_id=1", "{}"));
}

TEST_F(HuaweiTopologyTest, ReportsOfSeveralSubDevicesGoInOneGatewayReport) {
  auto s1 = sub("s1"), s2 = sub("s2");
  ask(TopologyStep::login, {&s1, &s2});
  const auto p1 = report("s1", 1), p2 = report("s2", 2);
  auto out = protocol->carry(gw, {{&s1, &p1}, {&s2, &p2}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].parts, (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(out[0].publication.topic, "$oc/devices/gw/sys/gateway/sub_devices/properties/report");
  auto a = cloud::answer_huawei_topology(registry, "gw", out[0].publication.topic,
                                         out[0].publication.payload, state);
  EXPECT_TRUE(a.handled);
  EXPECT_EQ(a.problem, "");
  ASSERT_EQ(a.reports.size(), 2u);
  EXPECT_EQ(a.reports[1].first, "s2");
  EXPECT_EQ(cloud::huawei_sub_device_reports(out[0].publication.payload, "s1").size(), 1u);
}

TEST_F(HuaweiTopologyTest, AReportForASubDeviceNotOnlineIsRefusedByTheCloud) {
  auto s1 = sub("s1");
  const auto p1 = report("s1", 1);
  auto out = protocol->carry(gw, {{&s1, &p1}});
  ASSERT_EQ(out.size(), 1u);
  auto a = cloud::answer_huawei_topology(registry, "gw", out[0].publication.topic,
                                         out[0].publication.payload, state);
  EXPECT_NE(a.problem.find("not online"), std::string::npos) << a.problem;
}

TEST_F(HuaweiTopologyTest, MoreThanAHundredSubDevicesAreSplitAndEveryPartCarriedOnce) {
  std::vector<DeviceIdentity> subs;
  std::vector<Publication> pubs;
  for (int i = 0; i < 150; ++i) {
    subs.push_back(sub("d" + std::to_string(i)));
    pubs.push_back(report("d" + std::to_string(i), i));
  }
  std::vector<SubPublication> parts;
  for (int i = 0; i < 150; ++i) parts.push_back({&subs[i], &pubs[i]});
  auto out = protocol->carry(gw, parts);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].parts.size(), 100u);
  EXPECT_EQ(out[1].parts.size(), 50u);
  EXPECT_EQ(out[1].parts.front(), 100u);
}

TEST_F(HuaweiTopologyTest, ACommandForASubDeviceIsRoutedByObjectDeviceIdAndAnsweredAsTheGateway) {
  auto s1 = sub("s1");
  const auto call = cloud::huawei_sub_device_command("gw", "s1", "42", "set_speed", R"({"rpm":5})");
  auto route = protocol->route(gw, call.topic, call.payload);
  ASSERT_TRUE(route);
  EXPECT_EQ(route->key, "s1");
  EXPECT_EQ(route->topic, "$oc/devices/s1/sys/commands/request_id=42");
  auto platform = northbound::make_huawei_platform(northbound::CloudOptions{});
  auto decoded = platform->decode_downlink(s1, route->topic, call.payload);
  ASSERT_TRUE(decoded.command);
  EXPECT_EQ(decoded.command->name, "set_speed");
  auto answer = platform->encode_reply(s1, *decoded.command, northbound::CommandResult{});
  ASSERT_TRUE(answer);
  auto out = protocol->carry(gw, {{&s1, &*answer}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].publication.topic, call.answer_topic);
  auto j = nlohmann::json::parse(out[0].publication.payload);
  EXPECT_EQ(j.value("result_code", -1), 0);
}

TEST_F(HuaweiTopologyTest, TheGatewaysOwnCommandsAreNotRouted) {
  EXPECT_FALSE(protocol->route(gw, "$oc/devices/gw/sys/commands/request_id=1",
                               R"({"command_name":"reboot","paras":{}})"));
  EXPECT_FALSE(protocol->route(gw, "$oc/devices/gw/sys/commands/request_id=1",
                               R"({"object_device_id":"gw","command_name":"reboot"})"));
  EXPECT_FALSE(protocol->route(gw, "$oc/devices/other/sys/commands/request_id=1",
                               R"({"object_device_id":"s1"})"));
}

TEST_F(HuaweiTopologyTest, ASubDevicesMessageNamesItOnTheGatewaysTopic) {
  auto s1 = sub("s1");
  const Publication message{"$oc/devices/s1/sys/messages/up", R"({"name":"alarm","content":{}})",
                            1};
  auto out = protocol->carry(gw, {{&s1, &message}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].publication.topic, "$oc/devices/gw/sys/messages/up");
  EXPECT_EQ(nlohmann::json::parse(out[0].publication.payload).value("object_device_id", ""), "s1");
}

}  // namespace
}  // namespace edgegw
