// Device status and point quality in uplinks: the generic broker gets online/offline on its own
// status topic and keeps `$quality/` fields; the vendor clouds' property reports carry neither,
// and a record left with nothing is done without a publication (not dropped, not stalled).
#include <gtest/gtest.h>

#include "identities.hpp"
#include "northbound/platform.hpp"

namespace edgegw::northbound {
namespace {

using namespace testing;

store::Record status_record(bool online) {
  store::Record r;
  r.device = "meter-1";
  r.seq = 18;
  r.time_ms = 1700000000456;
  r.kind = store::RecordKind::device_status;
  r.fields = {{"online", online}};
  return r;
}

store::Record record_with_quality() {
  store::Record r = meter_record();
  r.fields = {{"voltage", 230.5}, {"$quality/current", std::string("bad: Illegal data address")}};
  return r;
}

TEST(PlatformDeviceStatus, GenericGoesToTheStatusTopic) {
  auto platform = make_platform(cloud_for(PlatformKind::mqtt), "/x");
  auto u = platform->encode_uplink(mqtt_device(), status_record(false));
  ASSERT_TRUE(u.ok());
  ASSERT_EQ(u.publications.size(), 1u);
  EXPECT_EQ(u.publications[0].topic, "devices/meter-1/status");
  EXPECT_EQ(u.publications[0].payload, R"({"online":false,"time":1700000000456})");
  EXPECT_EQ(u.publications[0].qos, 1);
  EXPECT_EQ(disposition(u), UplinkDisposition::publish);

  auto cloud = cloud_for(PlatformKind::mqtt);
  cloud.mqtt.status_topic = "plant/{device}/alive";
  u = make_platform(cloud, "/x")->encode_uplink(mqtt_device(), status_record(true));
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u.publications.at(0).topic, "plant/meter-1/alive");
  EXPECT_EQ(u.publications.at(0).payload, R"({"online":true,"time":1700000000456})");
}

TEST(PlatformDeviceStatus, GenericPointNamedOnlineStaysTelemetry) {
  auto platform = make_platform(cloud_for(PlatformKind::mqtt), "/x");
  store::Record r = meter_record();
  r.fields = {{"online", true}};
  auto u = platform->encode_uplink(mqtt_device(), r);
  ASSERT_TRUE(u.ok());
  ASSERT_EQ(u.publications.size(), 1u);
  EXPECT_EQ(u.publications[0].topic, "devices/meter-1/telemetry");
  EXPECT_EQ(u.publications[0].payload,
            R"({"device":"meter-1","seq":17,"time":1700000000123,"values":{"online":true}})");
}

TEST(PlatformDeviceStatus, GenericKeepsQualityFields) {
  auto platform = make_platform(cloud_for(PlatformKind::mqtt), "/x");
  auto u = platform->encode_uplink(mqtt_device(), record_with_quality());
  ASSERT_TRUE(u.ok());
  EXPECT_NE(u.publications.at(0).payload.find(R"("$quality/current":"bad: Illegal data address")"),
            std::string::npos);
}

struct Vendor {
  PlatformKind kind;
  DeviceIdentity (*identity)();
};
// A stable test name in ctest (gtest would print the bytes, a function pointer among them).
void PrintTo(const Vendor& v, std::ostream* os) {
  *os << static_cast<int>(v.kind);
}

class VendorProperties : public ::testing::TestWithParam<Vendor> {
 protected:
  UplinkResult encode(const store::Record& r) const {
    return make_platform(cloud_for(GetParam().kind), "/x")->encode_uplink(GetParam().identity(), r);
  }
};

TEST_P(VendorProperties, QualityFieldsAreStripped) {
  auto u = encode(record_with_quality());
  ASSERT_TRUE(u.ok()) << u.error->reason;
  ASSERT_EQ(u.publications.size(), 1u);
  EXPECT_EQ(u.publications[0].payload.find("$quality"), std::string::npos);
  EXPECT_NE(u.publications[0].payload.find(R"("voltage")"), std::string::npos);
}

TEST_P(VendorProperties, OnlyQualityIsNothingToSendAndDone) {
  store::Record r = meter_record();
  r.fields = {{"$quality/current", std::string("good")}};
  auto u = encode(r);
  EXPECT_TRUE(u.publications.empty());
  ASSERT_TRUE(u.error);
  EXPECT_EQ(u.error->problem, UplinkProblem::nothing_to_send);
  EXPECT_EQ(disposition(u), UplinkDisposition::done);
}

TEST_P(VendorProperties, DeviceStatusIsNothingToSendAndDone) {
  auto u = encode(status_record(true));
  EXPECT_TRUE(u.publications.empty());
  ASSERT_TRUE(u.error);
  EXPECT_EQ(u.error->problem, UplinkProblem::nothing_to_send);
  EXPECT_EQ(disposition(u), UplinkDisposition::done);
}

TEST_P(VendorProperties, APointNamedOnlineIsAProperty) {
  store::Record r = meter_record();
  r.fields = {{"online", true}};
  auto u = encode(r);
  ASSERT_TRUE(u.ok());
  EXPECT_NE(u.publications.at(0).payload.find(R"("online")"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Platform, VendorProperties,
                         ::testing::Values(Vendor{PlatformKind::aliyun, aliyun_device},
                                           Vendor{PlatformKind::huawei, huawei_device},
                                           Vendor{PlatformKind::tencent, tencent_device}),
                         [](const auto& info) {
                           return std::string(info.param.kind == PlatformKind::aliyun ? "Aliyun"
                                              : info.param.kind == PlatformKind::huawei
                                                  ? "Huawei"
                                                  : "Tencent");
                         });

TEST(PlatformUplinkDisposition, OnlyNothingToSendIsDeliveredWithoutPublishing) {
  UplinkResult r;
  EXPECT_EQ(disposition(r), UplinkDisposition::drop);  // no error, no publication: an encoder bug
  r.publications.push_back({"t", "p", 1});
  EXPECT_EQ(disposition(r), UplinkDisposition::publish);
  r.publications.clear();
  for (auto p :
       {UplinkProblem::too_large, UplinkProblem::empty_record, UplinkProblem::unsupported_kind}) {
    r.error = UplinkError{p, ""};
    EXPECT_EQ(disposition(r), UplinkDisposition::drop) << to_string(p);
  }
  r.error = UplinkError{UplinkProblem::nothing_to_send, ""};
  EXPECT_EQ(disposition(r), UplinkDisposition::done);
}

}  // namespace
}  // namespace edgegw::northbound
