// Issue 15's configuration keys: events ([[device.modbus.event]], [[device.mqtt.event]]), typed
// local MQTT fields, [cloud.aliyun] register_securemode (item 5), SM certificates refused by check
// (item 9), the platform's quota as the default publish rate and the warning above it (item 7).
#include <sys/stat.h>

#include "config/config_warnings.hpp"
#include "config_fixture.hpp"
#include "northbound/platform.hpp"
#include "support/process.hpp"

namespace edgegw::config {
namespace {

using southbound::EventTrigger;

std::string modbus_device(const std::string& events) {
  return "[[modbus]]\nname = \"line\"\ntransport = \"tcp\"\nhost = \"127.0.0.1\"\n"
         "[[device]]\nname = \"m\"\n[device.modbus]\nbus = \"line\"\n"
         "[[device.modbus.point]]\nname = \"volts\"\naddress = 0\ntype = \"f32\"\n"
         "[[device.modbus.point]]\nname = \"door\"\ntable = \"coil\"\naddress = 0\n"
         "type = \"bool\"\n" +
         events;
}

TEST_F(ConfigTest, ModbusEventsAreRead) {
  write(mqtt_head() + modbus_device("[[device.modbus.event]]\nevent = \"OverVoltage\"\n"
                                    "point = \"volts\"\nwhen = \"above\"\nthreshold = 250\n"
                                    "[[device.modbus.event]]\nevent = \"DoorOpened\"\n"
                                    "point = \"door\"\nwhen = \"rising\"\n"));
  const Config c = load();
  const auto& events = c.devices.at(0).modbus->events;
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0],
            (southbound::PointEventOptions{"OverVoltage", "volts", EventTrigger::above, 250, ""}));
  EXPECT_EQ(events[1].when, EventTrigger::rising);
}

TEST_F(ConfigTest, ModbusEventProblems) {
  write(mqtt_head() + modbus_device("[[device.modbus.event]]\nevent = \"a/b\"\n"  // 25, 26
                                    "point = \"amps\"\nwhen = \"above\"\n"        // 27, 28
                                    "[[device.modbus.event]]\nevent = \"E\"\n"
                                    "point = \"door\"\nwhen = \"rising\"\nthreshold = 1\n"));
  const auto p = problems();
  EXPECT_TRUE(has_problem(p, main(), 26, 9, "event identifier")) << dump(p);
  EXPECT_TRUE(has_problem(p, main(), 27, 9, "no point named 'amps'")) << dump(p);
  EXPECT_TRUE(has_problem(p, main(), 25, 1, "missing key 'threshold'")) << dump(p);
  EXPECT_TRUE(has_problem(p, main(), 33, 13, "only when")) << dump(p);
  EXPECT_EQ(p.size(), 4u) << dump(p);
}

TEST_F(ConfigTest, MqttEventsAndTypedFieldsAreRead) {
  write(mqtt_head() +
        "[[device]]\nname = \"room\"\n[device.mqtt]\ntopic = \"room/telemetry\"\n"
        "fields = { temperature = { pointer = \"/temp\", type = \"float\" }, n = \"/n\", "
        "ok = { type = \"bool\" } }\n"
        "[[device.mqtt.event]]\nevent = \"DoorAlarm\"\ntopic = \"room/alarm/+\"\n");
  const Config c = load();
  const auto& m = *c.devices.at(0).mqtt;
  EXPECT_EQ(m.fields, (std::vector<std::pair<std::string, std::string>>{
                          {"n", "/n"}, {"ok", "/ok"}, {"temperature", "/temp"}}));
  EXPECT_EQ(m.types, (southbound::FieldTypes{{"ok", southbound::FieldType::boolean},
                                             {"temperature", southbound::FieldType::floating}}));
  ASSERT_EQ(m.events.size(), 1u);
  EXPECT_EQ(m.events[0].event, "DoorAlarm");
  EXPECT_EQ(m.events[0].topic, "room/alarm/+");
}

// Tencent's data template gives each event a type; it reaches the identity (what encodes the
// event_post), and anything but info / alert / fault is refused where it is written.
TEST_F(ConfigTest, AnEventsTypeIsReadIntoTheIdentityAndChecked) {
  write(mqtt_head() + modbus_device("[[device.modbus.event]]\nevent = \"OverVoltage\"\n"
                                    "point = \"volts\"\nwhen = \"above\"\nthreshold = 250\n"
                                    "type = \"alert\"\n"
                                    "[[device.modbus.event]]\nevent = \"DoorOpened\"\n"
                                    "point = \"door\"\nwhen = \"rising\"\n"));
  const Config c = load();
  EXPECT_EQ(c.devices.at(0).modbus->events.at(0).type, "alert");
  EXPECT_EQ(c.devices.at(0).cloud.event_types,
            (std::map<std::string, std::string>{{"OverVoltage", "alert"}}));
  write(mqtt_head() + modbus_device("[[device.modbus.event]]\nevent = \"OverVoltage\"\n"
                                    "point = \"volts\"\nwhen = \"change\"\n"  // 25-28
                                    "type = \"fatal\"\n"));
  const auto p = problems();
  EXPECT_TRUE(has_problem(p, main(), 29, 8, "\"info\", \"alert\" or \"fault\"")) << dump(p);
}

