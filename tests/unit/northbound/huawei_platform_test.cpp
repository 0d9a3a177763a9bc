// Huawei IoTDA: the vendor's password example, the client id with the UTC hour, and golden
// payloads for report, properties/set, properties/get and commands with their responses.
#include "northbound/huawei_platform.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "identities.hpp"

namespace edgegw::northbound {
namespace {

using namespace testing;
using std::chrono::milliseconds;

TEST(HuaweiSigning, TheVendorsExample) {
  EXPECT_EQ(huawei_password("12345678", "2025041401"),
            "c75150e6cb841417396819e4d2ee4358a416344a03a083e3a8567074ddec820a");
}

TEST(HuaweiSigning, HourStampIsUtc) {
  EXPECT_EQ(huawei_hour_stamp(kNow), "2023111422");
  std::chrono::system_clock::time_point last_ms{milliseconds(1700006399999)};  // 23:59:59.999
  EXPECT_EQ(huawei_hour_stamp(last_ms), "2023111423");
  EXPECT_EQ(huawei_hour_stamp(last_ms + milliseconds(1)), "2023111500");
}

TEST(HuaweiSigning, EventTime) {
  EXPECT_EQ(huawei_event_time(1700000000123), "20231114T221320Z");
  EXPECT_EQ(huawei_event_time(0), "19700101T000000Z");
  EXPECT_EQ(huawei_event_time(-1), "19691231T235959Z");
}

TEST(HuaweiPlatform, ConnectParams) {
  auto p = make_platform(cloud_for(PlatformKind::huawei), "/x")
               ->connect_params(huawei_device(), kNow, "ignored");
  EXPECT_EQ(p.host, "iot-mqtts.cn-north-4.myhuaweicloud.com");
  EXPECT_EQ(p.port, 8883);
  EXPECT_TRUE(p.tls);
  EXPECT_EQ(p.client_id, "6555f8d2_meter-1_0_1_2023111422");
  EXPECT_EQ(p.username, "6555f8d2_meter-1");
  // openssl dgst -sha256 -hmac 2023111422 <<< s3cr3t (no newline)
  EXPECT_EQ(p.password, "c31e41c2c8a4e77630479e7c4db9902f0b52234746fe032b5e0117ea8f5677cb");
  EXPECT_EQ(p.keepalive, std::chrono::seconds(120));
  EXPECT_EQ(p.problem, "");
}

TEST(HuaweiPlatform, SignTypeZeroWithoutTimestampCheck) {
  auto cloud = cloud_for(PlatformKind::huawei);
  cloud.huawei.check_timestamp = false;
  auto p = make_platform(cloud, "/x")->connect_params(huawei_device(), kNow, "");
  EXPECT_EQ(p.client_id, "6555f8d2_meter-1_0_0_2023111422");
  EXPECT_EQ(p.password, "c31e41c2c8a4e77630479e7c4db9902f0b52234746fe032b5e0117ea8f5677cb");
}

TEST(HuaweiPlatform, CertificateAuthHasNoPassword) {
  auto id = huawei_device();
  id.auth = AuthMode::cert;
  id.device_secret.clear();
  id.cert_file = "/c.pem";
  id.key_file = "/k.pem";
  auto p = make_platform(cloud_for(PlatformKind::huawei), "/x")->connect_params(id, kNow, "");
  EXPECT_EQ(p.password, "");
  EXPECT_EQ(p.cert_file, "/c.pem");
}

class HuaweiPayloads : public ::testing::Test {
 protected:
  DeviceIdentity id_ = huawei_device();
  std::unique_ptr<Platform> platform_ = make_platform(cloud_for(PlatformKind::huawei), "/x");
  const std::string sys_ = "$oc/devices/6555f8d2_meter-1/sys/";
};

TEST_F(HuaweiPayloads, Subscriptions) {
  EXPECT_EQ(platform_->subscriptions(id_),
            (std::vector<std::string>{sys_ + "commands/#", sys_ + "properties/set/#",
                                      sys_ + "properties/get/#"}));
}

TEST_F(HuaweiPayloads, PropertiesReport) {
  auto u = platform_->encode_uplink(id_, meter_record());
  ASSERT_TRUE(u.ok());
  ASSERT_EQ(u.publications.size(), 1u);
  EXPECT_EQ(u.publications[0].topic, sys_ + "properties/report");
  EXPECT_EQ(u.publications[0].payload,
            R"({"services":[{"service_id":"Meter","properties":{)"
            R"("voltage":230.5,"current":10.0,"count":42,"on":true,"state":"ok"},)"
            R"("event_time":"20231114T221320Z"}]})");
}

TEST_F(HuaweiPayloads, OneMegabyteLimit) {
  store::Record r = meter_record();
  r.fields = {{"a", std::string(600 * 1024, 'a')}, {"b", std::string(600 * 1024, 'b')}};
  auto u = platform_->encode_uplink(id_, r);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u.publications.size(), 2u);
  r.fields = {{"a", std::string(1024 * 1024, 'a')}};
  EXPECT_EQ(platform_->encode_uplink(id_, r).error->problem, UplinkProblem::too_large);
}

TEST_F(HuaweiPayloads, PropertiesSetAndItsResponse) {
  auto d = platform_->decode_downlink(
      id_, sys_ + "properties/set/request_id=4f3c-11",
      R"({"object_device_id":"6555f8d2_meter-1","services":[{"service_id":"Meter","properties":{"limit":12.5}}]})");
  ASSERT_TRUE(d.command);
  EXPECT_EQ(d.command->kind, Command::Kind::set_points);
  EXPECT_EQ(d.command->request_id, "4f3c-11");
  EXPECT_EQ(d.command->service_id, "Meter");
  EXPECT_EQ(d.command->values, (std::vector<store::Field>{{"limit", 12.5}}));
  auto reply = platform_->encode_reply(id_, *d.command, {true, 0, "", {}});
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->topic, sys_ + "properties/set/response/request_id=4f3c-11");
  EXPECT_EQ(reply->payload, R"({"result_code":0,"result_desc":"success"})");
}

