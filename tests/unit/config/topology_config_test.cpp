// cloud.mode: "device" (one session per device, the default) or "gateway" (the gateway identity
// carries every device as a sub-device of the platform's topology).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "config_fixture.hpp"
#include "support/test_pki.hpp"

namespace edgegw::config {
namespace {

class TopologyConfig : public ConfigTest {
 protected:
  std::string aliyun_head(const std::string& cloud_extra) const {
    return "[gateway]\nstate_dir = \"" + state_dir() + "\"\n[cloud]\nplatform = \"aliyun\"\n" +
           cloud_extra;
  }
  std::string gateway_identity() {
    return "[gateway.cloud]\nproduct_key = \"a1GwPK\"\ndevice_name = \"gw\"\n"
           "device_secret_file = \"" +
           secret("gw-secret") + "\"\n";
  }
  std::string aliyun_devices(unsigned n) {
    const auto s = secret("dev-secret");
    std::string out;
    for (unsigned i = 0; i < n; ++i) {
      out += mqtt_device("d" + std::to_string(i)) +
             "[device.cloud]\nproduct_key = \"a1SubPK\"\ndevice_name = \"sub" + std::to_string(i) +
             "\"\ndevice_secret_file = \"" + s + "\"\n";
    }
    return out;
  }
};

TEST_F(TopologyConfig, DeviceModeIsTheDefault) {
  write(aliyun_head("") + aliyun_devices(1));
  EXPECT_EQ(load().cloud.mode, northbound::CloudMode::device);
}

TEST_F(TopologyConfig, GatewayModeWithTheGatewayIdentityLoads) {
  write(aliyun_head("mode = \"gateway\"\nsub_logins_per_second = 10\n") + gateway_identity() +
        aliyun_devices(2));
  const Config c = load();
  EXPECT_EQ(c.cloud.mode, northbound::CloudMode::gateway);
  EXPECT_EQ(c.cloud.sub_logins_per_second, 10);
}

TEST_F(TopologyConfig, GatewayModeWithoutTheGatewayIdentityIsRefused) {
  write(aliyun_head("mode = \"gateway\"\n") + aliyun_devices(1));
  const auto p = problems();
  EXPECT_TRUE(has_problem(p, main(), 5, 8, "[gateway.cloud]")) << dump(p);
}

TEST_F(TopologyConfig, AnUnknownModeIsRefused) {
  write(aliyun_head("mode = \"hub\"\n") + aliyun_devices(1));
  const auto p = problems();
  EXPECT_TRUE(has_problem(p, main(), 5, 8, "must be one of")) << dump(p);
}

TEST_F(TopologyConfig, PastTwoThousandSubDevicesAlibabaIsNamed) {
  write(aliyun_head("mode = \"gateway\"\n") + gateway_identity() + aliyun_devices(2001));
  const auto p = problems();
  EXPECT_TRUE(has_problem(p, main(), 5, 8, "2,000 sub-devices")) << dump(p);
}

TEST_F(TopologyConfig, ASubDeviceWithoutADeviceSecretIsRefused) {
  const auto token = secret("token");
  write(aliyun_head("mode = \"gateway\"\n") + gateway_identity() + aliyun_devices(1) +
        mqtt_device("t1") +
        "[device.cloud]\nproduct_key = \"a1SubPK\"\ndevice_name = \"t1\"\nauth = \"token\"\n"
        "device_token_file = \"" +
        token + "\"\n");
  const auto p = problems();
  EXPECT_TRUE(has_problem(p, main(), 19, 8, "device 't1': a sub-device")) << dump(p);
  EXPECT_EQ(p.size(), 1u) << dump(p);
}

// auth = "register" (thing/sub/register through the gateway) needs the product secret, as in
// device mode, and nothing else; the registration-free variant has no sub-device form.
TEST_F(TopologyConfig, ASubDeviceMayRegisterThroughTheGateway) {
  const auto product = secret("product-secret");
  write(aliyun_head("mode = \"gateway\"\n") + gateway_identity() + aliyun_devices(1) +
        mqtt_device("r1") +
        "[device.cloud]\nproduct_key = \"a1SubPK\"\ndevice_name = \"r1\"\nauth = \"register\"\n"
        "product_secret_file = \"" +
        product + "\"\n");
  const auto p = problems();
  EXPECT_TRUE(p.empty()) << dump(p);
}

// IoTDA's sub-devices are named by device_id only (no signed topology requests): a certificate
// sub-device is fine, and Alibaba's 2,000 limit is not Huawei's.
TEST_F(TopologyConfig, HuaweiGatewayModeLoads) {
  const auto s = secret("dev-secret");
  std::string text = "[gateway]\nstate_dir = \"" + state_dir() +
                     "\"\n[cloud]\nplatform = \"huawei\"\nhost = \"iot.example\"\n"
                     "mode = \"gateway\"\n[gateway.cloud]\ndevice_id = \"gw\"\n"
                     "device_secret_file = \"" +
                     s + "\"\n";
  for (int i = 0; i < 3; ++i) {
    text += mqtt_device("d" + std::to_string(i)) + "[device.cloud]\ndevice_id = \"sub" +
            std::to_string(i) + "\"\ndevice_secret_file = \"" + s + "\"\n";
  }
  write(text);
  const auto p = problems();
  EXPECT_TRUE(p.empty()) << dump(p);
  EXPECT_EQ(load().cloud.mode, northbound::CloudMode::gateway);
}

// Tencent: the gateway logs in with its PSK or its certificate; each sub-device's bind is signed
// with its PSK.
TEST_F(TopologyConfig, GatewayModeOnTencentLoadsWithAPskOrACertificateGateway) {
  const auto psk = secret("psk");
  const std::string sub = mqtt_device("s1") +
                          "[device.cloud]\nproduct_id = \"SUBPID0001\"\ndevice_name = \"s1\"\n"
                          "device_psk_file = \"" +
                          psk + "\"\n";
  const std::string head = "[gateway]\nstate_dir = \"" + state_dir() +
                           "\"\n[cloud]\nplatform = \"tencent\"\nmode = \"gateway\"\n";
  write(head +
        "[gateway.cloud]\nproduct_id = \"GWPID00001\"\ndevice_name = \"gw\"\n"
        "device_psk_file = \"" +
        psk + "\"\n" + sub);
  EXPECT_EQ(load().cloud.mode, northbound::CloudMode::gateway);

  edgegw::test::TestPki pki;
  const auto client = pki.issue("client", "GWPID00001gw");
  ::chmod(client.key.c_str(), 0600);
  write(head +
        "[gateway.cloud]\nproduct_id = \"GWPID00001\"\ndevice_name = \"gw\"\n"
        "auth = \"cert\"\ncert_file = \"" +
        client.cert.string() + "\"\nkey_file = \"" + client.key.string() + "\"\n" + sub);
  const auto p = problems();
  EXPECT_TRUE(p.empty()) << dump(p);
}

TEST_F(TopologyConfig, ATencentSubDeviceWithoutAPskIsRefused) {
  edgegw::test::TestPki pki;
  const auto client = pki.issue("client", "SUBPID0001s1");
  ::chmod(client.key.c_str(), 0600);
  write("[gateway]\nstate_dir = \"" + state_dir() +
        "\"\n[cloud]\nplatform = \"tencent\"\nmode = \"gateway\"\n"
        "[gateway.cloud]\nproduct_id = \"GWPID00001\"\ndevice_name = \"gw\"\n"
        "device_psk_file = \"" +
        secret("psk") + "\"\n" + mqtt_device("s1") +
        "[device.cloud]\nproduct_id = \"SUBPID0001\"\ndevice_name = \"s1\"\nauth = \"cert\"\n"
        "cert_file = \"" +
        client.cert.string() + "\"\nkey_file = \"" + client.key.string() + "\"\n");
  const auto p = problems();
  EXPECT_EQ(p.size(), 1u) << dump(p);
  EXPECT_TRUE(!p.empty() && p[0].message.find("device 's1': a sub-device") != std::string::npos)
      << dump(p);
  EXPECT_TRUE(!p.empty() && p[0].message.find("device_psk") != std::string::npos) << dump(p);
}

TEST_F(TopologyConfig, PlatformsWithoutATopologyHereAreRefused) {
  write(mqtt_head() + "mode = \"gateway\"\n[gateway.cloud]\nusername = \"gw\"\n" + mqtt_device());
  const auto p = problems();
  EXPECT_TRUE(has_problem(p, main(), 8, 8, "aliyun")) << dump(p);
}

}  // namespace
}  // namespace edgegw::config
