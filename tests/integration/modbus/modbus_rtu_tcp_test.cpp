// Modbus RTU over TCP (a serial device server in transparent mode) against the pymodbus simulator
// serving RTU frames on a TCP port: typed values decoded, a write that round-trips, and two unit
// ids sharing the one connection while one of them is absent.
#include <gtest/gtest.h>

#include "bus_fixture.hpp"
#include "southbound/modbus_bus.hpp"
#include "support/net.hpp"
#include "support/wait.hpp"

namespace edgegw::southbound {
namespace {

using namespace std::chrono_literals;
using test::Collected;
using test::point;
using test::wait_until;

ModbusDevice sim_device(const std::string& name, unsigned unit, std::vector<PointSpec> points) {
  ModbusDevice d;
  d.name = name;
  d.options.unit = unit;
  d.options.interval = 100ms;
  d.options.offline_interval = 300ms;
  d.options.points = std::move(points);
  return d;
}

TEST(ModbusRtuTcp, ReadsWritesAndSharesTheConnection) {
  const std::uint16_t port = test::free_tcp_port();
  auto sim =
      test::start_simulator({"--port", std::to_string(port), "--rtu-over-tcp", "--unit", "1"});
  BusOptions bus_options = test::tcp_bus(port);
  bus_options.transport = Transport::rtu_tcp;
  bus_options.timeout = 300ms;
  auto setpoint = point("setpoint", Table::holding, 10);
  setpoint.writable = true;
  ModbusBus bus(bus_options,
                {sim_device("meter", 1,
                            {point("unit", Table::holding, 7),
                             point("u32", Table::holding, 1102, PointType::u32, WordOrder::cdab),
                             point("f64", Table::holding, 1016, PointType::f64),
                             point("coil0", Table::coil, 0, PointType::boolean), setpoint}),
                 sim_device("absent", 2, {point("unit", Table::holding, 7)})});
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until([&] { return got.last("meter", "f64").has_value(); }, 10s));
  EXPECT_EQ(got.last("meter", "unit"), store::FieldValue{std::int64_t{1}});
  EXPECT_EQ(got.last("meter", "u32"), store::FieldValue{std::int64_t{305419896}});
  EXPECT_EQ(got.last("meter", "f64"), store::FieldValue{3.141592653589793});
  EXPECT_EQ(got.last("meter", "coil0"), store::FieldValue{true});
  bus.submit_write({"meter", 1, {{"setpoint", std::int64_t{4321}}}});
  ASSERT_TRUE(wait_until([&] { return !got.results().empty(); }));
  EXPECT_TRUE(got.results()[0].ok) << got.results()[0].message;
  EXPECT_TRUE(wait_until(
      [&] { return got.last("meter", "setpoint") == store::FieldValue{std::int64_t{4321}}; }));
  // The absent unit goes offline; the present one keeps being read on the same connection.
  ASSERT_TRUE(wait_until([&] {
    const auto s = got.status("absent");
    return !s.empty() && s.back().fields.at(0).value == store::FieldValue{false};
  }));
  const auto before = got.telemetry("meter").size();
  EXPECT_TRUE(wait_until([&] { return got.telemetry("meter").size() >= before + 3; }));
  EXPECT_EQ(bus.stats().connects, 1u);  // one connection for both units
}

}  // namespace
}  // namespace edgegw::southbound