TEST_F(HuaweiPayloads, PropertiesGetAndItsResponse) {
  auto d = platform_->decode_downlink(id_, sys_ + "properties/get/request_id=r7",
                                      R"({"object_device_id":"x","service_id":"Meter"})");
  ASSERT_TRUE(d.command);
  EXPECT_EQ(d.command->kind, Command::Kind::get_points);
  EXPECT_EQ(d.command->service_id, "Meter");
  auto reply =
      platform_->encode_reply(id_, *d.command, {true, 0, "", {{"voltage", 230.0}, {"on", true}}});
  EXPECT_EQ(reply->topic, sys_ + "properties/get/response/request_id=r7");
  EXPECT_EQ(reply->payload,
            R"({"services":[{"service_id":"Meter","properties":{"voltage":230.0,"on":true}}]})");
}

TEST_F(HuaweiPayloads, CommandAndItsResponse) {
  auto d = platform_->decode_downlink(
      id_, sys_ + "commands/request_id=cmd-42",
      R"({"object_device_id":"x","service_id":"Meter","command_name":"reset","paras":{"hard":true}})");
  ASSERT_TRUE(d.command);
  EXPECT_EQ(d.command->kind, Command::Kind::run_command);
  EXPECT_EQ(d.command->name, "reset");
  EXPECT_EQ(d.command->values, (std::vector<store::Field>{{"hard", true}}));
  auto reply =
      platform_->encode_reply(id_, *d.command, {true, 0, "", {{"result", std::string("done")}}});
  EXPECT_EQ(reply->topic, sys_ + "commands/response/request_id=cmd-42");
  EXPECT_EQ(reply->payload,
            R"({"result_code":0,"response_name":"reset","paras":{"result":"done"}})");
  auto failed = platform_->encode_reply(id_, *d.command, {false, 2, "timeout", {}});
  EXPECT_EQ(failed->payload, R"({"result_code":1,"response_name":"reset","paras":{}})");
}

TEST_F(HuaweiPayloads, MalformedRequestsAreAnsweredAsFailures) {
  auto d = platform_->decode_downlink(id_, sys_ + "properties/set/request_id=r1", "not json");
  ASSERT_FALSE(d.ok());
  ASSERT_TRUE(d.error->reply);
  EXPECT_EQ(d.error->reply->topic, sys_ + "properties/set/response/request_id=r1");
  EXPECT_EQ(nlohmann::json::parse(d.error->reply->payload)["result_code"], 1);

  auto c = platform_->decode_downlink(id_, sys_ + "commands/request_id=r2", R"({"paras":{}})");
  ASSERT_FALSE(c.ok());
  ASSERT_TRUE(c.error->reply);
  EXPECT_EQ(c.error->reply->topic, sys_ + "commands/response/request_id=r2");

  auto no_id = platform_->decode_downlink(id_, sys_ + "commands/request_id=", "{}");
  ASSERT_FALSE(no_id.ok());
  EXPECT_FALSE(no_id.error->reply);

  auto unknown = platform_->decode_downlink(id_, sys_ + "messages/down", "{}");
  EXPECT_EQ(unknown.error->problem, DownlinkProblem::unknown_topic);
}

TEST_F(HuaweiPayloads, ConnackTwoIsAConfigurationError) {
  auto o = platform_->classify_connack(2);
  EXPECT_EQ(o.verdict, ConnectVerdict::configuration_error);
  EXPECT_NE(o.hint.find("30–1200"), std::string::npos);
}

}  // namespace
}  // namespace edgegw::northbound
