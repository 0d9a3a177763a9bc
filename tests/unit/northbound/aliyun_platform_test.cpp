// Alibaba Cloud IoT Platform: the page's worked example, every sign method (goldens from
// `openssl dgst -hmac`), timestamp on/off, securemode 2/3, connwl, dynamic registration, and golden
// Alink payloads in both directions.
#include "northbound/aliyun_platform.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "identities.hpp"
#include "northbound/aliyun_signing.hpp"
#include "northbound/registration_store.hpp"
#include "support/temp_dir.hpp"

namespace edgegw::northbound {
namespace {

using namespace testing;

TEST(AliyunSigning, ThePagesWorkedExample) {
  auto login =
      aliyun_secret_login("12345", "pk", "device", "secret", SignMethod::hmacsha1, 789, false);
  EXPECT_EQ(login.client_id, "12345|securemode=3,signmethod=hmacsha1,timestamp=789|");
  EXPECT_EQ(login.username, "device&pk");
  // The page shows "FAFD82A3D602B37FB0FA8B7892F24A477F85****"; we send uppercase, like it.
  EXPECT_TRUE(login.password.starts_with("FAFD82A3D602B37FB0FA8B7892F24A477F85")) << login.password;
  EXPECT_EQ(login.password, "FAFD82A3D602B37FB0FA8B7892F24A477F851A14");
}

TEST(AliyunSigning, EverySignMethod) {
  // content =
  // clientIda1B2c3D4e5F.meter-1deviceNamemeter-1productKeya1B2c3D4e5Ftimestamp1700000000000
  const std::pair<SignMethod, const char*> cases[] = {
      {SignMethod::hmacmd5, "26C918DC13B30F5CBCB6F8058B73E7E3"},
      {SignMethod::hmacsha1, "E6FB6FA4BA062AC8CA4FB04870F7608E2200B1F7"},
      {SignMethod::hmacsha256, "13E2F5089967980359CDA0BEA1E768EDA0B66EC0DD67F39CE3E5805084A4F335"}};
  for (const auto& [method, expected] : cases) {
    auto login = aliyun_secret_login("a1B2c3D4e5F.meter-1", "a1B2c3D4e5F", "meter-1", "s3cr3t",
                                     method, 1700000000000, true);
    EXPECT_EQ(login.password, expected) << to_string(method);
    EXPECT_EQ(login.client_id, "a1B2c3D4e5F.meter-1|securemode=2,signmethod=" +
                                   std::string(to_string(method)) + ",timestamp=1700000000000|");
  }
}

TEST(AliyunPlatform, ConnectParamsForASecretDevice) {
  auto platform = make_platform(cloud_for(PlatformKind::aliyun), "/nonexistent");
  auto p = platform->connect_params(aliyun_device(), kNow, "");
  EXPECT_EQ(p.host, "a1B2c3D4e5F.iot-as-mqtt.cn-shanghai.aliyuncs.com");
  EXPECT_EQ(p.port, 8883);
  EXPECT_TRUE(p.tls);
  EXPECT_EQ(p.keepalive, std::chrono::seconds(300));
  EXPECT_EQ(p.client_id,
            "a1B2c3D4e5F.meter-1|securemode=2,signmethod=hmacsha256,timestamp=1700000000000|");
  EXPECT_EQ(p.username, "meter-1&a1B2c3D4e5F");
  EXPECT_EQ(p.password, "13E2F5089967980359CDA0BEA1E768EDA0B66EC0DD67F39CE3E5805084A4F335");
  EXPECT_EQ(p.purpose, ConnectPurpose::session);
  EXPECT_EQ(p.problem, "");
  EXPECT_TRUE(p.psk_key.empty());
}

TEST(AliyunPlatform, TimestampOffLeavesItOutOfIdAndSignature) {
  auto cloud = cloud_for(PlatformKind::aliyun);
  cloud.aliyun.timestamp = false;
  auto p = make_platform(cloud, "/nonexistent")->connect_params(aliyun_device(), kNow, "");
  EXPECT_EQ(p.client_id, "a1B2c3D4e5F.meter-1|securemode=2,signmethod=hmacsha256|");
  EXPECT_EQ(p.password, "FC29DD63D72B25B356F8DFA0A403EFA2B0C07E78A1651B76F45D2AE07DE57585");
}

TEST(AliyunPlatform, PlainTcpIsSecuremode3) {
  auto cloud = cloud_for(PlatformKind::aliyun);
  cloud.tls = false;
  cloud.allow_plaintext = true;
  cloud.port = 1883;
  cloud.host = "{instance_id}.mqtt.iothub.aliyuncs.com";
  cloud.aliyun.instance_id = "iot-06z00abc";
  auto p = make_platform(cloud, "/nonexistent")->connect_params(aliyun_device(), kNow, "");
  EXPECT_EQ(p.host, "iot-06z00abc.mqtt.iothub.aliyuncs.com");
  EXPECT_EQ(p.port, 1883);
  EXPECT_FALSE(p.tls);
  EXPECT_EQ(p.client_id,
            "a1B2c3D4e5F.meter-1|securemode=3,signmethod=hmacsha256,timestamp=1700000000000|");
  // securemode is not part of the signed content: the password is the TLS one.
  EXPECT_EQ(p.password, "13E2F5089967980359CDA0BEA1E768EDA0B66EC0DD67F39CE3E5805084A4F335");
}

TEST(AliyunPlatform, TokenAuthIsConnwl) {
  auto id = aliyun_device();
  id.auth = AuthMode::token;
  id.client_id = "sn-0042";
  id.device_token = "tok3n";
  auto p = make_platform(cloud_for(PlatformKind::aliyun), "/x")->connect_params(id, kNow, "");
  EXPECT_EQ(p.client_id, "sn-0042|securemode=-2,authType=connwl|");
  EXPECT_EQ(p.username, "meter-1&a1B2c3D4e5F");
  EXPECT_EQ(p.password, "tok3n");
}

TEST(AliyunPlatform, OutOfRangeKeepaliveIsAProblemOfTheParams) {
  auto cloud = cloud_for(PlatformKind::aliyun);
  cloud.keepalive = std::chrono::seconds(1500);
  auto p = make_platform(cloud, "/x")->connect_params(aliyun_device(), kNow, "");
  EXPECT_EQ(p.problem, "keepalive 1500 s is outside aliyun's range 30–1200 s");
}

TEST(AliyunPlatform, ConnackCodes) {
  auto platform = make_platform(cloud_for(PlatformKind::aliyun), "/x");
  EXPECT_EQ(platform->classify_connack(3).verdict, ConnectVerdict::retry_soon);
  auto bad = platform->classify_connack(4);
  EXPECT_EQ(bad.verdict, ConnectVerdict::back_off_long);
  EXPECT_NE(bad.hint.find("device secret"), std::string::npos);
  EXPECT_EQ(platform->classify_connack(5).verdict, ConnectVerdict::back_off_long);
  EXPECT_EQ(platform->classify_connack(2).verdict, ConnectVerdict::configuration_error);
}

// Registration ------------------------------------------------------------------------------------

class AliyunRegistration : public ::testing::Test {
 protected:
  DeviceIdentity device(AuthMode auth) {
    auto id = aliyun_device();
    id.device_secret.clear();
    id.auth = auth;
    id.product_secret = "prodS3cret";
    return id;
  }
  test::TempDir state_;
  std::unique_ptr<Platform> platform_ =
      make_platform(cloud_for(PlatformKind::aliyun), state_.path());
};

TEST_F(AliyunRegistration, UnregisteredDeviceGetsTheRegistrationConnect) {
  auto p = platform_->connect_params(device(AuthMode::register_), kNow, "ab12C");
  EXPECT_EQ(p.purpose, ConnectPurpose::registration);
  EXPECT_EQ(p.client_id,
            "a1B2c3D4e5F.meter-1|securemode=-2,authType=register,random=ab12C,"
            "signmethod=hmacsha256|");
  EXPECT_EQ(p.username, "meter-1&a1B2c3D4e5F");
  // openssl dgst -sha256 -hmac prodS3cret <<< deviceNamemeter-1productKeya1B2c3D4e5Frandomab12C
  EXPECT_EQ(p.password, "F855651571C1199E2ECFF4F76151F5BBB6A7B701B635FAD306957189C81D8FA8");
  EXPECT_TRUE(platform_->subscriptions(device(AuthMode::register_)).size() > 0);
}

TEST_F(AliyunRegistration, SecuremodeAndInstanceAreConfigurable) {
  auto cloud = cloud_for(PlatformKind::aliyun);
  cloud.aliyun.register_securemode = 2;
  cloud.aliyun.instance_id = "iot-06z00abc";
  auto p = make_platform(cloud, state_.path())
               ->connect_params(device(AuthMode::register_nwl), kNow, "ab12C");
  EXPECT_EQ(p.client_id,
            "a1B2c3D4e5F.meter-1|securemode=2,authType=regnwl,random=ab12C,"
            "signmethod=hmacsha256,instanceId=iot-06z00abc|");
  EXPECT_EQ(p.password, "F855651571C1199E2ECFF4F76151F5BBB6A7B701B635FAD306957189C81D8FA8");
}

TEST_F(AliyunRegistration, RegisterReplyIsKeptAndUsedForTheSession) {
  auto id = device(AuthMode::register_);
  auto d = platform_->decode_downlink(
      id, "/ext/register",
      R"({"productKey":"a1B2c3D4e5F","deviceName":"meter-1","deviceSecret":"s3cr3t"})");
  ASSERT_TRUE(d.registration);
  EXPECT_EQ(d.registration->device_secret, "s3cr3t");
  EXPECT_EQ(platform_->save_registration(id, *d.registration), std::nullopt);

  auto p = platform_->connect_params(id, kNow, "ab12C");
  EXPECT_EQ(p.purpose, ConnectPurpose::session);
  EXPECT_EQ(p.problem, "");
  // Exactly the secret device's credentials.
  EXPECT_EQ(p.password, "13E2F5089967980359CDA0BEA1E768EDA0B66EC0DD67F39CE3E5805084A4F335");

  // A later start (a new Platform over the same state_dir) never registers again.
  auto again = make_platform(cloud_for(PlatformKind::aliyun), state_.path());
  EXPECT_EQ(again->connect_params(id, kNow, "zz").purpose, ConnectPurpose::session);
}

TEST_F(AliyunRegistration, RegnwlReplyGivesAConnwlSession) {
  auto id = device(AuthMode::register_nwl);
  auto d = platform_->decode_downlink(
      id, "/ext/regnwl",
      R"({"clientId":"a1B2c3D4e5F.meter-1|1700000000","productKey":"a1B2c3D4e5F","deviceName":"meter-1","deviceToken":"t0k"})");
  ASSERT_TRUE(d.registration);
  ASSERT_EQ(platform_->save_registration(id, *d.registration), std::nullopt);
  auto p = platform_->connect_params(id, kNow, "");
  EXPECT_EQ(p.purpose, ConnectPurpose::session);
  EXPECT_EQ(p.client_id, "a1B2c3D4e5F.meter-1|1700000000|securemode=-2,authType=connwl|");
  EXPECT_EQ(p.password, "t0k");
}

TEST_F(AliyunRegistration, RepliesForAnotherDeviceOrIncompleteAreRefused) {
  auto id = device(AuthMode::register_);
  auto other = platform_->decode_downlink(
      id, "/ext/register", R"({"productKey":"a1B2c3D4e5F","deviceName":"x","deviceSecret":"s"})");
  ASSERT_FALSE(other.ok());
  EXPECT_FALSE(platform_
                   ->decode_downlink(id, "/ext/register",
                                     R"({"productKey":"a1B2c3D4e5F","deviceName":"meter-1"})")
                   .ok());
  EXPECT_FALSE(platform_->decode_downlink(id, "/ext/regnwl", "garbage").ok());
  EXPECT_TRUE(platform_->save_registration(id, {"a1B2c3D4e5F", "meter-1", "", "", ""}));
}

TEST_F(AliyunRegistration, AnUnreadableStoredRegistrationIsAProblemNotANewRegistration) {
  auto id = device(AuthMode::register_);
  RegistrationStore store(state_.path());
  std::filesystem::create_directories(store.path_for(id).parent_path());
  state_.write("registrations/" + store.path_for(id).filename().string(), "{not json");
  auto p = platform_->connect_params(id, kNow, "ab12C");
  EXPECT_EQ(p.purpose, ConnectPurpose::session);
  EXPECT_NE(p.problem.find("registration JSON"), std::string::npos) << p.problem;
}

// Payloads ----------------------------------------------------------------------------------------

class AliyunPayloads : public ::testing::Test {
 protected:
  DeviceIdentity id_ = aliyun_device();
  std::unique_ptr<Platform> platform_ = make_platform(cloud_for(PlatformKind::aliyun), "/x");
  const std::string thing_ = "/sys/a1B2c3D4e5F/meter-1/thing/";
};

TEST_F(AliyunPayloads, Subscriptions) {
  EXPECT_EQ(
      platform_->subscriptions(id_),
      (std::vector<std::string>{thing_ + "service/property/set", thing_ + "service/property/get",
                                thing_ + "service/+", thing_ + "event/+/post_reply",
                                "/sys/a1B2c3D4e5F/meter-1/rrpc/request/+"}));
}

TEST_F(AliyunPayloads, PropertyPostWithPerPropertyTime) {
  auto u = platform_->encode_uplink(id_, meter_record());
  ASSERT_TRUE(u.ok());
  ASSERT_EQ(u.publications.size(), 1u);
  EXPECT_EQ(u.publications[0].topic, thing_ + "event/property/post");
  EXPECT_EQ(u.publications[0].qos, 1);
  EXPECT_EQ(u.publications[0].payload, R"({"id":"17","version":"1.0","params":{)"
                                       R"("voltage":{"value":230.5,"time":1700000000123},)"
                                       R"("current":{"value":10.0,"time":1700000000123},)"
                                       R"("count":{"value":42,"time":1700000000123},)"
                                       R"("on":{"value":true,"time":1700000000123},)"
                                       R"("state":{"value":"ok","time":1700000000123}},)"
                                       R"("method":"thing.event.property.post"})");
  EXPECT_TRUE(nlohmann::json::accept(u.publications[0].payload));
}

TEST_F(AliyunPayloads, IdWrapsIntoTheAlinkRange) {
  auto r = meter_record();
  r.seq = 4294967296ull + 5;
  auto u = platform_->encode_uplink(id_, r);
  EXPECT_TRUE(u.publications.at(0).payload.starts_with(R"({"id":"5",)"));
}

TEST_F(AliyunPayloads, LargeRecordIsSplitIntoWholeProperties) {
  store::Record r = meter_record();
  r.fields.clear();
  for (int i = 0; i < 4; ++i) {
    r.fields.push_back({"blob" + std::to_string(i), std::string(100 * 1024, 'a' + i)});
  }
  auto u = platform_->encode_uplink(id_, r);
  ASSERT_TRUE(u.ok());
  ASSERT_EQ(u.publications.size(), 2u);
  std::vector<std::string> names;
  for (const auto& pub : u.publications) {
    EXPECT_LE(pub.payload.size(), kAliyunMaxPayload);
    auto j = nlohmann::json::parse(pub.payload);
    EXPECT_EQ(j["id"], "17");
    for (auto& [k, v] : j["params"].items()) {
      names.push_back(k);
      EXPECT_EQ(v["value"].get<std::string>().size(), 100u * 1024);
    }
  }
  EXPECT_EQ(names, (std::vector<std::string>{"blob0", "blob1", "blob2", "blob3"}));
}

TEST_F(AliyunPayloads, AFieldLargerThanTheLimitRefusesTheRecord) {
  store::Record r = meter_record();
  r.fields.push_back({"huge", std::string(300 * 1024, 'x')});
  auto u = platform_->encode_uplink(id_, r);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error->problem, UplinkProblem::too_large);
  EXPECT_TRUE(u.publications.empty());
  EXPECT_NE(u.error->reason.find("'huge'"), std::string::npos);
}

TEST_F(AliyunPayloads, EmptyAndReplyRecordsAreRefused) {
  store::Record r = meter_record();
  r.fields.clear();
  EXPECT_EQ(platform_->encode_uplink(id_, r).error->problem, UplinkProblem::empty_record);
  r = meter_record();
  r.kind = store::RecordKind::command_reply;
  EXPECT_EQ(platform_->encode_uplink(id_, r).error->problem, UplinkProblem::unsupported_kind);
}

TEST_F(AliyunPayloads, PropertySetAndItsReply) {
  auto d = platform_->decode_downlink(
      id_, thing_ + "service/property/set",
      R"({"id":"123","version":"1.0","params":{"temperature":30.5,"on":true},"method":"thing.service.property.set"})");
  ASSERT_TRUE(d.command);
  EXPECT_EQ(d.command->kind, Command::Kind::set_points);
  EXPECT_EQ(d.command->request_id, "123");
  EXPECT_EQ(d.command->values, (std::vector<store::Field>{{"temperature", 30.5}, {"on", true}}));
  auto reply = platform_->encode_reply(id_, *d.command, {true, 0, "", {}});
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->topic, thing_ + "service/property/set_reply");
  EXPECT_EQ(reply->payload,
            R"({"code":200,"data":{},"id":"123","message":"success","version":"1.0"})");
  auto failed = platform_->encode_reply(id_, *d.command, {false, 1, "no point temperature", {}});
  EXPECT_EQ(
      failed->payload,
      R"({"code":460,"data":{},"id":"123","message":"no point temperature","version":"1.0"})");
}

