// The cloud emulator against clients that sign their credentials on their own (mqtt_probe.py in
// Python, mosquitto_pub for TLS-PSK): every platform and auth mode, the refusals with their
// CONNACK codes, topic rules, the observer, Aliyun registration pushes, restarts on the same ports
// and the cloud-emulator script.
#include <gtest/gtest.h>
#include <signal.h>

#include <cctype>
#include <ctime>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cloud/cloud_emulator.hpp"
#include "cloud/cloud_emulator_suite.hpp"
#include "cloud/emulator_clients.hpp"
#include "cloud/sample_registry.hpp"
#include "support/net.hpp"
#include "support/wait.hpp"

namespace edgegw::test {
namespace {

using nlohmann::json;

// The sample devices, plus a second Aliyun device of a1Prod and two for registration.
Registry suite_registry() {
  auto r = sample_registry();
  r.add(AliyunDevice{.product_key = "a1Prod", .device_name = "meter-2", .device_secret = "other"});
  r.add(AliyunDevice{.product_key = "a1Reg",
                     .device_name = "reg-1",
                     .product_secret = "prodsecret",
                     .auth = {"register", "secret"}});
  r.add(AliyunDevice{.product_key = "a1Reg",
                     .device_name = "nwl-1",
                     .product_secret = "prodsecret",
                     .auth = {"register_nwl", "token"}});
  return r;
}

class CloudEmulatorTest : public CloudEmulatorSuite<suite_registry> {
 protected:
  void TearDown() override {
    if (HasFailure()) std::cerr << "broker log:\n" << cloud_->log();
  }

  static ProbeOptions tls(const json& sign) {
    ProbeOptions o;
    o.port = cloud_->tls_port();
    o.cafile = cloud_->ca_file();
    o.sign = sign.dump();
    return o;
  }
  static ProbeOptions plain(const json& sign) {
    ProbeOptions o;
    o.port = cloud_->plain_port();
    o.sign = sign.dump();
    return o;
  }
  // A client of the mutual-TLS listener with a certificate whose CN is `common_name`.
  static ProbeOptions mtls(const std::string& common_name) {
    auto cert = cloud_->client_cert(common_name);
    ProbeOptions o;
    o.port = cloud_->mtls_port();
    o.cafile = cloud_->ca_file();
    o.cert = cert.cert;
    o.key = cert.key;
    return o;
  }
  // A device over TLS that subscribes to `topic` and stays until one message arrives or `timeout`
  // seconds pass: run it in the background as a Watcher.
  static ProbeOptions subscriber(const json& sign, std::string topic, double timeout) {
    auto o = tls(sign);
    o.subscribe = {std::move(topic)};
    o.messages = 1;
    o.timeout = timeout;
    return o;
  }
  static ProbeOptions observer(std::vector<std::string> subscribe = {"#", "$oc/#", "$shadow/#"}) {
    ProbeOptions o;
    o.port = cloud_->tls_port();
    o.cafile = cloud_->ca_file();
    o.id = "observer-" + std::to_string(++observers_);
    o.username = cloud_->observer_username();
    o.password = cloud_->observer_password();
    o.subscribe = std::move(subscribe);
    o.messages = 1000;
    o.timeout = 30;
    return o;
  }

  static json aliyun(const std::string& dn, const std::string& secret) {
    return {{"platform", "aliyun"},        {"product_key", "a1Prod"}, {"device_name", dn},
            {"device_secret", secret},     {"securemode", "2"},       {"signmethod", "hmacsha256"},
            {"timestamp", "2524608000000"}};
  }

