// Valid configurations: every key lands in its option struct, defaults come from the platform.
#include <openssl/evp.h>
#include <sys/stat.h>

#include "config_fixture.hpp"
#include "support/test_pki.hpp"

namespace edgegw::config {
namespace {

using namespace std::chrono_literals;
using northbound::AuthMode;
using northbound::PlatformKind;

TEST_F(ConfigTest, AliyunDefaultsComeFromThePlatform) {
  const auto secret_file = secret("meter-1.secret");
  write("[gateway]\nstate_dir = \"" + state_dir() +
        "\"\n"
        "[cloud]\nplatform = \"aliyun\"\n"
        "[[modbus]]\nname = \"line\"\ntransport = \"tcp\"\nhost = \"127.0.0.1\"\n"
        "[[device]]\nname = \"meter-1\"\n"
        "[device.cloud]\nproduct_key = \"a1B2c3D4e5F\"\ndevice_name = \"m1\"\n"
        "device_secret_file = \"" +
        secret_file +
        "\"\n"
        "[device.modbus]\nbus = \"line\"\n"
        "[[device.modbus.point]]\nname = \"voltage\"\naddress = 0\ntype = \"f32\"\n");
  const Config c = load();
  EXPECT_EQ(c.cloud.platform, PlatformKind::aliyun);
  EXPECT_EQ(c.cloud.host, "{product_key}.iot-as-mqtt.{region}.aliyuncs.com");
  EXPECT_EQ(c.cloud.port, 8883);
  EXPECT_TRUE(c.cloud.tls);
  EXPECT_EQ(c.cloud.keepalive, 300s);
  EXPECT_EQ(c.store.path, std::filesystem::path(state_dir()) / "outbox.db");
  EXPECT_EQ(c.store.min_free_bytes, 16u << 20);    // [store] min_free's default
  EXPECT_EQ(c.store.max_queued_bytes, 16u << 20);  // [store] max_queued's default
  ASSERT_EQ(c.devices.size(), 1u);
  const auto& d = c.devices[0];
  EXPECT_EQ(d.cloud.device, "meter-1");
  EXPECT_EQ(d.cloud.auth, AuthMode::secret);
  EXPECT_EQ(d.cloud.device_secret, "c2VjcmV0LWtleQ==");  // trailing newline stripped
  EXPECT_EQ(d.cloud.client_id, "a1B2c3D4e5F.m1");
  ASSERT_TRUE(d.modbus);
  EXPECT_EQ(d.modbus->points.at(0).type, southbound::PointType::f32);
  EXPECT_EQ(d.modbus->points.at(0).table, southbound::Table::holding);
  EXPECT_EQ(c.buses.at(0).transport, southbound::Transport::tcp);
}

TEST_F(ConfigTest, EveryKeyIsRead) {
  const auto psk = secret("psk");
  const auto local_password = secret("local.password", "hunter2\n");
  write(R"([gateway]
state_dir = ")" +
        state_dir() + R"("
log_level = "debug"

[store]
max_size = "64MiB"
min_free = "4MiB"
max_queued = "2MiB"
max_age = "0"
sync = "full"

[cloud]
platform = "tencent"
keepalive = "600s"
backoff_min = "250ms"
backoff_max = "10m"
connects_per_second = 5
max_connecting = 8
max_inflight = 4
publish_rate = 2.5
ocsp = "prefer"

[cloud.tencent]
sign_method = "hmacsha1"
sdkappid = "21010406"
token_lifetime = "2h"

[local_mqtt]
host = "127.0.0.1"
port = 11883
client_id = "gw"
username = "edge"
password_file = ")" +
        local_password + R"("
keepalive = "30s"
max_payload = "64KiB"

[[modbus]]
name = "rs485-1"
transport = "rtu"
device = "/dev/ttyUSB0"
baud = 19200
parity = "E"
data_bits = 7
stop_bits = 2
timeout = "1s"
retries = 3
pause = "20ms"

[[device]]
name = "meter-1"
[device.cloud]
product_id = "P1"
device_name = "m1"
device_psk_file = ")" +
        psk + R"("
keepalive = "120s"
publish_rate = 10
[device.modbus]
bus = "rs485-1"
unit = 7
interval = "2s"
heartbeat = "1h"
max_gap = 4
[[device.modbus.point]]
name = "energy"
table = "input"
address = 100
type = "u32"
order = "CDAB"
scale = 0.01
offset = -1
deadband = 0.5
[[device.modbus.point]]
name = "relay"
table = "coil"
address = 3
writable = true

[[device]]
name = "room-1"
[device.cloud]
product_id = "P1"
device_name = "r1"
device_psk = "cm9vbQ=="
[device.mqtt]
topic = "sensors/room1/+"
fields = { temperature = "/temp", humidity = "/hum" }
command_topic = "sensors/room1/set"
)");
  const Config c = load();
  EXPECT_EQ(c.gateway.log_level, loop::LogLevel::debug);
  EXPECT_EQ(c.store.max_size_bytes, 64u << 20);
  EXPECT_EQ(c.store.min_free_bytes, 4u << 20);
  EXPECT_EQ(c.store.max_queued_bytes, 2u << 20);
  EXPECT_EQ(c.store.max_age, 0ms);
  EXPECT_EQ(c.store.sync, store::SyncMode::full);
  EXPECT_EQ(c.cloud.platform, PlatformKind::tencent);
  EXPECT_EQ(c.cloud.host, "{product_id}.iotcloud.tencentdevices.com");
  EXPECT_EQ(c.cloud.keepalive, 600s);
  EXPECT_EQ(c.cloud.backoff_min, 250ms);
  EXPECT_EQ(c.cloud.backoff_max, 10min);
  EXPECT_EQ(c.cloud.connects_per_second, 5);
  EXPECT_EQ(c.cloud.max_connecting, 8u);
  EXPECT_EQ(c.cloud.max_inflight, 4u);
  EXPECT_EQ(c.cloud.publish_rate, 2.5);
  EXPECT_EQ(c.cloud.ocsp, northbound::OcspMode::prefer);
  EXPECT_EQ(c.cloud.tencent.sign_method, northbound::SignMethod::hmacsha1);
  EXPECT_EQ(c.cloud.tencent.sdkappid, "21010406");
  EXPECT_EQ(c.cloud.tencent.token_lifetime, 2h);
  EXPECT_EQ(c.local_mqtt.port, 11883);
  EXPECT_EQ(c.local_mqtt.client_id, "gw");
  EXPECT_EQ(c.local_mqtt.password, "hunter2");
  EXPECT_EQ(c.local_mqtt.keepalive, 30s);
  EXPECT_EQ(c.local_mqtt.max_payload, 64u * 1024);
  const auto& bus = c.buses.at(0);
  EXPECT_EQ(bus.baud, 19200u);
  EXPECT_EQ(bus.parity, 'E');
  EXPECT_EQ(bus.data_bits, 7u);
  EXPECT_EQ(bus.stop_bits, 2u);
  EXPECT_EQ(bus.timeout, 1s);
  EXPECT_EQ(bus.retries, 3u);
  EXPECT_EQ(bus.pause, 20ms);
  const auto& meter = c.devices.at(0);
  EXPECT_EQ(meter.cloud.auth, AuthMode::psk);
  EXPECT_EQ(meter.cloud.keepalive, 120s);
  EXPECT_EQ(meter.cloud.publish_rate, 10.0);
  EXPECT_EQ(meter.modbus->unit, 7u);
  EXPECT_EQ(meter.modbus->interval, 2s);
  EXPECT_EQ(meter.modbus->heartbeat, 1h);
  EXPECT_EQ(meter.modbus->max_gap, 4u);
  const auto& energy = meter.modbus->points.at(0);
  EXPECT_EQ(energy.table, southbound::Table::input);
  EXPECT_EQ(energy.address, 100);
  EXPECT_EQ(energy.order, southbound::WordOrder::cdab);
  EXPECT_EQ(energy.scale, 0.01);
  EXPECT_EQ(energy.offset, -1.0);
  EXPECT_EQ(energy.deadband, 0.5);
  const auto& relay = meter.modbus->points.at(1);
  EXPECT_EQ(relay.type, southbound::PointType::boolean);
  EXPECT_TRUE(relay.writable);
  const auto& room = c.devices.at(1);
  ASSERT_TRUE(room.mqtt);
  EXPECT_EQ(room.mqtt->topic, "sensors/room1/+");
  EXPECT_EQ(room.mqtt->command_topic, "sensors/room1/set");
  EXPECT_EQ(room.mqtt->fields.size(), 2u);
  EXPECT_TRUE(c.uses_local_mqtt());
}

TEST_F(ConfigTest, MqttPlatformNeedsNoIdentity) {
  write(mqtt_head() + "[[device]]\nname = \"d1\"\n[device.mqtt]\ntopic = \"t/1\"\n");
  const Config c = load();
  EXPECT_EQ(c.cloud.port, 1883);  // the plain port, since tls = false
  EXPECT_EQ(c.devices.at(0).cloud.client_id, "d1");
  EXPECT_EQ(c.devices.at(0).cloud.auth, AuthMode::none);
}

TEST_F(ConfigTest, AliyunInstanceIdChangesTheDefaultHost) {
  write("[gateway]\nstate_dir = \"" + state_dir() +
        "\"\n[cloud]\nplatform = \"aliyun\"\n[cloud.aliyun]\ninstance_id = \"iot-06z\"\n" +
        mqtt_device() + "[device.cloud]\nproduct_key = \"pk\"\ndevice_name = \"dn\"\n" +
        "device_secret_file = \"" + secret("s") + "\"\n");
  EXPECT_EQ(load().cloud.host, "{instance_id}.mqtt.iothub.aliyuncs.com");
}

TEST_F(ConfigTest, RelativeStateDirIsBesideTheConfig) {
  write("[gateway]\nstate_dir = \"state\"\n" + mqtt_head().substr(mqtt_head().find("[cloud]")) +
        mqtt_device());
  EXPECT_EQ(load().gateway.state_dir, dir_.path() / "state");
}

std::string sha256_of(const std::filesystem::path& file) {
  const std::string data = edgegw::test::read_file(file);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  std::string hex;
  char byte[3];
  for (unsigned i = 0; i < length; ++i) {
    std::snprintf(byte, sizeof byte, "%02X", digest[i]);  // upper case: pins are case-blind
    hex += byte;
  }
  return hex;
}

TEST_F(ConfigTest, CaFileAndPins) {
  edgegw::test::TestPki pki;
  const std::string ca = pki.ca_cert().string();
  write(mqtt_head() + "ca_file = \"" + ca + "\"\nca_sha256 = \"" + sha256_of(ca) + "\"\n" +
        mqtt_device());
  EXPECT_EQ(load().cloud.ca_file, ca);
  EXPECT_EQ(load().cloud.ca_sha256.size(), 64u);

  write(mqtt_head() + "ca_file = \"" + ca + "\"\nca_md5 = \"00000000000000000000000000000000\"\n" +
        mqtt_device());
  auto p = problems();
  ASSERT_EQ(p.size(), 1u) << dump(p);
  EXPECT_TRUE(has_problem(p, main(), 9, 10, "does not match"));
}

TEST_F(ConfigTest, CaFileMustHoldACertificate) {
  const auto ca = secret("ca.pem", "not a certificate\n", 0644);
  write(mqtt_head() + "ca_file = \"" + ca + "\"\n");
  EXPECT_TRUE(has_problem(problems(), main(), 8, 11, "holds no PEM certificate"));
}

TEST_F(ConfigTest, ExpiredClientCertificate) {
  edgegw::test::TestPki pki;
  const auto client = pki.issue("client", "meter-1", "", /*expired=*/true);
  ::chmod(client.key.c_str(), 0600);
  write(
      "[cloud]\nplatform = \"huawei\"\nhost = \"h\"\n[[device]]\nname = \"m\"\n"
      "[device.cloud]\ndevice_id = \"d\"\n"
      "cert_file = \"" +
      client.cert.string() +
      "\"\n"  // 8
      "key_file = \"" +
      client.key.string() + "\"\n[device.mqtt]\ntopic = \"t\"\n");
  const auto p = problems();
  ASSERT_EQ(p.size(), 1u) << dump(p);
  EXPECT_TRUE(has_problem(p, main(), 8, 13, "the certificate expired on 2020-02-01"));
}

// Issue 18: a device carries one of the two source options; the other costs a pointer, not an
// empty std::optional as big as a full one (~350 bytes a device at 10,000 devices).
TEST(DeviceConfigLayout, SourceOptionsArePointers) {
  EXPECT_EQ(sizeof(DeviceConfig::modbus), sizeof(void*));
  EXPECT_EQ(sizeof(DeviceConfig::mqtt), sizeof(void*));
  EXPECT_LE(sizeof(DeviceConfig), 672u);  // 992 before issue 18's third round
  DeviceConfig a;
  a.name = "d";
  a.mqtt = southbound::MqttDeviceOptions{};
  a.mqtt->topic = "t";
  DeviceConfig b = a;  // a copy owns its own options: equal, then not
  EXPECT_TRUE(a == b);
  b.mqtt->topic = "u";
  EXPECT_FALSE(a == b);
  EXPECT_EQ(a.mqtt->topic, "t");
  EXPECT_FALSE(a.modbus);
}

}  // namespace
}  // namespace edgegw::config
