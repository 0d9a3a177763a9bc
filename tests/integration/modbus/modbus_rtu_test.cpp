// Modbus RTU through socat pseudo-terminals: a libmodbus RTU slave on the far end (values and a
// write round trip), and the pymodbus simulator in RTU mode with a second, absent unit on the same
// line that goes offline while the present one keeps being read.
#include <gtest/gtest.h>

#include "bus_fixture.hpp"
#include "libmodbus_slave.hpp"
#include "southbound/modbus_bus.hpp"
#include "support/wait.hpp"

namespace edgegw::southbound {
namespace {

using namespace std::chrono_literals;
using test::Collected;
using test::point;
using test::wait_until;

using test::rtu_bus;

ModbusDevice rtu_device(const std::string& name, unsigned unit, std::vector<PointSpec> points) {
  ModbusDevice d;
  d.name = name;
  d.options.unit = unit;
  d.options.interval = 100ms;
  d.options.offline_interval = 500ms;
  d.options.points = std::move(points);
  return d;
}

TEST(ModbusRtu, ReadsAndWritesALibmodbusSlave) {
  test::PtyPair pty;
  auto slave = test::LibmodbusSlave::rtu(pty.b(), 5);
  slave->set_holding(0, {0x4049, 0x0FDB});  // 3.14159274f
  slave->set_holding(2, {0xFFFE});
  auto sp = point("setpoint", Table::holding, 3, PointType::i16);
  sp.writable = true;
  sp.scale = 0.5;
  ModbusBus bus(rtu_bus(pty.a()),
                {rtu_device("rtu", 5,
                            {point("pi", Table::holding, 0, PointType::f32),
                             point("minus2", Table::holding, 2, PointType::i16), sp})});
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until([&] { return !got.telemetry("rtu").empty(); }));
  EXPECT_EQ(got.last("rtu", "pi"), store::FieldValue{static_cast<double>(3.14159274f)});
  EXPECT_EQ(got.last("rtu", "minus2"), store::FieldValue{std::int64_t{-2}});
  EXPECT_LT(bus.stats().fd, 1024);
  bus.submit_write({"rtu", 9, {{"setpoint", -10.0}}});
  ASSERT_TRUE(wait_until([&] { return !got.results().empty(); }));
  EXPECT_TRUE(got.results()[0].ok) << got.results()[0].message;
  EXPECT_EQ(slave->holding(3, 1), std::vector<std::uint16_t>{static_cast<std::uint16_t>(-20)});
  EXPECT_TRUE(wait_until([&] { return got.last("rtu", "setpoint") == store::FieldValue{-10.0}; }));
}

TEST(ModbusRtu, AbsentUnitOnTheLineDoesNotStallThePresentOne) {
  if (test::run_command({test::system_python(), "-c", "import serial_asyncio"}).exit_code != 0) {
    GTEST_SKIP() << "python3-serial-asyncio is not installed (pymodbus RTU needs it)";
  }
  test::PtyPair pty;
  auto sim = test::start_simulator({"--rtu", pty.b(), "--baud", "38400", "--unit", "1"});
  ModbusBus bus(rtu_bus(pty.a()),
                {rtu_device("present", 1,
                            {point("unit", Table::holding, 7), point("tick", Table::holding, 6)}),
                 rtu_device("absent", 2, {point("unit", Table::holding, 7)})});
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until([&] { return !got.status("absent").empty(); }, 15s));
  EXPECT_EQ(got.status("absent")[0].fields, (std::vector<store::Field>{{"online", false}}));
  const std::size_t before = got.telemetry("present").size();
  EXPECT_TRUE(wait_until([&] { return got.telemetry("present").size() >= before + 10; }, 15s));
  EXPECT_EQ(got.last("present", "unit"), store::FieldValue{std::int64_t{1}});
  EXPECT_EQ(got.status("present").size(), 1u);
}

}  // namespace
}  // namespace edgegw::southbound
