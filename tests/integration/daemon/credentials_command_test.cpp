// `edgegw credentials DEVICE`: the connect parameters as JSON, checked against the Huawei page's
// own example (secret 12345678 signed for 2025-04-14 01:xx UTC).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace edgegw::test {
namespace {

TEST(CredentialsCommand, HuaweiVendorExample) {
  TempDir dir;
  const auto secret = dir.write("meter.secret", "12345678\n", 0600);
  const auto config = dir.write(
      "edgegw.toml", "[gateway]\nstate_dir = \"" + (dir / "state").string() +
                         "\"\n[cloud]\nplatform = \"huawei\"\nhost = \"iot-mqtts.example\"\n"
                         "[[device]]\nname = \"meter-3\"\n[device.cloud]\ndevice_id = \"dev-3\"\n"
                         "device_secret_file = \"" +
                         secret.string() + "\"\n[device.mqtt]\ntopic = \"t\"\n");
  // 2025-04-14T01:30:00Z
  const auto r = run_command(
      {EDGEGW_BINARY, "-c", config.string(), "credentials", "meter-3", "--time", "1744594200000"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto json = nlohmann::json::parse(r.output);
  EXPECT_EQ(json["device"], "meter-3");
  EXPECT_EQ(json["platform"], "huawei");
  EXPECT_EQ(json["host"], "iot-mqtts.example");
  EXPECT_EQ(json["port"], 8883);
  EXPECT_EQ(json["tls"], true);
  EXPECT_EQ(json["client_id"], "dev-3_0_1_2025041401");
  EXPECT_EQ(json["username"], "dev-3");
  EXPECT_EQ(json["password"], "c75150e6cb841417396819e4d2ee4358a416344a03a083e3a8567074ddec820a");
  EXPECT_EQ(json["keepalive"], 120);
}

// The gateway's own identity ([gateway.cloud]) by its name: signed the same way as a device's,
// and marked as the gateway's.
TEST(CredentialsCommand, TheGatewayIdentityByItsName) {
  TempDir dir;
  const auto secret = dir.write("gw.secret", "12345678\n", 0600);
  const auto other = dir.write("meter.secret", "other-secret\n", 0600);
  const auto config = dir.write(
      "edgegw.toml", "[gateway]\nstate_dir = \"" + (dir / "state").string() +
                         "\"\nname = \"edge-gw\"\n[gateway.cloud]\ndevice_id = \"dev-3\"\n"
                         "device_secret_file = \"" +
                         secret.string() +
                         "\"\n[cloud]\nplatform = \"huawei\"\nhost = \"iot-mqtts.example\"\n"
                         "[[device]]\nname = \"meter-4\"\n[device.cloud]\ndevice_id = \"dev-4\"\n"
                         "device_secret_file = \"" +
                         other.string() + "\"\n[device.mqtt]\ntopic = \"t\"\n");
  const auto r = run_command(
      {EDGEGW_BINARY, "-c", config.string(), "credentials", "edge-gw", "--time", "1744594200000"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto json = nlohmann::json::parse(r.output);
  EXPECT_EQ(json["device"], "edge-gw");
  EXPECT_EQ(json["role"], "gateway");
  EXPECT_EQ(json["client_id"], "dev-3_0_1_2025041401");
  EXPECT_EQ(json["username"], "dev-3");
  EXPECT_EQ(json["password"], "c75150e6cb841417396819e4d2ee4358a416344a03a083e3a8567074ddec820a");
  // A device beside it is still a device (no role).
  const auto d = run_command({EDGEGW_BINARY, "-c", config.string(), "credentials", "meter-4"});
  ASSERT_EQ(d.exit_code, 0) << d.output;
  EXPECT_FALSE(nlohmann::json::parse(d.output).contains("role")) << d.output;
}

TEST(CredentialsCommand, UnknownDevice) {
  TempDir dir;
  const auto config =
      dir.write("edgegw.toml", "[gateway]\nstate_dir = \"" + (dir / "state").string() +
                                   "\"\n[cloud]\nplatform = \"mqtt\"\nhost = \"h\"\n"
                                   "[[device]]\nname = \"d\"\n[device.mqtt]\ntopic = \"t\"\n");
  const auto r = run_command({EDGEGW_BINARY, "-c", config.string(), "credentials", "nobody"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("no device named 'nobody'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no [gateway.cloud]"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace edgegw::test