  static int observers_;
};

int CloudEmulatorTest::observers_ = 0;

// A client in the background (an observer, or a device waiting for a command), ready once all its
// subscriptions are acknowledged.
class Watcher {
 public:
  explicit Watcher(const ProbeOptions& o) : subscriptions_(o.subscribe.size()) {
    process_ = std::make_unique<Process>(probe_argv(o));
    ready_ = wait_until([&] { return seen().subacks.size() == subscriptions_; });
  }
  bool ready() const { return ready_; }
  ProbeResult seen() const { return parse_probe_output(process_->output()); }
  // Until the client exits (it got its messages, or was disconnected); its exit status.
  std::optional<int> wait(std::chrono::milliseconds timeout) { return process_->wait(timeout); }
  bool saw(const std::string& topic, const std::string& payload) const {
    for (const auto& m : seen().messages) {
      if (m.first == topic && m.second == payload) return true;
    }
    return false;
  }

 private:
  std::size_t subscriptions_;
  bool ready_ = false;
  std::unique_ptr<Process> process_;
};

TEST_F(CloudEmulatorTest, AliyunSecretIsAcceptedOverTlsAndPlain) {
  EXPECT_EQ(run_probe(tls(aliyun("meter-1", "s3cret"))).connack, 0);
  auto sign = aliyun("meter-1", "s3cret");
  sign["securemode"] = "3";
  sign["signmethod"] = "hmacsha1";
  sign["uppercase"] = true;
  sign["client_id"] = "12345";
  EXPECT_EQ(run_probe(plain(sign)).connack, 0);
  sign.erase("timestamp");
  sign["signmethod"] = "hmacmd5";
  EXPECT_EQ(run_probe(plain(sign)).connack, 0);
}

TEST_F(CloudEmulatorTest, AliyunRefusalsCarryThePlatformsCodes) {
  EXPECT_EQ(run_probe(tls(aliyun("meter-1", "wrong"))).connack, 4);
  auto long_id = aliyun("meter-1", "s3cret");
  long_id["client_id"] = std::string(65, 'c');
  EXPECT_EQ(run_probe(tls(long_id)).connack, 2);
  auto plain_mode_over_tls = aliyun("meter-1", "s3cret");
  plain_mode_over_tls["securemode"] = "3";
  EXPECT_EQ(run_probe(tls(plain_mode_over_tls)).connack, 2);
  for (int keepalive : {20, 1300}) {
    auto o = tls(aliyun("meter-1", "s3cret"));
    o.keepalive = keepalive;
    EXPECT_EQ(run_probe(o).connack, 2) << keepalive;
  }
  EXPECT_NE(cloud_->log().find("keepalive outside 30-1200"), std::string::npos);
}

TEST_F(CloudEmulatorTest, TencentKeyAuthAcceptsBothAppIdsAndMethodsRefusesExpired) {
  json sign{{"platform", "tencent"},
            {"product_id", "TCPROD0001"},
            {"device_name", "dev1"},
            {"psk", kSamplePskBase64}};
  EXPECT_EQ(run_probe(plain(sign)).connack, 0);
  sign["sdkappid"] = "21010406";
  sign["signmethod"] = "hmacsha1";
  EXPECT_EQ(run_probe(plain(sign)).connack, 0);
  sign["expiry"] = std::time(nullptr) - 10;
  EXPECT_EQ(run_probe(plain(sign)).connack, 4);
  sign.erase("expiry");
  auto wrong = sign;
  wrong["psk"] = "d3Jvbmc=";
  EXPECT_EQ(run_probe(plain(wrong)).connack, 4);
  auto keepalive = plain(sign);
  keepalive.keepalive = 901;
  EXPECT_EQ(run_probe(keepalive).connack, 2);
}

CommandResult psk_publish(std::uint16_t port, const std::string& key, int keepalive = 240) {
  return run_command({"mosquitto_pub",
                      "-h",
                      "127.0.0.1",
                      "-p",
                      std::to_string(port),
                      "-V",
                      "mqttv311",
                      "--psk",
                      key,
                      "--psk-identity",
                      "TCPROD0001dev1",
                      "-i",
                      "TCPROD0001dev1",
                      "-k",
                      std::to_string(keepalive),
                      "-q",
                      "1",
                      "-t",
                      "TCPROD0001/dev1/event",
                      "-m",
                      "{\"t\":1}"});
}

TEST_F(CloudEmulatorTest, TencentTlsPskChecksTheKeyAndKeepalive) {
  Watcher watcher(observer());
  ASSERT_TRUE(watcher.ready());
  auto ok = psk_publish(cloud_->psk_port(), kSamplePskHex);
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_TRUE(wait_until([&] { return watcher.saw("TCPROD0001/dev1/event", "{\"t\":1}"); }));
  EXPECT_NE(psk_publish(cloud_->psk_port(), "00112233445566778899aabbccddeeee").exit_code, 0);
  auto keepalive = psk_publish(cloud_->psk_port(), kSamplePskHex, 1000);
  EXPECT_NE(keepalive.exit_code, 0);
  EXPECT_NE(keepalive.output.find("identifier rejected"), std::string::npos) << keepalive.output;
}

TEST_F(CloudEmulatorTest, HuaweiChecksSecretHourAndTls) {
  json sign{{"platform", "huawei"}, {"device_id", "hwprod_node-1"}, {"secret", "hw-secret-1"}};
  EXPECT_EQ(run_probe(tls(sign)).connack, 0);
  EXPECT_EQ(run_probe(plain(sign)).connack, 5);
  auto wrong = sign;
  wrong["secret"] = "nope";
  EXPECT_EQ(run_probe(tls(wrong)).connack, 4);
  char stale[16];
  std::time_t three_hours_ago = std::time(nullptr) - 3 * 3600;
  std::strftime(stale, sizeof stale, "%Y%m%d%H", std::gmtime(&three_hours_ago));
  sign["hour"] = stale;
  EXPECT_EQ(run_probe(tls(sign)).connack, 4);
  sign["sign_type"] = "0";  // the hour is not checked
  EXPECT_EQ(run_probe(tls(sign)).connack, 0);
  auto keepalive = tls(sign);
  keepalive.keepalive = 1201;
  EXPECT_EQ(run_probe(keepalive).connack, 2);
}

TEST_F(CloudEmulatorTest, ASecondLoginOfOneIdentityKicksTheFirstOffline) {
  Watcher holder(subscriber(aliyun("meter-2", "other"), "/sys/a1Prod/meter-2/thing/service/#", 30));
  ASSERT_TRUE(holder.ready());
  auto sign = aliyun("meter-2", "other");
  sign["client_id"] = "another-client-id";
  EXPECT_EQ(run_probe(tls(sign)).connack, 0);
  EXPECT_TRUE(holder.wait(std::chrono::seconds(10))) << "the first login was not kicked";
  EXPECT_NE(cloud_->log().find("kicked 'a1Prod.meter-2|"), std::string::npos);
}

TEST_F(CloudEmulatorTest, GenericMqttPasswordAndClientCertificate) {
  ProbeOptions o;
  o.port = cloud_->tls_port();
  o.cafile = cloud_->ca_file();
  o.id = "meter-9";
  o.username = "u9";
  o.password = "p9";
  EXPECT_EQ(run_probe(o).connack, 0);
  o.password = "p8";
  EXPECT_EQ(run_probe(o).connack, 4);

  auto m = mtls("cert-dev");
  m.id = "cert-dev";
  m.publish = {"devices/cert-dev/telemetry={}"};
  auto r = run_probe(m);
  EXPECT_EQ(r.connack, 0) << r.output;
  EXPECT_EQ(r.pubacks, 1);
  m.cert.clear();
  m.key.clear();
  EXPECT_FALSE(run_probe(m).connack);  // no certificate: the handshake fails
}

TEST_F(CloudEmulatorTest, TencentAndHuaweiCertificatesNameTheDeviceByTheirCn) {
  auto t = mtls("TCPROD0001dev1");
  t.id = "TCPROD0001dev1";
  t.username = "TCPROD0001dev1;21010406;Ab3x9;4102444800";
  t.password = "anything";  // not checked with a certificate
  t.publish = {"TCPROD0001/dev1/event={}"};
  auto r = run_probe(t);
  EXPECT_EQ(r.connack, 0) << r.output;
  EXPECT_EQ(r.pubacks, 1);

  auto h = mtls("hwprod_node-1");
  h.id = "hwprod_node-1_0_0_2024010100";
  h.username = "hwprod_node-1";
  EXPECT_EQ(run_probe(h).connack, 0);
  h.id = "hwprod_node-2_0_0_2024010100";  // another device than the certificate names
  EXPECT_NE(run_probe(h).connack, 0);
}

TEST_F(CloudEmulatorTest, DevicesUseOnlyTheirOwnTopicsAndTheObserverSeesThem) {
  Watcher watcher(observer());
  ASSERT_TRUE(watcher.ready());
  auto o = tls(aliyun("meter-1", "s3cret"));
  o.subscribe = {"/sys/a1Prod/meter-2/thing/service/#", "/sys/a1Prod/meter-1/thing/service/#"};
  o.publish = {"/sys/a1Prod/meter-2/thing/event/property/post=forged",
               "/sys/a1Prod/meter-1/thing/event/property/post=mine"};
  auto r = run_probe(o);
  ASSERT_EQ(r.connack, 0) << r.output;
  ASSERT_EQ(r.subacks.size(), 2u);
  EXPECT_EQ(r.subacks[0], std::vector<int>{128});
  EXPECT_EQ(r.subacks[1], std::vector<int>{1});
  ASSERT_TRUE(wait_until(
      [&] { return watcher.saw("/sys/a1Prod/meter-1/thing/event/property/post", "mine"); }));
  // QoS 1 from one client is delivered in order: the forged one would have arrived first.
  EXPECT_FALSE(watcher.saw("/sys/a1Prod/meter-2/thing/event/property/post", "forged"));
  EXPECT_NE(cloud_->log().find("denied aliyun a1Prod/meter-1 publish to"), std::string::npos);

  json hw{{"platform", "huawei"}, {"device_id", "hwprod_node-1"}, {"secret", "hw-secret-1"}};
  auto h = tls(hw);
  h.publish = {"$oc/devices/hwprod_node-1/sys/properties/report={\"services\":[]}"};
  EXPECT_EQ(run_probe(h).pubacks, 1);
  EXPECT_TRUE(wait_until([&] {
    return watcher.saw("$oc/devices/hwprod_node-1/sys/properties/report", "{\"services\":[]}");
  }));
}

TEST_F(CloudEmulatorTest, TheObserverPublishesCommandsToAnyDevice) {
  Watcher listening(
      subscriber(aliyun("meter-2", "other"), "/sys/a1Prod/meter-2/thing/service/property/set", 20));
  ASSERT_TRUE(listening.ready());
  auto o = observer({});
  o.messages = 0;
  o.publish = {"/sys/a1Prod/meter-2/thing/service/property/set={\"params\":{\"on\":1}}"};
  EXPECT_EQ(run_probe(o).pubacks, 1);
  ASSERT_TRUE(listening.wait(std::chrono::seconds(15)));
  auto got = listening.seen();
  ASSERT_EQ(got.messages.size(), 1u) << got.output;
  EXPECT_EQ(got.messages[0].second, "{\"params\":{\"on\":1}}");
}

TEST_F(CloudEmulatorTest, AliyunRegistrationPushesTheSecretRightAfterConnackOnlyOnce) {
  json reg{{"platform", "aliyun-register"},
           {"product_key", "a1Reg"},
           {"device_name", "reg-1"},
           {"product_secret", "prodsecret"}};
  auto o = tls(reg);
  o.keepalive = 10;  // not checked for registration (paho 1.6 cannot do TLS with keepalive 0)
  o.messages = 1;
  auto r = run_probe(o);
  ASSERT_EQ(r.connack, 0) << r.output;
  ASSERT_EQ(r.messages.size(), 1u) << r.output;  // without any SUBSCRIBE
  EXPECT_EQ(r.messages[0].first, "/ext/register");
  auto body = json::parse(r.messages[0].second);
  EXPECT_EQ(body["productKey"], "a1Reg");
  EXPECT_EQ(body["deviceName"], "reg-1");
  const std::string secret = body["deviceSecret"];

  o.messages = 0;
  EXPECT_EQ(run_probe(o).connack, 5);           // already activated
  EXPECT_EQ(run_probe(plain(reg)).connack, 2);  // registration is TLS only

  json connect{{"platform", "aliyun"},    {"product_key", "a1Reg"}, {"device_name", "reg-1"},
               {"device_secret", secret}, {"securemode", "2"},      {"signmethod", "hmacsha256"}};
  EXPECT_EQ(run_probe(tls(connect)).connack, 0);
}

TEST_F(CloudEmulatorTest, AliyunRegnwlIssuesATokenThatConnwlAccepts) {
  json reg{{"platform", "aliyun-register"},
           {"product_key", "a1Reg"},
           {"device_name", "nwl-1"},
           {"product_secret", "prodsecret"},
           {"auth_type", "regnwl"}};
  auto o = tls(reg);
  o.messages = 1;
  auto r = run_probe(o);
  ASSERT_EQ(r.connack, 0) << r.output;
  ASSERT_EQ(r.messages.size(), 1u) << r.output;
  EXPECT_EQ(r.messages[0].first, "/ext/regnwl");
  auto body = json::parse(r.messages[0].second);
  ProbeOptions c;
  c.port = cloud_->tls_port();
  c.cafile = cloud_->ca_file();
  c.id = body["clientId"].get<std::string>() + "|securemode=-2,authType=connwl|";
  c.username = "nwl-1&a1Reg";
  c.password = body["deviceToken"].get<std::string>();
  c.keepalive = 300;
  EXPECT_EQ(run_probe(c).connack, 0);
  c.password = "not-the-token";
  EXPECT_EQ(run_probe(c).connack, 4);
}

TEST(CloudEmulatorRestart, ComesBackOnTheSamePortsAndRemembersActivations) {
  Registry registry;
  registry.add(MqttDevice{.device = "d", .username = "u", .password = "p"});
  registry.add(AliyunDevice{.product_key = "pk", .device_name = "r", .product_secret = "ps"});
  CloudEmulator cloud(registry);
  cloud.start();
  const auto port = cloud.tls_port();
  ProbeOptions o;
  o.port = port;
  o.cafile = cloud.ca_file();
  o.id = "d";
  o.username = "u";
  o.password = "p";
  EXPECT_EQ(run_probe(o).connack, 0);
  ProbeOptions reg = o;
  reg.id.reset();
  reg.username.reset();
  reg.password.reset();
  reg.sign = json{
      {"platform", "aliyun-register"},
      {"product_key", "pk"},
      {"device_name", "r"},
      {"product_secret",
       "ps"}}.dump();
  EXPECT_EQ(run_probe(reg).connack, 0);

  cloud.kill();
  EXPECT_FALSE(tcp_port_open(port));
  cloud.start();
  EXPECT_EQ(cloud.tls_port(), port);
  EXPECT_EQ(run_probe(o).connack, 0);
  EXPECT_EQ(run_probe(reg).connack, 5);  // the activation outlived the broker
  cloud.stop();
  EXPECT_FALSE(cloud.running());
  cloud.start();
  EXPECT_EQ(run_probe(o).connack, 0);
}

// How many of `count` QoS 1 messages reach an observer that reads nothing while they are
// published (stopped with SIGSTOP), so all but the broker's 20 in flight wait in its queue at once.
int messages_delivered_to_a_stalled_observer(const CloudEmulator& cloud, int count) {
  std::vector<std::string> client{"-h", "127.0.0.1",
                                  "-p", std::to_string(cloud.plain_port()),
                                  "-u", cloud.observer_username(),
                                  "-P", cloud.observer_password(),
                                  "-q", "1",
                                  "-t", "devices/d/telemetry"};
  // Line-buffered, so that the SUBACK line is in the output file as soon as it is printed.
  std::vector<std::string> sub{"stdbuf", "-oL", "mosquitto_sub", "-d", "-C", std::to_string(count),
                               "-W",     "10"};
  sub.insert(sub.end(), client.begin(), client.end());
  Process observer(sub);
  EXPECT_TRUE(wait_until([&] { return observer.output().find("SUBACK") != std::string::npos; },
                         std::chrono::seconds(10)));
  observer.signal(SIGSTOP);
  std::string publish = "seq " + std::to_string(count) + " | mosquitto_pub -l";
  for (const auto& arg : client) publish += " '" + arg + "'";
  EXPECT_EQ(run_command({"sh", "-c", publish}).exit_code, 0);
  observer.signal(SIGCONT);
  observer.wait(std::chrono::seconds(20));
  // Payloads are the numbers 1..count, one per line; -d adds lines that do not start with one.
  std::istringstream lines(observer.output());
  int delivered = 0;
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0]))) ++delivered;
  }
  return delivered;
}