TEST_F(AliyunPayloads, NumericIdIsAccepted) {
  auto d = platform_->decode_downlink(id_, thing_ + "service/property/set",
                                      R"({"id":123,"params":{"a":1}})");
  ASSERT_TRUE(d.command);
  EXPECT_EQ(d.command->request_id, "123");
}

TEST_F(AliyunPayloads, ServiceCallAndItsReply) {
  auto d = platform_->decode_downlink(
      id_, thing_ + "service/reboot",
      R"({"id":"9","version":"1.0","params":{"delay":5},"method":"thing.service.reboot"})");
  ASSERT_TRUE(d.command);
  EXPECT_EQ(d.command->kind, Command::Kind::run_command);
  EXPECT_EQ(d.command->name, "reboot");
  EXPECT_EQ(d.command->values, (std::vector<store::Field>{{"delay", std::int64_t{5}}}));
  auto reply =
      platform_->encode_reply(id_, *d.command, {true, 0, "", {{"uptime", std::int64_t{0}}}});
  EXPECT_EQ(reply->topic, thing_ + "service/reboot_reply");
  EXPECT_EQ(reply->payload,
            R"({"code":200,"data":{"uptime":0},"id":"9","message":"success","version":"1.0"})");
}

// service/+ brings our own reply back (the broker echoes it): quietly nothing, not an error to log.
TEST_F(AliyunPayloads, OurOwnServiceReplyEchoedBackIsIgnoredQuietly) {
  auto echo = platform_->decode_downlink(
      id_, thing_ + "service/reboot_reply",
      R"({"code":200,"data":{"uptime":0},"id":"9","message":"success","version":"1.0"})");
  EXPECT_TRUE(echo.ok());
  EXPECT_FALSE(echo.command);
  EXPECT_FALSE(echo.ack);
  EXPECT_FALSE(platform_->decode_downlink(id_, thing_ + "service/a/b", "{}").ok());
}

