// Poll errors are counted per device: devices share one bus and only some of them fail (a unit id
// nobody answers on an RTU line, a register range the slave refuses). The failing device's own
// counters name it; its neighbours' stay at zero while the line's counters show the failures too.
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

ModbusDevice shared_line_device(const std::string& name, unsigned unit,
                                std::vector<PointSpec> points) {
  ModbusDevice d;
  d.name = name;
  d.options.unit = unit;
  d.options.interval = 50ms;
  d.options.offline_interval = 100ms;
  d.options.points = std::move(points);
  return d;
}

const DevicePollStats& stats_of(const BusStats& stats, const std::string& device) {
  for (const auto& d : stats.devices) {
    if (d.device == device) return d;
  }
  ADD_FAILURE() << "no stats for " << device;
  static const DevicePollStats kNone;
  return kNone;
}

// The pymodbus simulator, not the libmodbus test slave: libmodbus's RTU slave takes the frame after
// a request for another unit id to be that unit's answer and swallows it, so it cannot stand
// beside an absent unit.
TEST(ModbusDeviceErrors, OnASharedRtuLineOnlyTheFailingDevicesCount) {
  if (test::run_command({test::system_python(), "-c", "import serial_asyncio"}).exit_code != 0) {
    GTEST_SKIP() << "python3-serial-asyncio is not installed (pymodbus RTU needs it)";
  }
  test::PtyPair pty;
  auto sim = test::start_simulator({"--rtu", pty.b(), "--baud", "38400", "--unit", "1"});
  BusOptions bus_options = test::rtu_bus(pty.a());
  // Long enough that a busy machine never makes the present unit miss one (and its retry).
  bus_options.timeout = 500ms;
  ModbusBus bus(bus_options,
                {shared_line_device("present", 1, {point("unit", Table::holding, 7)}),
                 shared_line_device("absent", 2, {point("unit", Table::holding, 7)}),
                 // Unit 1 again, past the simulator's holding table: "illegal data address".
                 shared_line_device("refused", 1, {point("beyond", Table::holding, 1500)})});
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until(
      [&] {
        const BusStats s = bus.stats();
        return stats_of(s, "absent").errors >= 2 && stats_of(s, "refused").exceptions >= 1 &&
               stats_of(s, "present").polls >= 3;
      },
      15s));
  const BusStats s = bus.stats();
  const DevicePollStats& present = stats_of(s, "present");
  const DevicePollStats& absent = stats_of(s, "absent");
  const DevicePollStats& refused = stats_of(s, "refused");
  EXPECT_EQ(present.errors, 0u);
  EXPECT_EQ(present.exceptions, 0u);
  EXPECT_EQ(present.last_error, "");
  EXPECT_EQ(present.last_error_ms, 0);
  EXPECT_EQ(absent.errors, absent.polls);  // every poll of it failed
  EXPECT_EQ(absent.exceptions, 0u);
  EXPECT_EQ(absent.last_error, "holding 7+1 (unit): no answer (timeout)");
  EXPECT_GT(absent.last_error_ms, 0);
  EXPECT_EQ(refused.errors, 0u);  // it answers: refused, not absent
  EXPECT_NE(refused.last_error.find("holding 1500+1 (beyond)"), std::string::npos)
      << refused.last_error;
  // The line's own figures saw them too (each retry counts there).
  EXPECT_GE(s.failures, absent.errors);
  EXPECT_GE(s.exceptions, refused.exceptions);
  EXPECT_EQ(s.polls, present.polls + absent.polls + refused.polls);
  EXPECT_EQ(got.last("present", "unit"), store::FieldValue{std::int64_t{1}});
}

TEST(ModbusDeviceErrors, ARefusedRegisterRangeCountsOnItsOwnDevice) {
  auto slave = test::LibmodbusSlave::tcp();
  slave->set_holding(0, {7});
  slave->add_hole(500);  // "illegal data address" for any read that covers 500
  ModbusBus bus(test::tcp_bus(slave->port()),
                {shared_line_device("good", 1, {point("v", Table::holding, 0)}),
                 shared_line_device("refused", 2, {point("v", Table::holding, 500)})});
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until([&] {
    const BusStats s = bus.stats();
    return stats_of(s, "refused").exceptions >= 1 && stats_of(s, "good").polls >= 2;
  }));
  const BusStats s = bus.stats();
  const DevicePollStats& refused = stats_of(s, "refused");
  const DevicePollStats& good = stats_of(s, "good");
  EXPECT_EQ(refused.errors, 0u);  // it answers: refused, not absent
  EXPECT_NE(refused.last_error.find("holding 500+1 (v)"), std::string::npos) << refused.last_error;
  EXPECT_EQ(good.errors, 0u);
  EXPECT_EQ(good.exceptions, 0u);
  EXPECT_EQ(good.last_error, "");
  EXPECT_GE(s.exceptions, refused.exceptions);
  EXPECT_EQ(got.last("good", "v"), store::FieldValue{std::int64_t{7}});
}

}  // namespace
}  // namespace edgegw::southbound
