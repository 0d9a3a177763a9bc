// The gateway's Tencent sub-device operations (northbound/tencent_topology) on their own and
// against the emulator's independent answers (cloud/tencent_topology): the bind signature on a
// worked example, routing, results per sub-device, refusals.
#include "cloud/tencent_topology.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "northbound/tencent_topology.hpp"

namespace edgegw {
namespace {

using northbound::DeviceIdentity;
using northbound::TopologyDeviceResult;
using northbound::TopologyStep;

constexpr const char* kPsk1 = "VI04Eh4N8VgM29U/dnu9cQ==";
constexpr const char* kPsk2 = "c2Vjb25kLWRldmljZS1rZXk=";

class TencentTopologyTest : public ::testing::Test {
 protected:
  TencentTopologyTest() {
    registry.add(cloud::TencentDevice{"SUBPID0001", "s1", kPsk1});
    registry.add(cloud::TencentDevice{"SUBPID0001", "s2", kPsk2});
    cloud::TencentDevice off{"SUBPID0001", "off", kPsk1};
    off.disabled = true;
    registry.add(off);
    gw.product_id = "GWPID00001";
    gw.device_name = "gw";
  }
  static DeviceIdentity sub(const std::string& dn, const std::string& psk) {
    DeviceIdentity d;
    d.device = dn;
    d.product_id = "SUBPID0001";
    d.device_name = dn;
    d.device_psk = psk;
    return d;
  }
  // Sends a request to the emulator and decodes its answer as the gateway does.
  northbound::TopologyReply ask(TopologyStep step, std::vector<const DeviceIdentity*> subs) {
    const auto now = std::chrono::system_clock::now();
    auto p = protocol->request(step, gw, subs, "7", now);
    last = cloud::answer_tencent_topology(
        registry, "GWPID00001", "gw", p.topic, p.payload, state,
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
    EXPECT_TRUE(last.handled);
    auto reply = protocol->decode_reply(gw, last.reply_topic, last.reply_payload);
    EXPECT_TRUE(reply);
    return reply.value_or(northbound::TopologyReply{});
  }
  cloud::Registry registry;
  cloud::TencentGatewayState state;
  cloud::TopologyAnswer last;
  DeviceIdentity gw;
  std::unique_ptr<northbound::TopologyProtocol> protocol =
      northbound::make_tencent_topology(northbound::CloudOptions{});
};

// Worked example, checked with: printf '%s' 'CFCSQ5EAG7sub1;121213;1589786839' |
//   openssl dgst -sha256 -hmac 'VI04Eh4N8VgM29U/dnu9cQ==' -binary | base64
TEST_F(TencentTopologyTest, BindSignatureMatchesAWorkedExample) {
  using northbound::SignMethod;
  EXPECT_EQ(northbound::tencent_bind_signature("CFCSQ5EAG7", "sub1", kPsk1, 121213, 1589786839,
                                               SignMethod::hmacsha256),
            "Hs5E6CelDHr+2/7x3m2Cc9avwaFd3/9sD/9Esu9vrW4=");
  EXPECT_EQ(northbound::tencent_bind_signature("CFCSQ5EAG7", "sub1", kPsk1, 121213, 1589786839,
                                               SignMethod::hmacsha1),
            "R4aUZ8481os+hUqtyMawNV6OIIA=");
}

TEST_F(TencentTopologyTest, RequestsGoToTheGatewaysOperationTopic) {
  auto s1 = sub("s1", kPsk1), s2 = sub("s2", kPsk2);
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1589786839));
  auto bind = protocol->request(TopologyStep::add, gw, {&s1, &s2}, "3", now);
  EXPECT_EQ(bind.topic, "$gateway/operation/GWPID00001/gw");
  EXPECT_EQ(bind.qos, 0);
  auto doc = nlohmann::json::parse(bind.payload);
  EXPECT_EQ(doc["type"], "bind");
  ASSERT_EQ(doc["payload"]["devices"].size(), 2u);
  const auto& first = doc["payload"]["devices"][0];
  EXPECT_EQ(first["product_id"], "SUBPID0001");
  EXPECT_EQ(first["device_name"], "s1");
  EXPECT_EQ(first["timestamp"], 1589786839);
  EXPECT_EQ(first["signmethod"], "hmacsha256");
  EXPECT_EQ(first["authtype"], "psk");
  EXPECT_EQ(first["signature"], northbound::tencent_bind_signature(
                                    "SUBPID0001", "s1", kPsk1, first["random"].get<std::uint32_t>(),
                                    1589786839, northbound::SignMethod::hmacsha256));
  auto online =
      nlohmann::json::parse(protocol->request(TopologyStep::login, gw, {&s1}, "4", now).payload);
  EXPECT_EQ(online, nlohmann::json::parse(R"({"type":"online","payload":{"devices":[
                      {"product_id":"SUBPID0001","device_name":"s1"}]}})"));
  auto offline =
      nlohmann::json::parse(protocol->request(TopologyStep::logout, gw, {&s1}, "5", now).payload);
  EXPECT_EQ(offline["type"], "offline");
  EXPECT_EQ(protocol->subscriptions(gw),
            std::vector<std::string>{"$gateway/operation/result/GWPID00001/gw"});
}