// The pipeline bench counts every message at an observer: mosquitto's default queue (1000 per
// client) dropped for it and the bench stalled; max_queued_messages 0 keeps them all.
TEST(CloudEmulatorQueue, MaxQueuedMessagesZeroKeepsEveryMessageForASlowObserver) {
  {
    CloudEmulator stock;
    stock.start();
    EXPECT_LT(messages_delivered_to_a_stalled_observer(stock, 1500), 1500);
  }
  CloudEmulator unlimited({}, CloudEmulatorOptions{.max_queued_messages = 0});
  unlimited.start();
  EXPECT_EQ(messages_delivered_to_a_stalled_observer(unlimited, 1500), 1500) << unlimited.log();
}

TEST(CloudEmulatorScript, StartsPrintsItsPortsAndStopsOnSigterm) {
  TempDir dir;
  Registry registry;
  registry.add(MqttDevice{.device = "d", .username = "u", .password = "p"});
  auto devices = dir.write("devices.json", registry.to_json());
  Process script({std::string(EDGEGW_SOURCE_DIR) + "/tests/cloud/cloud-emulator", "--registry",
                  devices.string(), "--dir", (dir / "work").string(), "--plugin",
                  EDGEGW_CLOUD_PLUGIN});
  json info;
  ASSERT_TRUE(wait_until(
      [&] {
        auto out = script.output();
        auto line_end = out.find('\n');
        if (line_end == std::string::npos) return false;
        info = json::parse(out.substr(0, line_end), nullptr, false);
        return !info.is_discarded();
      },
      std::chrono::seconds(30)))
      << script.output();
  ASSERT_TRUE(info.contains("tls_port")) << info.dump();
  ProbeOptions o;
  o.port = info["tls_port"].get<std::uint16_t>();
  o.cafile = info["ca_file"].get<std::string>();
  o.id = "d";
  o.username = "u";
  o.password = "p";
  EXPECT_EQ(run_probe(o).connack, 0);
  ProbeOptions obs = o;
  obs.id = "watcher";
  obs.username = info["observer"]["username"].get<std::string>();
  obs.password = info["observer"]["password"].get<std::string>();
  EXPECT_EQ(run_probe(obs).connack, 0);
  script.signal(SIGTERM);
  EXPECT_EQ(script.wait(std::chrono::seconds(10)), 0) << script.output();
  EXPECT_FALSE(tcp_port_open(o.port));
}

}  // namespace
}  // namespace edgegw::test
