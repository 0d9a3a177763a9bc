// Devices that go away and come back: a unit behind a Modbus TCP gateway that dies (the gateway
// answers exception 0B / 0A for it) must be reported offline like an absent slave, and a TCP slave
// that disappears and comes back must be polled again within its probe interval (offline_interval,
// with reconnect_max no longer than it).
#include <gtest/gtest.h>

#include "bus_fixture.hpp"
#include "libmodbus_slave.hpp"
#include "southbound/modbus_bus.hpp"
#include "support/wait.hpp"

namespace edgegw::southbound {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::Collected;
using test::LibmodbusSlave;
using test::point;
using test::wait_until;

ModbusDevice device(const std::string& name, unsigned unit, std::chrono::milliseconds interval,
                    std::chrono::milliseconds offline_interval) {
  ModbusDevice d;
  d.name = name;
  d.options.unit = unit;
  d.options.interval = interval;
  d.options.offline_interval = offline_interval;
  d.options.points = {point("v", Table::holding, 0)};
  return d;
}

bool last_status_is(Collected& got, const std::string& name, bool online) {
  const auto status = got.status(name);
  return !status.empty() && status.back().fields.at(0).value == store::FieldValue{online};
}

void gateway_fault_goes_offline(int exception_code) {
  auto slave = LibmodbusSlave::tcp();
  slave->set_holding(0, {42});
  BusOptions bus_options = test::tcp_bus(slave->port());
  bus_options.retries = 2;
  const auto interval = 100ms;
  ModbusBus bus(bus_options, {device("behind-gateway", 2, interval, 200ms),
                              device("neighbour", 3, interval, 200ms)});
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until([&] { return last_status_is(got, "behind-gateway", true); }));
  const auto died = Clock::now();
  slave->set_gateway_fault(2, exception_code);
  ASSERT_TRUE(wait_until([&] { return last_status_is(got, "behind-gateway", false); }, 5s));
  const auto took = Clock::now() - died;
  // Within one poll interval times the attempts (plus scheduling slack), not never.
  EXPECT_LT(took, interval * (1 + bus_options.retries) + 300ms);
  EXPECT_TRUE(last_status_is(got, "neighbour", true));  // the gateway itself is fine
  const BusStats s = bus.stats();
  EXPECT_GE(s.devices.at(0).errors, 1u);
  EXPECT_NE(s.devices.at(0).last_error.find("gateway"), std::string::npos)
      << s.devices.at(0).last_error;
  // And back when the gateway reaches it again.
  slave->set_gateway_fault(2, 0);
  EXPECT_TRUE(wait_until([&] { return last_status_is(got, "behind-gateway", true); }, 5s));
}

TEST(ModbusRecovery, GatewayTargetFailedToRespondIsOffline) {
  gateway_fault_goes_offline(0x0B);
}

TEST(ModbusRecovery, GatewayPathUnavailableIsOffline) {
  gateway_fault_goes_offline(0x0A);
}

TEST(ModbusRecovery, TcpSlaveBackWithinItsProbeInterval) {
  auto slave = LibmodbusSlave::tcp();
  const std::uint16_t port = slave->port();
  slave->set_holding(0, {42});
  BusOptions bus_options = test::tcp_bus(port);
  bus_options.timeout = 200ms;
  bus_options.connect_timeout = 200ms;
  bus_options.reconnect_min = 50ms;
  bus_options.reconnect_max = 300ms;
  const auto interval = 100ms;
  const auto offline_interval = 400ms;
  ModbusBus bus(bus_options, {device("m", 1, interval, offline_interval)});
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until([&] { return last_status_is(got, "m", true); }));
  slave.reset();  // gone: connection closed, port refuses
  ASSERT_TRUE(wait_until([&] { return last_status_is(got, "m", false); }, 5s));
  // Stay away for several probes, so the connect backoff has grown to its maximum.
  std::this_thread::sleep_for(3 * offline_interval);  // the outage itself, not a wait for a result
  slave = LibmodbusSlave::tcp(port);
  slave->set_holding(0, {43});
  const auto back = Clock::now();
  ASSERT_TRUE(wait_until([&] { return last_status_is(got, "m", true); }, 10s));
  const auto took = Clock::now() - back;
  EXPECT_LT(took, interval + offline_interval + 250ms)
      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  EXPECT_TRUE(
      wait_until([&] { return got.last("m", "v") == store::FieldValue{std::int64_t{43}}; }));
}

}  // namespace
}  // namespace edgegw::southbound
