// Out through port 443 (issue 19 item 5): sessions over MQTT over WebSocket and through a real HTTP
// CONNECT proxy (tinyproxy), against the cloud emulator's websockets listeners (mosquitto's). Every
// platform and auth mode that can use WebSocket signs, connects through the proxy, delivers every
// record, and takes a command back; plain TLS goes through the proxy too; a proxy that refuses is
// reported in words and retried with backoff; no_proxy is honoured.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "cloud/cloud_emulator_suite.hpp"
#include "cloud/sample_registry.hpp"
#include "integration/sessions/session_harness.hpp"
#include "support/device_identities.hpp"
#include "support/net.hpp"
#include "support/tinyproxy.hpp"

namespace edgegw::test {
namespace {

using namespace std::chrono_literals;
using northbound::AuthMode;
using northbound::DeviceIdentity;
using northbound::PlatformKind;
using northbound::SessionState;

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
  r.add(MqttDevice{.device = "anon-1", .auth = {"none"}});
  return r;
}

enum class Listener { wss, wss_mtls, ws };

struct Case {
  std::string name;
  PlatformKind platform;
  Listener listener;
  std::function<DeviceIdentity(CloudEmulator&)> identity;
  std::string topic_needle;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

std::uint16_t port_of(const CloudEmulator& cloud, Listener l) {
  switch (l) {
    case Listener::wss:
      return cloud.wss_port();
    case Listener::wss_mtls:
      return cloud.wss_mtls_port();
    case Listener::ws:
      return cloud.ws_port();
  }
  return 0;
}

// TLS-PSK is not offered: no vendor serves PSK over WebSocket (a browser-side TLS stack has none).
std::vector<Case> cases() {
  std::vector<Case> c;
  auto aliyun = [](std::string name, std::string product_key, AuthMode auth,
                   std::string credential) {
    return
        [=](CloudEmulator&) { return aliyun_identity(name, product_key, name, auth, credential); };
  };
  auto aliyun_secret = aliyun("meter-1", "a1Prod", AuthMode::secret, "s3cret");
  c.push_back({"aliyun_secret_wss", PlatformKind::aliyun, Listener::wss, aliyun_secret,
               "/a1Prod/meter-1/"});
  c.push_back(
      {"aliyun_secret_ws", PlatformKind::aliyun, Listener::ws, aliyun_secret, "/a1Prod/meter-1/"});
  c.push_back({"aliyun_token_wss", PlatformKind::aliyun, Listener::wss,
               aliyun("tok-1", "a1Tok", AuthMode::token, "token-of-tok-1"), "/a1Tok/tok-1/"});
  c.push_back({"aliyun_register_wss", PlatformKind::aliyun, Listener::wss,
               aliyun("reg-1", "a1Reg", AuthMode::register_, "prodsecret"), "/a1Reg/reg-1/"});
  auto tencent = [](AuthMode auth) {
    return [auth](CloudEmulator& cloud) {
      auto id = tencent_identity("dev1", "TCPROD0001", "dev1", kSamplePskBase64, auth);
      if (auth == AuthMode::cert) id = with_client_cert(id, cloud.client_cert("TCPROD0001dev1"));
      return id;
    };
  };
  c.push_back({"tencent_password_ws", PlatformKind::tencent, Listener::ws,
               tencent(AuthMode::password), "TCPROD0001/dev1"});
  c.push_back({"tencent_cert_wss", PlatformKind::tencent, Listener::wss_mtls,
               tencent(AuthMode::cert), "TCPROD0001/dev1"});
  c.push_back(
      {"huawei_secret_wss", PlatformKind::huawei, Listener::wss,
       [](CloudEmulator&) { return huawei_identity("node-1", "hwprod_node-1", "hw-secret-1"); },
       "hwprod_node-1"});
  c.push_back({"huawei_cert_wss", PlatformKind::huawei, Listener::wss_mtls,
               [](CloudEmulator& cloud) {
                 return with_client_cert(huawei_identity("node-1", "hwprod_node-1", ""),
                                         cloud.client_cert("hwprod_node-1"));
               },
               "hwprod_node-1"});
  c.push_back({"mqtt_password_wss", PlatformKind::mqtt, Listener::wss,
               [](CloudEmulator&) { return mqtt_password_identity("meter-9", "u9", "p9"); },
               "devices/meter-9/telemetry"});
  c.push_back({"mqtt_none_ws", PlatformKind::mqtt, Listener::ws,
               [](CloudEmulator&) { return anonymous_identity("anon-1"); },
               "devices/anon-1/telemetry"});
  return c;
}

// Cloud options for a WebSocket or TLS session through `proxy` (none when null).
northbound::NorthboundOptions options(const CloudEmulator& cloud, PlatformKind kind,
                                      std::uint16_t port, bool tls, bool websocket,
                                      const std::string& proxy) {
  auto o = SessionHarness::options_for(cloud, kind, port, tls);
  o.cloud.websocket = websocket;
  o.cloud.proxy = proxy;
  return o;
}

class SessionsWss : public CloudEmulatorSuite<suite_registry, ::testing::TestWithParam<Case>> {};

TEST_P(SessionsWss, DeliversEveryRecordOverWebSocketThroughTheProxy) {
  const Case& c = GetParam();
  auto& cloud = *cloud_;
  Tinyproxy proxy({.connect_ports = {cloud.wss_port(), cloud.wss_mtls_port(), cloud.ws_port()},
                   .basic_auth = ""});
  proxy.start();
  Observer observer(cloud);
  observer.connect_and_wait();

  const bool tls = c.listener != Listener::ws;
  SessionHarness harness(
      options(cloud, c.platform, port_of(cloud, c.listener), tls, true, proxy.url()));
  auto identity = c.identity(cloud);
  const auto device = identity.device;
  ASSERT_TRUE(harness.northbound().add_device(identity));
  constexpr int kRecords = 20;
  for (int i = 0; i < kRecords; ++i) harness.append(device, i * 1.5);
  ASSERT_TRUE(harness.run_until(
      [&] { return harness.backlog() == 0 && observer.count_on(c.topic_needle) >= kRecords; }, 20s,
      &observer))
      << harness.northbound().status(device)->last_error << "\n"
      << harness.logs() << cloud.log() << proxy.log();
  EXPECT_EQ(harness.northbound().status(device)->state, SessionState::online);
  // The tunnel was the proxy's: it logged the CONNECT to the broker's port.
  EXPECT_NE(proxy.log().find(std::to_string(port_of(cloud, c.listener))), std::string::npos)
      << proxy.log();
  EXPECT_NE(harness.logs().find(tls ? "wss://" : "ws://"), std::string::npos) << harness.logs();
}

INSTANTIATE_TEST_SUITE_P(WebSocket, SessionsWss, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

Registry huawei_registry() {
  Registry registry;
  registry.add(HuaweiDevice{.device_id = "hwprod_node-1", .secret = "hw-secret-1"});
  return registry;
}

DeviceIdentity huawei_node() {
  return huawei_identity("node-1", "hwprod_node-1", "hw-secret-1");
}

class SessionsProxy : public CloudEmulatorSuite<huawei_registry> {};

TEST_F(SessionsProxy, TakesACommandBackOverWssThroughTheProxy) {
  auto& cloud = *cloud_;
  Tinyproxy proxy({.connect_ports = {cloud.wss_port()}, .basic_auth = ""});
  proxy.start();
  Observer observer(cloud);
  observer.connect_and_wait();
  SessionHarness harness(
      options(cloud, PlatformKind::huawei, cloud.wss_port(), true, true, proxy.url()));
  harness.northbound().add_device(huawei_node());
  harness.append("node-1", 21.5);
  ASSERT_TRUE(harness.run_until([&] { return harness.backlog() == 0; }, 10s, &observer))
      << harness.logs();
  ASSERT_TRUE(harness.run_until(
      [&] {
        if (harness.commands().empty()) {
          observer.publish("$oc/devices/hwprod_node-1/sys/commands/request_id=7",
                           R"({"service_id":"valve","command_name":"open","paras":{"pct":5}})");
        }
        return !harness.commands().empty();
      },
      10s, &observer))
      << harness.logs();
  const auto& [device, command] = harness.commands().front();
  EXPECT_EQ(command.name, "open");
  northbound::CommandResult result;
  result.ok = true;
  ASSERT_TRUE(harness.northbound().reply("node-1", command, result));
  ASSERT_TRUE(harness.run_until(
      [&] { return observer.count_on("sys/commands/response/request_id=7") > 0; }, 10s, &observer));
}

TEST_F(SessionsProxy, PlainTlsGoesThroughTheProxyWithItsLogin) {
  auto& cloud = *cloud_;
  Tinyproxy proxy({.connect_ports = {cloud.tls_port()}, .basic_auth = "gw:s3cret"});
  proxy.start();
  Observer observer(cloud);
  observer.connect_and_wait();
  auto url = proxy.url();
  url.insert(std::string("http://").size(), "gw:s3cret@");
  SessionHarness harness(options(cloud, PlatformKind::huawei, cloud.tls_port(), true, false, url));
  harness.northbound().add_device(huawei_node());
  for (int i = 0; i < 5; ++i) harness.append("node-1", i);
  ASSERT_TRUE(harness.run_until([&] { return harness.backlog() == 0; }, 10s, &observer))
      << harness.logs() << proxy.log();
  EXPECT_NE(harness.logs().find("through proxy 127.0.0.1"), std::string::npos) << harness.logs();
}

// The refusal is in the session's last error in words, and the session keeps trying, spaced by
// its backoff (min 100 ms, max 2 s in the harness).
void expect_refused_and_retried(SessionHarness& harness, const std::string& words) {
  ASSERT_TRUE(harness.run_until(
      [&] {
        auto s = harness.northbound().status("node-1");
        return s && s->last_error.find(words) != std::string::npos &&
               harness.attempts().size() >= 3;
      },
      15s))
      << harness.northbound().status("node-1")->last_error << "\n"
      << harness.logs();
  EXPECT_NE(harness.northbound().status("node-1")->state, SessionState::online);
  const auto& a = harness.attempts();
  EXPECT_GE(a[2].started - a[1].started, 50ms) << "retried without backoff";
}

TEST_F(SessionsProxy, AProxyThatForbidsThePortIsReportedAndRetriedWithBackoff) {
  auto& cloud = *cloud_;
  Tinyproxy proxy({.connect_ports = {443}, .basic_auth = ""});  // not the broker's port: 403
  proxy.start();
  SessionHarness harness(
      options(cloud, PlatformKind::huawei, cloud.wss_port(), true, true, proxy.url()));
  harness.northbound().add_device(huawei_node());
  expect_refused_and_retried(harness, "refused the tunnel: 403");
}

TEST_F(SessionsProxy, AProxyThatWantsALoginSaysSo) {
  auto& cloud = *cloud_;
  Tinyproxy proxy({.connect_ports = {cloud.wss_port()}, .basic_auth = "gw:s3cret"});
  proxy.start();
  SessionHarness harness(
      options(cloud, PlatformKind::huawei, cloud.wss_port(), true, true, proxy.url()));
  harness.northbound().add_device(huawei_node());
  expect_refused_and_retried(harness, "407");
  EXPECT_NE(harness.northbound().status("node-1")->last_error.find("wants a user"),
            std::string::npos);
}

TEST_F(SessionsProxy, NoProxyHostsAreReachedDirectly) {
  auto& cloud = *cloud_;
  Observer observer(cloud);
  observer.connect_and_wait();
  // Nothing listens on the proxy's port: only a direct connection can deliver.
  auto o = options(cloud, PlatformKind::huawei, cloud.wss_port(), true, true,
                   "http://127.0.0.1:" + std::to_string(free_tcp_port()));
  o.cloud.no_proxy = "localhost, 127.0.0.1";
  SessionHarness harness(o);
  harness.northbound().add_device(huawei_node());
  harness.append("node-1", 1);
  ASSERT_TRUE(harness.run_until([&] { return harness.backlog() == 0; }, 10s, &observer))
      << harness.logs();
  EXPECT_EQ(harness.logs().find("through proxy"), std::string::npos) << harness.logs();
}

}  // namespace
}  // namespace edgegw::test
