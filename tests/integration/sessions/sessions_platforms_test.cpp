// Every platform and auth mode against the cloud emulator: the session signs, connects on the
// right listener, publishes the outbox's records, and each record leaves the outbox only after the
// cloud acknowledged it. Downlink commands reach the daemon's callback and the reply goes back.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "integration/sessions/session_harness.hpp"

namespace edgegw::test {
namespace {

using northbound::AuthMode;
using northbound::DeviceIdentity;
using northbound::PlatformKind;
using northbound::SessionState;

constexpr const char* kPskBase64 = "ABEiM0RVZneImaq7zN3u/w==";

Registry suite_registry() {
  Registry r;
  r.add(AliyunDevice{.product_key = "a1Prod", .device_name = "meter-1", .device_secret = "s3cret"});
  r.add(AliyunDevice{.product_key = "a1Tok",
                     .device_name = "tok-1",
                     .device_token = "token-of-tok-1",
                     .auth = {"token"}});
  r.add(AliyunDevice{.product_key = "a1Reg",
                     .device_name = "reg-1",
                     .device_secret = "secret-handed-out",
                     .product_secret = "prodsecret",
                     .auth = {"register", "secret"}});
  r.add(AliyunDevice{.product_key = "a1Nwl",
                     .device_name = "nwl-1",
                     .product_secret = "prodsecret2",
                     .auth = {"register_nwl", "token"}});
  r.add(TencentDevice{.product_id = "TCPROD0001", .device_name = "dev1", .psk = kPskBase64});
  r.add(HuaweiDevice{.device_id = "hwprod_node-1", .secret = "hw-secret-1"});
  r.add(MqttDevice{.device = "meter-9", .username = "u9", .password = "p9"});
  r.add(MqttDevice{.device = "cert-dev", .auth = {"cert"}});
  r.add(MqttDevice{.device = "anon-1", .auth = {"none"}});
  return r;
}

enum class Listener { plain, tls, mtls, psk };

struct Case {
  std::string name;
  PlatformKind platform;
  Listener listener;
  std::function<DeviceIdentity(CloudEmulator&)> identity;
  std::string topic_needle;  // a piece of the device's uplink topic
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

std::uint16_t port_of(const CloudEmulator& cloud, Listener l) {
  switch (l) {
    case Listener::plain:
      return cloud.plain_port();
    case Listener::tls:
      return cloud.tls_port();
    case Listener::mtls:
      return cloud.mtls_port();
    case Listener::psk:
      return cloud.psk_port();
  }
  return 0;
}

DeviceIdentity aliyun(std::string device, std::string pk, std::string dn, AuthMode auth) {
  DeviceIdentity id;
  id.device = std::move(device);
  id.auth = auth;
  id.product_key = std::move(pk);
  id.device_name = std::move(dn);
  return id;
}

std::vector<Case> cases() {
  std::vector<Case> c;
  auto aliyun_secret = [](CloudEmulator&) {
    auto id = aliyun("meter-1", "a1Prod", "meter-1", AuthMode::secret);
    id.device_secret = "s3cret";
    return id;
  };
  c.push_back({"aliyun_secret_tls", PlatformKind::aliyun, Listener::tls, aliyun_secret,
               "/a1Prod/meter-1/"});
  c.push_back({"aliyun_secret_plain", PlatformKind::aliyun, Listener::plain, aliyun_secret,
               "/a1Prod/meter-1/"});
  c.push_back({"aliyun_token", PlatformKind::aliyun, Listener::tls,
               [](CloudEmulator&) {
                 auto id = aliyun("tok-1", "a1Tok", "tok-1", AuthMode::token);
                 id.device_token = "token-of-tok-1";
                 return id;
               },
               "/a1Tok/tok-1/"});
  c.push_back({"aliyun_register", PlatformKind::aliyun, Listener::tls,
               [](CloudEmulator&) {
                 auto id = aliyun("reg-1", "a1Reg", "reg-1", AuthMode::register_);
                 id.product_secret = "prodsecret";
                 return id;
               },
               "/a1Reg/reg-1/"});
  c.push_back({"aliyun_register_nwl", PlatformKind::aliyun, Listener::tls,
               [](CloudEmulator&) {
                 auto id = aliyun("nwl-1", "a1Nwl", "nwl-1", AuthMode::register_nwl);
                 id.product_secret = "prodsecret2";
                 return id;
               },
               "/a1Nwl/nwl-1/"});
  auto tencent = [](AuthMode auth) {
    return [auth](CloudEmulator& cloud) {
      DeviceIdentity id;
      id.device = "dev1";
      id.auth = auth;
      id.product_id = "TCPROD0001";
      id.device_name = "dev1";
      id.device_psk = kPskBase64;
      if (auth == AuthMode::cert) {
        auto pair = cloud.client_cert("TCPROD0001dev1");
        id.cert_file = pair.cert;
        id.key_file = pair.key;
      }
      return id;
    };
  };
  c.push_back({"tencent_psk", PlatformKind::tencent, Listener::psk, tencent(AuthMode::psk),
               "TCPROD0001/dev1"});
  // Tencent takes key (password) auth over plain TCP only.
  c.push_back({"tencent_password", PlatformKind::tencent, Listener::plain,
               tencent(AuthMode::password), "TCPROD0001/dev1"});
  c.push_back({"tencent_cert", PlatformKind::tencent, Listener::mtls, tencent(AuthMode::cert),
               "TCPROD0001/dev1"});
  c.push_back({"huawei_secret", PlatformKind::huawei, Listener::tls,
               [](CloudEmulator&) {
                 DeviceIdentity id;
                 id.device = "node-1";
                 id.device_id = "hwprod_node-1";
                 id.device_secret = "hw-secret-1";
                 return id;
               },
               "hwprod_node-1"});
  c.push_back({"huawei_cert", PlatformKind::huawei, Listener::mtls,
               [](CloudEmulator& cloud) {
                 DeviceIdentity id;
                 id.device = "node-1";
                 id.auth = AuthMode::cert;
                 id.device_id = "hwprod_node-1";
                 auto pair = cloud.client_cert("hwprod_node-1");
                 id.cert_file = pair.cert;
                 id.key_file = pair.key;
                 return id;
               },
               "hwprod_node-1"});
  c.push_back({"mqtt_password", PlatformKind::mqtt, Listener::tls,
               [](CloudEmulator&) {
                 DeviceIdentity id;
                 id.device = "meter-9";
                 id.auth = AuthMode::password;
                 id.username = "u9";
                 id.password = "p9";
                 return id;
               },
               "devices/meter-9/telemetry"});
  c.push_back({"mqtt_cert", PlatformKind::mqtt, Listener::mtls,
               [](CloudEmulator& cloud) {
                 DeviceIdentity id;
                 id.device = "cert-dev";
                 id.auth = AuthMode::cert;
                 auto pair = cloud.client_cert("cert-dev");
                 id.cert_file = pair.cert;
                 id.key_file = pair.key;
                 return id;
               },
               "devices/cert-dev/telemetry"});
  c.push_back({"mqtt_none_plain", PlatformKind::mqtt, Listener::plain,
               [](CloudEmulator&) {
                 DeviceIdentity id;
                 id.device = "anon-1";
                 id.auth = AuthMode::none;
                 return id;
               },
               "devices/anon-1/telemetry"});
  return c;
}

class SessionPlatforms : public ::testing::TestWithParam<Case> {
 protected:
  static void SetUpTestSuite() {
    cloud_ = new CloudEmulator(suite_registry());
    cloud_->start();
  }
  static void TearDownTestSuite() {
    delete cloud_;
    cloud_ = nullptr;
  }
  static CloudEmulator* cloud_;
};
CloudEmulator* SessionPlatforms::cloud_ = nullptr;

TEST_P(SessionPlatforms, ConnectsAndDeliversEveryRecordAckedOnlyByTheCloud) {
  const Case& c = GetParam();
  auto& cloud = *cloud_;
  Observer observer(cloud);
  observer.connect_and_wait();

  bool tls = c.listener != Listener::plain;
  auto options = SessionHarness::options_for(cloud, c.platform, port_of(cloud, c.listener), tls);
  SessionHarness harness(options);
  auto identity = c.identity(cloud);
  const auto device = identity.device;
  ASSERT_TRUE(harness.northbound().add_device(identity));

  constexpr int kRecords = 20;
  for (int i = 0; i < kRecords; ++i) harness.append(device, i * 1.5);
  ASSERT_TRUE(harness.run_until(
      [&] { return harness.backlog() == 0 && observer.count_on(c.topic_needle) >= kRecords; },
      std::chrono::seconds(20), &observer))
      << harness.northbound().status(device)->last_error << "\n"
      << harness.logs() << cloud.log();

  auto status = harness.northbound().status(device);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->state, SessionState::online);
  EXPECT_GE(status->acknowledged, static_cast<std::uint64_t>(kRecords));
  EXPECT_EQ(status->backlog, 0u);
  EXPECT_EQ(harness.count_logs("refused"), 0u) << harness.logs();
}

INSTANTIATE_TEST_SUITE_P(AllPlatforms, SessionPlatforms, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace edgegw::test
