// [gateway.cloud]: the gateway's own identity, with the same keys and auth modes as a device's
// [device.cloud] on the platform of [cloud], and the [gateway] keys of its health reports.
#include <gtest/gtest.h>

#include "config/config_changes.hpp"
#include "config_fixture.hpp"

namespace edgegw::config {
namespace {

class GatewayIdentityConfig : public ConfigTest {
 protected:
  std::string head(const std::string& platform, const std::string& gateway_extra = "") const {
    return "[gateway]\nstate_dir = \"" + state_dir() + "\"\n" + gateway_extra +
           "[cloud]\nplatform = \"" + platform + "\"\n";
  }
};

TEST_F(GatewayIdentityConfig, AbsentMeansNoGatewayIdentity) {
  write(mqtt_head() + mqtt_device());
  const Config c = load();
  EXPECT_FALSE(c.gateway.cloud);
  EXPECT_EQ(c.gateway.name, "gateway");
  EXPECT_EQ(c.gateway.health_interval, std::chrono::seconds(300));
}

TEST_F(GatewayIdentityConfig, AliyunIdentityIsReadLikeADevices) {
  const auto s = secret("gw-secret", "gw-secret-value");
  write(head("aliyun", "name = \"edge-gw\"\nhealth_interval = \"1m\"\n") +
        "[gateway.cloud]\nproduct_key = \"a1GwPK\"\ndevice_name = \"gw-1\"\n"
        "device_secret_file = \"" +
        s + "\"\n" + mqtt_device() +
        "[device.cloud]\nproduct_key = \"a1GwPK\"\ndevice_name = \"d\"\n"
        "device_secret_file = \"" +
        s + "\"\n");
  const Config c = load();
  ASSERT_TRUE(c.gateway.cloud);
  EXPECT_EQ(c.gateway.name, "edge-gw");
  EXPECT_EQ(c.gateway.health_interval, std::chrono::seconds(60));
  EXPECT_EQ(c.gateway.cloud->product_key, "a1GwPK");
  EXPECT_EQ(c.gateway.cloud->device_name, "gw-1");
  EXPECT_EQ(c.gateway.cloud->device_secret, "gw-secret-value");
  EXPECT_EQ(c.gateway.cloud->client_id, "a1GwPK.gw-1");
  EXPECT_EQ(c.gateway.cloud->device, "edge-gw");
}

TEST_F(GatewayIdentityConfig, EveryPlatformTakesItsOwnKeys) {
  const auto s = secret("gw-secret");
  write(head("tencent") + "[gateway.cloud]\nproduct_id = \"PID1\"\ndevice_name = \"gw\"\n" +
        "device_psk_file = \"" + s + "\"\n" + mqtt_device() +
        "[device.cloud]\nproduct_id = \"PID1\"\ndevice_name = \"d\"\ndevice_psk_file = \"" + s +
        "\"\n");
  EXPECT_EQ(load().gateway.cloud->auth, northbound::AuthMode::psk);
  write(head("huawei") +
        "host = \"127.0.0.1\"\n[gateway.cloud]\ndevice_id = \"dev_gw\"\ndevice_secret_file = \"" +
        s + "\"\n" + mqtt_device() +
        "[device.cloud]\ndevice_id = \"dev_d\"\ndevice_secret_file = \"" + s + "\"\n");
  EXPECT_EQ(load().gateway.cloud->device_id, "dev_gw");
  write(mqtt_head() + "[gateway.cloud]\nusername = \"gw\"\npassword_file = \"" + s + "\"\n" +
        mqtt_device());
  EXPECT_EQ(load().gateway.cloud->auth, northbound::AuthMode::password);
}

TEST_F(GatewayIdentityConfig, AKeyOfAnotherPlatformIsRefusedAtItsPlace) {
  write(mqtt_head() + "[gateway.cloud]\nproduct_key = \"x\"\n" + mqtt_device());
  const auto p = problems();
  EXPECT_TRUE(has_problem(p, main(), 9, 1, "product_key")) << dump(p);
}

TEST_F(GatewayIdentityConfig, TheGatewaysNameIsNotADevicesName) {
  write(mqtt_head() + "[gateway.cloud]\nusername = \"gw\"\n" + mqtt_device("gateway"));
  const auto p = problems();
  EXPECT_FALSE(p.empty());
  EXPECT_NE(dump(p).find("gateway identity"), std::string::npos) << dump(p);
}

TEST_F(GatewayIdentityConfig, TheGatewaysIdentityIsNotADevicesIdentity) {
  write(mqtt_head() + "[gateway.cloud]\nclient_id = \"same\"\n" + mqtt_device("d") +
        "[device.cloud]\nclient_id = \"same\"\n");
  const auto p = problems();
  EXPECT_NE(dump(p).find("same cloud identity"), std::string::npos) << dump(p);
}

TEST_F(GatewayIdentityConfig, WithoutACloudTableItIsAnError) {
  write("[gateway]\nstate_dir = \"" + state_dir() + "\"\n[gateway.cloud]\nusername = \"gw\"\n" +
        mqtt_device());
  EXPECT_NE(dump(problems()).find("[cloud]"), std::string::npos);
}

TEST_F(GatewayIdentityConfig, AChangedIdentityIsAGatewayChange) {
  write(mqtt_head() + mqtt_device());
  const Config a = load();
  write(mqtt_head() + "[gateway.cloud]\nusername = \"gw\"\n" + mqtt_device());
  const Config b = load();
  EXPECT_EQ(compare(a, b).sections_changed, std::vector<std::string>{"gateway"});
}

}  // namespace
}  // namespace edgegw::config
