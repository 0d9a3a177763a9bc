// Unit tests of the cloud emulator's pure checks: the vendor pages' own worked examples, then each
// platform's accept/refuse rules without a broker.
#include <gtest/gtest.h>

#include "cloud/aliyun_checks.hpp"
#include "cloud/connect_checks.hpp"
#include "cloud/event_checks.hpp"
#include "cloud/huawei_checks.hpp"
#include "cloud/signing.hpp"
#include "cloud/tencent_checks.hpp"
#include "cloud/topic_access.hpp"

namespace edgegw::cloud {
namespace {

constexpr std::time_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

Registry test_registry() {
  Registry r;
  r.add(AliyunDevice{.product_key = "pk", .device_name = "device", .device_secret = "secret"});
  r.add(AliyunDevice{.product_key = "pk2",
                     .device_name = "dev2",
                     .product_secret = "psecret",
                     .auth = {"register", "register_nwl", "token", "secret"}});
  r.add(TencentDevice{.product_id = "ABCDEFGHIJ", .device_name = "dev1", .psk = "c2VjcmV0a2V5"});
  r.add(HuaweiDevice{.device_id = "prod_node1", .secret = "12345678"});
  r.add(MqttDevice{.device = "meter-1", .username = "u1", .password = "p1"});
  return r;
}

// A CONNECT as the plugin sees it: the listener it came in on, its credentials and keepalive (the
// broker's clock is left at 0 for the caller to set where a check reads it).
ConnectRequest connect_request(Listener listener, std::string client_id, std::string username,
                               std::string password, int keepalive) {
  ConnectRequest r;
  r.listener = listener;
  r.client_id = std::move(client_id);
  r.username = std::move(username);
  r.password = std::move(password);
  r.keepalive = keepalive;
  return r;
}

ConnectRequest aliyun_request(Listener listener = Listener::plain) {
  auto r = connect_request(listener, "12345|securemode=3,signmethod=hmacsha1,timestamp=789|",
                           "device&pk",
                           aliyun_password(HmacAlgorithm::sha1, "secret",
                                           aliyun_sign_content("12345", "device", "pk", "789")),
                           300);
  r.now = kNow;
  return r;
}

TEST(CloudAliyunSignature, MatchesTheWorkedExampleOfTheVendorPage) {
  auto content = aliyun_sign_content("12345", "device", "pk", "789");
  EXPECT_EQ(content, "clientId12345deviceNamedeviceproductKeypktimestamp789");
  auto password = aliyun_password(HmacAlgorithm::sha1, "secret", content);
  // The page prints the uppercase hex with its last four digits masked.
  std::string upper;
  for (char c : password) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(upper.substr(0, 36), "FAFD82A3D602B37FB0FA8B7892F24A477F85");
  EXPECT_EQ(upper.size(), 40u);
}

TEST(CloudAliyunClientId, ParsesTheExtensionParameters) {
  auto id = parse_aliyun_client_id("12345|securemode=3,signmethod=hmacsha1,timestamp=789|");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->client_id, "12345");
  EXPECT_EQ(id->params.at("securemode"), "3");
  EXPECT_EQ(id->params.at("timestamp"), "789");
  EXPECT_FALSE(parse_aliyun_client_id("12345"));
  EXPECT_FALSE(parse_aliyun_client_id("12345|securemode=3"));
  EXPECT_FALSE(parse_aliyun_client_id("12345|securemode|"));
}

TEST(CloudAliyunChecks, AcceptsTheWorkedExampleInEitherHexCase) {
  auto registry = test_registry();
  auto request = aliyun_request();
  auto v = check_connect(registry, {}, request);
  EXPECT_TRUE(v.accepted()) << v.reason;
  EXPECT_EQ(v.identity.platform, Platform::aliyun);
  EXPECT_EQ(v.activates, "pk/device");
  for (auto& c : *request.password)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(check_connect(registry, {}, request).accepted());
}

TEST(CloudAliyunChecks, RefusesWithThePlatformsCodes) {
  auto registry = test_registry();
  auto wrong = aliyun_request();
  wrong.password = std::string(40, '0');
  EXPECT_EQ(check_connect(registry, {}, wrong).connack, kBadUsernameOrPassword);

  auto long_id = aliyun_request();
  long_id.client_id = std::string(65, 'x') + "|securemode=3,signmethod=hmacsha1|";
  EXPECT_EQ(check_connect(registry, {}, long_id).connack, kIdentifierRejected);

  auto tls_mode_on_plain = aliyun_request(Listener::plain);
  tls_mode_on_plain.client_id = "12345|securemode=2,signmethod=hmacsha1,timestamp=789|";
  EXPECT_EQ(check_connect(registry, {}, tls_mode_on_plain).connack, kIdentifierRejected);
  EXPECT_EQ(check_connect(registry, {}, aliyun_request(Listener::tls)).connack,
            kIdentifierRejected);  // securemode=3 over TLS

  for (int keepalive : {29, 1201}) {
    auto r = aliyun_request();
    r.keepalive = keepalive;
    EXPECT_EQ(check_connect(registry, {}, r).connack, kIdentifierRejected) << keepalive;
  }
  auto unknown = aliyun_request();
  unknown.username = "other&pk";
  EXPECT_EQ(check_connect(registry, {}, unknown).connack, kBadUsernameOrPassword);
}

TEST(CloudAliyunChecks, RegistrationPushesTheSecretOnceAndTheSecretThenConnects) {
  auto registry = test_registry();
  auto r = connect_request(
      Listener::tls, "c1|securemode=-2,authType=register,random=42,signmethod=hmacsha256|",
      "dev2&pk2",
      to_hex(hmac(HmacAlgorithm::sha256, "psecret", "deviceNamedev2productKeypk2random42")),
      0);  // keepalive: not checked for registration
  auto v = check_connect(registry, {}, r);
  ASSERT_TRUE(v.accepted()) << v.reason;
  ASSERT_TRUE(v.push);
  EXPECT_EQ(v.push->topic, "/ext/register");
  EXPECT_NE(v.push->payload.find("\"deviceSecret\""), std::string::npos);
  EXPECT_EQ(check_connect(registry, {"pk2/dev2"}, r).connack, kNotAuthorized);

  auto plain = r;
  plain.listener = Listener::plain;
  EXPECT_EQ(check_connect(registry, {}, plain).connack, kIdentifierRejected);

  auto nwl = r;
  nwl.client_id = "c1|securemode=-2,authType=regnwl,random=42,signmethod=hmacsha256|";
  auto vn = check_connect(registry, {}, nwl);
  ASSERT_TRUE(vn.accepted()) << vn.reason;
  EXPECT_EQ(vn.push->topic, "/ext/regnwl");

  auto token = connect_request(Listener::tls, "pk2.dev2|securemode=-2,authType=connwl|", "dev2&pk2",
                               aliyun_device_token(*registry.find_aliyun_product("pk2"), "pk2",
                                                   "dev2", registry.find_aliyun("pk2", "dev2")),
                               300);
  EXPECT_TRUE(check_connect(registry, {}, token).accepted());
  EXPECT_NE(vn.push->payload.find(*token.password), std::string::npos);
  token.password = "nope";
  EXPECT_EQ(check_connect(registry, {}, token).connack, kBadUsernameOrPassword);
}

ConnectRequest tencent_request(const std::string& expiry, const char* method = "hmacsha256") {
  const std::string username = "ABCDEFGHIJdev1;12010126;Ab3x9;" + expiry;
  auto alg = *parse_hmac_method(method);
  auto r = connect_request(Listener::plain, "ABCDEFGHIJdev1", username,
                           to_hex(hmac(alg, "secretkey", username)) + ";" + method, 240);
  r.now = kNow;
  return r;
}

TEST(CloudTencentChecks, AcceptsBothMethodsAndRefusesExpiredOrWrong) {
  auto registry = test_registry();
  const auto later = std::to_string(kNow + 3600);
  EXPECT_TRUE(check_connect(registry, {}, tencent_request(later)).accepted());
  EXPECT_TRUE(check_connect(registry, {}, tencent_request(later, "hmacsha1")).accepted());
  EXPECT_EQ(check_connect(registry, {}, tencent_request(std::to_string(kNow - 1))).connack,
            kBadUsernameOrPassword);
  auto wrong_id = tencent_request(later);
  wrong_id.client_id = "ABCDEFGHIJdev2";
  EXPECT_EQ(check_connect(registry, {}, wrong_id).connack, kIdentifierRejected);
  auto keepalive = tencent_request(later);
  keepalive.keepalive = 901;
  EXPECT_EQ(check_connect(registry, {}, keepalive).connack, kIdentifierRejected);
  auto over_tls = tencent_request(later);
  over_tls.listener = Listener::tls;
  EXPECT_EQ(check_connect(registry, {}, over_tls).connack, kNotAuthorized);
  auto tampered = tencent_request(later);
  tampered.username = "ABCDEFGHIJdev1;21010406;Ab3x9;" + later;
  EXPECT_EQ(check_connect(registry, {}, tampered).connack, kBadUsernameOrPassword);
}

TEST(CloudTencentChecks, PskKeyIsTheDecodedSecretInHex) {
  auto registry = test_registry();
  EXPECT_EQ(tencent_psk_hex(registry, "ABCDEFGHIJdev1"), to_hex("secretkey"));
  EXPECT_FALSE(tencent_psk_hex(registry, "nobody"));
  ConnectRequest r;
  r.listener = Listener::psk;
  r.psk_identity = "ABCDEFGHIJdev1";
  r.client_id = "ABCDEFGHIJdev1";
  EXPECT_TRUE(check_connect(registry, {}, r).accepted());
  r.client_id = "other";
  EXPECT_EQ(check_connect(registry, {}, r).connack, kIdentifierRejected);
}

TEST(CloudHuaweiSignature, MatchesTheVendorExample) {
  EXPECT_EQ(huawei_password("12345678", "2025041401"),
            "c75150e6cb841417396819e4d2ee4358a416344a03a083e3a8567074ddec820a");
}

TEST(CloudHuaweiChecks, ChecksTheHourOnlyForSignTypeOne) {
  auto registry = test_registry();
  auto r = connect_request(Listener::tls, "prod_node1_0_1_2026010100", "prod_node1",
                           huawei_password("12345678", "2026010100"), 120);
  r.now = kNow + 1800;
  EXPECT_TRUE(check_connect(registry, {}, r).accepted());
  auto stale = r;
  stale.client_id = "prod_node1_0_1_2025123121";
  stale.password = huawei_password("12345678", "2025123121");
  EXPECT_EQ(check_connect(registry, {}, stale).connack, kBadUsernameOrPassword);
  stale.client_id = "prod_node1_0_0_2025123121";
  EXPECT_TRUE(check_connect(registry, {}, stale).accepted());
  auto plain = r;
  plain.listener = Listener::plain;
  EXPECT_EQ(check_connect(registry, {}, plain).connack, kNotAuthorized);
  auto upper = r;
  for (auto& c : *upper.password)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(check_connect(registry, {}, upper).connack, kBadUsernameOrPassword);
  auto keepalive = r;
  keepalive.keepalive = 20;
  EXPECT_EQ(check_connect(registry, {}, keepalive).connack, kIdentifierRejected);
}

TEST(CloudTopicAccess, EachDeviceOnlyItsOwnTopicsTheObserverAll) {
  auto registry = test_registry();
  auto v = check_connect(registry, {}, aliyun_request());
  ASSERT_TRUE(v.accepted());
  EXPECT_TRUE(topic_allowed(v.identity, "/sys/pk/device/thing/event/property/post"));
  EXPECT_TRUE(topic_allowed(v.identity, "/sys/pk/device/thing/service/#"));
  EXPECT_FALSE(topic_allowed(v.identity, "/sys/pk/other/thing/event/property/post"));
  EXPECT_FALSE(topic_allowed(v.identity, "/sys/pk/+/thing/service/#"));
  EXPECT_FALSE(topic_allowed(v.identity, "/sys/pk/devicex/a"));
  EXPECT_FALSE(topic_allowed(v.identity, "#"));
  Identity observer{Platform::observer, "observer", {}};
  EXPECT_TRUE(topic_allowed(observer, "#"));
}

TEST(CloudMqttChecks, UsernameAndPassword) {
  auto registry = test_registry();
  ConnectRequest r;
  r.client_id = "meter-1";
  r.username = "u1";
  r.password = "p1";
  auto v = check_connect(registry, {}, r);
  ASSERT_TRUE(v.accepted()) << v.reason;
  EXPECT_TRUE(topic_allowed(v.identity, "devices/meter-1/telemetry"));
  r.password = "p2";
  EXPECT_EQ(check_connect(registry, {}, r).connack, kBadUsernameOrPassword);
  r.username = registry.observer.username;
  r.password = registry.observer.password;
  EXPECT_EQ(check_connect(registry, {}, r).identity.platform, Platform::observer);
}

TEST(CloudRegistry, RoundTripsThroughJson) {
  auto registry = test_registry();
  registry.aliyun[0].registered = true;
  registry.mqtt[0].auth = {"password", "cert"};
  EXPECT_EQ(Registry::from_json(registry.to_json()), registry);
  EXPECT_THROW(Registry::from_json("{\"aliyun\": 3}"), std::runtime_error);
}

TEST(CloudSigning, Base64) {
  EXPECT_EQ(base64_decode("c2VjcmV0a2V5"), "secretkey");
  EXPECT_EQ(base64_decode("YQ=="), "a");
  EXPECT_FALSE(base64_decode("a$=="));
}

// Events as the pages show them pass; each platform's wrong shapes are named.
TEST(EventChecks, EachPlatformsEventShape) {
  auto ok = check_event(Platform::aliyun, "/sys/pk/dn/thing/event/LimitAbove/post",
                        R"({"id":"42","version":"1.0","params":{"value":{"limit":150},)"
                        R"("time":1700000000123},"method":"thing.event.LimitAbove.post"})");
  EXPECT_TRUE(ok.ok()) << ok.problem;
  EXPECT_EQ(ok.identifier, "LimitAbove");
  EXPECT_FALSE(
      check_event(Platform::aliyun, "/sys/pk/dn/thing/event/property/post", "{}").is_event);
  EXPECT_EQ(check_event(
                Platform::aliyun, "/sys/pk/dn/thing/event/A/post",
                R"({"id":"1","version":"1.0","params":{"limit":1},"method":"thing.event.A.post"})")
                .problem,
            "params.value is not an object");

  const std::string tencent = "$thing/up/event/PID/dn";
  ok = check_event(Platform::tencent, tencent,
                   R"({"method":"event_post","clientToken":"7","version":"1.0","eventId":"Door",)"
                   R"("type":"alert","timestamp":1,"params":{"level":3}})");
  EXPECT_TRUE(ok.ok()) << ok.problem;
  EXPECT_EQ(ok.identifier, "Door");
  EXPECT_EQ(check_event(Platform::tencent, tencent,
                        R"({"method":"event_post","clientToken":"7","eventId":"Door",)"
                        R"("type":"fatal","params":{}})")
                .problem,
            "type is not info, alert or fault");
  EXPECT_EQ(check_event(Platform::tencent, tencent, R"({"method":"report","params":{}})").problem,
            "method is not event_post");
  EXPECT_FALSE(check_event(Platform::tencent, "PID/dn/event", "{}").is_event);

  ok = check_event(Platform::huawei, "$oc/devices/d1/sys/messages/up",
                   R"({"name":"Door","id":"9","content":{"level":3}})");
  EXPECT_TRUE(ok.ok()) << ok.problem;
  EXPECT_EQ(check_event(Platform::huawei, "$oc/devices/d1/sys/events/up",
                        R"({"services":[{"service_id":"door","event_type":"Door","paras":{}}]})")
                .problem,
            "service_id is not a system service");
  EXPECT_TRUE(check_event(Platform::huawei, "$oc/devices/d1/sys/events/up",
                          R"({"services":[{"service_id":"$time_sync","event_type":)"
                          R"("time_sync_request","paras":{"device_send_time":1}}]})")
                  .ok());

  ok = check_event(Platform::mqtt, "devices/m1/events/Door",
                   R"({"device":"m1","event":"Door","seq":3,"time":1,"params":{}})");
  EXPECT_TRUE(ok.ok()) << ok.problem;
  EXPECT_EQ(check_event(Platform::mqtt, "devices/m1/events/Door",
                        R"({"device":"m2","event":"Door","seq":3,"time":1,"params":{}})")
                .problem,
            "device is not the topic's");
  EXPECT_FALSE(check_event(Platform::mqtt, "devices/m1/telemetry", "{}").is_event);
}

}  // namespace
}  // namespace edgegw::cloud
