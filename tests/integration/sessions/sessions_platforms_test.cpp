// Every platform and auth mode against the cloud emulator: the session signs, connects on the
// right listener, publishes the outbox's records, and each record leaves the outbox only after the
// cloud acknowledged it. Downlink commands reach the daemon's callback and the reply goes back.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "cloud/cloud_emulator_suite.hpp"
#include "cloud/sample_registry.hpp"
#include "integration/sessions/session_harness.hpp"
#include "support/device_identities.hpp"

namespace edgegw::test {
namespace {

using northbound::AuthMode;
using northbound::DeviceIdentity;
using northbound::PlatformKind;
using northbound::SessionState;

// The sample devices, plus one Aliyun device per other auth mode and an anonymous MQTT device.
Registry suite_registry() {
  auto r = sample_registry();
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

std::vector<Case> cases() {
  std::vector<Case> c;
  // An Aliyun device whose local name is its device name, with the credential `auth` reads.
  auto aliyun = [](std::string name, std::string product_key, AuthMode auth,
                   std::string credential) {
    return
        [=](CloudEmulator&) { return aliyun_identity(name, product_key, name, auth, credential); };
  };
  auto aliyun_secret = aliyun("meter-1", "a1Prod", AuthMode::secret, "s3cret");
  c.push_back({"aliyun_secret_tls", PlatformKind::aliyun, Listener::tls, aliyun_secret,
               "/a1Prod/meter-1/"});
  c.push_back({"aliyun_secret_plain", PlatformKind::aliyun, Listener::plain, aliyun_secret,
               "/a1Prod/meter-1/"});
  c.push_back({"aliyun_token", PlatformKind::aliyun, Listener::tls,
               aliyun("tok-1", "a1Tok", AuthMode::token, "token-of-tok-1"), "/a1Tok/tok-1/"});
  c.push_back({"aliyun_register", PlatformKind::aliyun, Listener::tls,
               aliyun("reg-1", "a1Reg", AuthMode::register_, "prodsecret"), "/a1Reg/reg-1/"});
  c.push_back({"aliyun_register_nwl", PlatformKind::aliyun, Listener::tls,
               aliyun("nwl-1", "a1Nwl", AuthMode::register_nwl, "prodsecret2"), "/a1Nwl/nwl-1/"});
  auto tencent = [](AuthMode auth) {
    return [auth](CloudEmulator& cloud) {
      auto id = tencent_identity("dev1", "TCPROD0001", "dev1", kSamplePskBase64, auth);
      if (auth == AuthMode::cert) id = with_client_cert(id, cloud.client_cert("TCPROD0001dev1"));
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
  c.push_back(
      {"huawei_secret", PlatformKind::huawei, Listener::tls,
       [](CloudEmulator&) { return huawei_identity("node-1", "hwprod_node-1", "hw-secret-1"); },
       "hwprod_node-1"});
  c.push_back({"huawei_cert", PlatformKind::huawei, Listener::mtls,
               [](CloudEmulator& cloud) {
                 return with_client_cert(huawei_identity("node-1", "hwprod_node-1", /*secret=*/""),
                                         cloud.client_cert("hwprod_node-1"));
               },
               "hwprod_node-1"});
  c.push_back({"mqtt_password", PlatformKind::mqtt, Listener::tls,
               [](CloudEmulator&) { return mqtt_password_identity("meter-9", "u9", "p9"); },
               "devices/meter-9/telemetry"});
  c.push_back({"mqtt_cert", PlatformKind::mqtt, Listener::mtls,
               [](CloudEmulator& cloud) {
                 return with_client_cert(device_identity("cert-dev", AuthMode::cert),
                                         cloud.client_cert("cert-dev"));
               },
               "devices/cert-dev/telemetry"});
  c.push_back({"mqtt_none_plain", PlatformKind::mqtt, Listener::plain,
               [](CloudEmulator&) { return anonymous_identity("anon-1"); },
               "devices/anon-1/telemetry"});
  return c;
}

class SessionPlatforms : public CloudEmulatorSuite<suite_registry, ::testing::TestWithParam<Case>> {
};

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

// A device's online/offline: the generic broker gets it on the status topic; a vendor cloud has no
// property for it, so the session removes it from the outbox without publishing or logging, and
// the telemetry behind it still goes out.
TEST_P(SessionPlatforms, DeviceStatusLeavesTheOutboxWithoutBlockingTelemetry) {
  const Case& c = GetParam();
  auto& cloud = *cloud_;
  Observer observer(cloud);
  observer.connect_and_wait();
  auto options = SessionHarness::options_for(cloud, c.platform, port_of(cloud, c.listener),
                                             c.listener != Listener::plain);
  SessionHarness harness(options);
  auto identity = c.identity(cloud);
  const auto device = identity.device;
  ASSERT_TRUE(harness.northbound().add_device(identity));

  store::Record status;
  status.device = device;
  status.kind = store::RecordKind::device_status;
  status.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();  // recent: the outbox ages old records out
  status.fields = {{"online", false}};
  harness.outbox().append(std::move(status));
  harness.append(device, 1.5);
  const bool generic = c.platform == northbound::PlatformKind::mqtt;
  const std::string status_topic = "devices/" + device + "/status";
  ASSERT_TRUE(harness.run_until(
      [&] {
        return harness.backlog() == 0 && observer.count_on(c.topic_needle) >= 1 &&
               (!generic || observer.count_on(status_topic) >= 1);
      },
      std::chrono::seconds(20), &observer))
      << "published " << harness.northbound().status(device)->published << " backlog "
      << harness.backlog() << " telemetry " << observer.count_on(c.topic_needle) << " status "
      << observer.count_on(status_topic) << " " <<
      [&] {
        std::string t;
        for (auto& m : observer.messages()) t += m.topic + "=" + m.payload + " ";
        return t;
      }()
      << "\n"
      << harness.logs() << cloud.log();
  EXPECT_EQ(harness.northbound().status(device)->published, generic ? 2u : 1u);
  EXPECT_EQ(harness.count_logs("cannot be sent"), 0u) << harness.logs();
  // Never as telemetry: the one publication on the telemetry topic is the point's.
  EXPECT_EQ(observer.count_on(c.topic_needle), 1u);
}

INSTANTIATE_TEST_SUITE_P(AllPlatforms, SessionPlatforms, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace edgegw::test