TEST_F(TencentTopologyTest, BoundThenOnlineAsABatch) {
  auto s1 = sub("s1", kPsk1), s2 = sub("s2", kPsk2);
  auto reply = ask(TopologyStep::add, {&s1, &s2});
  EXPECT_EQ(reply.step, TopologyStep::add);
  EXPECT_TRUE(reply.id.empty());  // Tencent's results name no request
  EXPECT_EQ(reply.devices, (std::vector<TopologyDeviceResult>{{"SUBPID0001/s1", true, 0},
                                                              {"SUBPID0001/s2", true, 0}}));
  reply = ask(TopologyStep::login, {&s1, &s2});
  EXPECT_EQ(reply.step, TopologyStep::login);
  EXPECT_TRUE(reply.ok);
  EXPECT_EQ(last.now_online, (std::vector<std::string>{"SUBPID0001/s1", "SUBPID0001/s2"}));
  reply = ask(TopologyStep::logout, {&s1});
  EXPECT_TRUE(reply.ok);
  EXPECT_EQ(last.now_offline, (std::vector<std::string>{"SUBPID0001/s1"}));
}

// We bind on every gateway login: "already bound" to this gateway counts as bound.
TEST_F(TencentTopologyTest, ABindRepeatedOnTheNextLoginIsAccepted) {
  auto s1 = sub("s1", kPsk1);
  EXPECT_TRUE(ask(TopologyStep::add, {&s1}).ok);
  auto reply = ask(TopologyStep::add, {&s1});
  ASSERT_EQ(reply.devices.size(), 1u);
  EXPECT_EQ(reply.devices[0].code, -809);
  EXPECT_TRUE(reply.ok);
}

TEST_F(TencentTopologyTest, OnlineBeforeBindIsRefused) {
  auto s1 = sub("s1", kPsk1);
  auto reply = ask(TopologyStep::login, {&s1});
  EXPECT_FALSE(reply.ok);
  EXPECT_EQ(reply.devices, (std::vector<TopologyDeviceResult>{{"SUBPID0001/s1", false, -1}}));
}

// One refused sub-device does not sink the others of its request.
TEST_F(TencentTopologyTest, ABadKeyOrADisabledDeviceIsRefusedAlone) {
  auto s1 = sub("s1", kPsk1), bad = sub("s2", kPsk1), off = sub("off", kPsk1);
  auto unknown = sub("nobody", kPsk1);
  auto reply = ask(TopologyStep::add, {&s1, &bad, &off, &unknown});
  EXPECT_EQ(reply.devices, (std::vector<TopologyDeviceResult>{{"SUBPID0001/s1", true, 0},
                                                              {"SUBPID0001/s2", false, -803},
                                                              {"SUBPID0001/off", false, -807},
                                                              {"SUBPID0001/nobody", false, -802}}));
  EXPECT_FALSE(reply.ok);
  EXPECT_EQ(state.bound, (std::set<std::string>{"SUBPID0001/s1"}));
}

TEST_F(TencentTopologyTest, SubDeviceTopicsRouteToTheirKey) {
  // A sub-device's downlink arrives on its own topics: routed by topic, decoded there.
  const auto key = [&](const char* topic) -> std::optional<std::string> {
    auto route = protocol->route(gw, topic, "{}");
    if (!route) return std::nullopt;
    EXPECT_EQ(route->topic, topic);
    return route->key;
  };
  EXPECT_EQ(key("SUBPID0001/s1/control"), "SUBPID0001/s1");
  EXPECT_EQ(key("$thing/down/action/SUBPID0001/s1"), "SUBPID0001/s1");
  EXPECT_EQ(key("$thing/down/event/SUBPID0001/s1"), "SUBPID0001/s1");
  EXPECT_FALSE(key("$gateway/operation/result/GWPID00001/gw"));
  EXPECT_FALSE(key("$thing/down/action/SUBPID0001"));
  EXPECT_FALSE(key("SUBPID0001"));
}

TEST_F(TencentTopologyTest, OnlyTheResultTopicIsDecoded) {
  EXPECT_FALSE(protocol->decode_reply(gw, "SUBPID0001/s1/control", "{}"));
  auto garbage = protocol->decode_reply(gw, "$gateway/operation/result/GWPID00001/gw", "not json");
  ASSERT_TRUE(garbage);
  EXPECT_TRUE(garbage->id.empty());
  EXPECT_TRUE(garbage->devices.empty());  // matches no request: ignored
  auto unbind = protocol->decode_reply(gw, "$gateway/operation/result/GWPID00001/gw",
                                       R"({"type":"unbind","payload":{"devices":[]}})");
  ASSERT_TRUE(unbind);
  EXPECT_TRUE(unbind->devices.empty());
}

}  // namespace
}  // namespace edgegw
