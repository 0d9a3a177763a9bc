// The cloud's calls as the vendor pages show them, decoded and answered: Alibaba property get and
// RRPC, Tencent data-template actions, and the "not supported" answer of each platform.
#include <gtest/gtest.h>

#include "identities.hpp"
#include "northbound/platform.hpp"
#include "northbound/result_codes.hpp"

namespace edgegw::northbound {
namespace {

using namespace testing;

class AliyunCalls : public ::testing::Test {
 protected:
  DeviceIdentity id_ = aliyun_device();
  std::unique_ptr<Platform> platform_ = make_platform(cloud_for(PlatformKind::aliyun), "/x");
  const std::string sys_ = "/sys/a1B2c3D4e5F/meter-1/";
};

// Alink thing.service.property.get: params is the list of identifiers; data answers them.
TEST_F(AliyunCalls, PropertyGetAndItsReply) {
  auto d = platform_->decode_downlink(
      id_, sys_ + "thing/service/property/get",
      R"({"id":"123","version":"1.0","params":["power","temp"],"method":"thing.service.property.get"})");
  ASSERT_TRUE(d.command) << d.error->reason;
  EXPECT_EQ(d.command->kind, Command::Kind::get_points);
  EXPECT_EQ(d.command->request_id, "123");
  EXPECT_EQ(d.command->values, (std::vector<store::Field>{{"power", false}, {"temp", false}}));
  auto reply = platform_->encode_reply(
      id_, *d.command, {true, 0, "", {{"power", std::string("on")}, {"temp", 21.5}}});
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->topic, sys_ + "thing/service/property/get_reply");
  EXPECT_EQ(reply->payload,
            R"({"code":200,"data":{"power":"on","temp":21.5},"id":"123","message":"success",)"
            R"("version":"1.0"})");
  auto bad = platform_->decode_downlink(id_, sys_ + "thing/service/property/get",
                                        R"({"id":"124","params":{"power":1}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error->reply->topic, sys_ + "thing/service/property/get_reply");
}

// RRPC: the request's topic carries the messageId; the answer goes to rrpc/response/{messageId}
// at QoS 0, with the Alink reply of the method inside.
TEST_F(AliyunCalls, RrpcServiceCallIsAnsweredOnItsResponseTopic) {
  auto d = platform_->decode_downlink(
      id_, sys_ + "rrpc/request/1234567890",
      R"({"id":"77","version":"1.0","params":{"seconds":3},"method":"thing.service.open"})");
  ASSERT_TRUE(d.command) << d.error->reason;
  EXPECT_EQ(d.command->kind, Command::Kind::run_command);
  EXPECT_EQ(d.command->name, "open");
  EXPECT_EQ(d.command->request_id, "77");
  auto reply = platform_->encode_reply(id_, *d.command, {true, 0, "", {{"angle", 90.0}}});
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->topic, sys_ + "rrpc/response/1234567890");
  EXPECT_EQ(reply->qos, 0);
  EXPECT_EQ(reply->payload,
            R"({"code":200,"data":{"angle":90.0},"id":"77","message":"success","version":"1.0"})");
}

TEST_F(AliyunCalls, RrpcPropertySetAndGetAndARefusal) {
  auto set = platform_->decode_downlink(
      id_, sys_ + "rrpc/request/5",
      R"({"id":"1","params":{"relay":true},"method":"thing.service.property.set"})");
  ASSERT_TRUE(set.command);
  EXPECT_EQ(set.command->kind, Command::Kind::set_points);
  EXPECT_EQ(platform_->encode_reply(id_, *set.command, {true, 0, "", {}})->topic,
            sys_ + "rrpc/response/5");
  auto get =
      platform_->decode_downlink(id_, sys_ + "rrpc/request/6",
                                 R"({"id":"2","params":[],"method":"thing.service.property.get"})");
  ASSERT_TRUE(get.command);
  EXPECT_EQ(get.command->kind, Command::Kind::get_points);
  auto bad = platform_->decode_downlink(id_, sys_ + "rrpc/request/7",
                                        R"({"id":"3","params":7,"method":"thing.service.open"})");
  ASSERT_FALSE(bad.ok());
  ASSERT_TRUE(bad.error->reply);
  EXPECT_EQ(bad.error->reply->topic, sys_ + "rrpc/response/7");
  EXPECT_NE(bad.error->reply->payload.find("\"code\":460"), std::string::npos);
  EXPECT_FALSE(platform_->decode_downlink(id_, sys_ + "rrpc/request/8", R"({"method":"x"})").ok());
}

TEST_F(AliyunCalls, AnUnknownServiceIsRefusedWithAnAlinkErrorCode) {
  Command c;
  c.kind = Command::Kind::run_command;
  c.name = "self_destruct";
  c.request_id = "9";
  auto reply = platform_->encode_reply(
      id_, c, {false, result_code::not_supported, "command 'self_destruct' is not supported", {}});
  EXPECT_EQ(reply->topic, sys_ + "thing/service/self_destruct_reply");
  EXPECT_NE(reply->payload.find("\"code\":460"), std::string::npos);
  EXPECT_NE(reply->payload.find("not supported"), std::string::npos);
}

// Tencent data template: $thing/down/action -> $thing/up/action with action_reply.
TEST(TencentCalls, DataTemplateActionAndItsReply) {
  auto platform = make_platform(cloud_for(PlatformKind::tencent), "/x");
  const auto id = tencent_device();
  auto d = platform->decode_downlink(
      id, "$thing/down/action/ABCDEF1234/meter-1",
      R"({"method":"action","clientToken":"20a4ccfd-d308","actionId":"openDoor",)"
      R"("timestamp":1212121221,"params":{"userid":"323343"}})");
  ASSERT_TRUE(d.command) << d.error->reason;
  EXPECT_EQ(d.command->kind, Command::Kind::run_command);
  EXPECT_EQ(d.command->name, "openDoor");
  auto reply = platform->encode_reply(id, *d.command, {true, 0, "", {{"Code", std::int64_t{0}}}});
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->topic, "$thing/up/action/ABCDEF1234/meter-1");
  EXPECT_EQ(reply->payload, R"({"method":"action_reply","clientToken":"20a4ccfd-d308","code":0,)"
                            R"("status":"success","response":{"Code":0}})");
  auto refused = platform->encode_reply(id, *d.command,
                                        {false, result_code::not_supported, "not supported", {}});
  EXPECT_NE(refused->payload.find("\"code\":4"), std::string::npos);
}

// Huawei: a command of the vendor page's shape, refused as not supported: result_code 1.
TEST(HuaweiCalls, AnUnknownCommandIsAnsweredWithAFailureCode) {
  auto platform = make_platform(cloud_for(PlatformKind::huawei), "/x");
  const auto id = huawei_device();
  auto d = platform->decode_downlink(
      id, "$oc/devices/6555f8d2_meter-1/sys/commands/request_id=42",
      R"({"object_device_id":"6555f8d2_meter-1","service_id":"Meter","command_name":"ON_OFF",)"
      R"("paras":{"value":"ON"}})");
  ASSERT_TRUE(d.command);
  EXPECT_EQ(d.command->service_id, "Meter");
  auto reply =
      platform->encode_reply(id, *d.command, {false, result_code::not_supported, "no", {}});
  EXPECT_EQ(reply->topic, "$oc/devices/6555f8d2_meter-1/sys/commands/response/request_id=42");
  EXPECT_EQ(reply->payload, R"({"result_code":1,"response_name":"ON_OFF","paras":{}})");
}

}  // namespace
}  // namespace edgegw::northbound