TEST_F(ConfigTest, AnUnknownFieldTypeIsRefused) {
  write(mqtt_head() + "[[device]]\nname = \"room\"\n[device.mqtt]\ntopic = \"t\"\n" +
        "fields = { t = { pointer = \"/t\", type = \"double\" } }\n");
  EXPECT_TRUE(has_problem(problems(), main(), 12, 41, "must be one of float, int, bool, string"))
      << dump(problems());
}

TEST_F(ConfigTest, AliyunRegisterSecuremode2IsAcceptedAndUsed) {
  const auto product_secret = secret("product.secret");
  write("[gateway]\nstate_dir = \"" + state_dir() +
        "\"\n[cloud]\nplatform = \"aliyun\"\n[cloud.aliyun]\nregister_securemode = 2\n"
        "[[device]]\nname = \"m\"\n[device.cloud]\nproduct_key = \"pk\"\ndevice_name = \"m\"\n"
        "auth = \"register\"\nproduct_secret_file = \"" +
        product_secret + "\"\n[device.mqtt]\ntopic = \"t\"\n");
  const Config c = load();
  EXPECT_EQ(c.cloud.aliyun.register_securemode, 2);
  auto platform = northbound::make_platform(c.cloud, state_dir());
  auto params =
      platform->connect_params(c.devices.at(0).cloud, std::chrono::system_clock::now(), "");
  EXPECT_NE(params.client_id.find("|securemode=2,authType=register,"), std::string::npos)
      << params.client_id;
}

TEST_F(ConfigTest, AliyunRegisterSecuremodeOtherValuesAreRefused) {
  write("[cloud]\nplatform = \"aliyun\"\n[cloud.aliyun]\nregister_securemode = 1\n" +
        mqtt_device());
  EXPECT_TRUE(has_problem(problems(), main(), 4, 23, "must be -2")) << dump(problems());
}

TEST_F(ConfigTest, AnSmCertificateIsRefusedWithAClearSentence) {
  const auto key = dir_ / "sm2.key";
  const auto cert = dir_ / "sm2.pem";
  auto r =
      edgegw::test::run_command({"openssl", "genpkey", "-algorithm", "SM2", "-out", key.string()});
  if (r.exit_code != 0) GTEST_SKIP() << "this openssl cannot make SM2 keys: " << r.output;
  r = edgegw::test::run_command({"openssl", "req", "-new", "-x509", "-key", key.string(), "-sm3",
                                 "-subj", "/CN=m", "-days", "30", "-out", cert.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ::chmod(key.c_str(), 0600);
  write(
      "[cloud]\nplatform = \"mqtt\"\nhost = \"h\"\n[[device]]\nname = \"m\"\n"
      "[device.cloud]\ncert_file = \"" +
      cert.string() + "\"\nkey_file = \"" + key.string() + "\"\n[device.mqtt]\ntopic = \"t\"\n");
  const auto p = problems();
  EXPECT_TRUE(has_problem(p, main(), 7, 13, "is an SM certificate")) << dump(p);
  EXPECT_TRUE(has_problem(p, main(), 7, 13, "no RFC 8998")) << dump(p);
}

TEST_F(ConfigTest, ThePlatformsQuotaIsTheDefaultRateAndCheckWarnsAboveIt) {
  const auto psk = secret("psk");
  const std::string device =
      "[[device]]\nname = \"m\"\n[device.cloud]\nproduct_id = \"P\"\n"
      "device_name = \"m\"\ndevice_psk_file = \"" +
      psk + "\"\n";
  write("[cloud]\nplatform = \"tencent\"\n" + device + "[device.mqtt]\ntopic = \"t\"\n");
  Config c = load();
  EXPECT_EQ(c.cloud.publish_rate, 30);
  EXPECT_TRUE(configuration_warnings(c).empty());
  write("[cloud]\nplatform = \"tencent\"\npublish_rate = 45\n" + device +
        "publish_rate = 60\n[device.mqtt]\ntopic = \"t\"\n");
  c = load();
  const auto warnings = configuration_warnings(c);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("publish_rate = 45 is above tencent's documented quota of 30"),
            std::string::npos)
      << warnings[0];
  EXPECT_NE(warnings[1].find("device m: publish_rate = 60"), std::string::npos) << warnings[1];
  write(
      "[cloud]\nplatform = \"huawei\"\nhost = \"h\"\n[[device]]\nname = \"m\"\n"
      "[device.cloud]\ndevice_id = \"d\"\ndevice_secret_file = \"" +
      psk + "\"\n[device.mqtt]\ntopic = \"t\"\n");
  EXPECT_EQ(load().cloud.publish_rate, 50);
}

}  // namespace
}  // namespace edgegw::config
