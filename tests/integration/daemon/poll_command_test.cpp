// `edgegw poll DEVICE [--json]` against the pymodbus simulator: the configured map read once and
// printed (values, raw registers, requests) without starting the daemon.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/net.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace edgegw::test {
namespace {

using namespace std::chrono_literals;

std::string poll_config(const TempDir& dir, std::uint16_t port) {
  return "[gateway]\nstate_dir = \"" + (dir / "state").string() +
         "\"\n[cloud]\nplatform = \"mqtt\"\nhost = \"127.0.0.1\"\ntls = false\n"
         "allow_plaintext = true\n"
         "[[modbus]]\nname = \"line\"\ntransport = \"tcp\"\nhost = \"127.0.0.1\"\nport = " +
         std::to_string(port) +
         "\ntimeout = \"300ms\"\n"
         "[[device]]\nname = \"meter\"\n[device.modbus]\nbus = \"line\"\nunit = 1\n"
         "[[device.modbus.point]]\nname = \"u32\"\naddress = 1002\ntype = \"u32\"\n"
         "[[device.modbus.point]]\nname = \"f32\"\naddress = 1106\ntype = \"f32\"\norder = "
         "\"CDAB\"\n"
         "[[device.modbus.point]]\nname = \"beyond\"\naddress = 1500\n";
}

TEST(PollCommand, PrintsTheMapFromASimulator) {
  TempDir dir;
  const std::uint16_t port = free_tcp_port();
  Process sim({system_python(), std::string(EDGEGW_SOURCE_DIR) + "/tests/sim/modbus_sim.py",
               "--port", std::to_string(port)});
  ASSERT_TRUE(wait_until([&] { return sim.output().find("ready") != std::string::npos; }, 20s))
      << sim.output();
  const auto config = dir.write("edgegw.toml", poll_config(dir, port));
  const auto text = run_command({EDGEGW_BINARY, "-c", config.string(), "poll", "meter"});
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("u32 (holding 1002 u32 ABCD) = 305419896  raw 1234 5678"),
            std::string::npos)
      << text.output;
  EXPECT_NE(text.output.find("f32 (holding 1106 f32 CDAB) = -1234.5  raw 5000 C49A"),
            std::string::npos)
      << text.output;
  EXPECT_NE(text.output.find("request holding 1500+1: Illegal data address"), std::string::npos)
      << text.output;
  const auto json = run_command({EDGEGW_BINARY, "-c", config.string(), "poll", "meter", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.output;
  const auto j = nlohmann::json::parse(json.output);
  EXPECT_EQ(j["device"], "meter");
  EXPECT_EQ(j["online"], true);
  ASSERT_EQ(j["points"].size(), 3u);
  EXPECT_EQ(j["points"][0]["value"], 305419896);
  EXPECT_EQ(j["points"][0]["raw"], nlohmann::json::array({0x1234, 0x5678}));
  EXPECT_EQ(j["points"][1]["value"], -1234.5);
  EXPECT_TRUE(j["points"][2]["value"].is_null());
  EXPECT_EQ(j["requests"].size(), 3u);
}

TEST(PollCommand, NotAModbusDevice) {
  TempDir dir;
  const auto config = dir.write("edgegw.toml", poll_config(dir, free_tcp_port()));
  const auto r = run_command({EDGEGW_BINARY, "-c", config.string(), "poll", "nobody"});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_NE(r.output.find("no Modbus device named 'nobody'"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace edgegw::test
