// check_identity(): what `edgegw check` reports for each platform's identity.
#include "northbound/platform_check.hpp"

#include <gtest/gtest.h>

#include "identities.hpp"

namespace edgegw::northbound {
namespace {

using namespace testing;
using std::chrono::seconds;

TEST(PlatformCheck, TheSampleIdentitiesAreFine) {
  EXPECT_EQ(check_identity(cloud_for(PlatformKind::aliyun), aliyun_device()), std::nullopt);
  EXPECT_EQ(check_identity(cloud_for(PlatformKind::tencent), tencent_device()), std::nullopt);
  EXPECT_EQ(check_identity(cloud_for(PlatformKind::huawei), huawei_device()), std::nullopt);
  EXPECT_EQ(check_identity(cloud_for(PlatformKind::mqtt), mqtt_device()), std::nullopt);
}

TEST(PlatformCheck, KeepaliveOutsideThePlatformRangeIsNamed) {
  auto cloud = cloud_for(PlatformKind::aliyun);
  cloud.keepalive = seconds(20);
  EXPECT_EQ(check_identity(cloud, aliyun_device()),
            "keepalive 20 s is outside aliyun's range 30–1200 s");
  cloud.keepalive = seconds(1200);
  EXPECT_EQ(check_identity(cloud, aliyun_device()), std::nullopt);
  auto id = aliyun_device();
  id.keepalive = seconds(1201);  // the device's own value wins over [cloud]
  EXPECT_EQ(check_keepalive(cloud, id), "keepalive 1201 s is outside aliyun's range 30–1200 s");

  auto tencent = cloud_for(PlatformKind::tencent);
  tencent.keepalive = seconds(901);
  EXPECT_EQ(check_identity(tencent, tencent_device()),
            "keepalive 901 s is outside tencent's range 0–900 s");
  auto huawei = cloud_for(PlatformKind::huawei);
  huawei.keepalive = seconds(29);
  EXPECT_EQ(check_identity(huawei, huawei_device()),
            "keepalive 29 s is outside huawei's range 30–1200 s");
}

TEST(PlatformCheck, TencentPasswordOverTlsIsRefusedWithTheWayOut) {
  auto cloud = cloud_for(PlatformKind::tencent);
  auto id = tencent_device();
  id.auth = AuthMode::password;
  auto problem = check_identity(cloud, id);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("\"psk\""), std::string::npos);
  EXPECT_NE(problem->find("\"cert\""), std::string::npos);
  cloud.tls = false;
  cloud.port = 1883;
  EXPECT_EQ(check_identity(cloud, id), std::nullopt);
}

TEST(PlatformCheck, TencentPskNeedsTlsAndBase64) {
  auto cloud = cloud_for(PlatformKind::tencent);
  auto id = tencent_device();
  id.device_psk = "not base64!";
  EXPECT_NE(check_identity(cloud, id)->find("base64"), std::string::npos);
  id = tencent_device();
  cloud.tls = false;
  EXPECT_NE(check_identity(cloud, id)->find("tls = true"), std::string::npos);
}

TEST(PlatformCheck, TencentCertNeedsBothFiles) {
  auto id = tencent_device();
  id.auth = AuthMode::cert;
  id.cert_file = "/etc/edgegw/meter-1.crt";
  EXPECT_TRUE(check_identity(cloud_for(PlatformKind::tencent), id));
  id.key_file = "/etc/edgegw/meter-1.key";
  EXPECT_EQ(check_identity(cloud_for(PlatformKind::tencent), id), std::nullopt);
}

TEST(PlatformCheck, HuaweiRefusesPlainTcp) {
  auto cloud = cloud_for(PlatformKind::huawei);
  cloud.tls = false;
  EXPECT_NE(check_identity(cloud, huawei_device())->find("MQTTS"), std::string::npos);
}

TEST(PlatformCheck, AliyunMissingKeysAndLongClientIds) {
  auto cloud = cloud_for(PlatformKind::aliyun);
  auto id = aliyun_device();
  id.device_secret.clear();
  EXPECT_EQ(check_identity(cloud, id),
            "device_secret_file is required for aliyun auth = \"secret\"");
  id = aliyun_device();
  id.client_id = std::string(65, 'x');
  EXPECT_NE(check_identity(cloud, id)->find("at most 64"), std::string::npos);
  id = aliyun_device();
  id.auth = AuthMode::register_;
  EXPECT_NE(check_identity(cloud, id)->find("product_secret_file"), std::string::npos);
  id.product_secret = "ps";
  cloud.tls = false;
  EXPECT_NE(check_identity(cloud, id)->find("only over TLS"), std::string::npos);
  id.auth = AuthMode::psk;
  cloud.tls = true;
  EXPECT_NE(check_identity(cloud, id)->find("aliyun auth must be"), std::string::npos);
}

TEST(PlatformCheck, MqttCertificateFilesGoTogether) {
  auto id = mqtt_device();
  id.cert_file = "/c.pem";
  EXPECT_TRUE(check_identity(cloud_for(PlatformKind::mqtt), id));
}

}  // namespace
}  // namespace edgegw::northbound