TEST_F(AliyunPayloads, PostReplyIsAnAck) {
  auto d = platform_->decode_downlink(
      id_, thing_ + "event/property/post_reply",
      R"({"code":200,"data":{},"id":"17","message":"success","method":"thing.event.property.post","version":"1.0"})");
  ASSERT_TRUE(d.ack);
  EXPECT_EQ(*d.ack, (UplinkAck{"17", true, 200, "success"}));
  auto bad = platform_->decode_downlink(id_, thing_ + "event/property/post_reply",
                                        R"({"code":6106,"id":"18","message":"too many"})");
  ASSERT_TRUE(bad.ack);
  EXPECT_FALSE(bad.ack->ok);
  EXPECT_EQ(bad.ack->code, 6106);
}

TEST_F(AliyunPayloads, MalformedSetIsRefusedWithAReplyWhenThereIsAnId) {
  auto d = platform_->decode_downlink(id_, thing_ + "service/property/set",
                                      R"({"id":"5","params":[1,2]})");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error->problem, DownlinkProblem::malformed);
  ASSERT_TRUE(d.error->reply);
  EXPECT_EQ(d.error->reply->topic, thing_ + "service/property/set_reply");
  auto j = nlohmann::json::parse(d.error->reply->payload);
  EXPECT_EQ(j["code"], 460);
  EXPECT_EQ(j["id"], "5");

  auto null_value = platform_->decode_downlink(id_, thing_ + "service/property/set",
                                               R"({"id":"6","params":{"a":null}})");
  ASSERT_TRUE(null_value.error && null_value.error->reply);

  auto garbage = platform_->decode_downlink(id_, thing_ + "service/property/set", "\x01{{");
  ASSERT_FALSE(garbage.ok());
  EXPECT_FALSE(garbage.error->reply);  // no id, nothing to answer
}

TEST_F(AliyunPayloads, ForeignTopicsAreUnknown) {
  for (auto topic : {std::string("/sys/other/meter-1/thing/service/property/set"),
                     thing_ + "service/a/b", thing_ + "service/", std::string("x")}) {
    auto d = platform_->decode_downlink(id_, topic, "{}");
    ASSERT_FALSE(d.ok()) << topic;
    EXPECT_EQ(d.error->problem, DownlinkProblem::unknown_topic) << topic;
  }
}

}  // namespace
}  // namespace edgegw::northbound
