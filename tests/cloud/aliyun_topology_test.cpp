// The gateway's Alibaba topology requests (northbound/aliyun_topology) against the emulator's
// independent answers (cloud/aliyun_topology): signatures, the topology order, refusals.
#include "cloud/aliyun_topology.hpp"

#include <gtest/gtest.h>

#include "northbound/aliyun_topology.hpp"

namespace edgegw {
namespace {

using northbound::DeviceIdentity;
using northbound::TopologyStep;

class AliyunTopologyTest : public ::testing::Test {
 protected:
  AliyunTopologyTest() {
    registry.add(cloud::AliyunDevice{"a1Sub", "s1", "secret-1"});
    registry.add(cloud::AliyunDevice{"a1Sub", "s2", "secret-2"});
    cloud::AliyunDevice off{"a1Sub", "off", "secret-3"};
    off.disabled = true;
    registry.add(off);
    gw.product_key = "a1Gw";
    gw.device_name = "gw";
  }
  static DeviceIdentity sub(const std::string& dn, const std::string& secret) {
    DeviceIdentity d;
    d.device = dn;
    d.product_key = "a1Sub";
    d.device_name = dn;
    d.client_id = "a1Sub." + dn;
    d.device_secret = secret;
    return d;
  }
  cloud::TopologyAnswer ask(TopologyStep step, std::vector<const DeviceIdentity*> subs) {
    auto p = protocol->request(step, gw, subs, "7", std::chrono::system_clock::now());
    auto a =
        cloud::answer_aliyun_topology(registry, "a1Gw", "gw", p.topic, p.payload, state, p.qos);
    auto reply = protocol->decode_reply(gw, a.reply_topic, a.reply_payload);
    EXPECT_TRUE(reply);
    if (reply) {
      EXPECT_EQ(reply->id, "7");
      last_code = reply->code;
    }
    return a;
  }
  cloud::Registry registry;
  cloud::AliyunGatewayState state;
  DeviceIdentity gw;
  std::unique_ptr<northbound::TopologyProtocol> protocol =
      northbound::make_aliyun_topology(northbound::CloudOptions{});
  int last_code = 0;
};

TEST_F(AliyunTopologyTest, AddedThenLoggedInAsABatch) {
  auto s1 = sub("s1", "secret-1"), s2 = sub("s2", "secret-2");
  ask(TopologyStep::add, {&s1, &s2});
  EXPECT_EQ(last_code, 200);
  auto a = ask(TopologyStep::login, {&s1, &s2});
  EXPECT_EQ(last_code, 200);
  EXPECT_EQ(a.now_online, (std::vector<std::string>{"a1Sub/s1", "a1Sub/s2"}));
  a = ask(TopologyStep::logout, {&s1});
  EXPECT_EQ(a.now_offline, (std::vector<std::string>{"a1Sub/s1"}));
}

// "Messages for bringing sub-devices online or offline support only QoS 0" (Alibaba's page).
TEST_F(AliyunTopologyTest, LoginAndLogoutAreSentAtQos0) {
  auto s1 = sub("s1", "secret-1"), s2 = sub("s2", "secret-2");
  const auto now = std::chrono::system_clock::now();
  EXPECT_EQ(protocol->request(TopologyStep::login, gw, {&s1}, "1", now).qos, 0);
  EXPECT_EQ(protocol->request(TopologyStep::login, gw, {&s1, &s2}, "2", now).qos, 0);
  EXPECT_EQ(protocol->request(TopologyStep::logout, gw, {&s1}, "3", now).qos, 0);
  EXPECT_EQ(protocol->request(TopologyStep::logout, gw, {&s1, &s2}, "4", now).qos, 0);
}

TEST_F(AliyunTopologyTest, LoginBeforeTheTopologyIsRefused) {
  auto s1 = sub("s1", "secret-1");
  ask(TopologyStep::login, {&s1});
  EXPECT_EQ(last_code, 6401);
  // The gateway knows that code: it adds such a sub-device again instead of backing off.
  EXPECT_EQ(protocol->not_in_topology_code(), 6401);
}

// What an add put in the topology, for the emulator to keep across its restarts; a repeated add
// (the platform accepts it) adds nothing new.
TEST_F(AliyunTopologyTest, AnAddSaysWhichSubDevicesAreNewInTheTopology) {
  auto s1 = sub("s1", "secret-1"), s2 = sub("s2", "secret-2");
  EXPECT_EQ(ask(TopologyStep::add, {&s1}).now_in_topology, (std::vector<std::string>{"a1Sub/s1"}));
  EXPECT_EQ(ask(TopologyStep::add, {&s1, &s2}).now_in_topology,
            (std::vector<std::string>{"a1Sub/s2"}));
  EXPECT_EQ(last_code, 200);
}

TEST_F(AliyunTopologyTest, AWrongSecretOrADisabledDeviceIsRefused) {
  auto bad = sub("s1", "not-the-secret"), off = sub("off", "secret-3");
  ask(TopologyStep::add, {&bad});
  EXPECT_EQ(last_code, 6287);
  ask(TopologyStep::add, {&off});
  EXPECT_EQ(last_code, 522);
}

// Alibaba's per-call limits: up to 30 sub-devices per thing/topo/add, up to 50 per batch login or
// logout. edgegw sends up to max_batch() (30) per request of either kind: the emulator takes a full
// batch of each and refuses one past the limit.
TEST_F(AliyunTopologyTest, AFullBatchIsTakenAndOnePastTheLimitRefused) {
  ASSERT_EQ(protocol->max_batch(), 30u);
  std::vector<DeviceIdentity> subs;
  for (int i = 0; i < 51; ++i) {
    const auto name = "b" + std::to_string(i);
    registry.add(cloud::AliyunDevice{"a1Sub", name, "secret-" + name});
    subs.push_back(sub(name, "secret-" + name));
  }
  auto first = [&](std::size_t n) {
    std::vector<const DeviceIdentity*> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(&subs[i]);
    return out;
  };
  ask(TopologyStep::add, first(31));
  EXPECT_EQ(last_code, 460);
  EXPECT_TRUE(state.topology.empty());
  ask(TopologyStep::add, first(30));
  EXPECT_EQ(last_code, 200);
  auto a = ask(TopologyStep::login, first(30));
  EXPECT_EQ(last_code, 200);
  EXPECT_EQ(a.now_online.size(), 30u);
  a = ask(TopologyStep::logout, first(30));
  EXPECT_EQ(last_code, 200);
  EXPECT_EQ(a.now_offline.size(), 30u);
  // Past the batch login's 50, refused.
  ask(TopologyStep::add, {&subs[30], &subs[31], &subs[32], &subs[33], &subs[34]});
  for (std::size_t i = 35; i + 5 <= 50; i += 5) {
    ask(TopologyStep::add, {&subs[i], &subs[i + 1], &subs[i + 2], &subs[i + 3], &subs[i + 4]});
  }
  ask(TopologyStep::add, {&subs[50]});
  ask(TopologyStep::login, first(51));
  EXPECT_EQ(last_code, 460);
  ask(TopologyStep::login, first(50));
  EXPECT_EQ(last_code, 200);
}

TEST_F(AliyunTopologyTest, SubDeviceTopicsRouteToTheirKey) {
  const auto route = protocol->route(gw, "/sys/a1Sub/s1/thing/service/property/set", "{}");
  ASSERT_TRUE(route);
  EXPECT_EQ(route->key, "a1Sub/s1");
  EXPECT_EQ(route->topic, "/sys/a1Sub/s1/thing/service/property/set");
  EXPECT_FALSE(protocol->route(gw, "/ext/session/a1Gw/gw/combine/login_reply", "{}"));
}

// thing/sub/register (Alibaba's "Dynamic registration of sub-devices"): the request names each
// sub-device by productKey and deviceName only, on the gateway's topic; the answer's data gives
// its deviceSecret. A product without dynamic registration, or a device already online once, is
// refused.
TEST_F(AliyunTopologyTest, RegistrationRequestAndReplyDecode) {
  cloud::AliyunDevice reg{"a1Sub", "r1", "secret-r1", "product-secret"};
  reg.auth = {"register"};
  registry.add(reg);
  auto r1 = sub("r1", "");
  const auto p = protocol->request(TopologyStep::registration, gw, {&r1}, "9",
                                   std::chrono::system_clock::now());
  EXPECT_EQ(p.topic, "/sys/a1Gw/gw/thing/sub/register");
  EXPECT_EQ(p.payload, R"({"id":"9","method":"thing.sub.register","params":[{"deviceName":"r1",)"
                       R"("productKey":"a1Sub"}],"version":"1.0"})");
  const auto subscriptions = protocol->subscriptions(gw);
  EXPECT_NE(std::find(subscriptions.begin(), subscriptions.end(),
                      "/sys/a1Gw/gw/thing/sub/register_reply"),
            subscriptions.end());

  const auto reply = protocol->decode_reply(
      gw, "/sys/a1Gw/gw/thing/sub/register_reply",
      R"({"id":"9","code":200,"data":[{"iotId":"x","productKey":"a1Sub","deviceName":"r1",)"
      R"("deviceSecret":"s3cret"}]})");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->step, TopologyStep::registration);
  EXPECT_TRUE(reply->ok);
  ASSERT_EQ(reply->registrations.size(), 1u);
  EXPECT_EQ(reply->registrations[0].device_secret, "s3cret");
  EXPECT_EQ(reply->registrations[0].device_name, "r1");

  // Against the emulator: registered with the registry's secret; a device whose auth list lacks
  // "register" (its product does not allow dynamic registration) is refused.
  auto a = ask(TopologyStep::registration, {&r1});
  EXPECT_EQ(last_code, 200);
  EXPECT_NE(a.reply_payload.find("secret-r1"), std::string::npos);
  cloud::AliyunDevice secret_only{"a1Sub", "n1", "secret-n1"};
  secret_only.auth = {"secret"};
  registry.add(secret_only);
  auto n1 = sub("n1", "");
  ask(TopologyStep::registration, {&n1});
  EXPECT_EQ(last_code, 401);
  // Once it has been online, registering again is refused.
  r1.device_secret = "secret-r1";
  ask(TopologyStep::add, {&r1});
  ask(TopologyStep::login, {&r1});
  EXPECT_EQ(last_code, 200);
  ask(TopologyStep::registration, {&r1});
  EXPECT_EQ(last_code, 401);
}

}  // namespace
}  // namespace edgegw
