// [[device.command]]: what a user writes to give a device named commands, and the mistakes `check`
// catches before the first call (a point that does not exist or is not writable, forwarding from a
// Modbus device, a reply topic the generic platform cannot derive).
#include "config_fixture.hpp"

namespace edgegw::config {
namespace {

std::string modbus_device_with(const std::string& commands) {
  return "[[modbus]]\nname = \"line\"\ntransport = \"tcp\"\nhost = \"127.0.0.1\"\n"
         "[[device]]\nname = \"pump\"\n[device.modbus]\nbus = \"line\"\n"
         "[[device.modbus.point]]\nname = \"speed\"\naddress = 0\n"
         "[[device.modbus.point]]\nname = \"speed_setpoint\"\naddress = 1\nwritable = true\n" +
         commands;
}

TEST_F(ConfigTest, CommandsOfAModbusDeviceAndALocalDevice) {
  write(mqtt_head() +
        modbus_device_with("[[device.command]]\n"
                           "name = \"set_speed\"\n"
                           "service_id = \"motor\"\n"
                           "write = { rpm = \"speed_setpoint\" }\n"
                           "output = [\"speed\"]\n"
                           "timeout = \"3s\"\n") +
        "[[device]]\nname = \"door\"\n[device.mqtt]\ntopic = \"door/data\"\n"
        "command_topic = \"door/cmd\"\n"
        "[[device.command]]\nname = \"open\"\nforward = true\n");
  const Config config = load();
  const auto& pump = config.devices.at(0).commands;
  ASSERT_EQ(pump.size(), 1u);
  EXPECT_EQ(pump[0].name, "set_speed");
  EXPECT_EQ(pump[0].service_id, "motor");
  EXPECT_EQ(pump[0].write,
            (std::vector<std::pair<std::string, std::string>>{{"rpm", "speed_setpoint"}}));
  EXPECT_EQ(pump[0].output, std::vector<std::string>{"speed"});
  EXPECT_EQ(pump[0].timeout, std::chrono::seconds(3));
  const auto& door = config.devices.at(1);
  ASSERT_EQ(door.commands.size(), 1u);
  EXPECT_TRUE(door.commands[0].forward);
  EXPECT_EQ(door.mqtt->reply_topic, "door/cmd/reply");  // beside the command topic
  EXPECT_EQ(door.mqtt->reply_id_field, "id");
}

TEST_F(ConfigTest, CommandMistakesAreFoundBeforeTheFirstCall) {
  write(mqtt_head() +
        modbus_device_with("[[device.command]]\n"
                           "name = \"bad\"\n"
                           "write = { a = \"speed\", b = \"nothing\" }\n"
                           "forward = true\n") +
        "[[device]]\nname = \"door\"\n[device.mqtt]\ntopic = \"door/data\"\n"
        "[[device.command]]\nname = \"open\"\n");
  const auto p = problems();
  const std::string all = dump(p);
  EXPECT_NE(all.find("point 'speed' is not writable"), std::string::npos) << all;
  EXPECT_NE(all.find("has no point named 'nothing'"), std::string::npos) << all;
  EXPECT_NE(all.find("only a device of the local broker"), std::string::npos) << all;
  EXPECT_NE(all.find("needs forward = true"), std::string::npos) << all;
}

}  // namespace
}  // namespace edgegw::config
