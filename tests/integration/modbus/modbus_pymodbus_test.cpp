// ModbusBus against an independent slave: tests/sim/modbus_sim.py (pymodbus) over TCP. Its type
// table is laid out by Python's struct module, so decoding is checked against a second
// implementation, not against our own encoder. Also: a meter whose registers move, and a
// simulator that is killed and restarted on the same port.
#include <gtest/gtest.h>

#include "bus_fixture.hpp"
#include "southbound/modbus_bus.hpp"
#include "southbound/point_codec.hpp"
#include "support/net.hpp"
#include "support/wait.hpp"

namespace edgegw::southbound {
namespace {

using namespace std::chrono_literals;
using test::Collected;
using test::point;
using test::wait_until;

struct TypeCase {
  std::uint16_t offset;
  PointType type;
  store::FieldValue value;
};

const std::vector<TypeCase> kTypeTable = {
    {0, PointType::u16, std::int64_t{4660}},
    {1, PointType::i16, std::int64_t{-1234}},
    {2, PointType::u32, std::int64_t{305419896}},
    {4, PointType::i32, std::int64_t{-123456789}},
    {6, PointType::f32, -1234.5},
    {8, PointType::u64, std::int64_t{81985529216486895}},
    {12, PointType::i64, std::int64_t{-1234567890123}},
    {16, PointType::f64, 3.141592653589793},
};

ModbusDevice sim_device(const std::string& name, unsigned unit, std::vector<PointSpec> points) {
  ModbusDevice d;
  d.name = name;
  d.options.unit = unit;
  d.options.interval = 100ms;
  d.options.offline_interval = 300ms;
  d.options.points = std::move(points);
  return d;
}

TEST(ModbusPymodbus, EveryTypeInEveryOrder) {
  const std::uint16_t port = test::free_tcp_port();
  auto sim = test::start_simulator({"--port", std::to_string(port)});
  std::vector<PointSpec> points;
  const std::vector<std::pair<WordOrder, std::uint16_t>> orders = {{WordOrder::abcd, 1000},
                                                                   {WordOrder::cdab, 1100},
                                                                   {WordOrder::badc, 1200},
                                                                   {WordOrder::dcba, 1300}};
  for (const auto& [order, base] : orders) {
    for (const auto& c : kTypeTable) {
      points.push_back(point(std::string(to_string(c.type)) + "_" + to_string(order),
                             Table::holding, static_cast<std::uint16_t>(base + c.offset), c.type,
                             order));
    }
  }
  auto device = sim_device("types", 1, points);
  device.options.interval = 60s;  // one poll: the count of requests below is that poll's
  ModbusBus bus(test::tcp_bus(port), {device});
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until([&] { return !got.telemetry("types").empty(); }, 15s));
  const auto record = got.telemetry("types").front();
  ASSERT_EQ(record.fields.size(), 32u);
  for (const auto& [order, base] : orders) {
    for (const auto& c : kTypeTable) {
      const std::string name = std::string(to_string(c.type)) + "_" + to_string(order);
      const auto it = std::find_if(record.fields.begin(), record.fields.end(),
                                   [&](const auto& f) { return f.name == name; });
      ASSERT_NE(it, record.fields.end()) << name;
      EXPECT_EQ(it->value, c.value) << name;
    }
  }
  // One read of 20 registers per order (a retry of a reply that came late would be one more).
  const auto stats = bus.stats();
  EXPECT_EQ(stats.requests - stats.failures, 4u);
}

TEST(ModbusPymodbus, MeterValuesMoveAndTheAbsentUnitIsOffline) {
  const std::uint16_t port = test::free_tcp_port();
  auto sim = test::start_simulator({"--port", std::to_string(port), "--unit", "1"});
  auto voltage = point("voltage", Table::holding, 0);
  voltage.scale = 0.1;
  ModbusBus bus(test::tcp_bus(port),
                {sim_device("meter", 1,
                            {voltage, point("energy", Table::holding, 2, PointType::u32),
                             point("power", Table::holding, 4, PointType::f32),
                             point("unit", Table::input, 1), point("c0", Table::coil, 0)}),
                 sim_device("absent", 9, {point("v", Table::holding, 0)})});
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until([&] { return got.telemetry("meter").size() >= 3; }, 15s));
  EXPECT_EQ(got.last("meter", "unit"), store::FieldValue{std::int64_t{1}});
  EXPECT_EQ(got.last("meter", "c0"), store::FieldValue{true});
  const auto v = std::get<double>(*got.last("meter", "voltage"));
  EXPECT_GE(v, 229.9);
  EXPECT_LE(v, 232.0);
  // The energy counter only grows.
  const auto energy = [&] { return std::get<std::int64_t>(*got.last("meter", "energy")); };
  const std::int64_t e0 = energy();
  EXPECT_TRUE(wait_until([&] { return energy() > e0; }, 10s));
  ASSERT_TRUE(wait_until([&] { return !got.status("absent").empty(); }, 10s));
  EXPECT_EQ(got.status("absent")[0].fields, (std::vector<store::Field>{{"online", false}}));
}

TEST(ModbusPymodbus, ComesBackAfterTheSimulatorRestarts) {
  const std::uint16_t port = test::free_tcp_port();
  auto sim = test::start_simulator({"--port", std::to_string(port)});
  ModbusBus bus(test::tcp_bus(port), {sim_device("meter", 1, {point("unit", Table::holding, 7)})});
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until([&] { return !got.telemetry("meter").empty(); }, 15s));
  sim->signal(SIGKILL);
  sim->wait(5s);
  ASSERT_TRUE(wait_until([&] { return got.status("meter").size() >= 2; }, 15s));
  EXPECT_EQ(got.status("meter")[1].fields, (std::vector<store::Field>{{"online", false}}));
  sim = test::start_simulator({"--port", std::to_string(port)});
  ASSERT_TRUE(wait_until([&] { return got.status("meter").size() >= 3; }, 15s));
  EXPECT_EQ(got.status("meter")[2].fields, (std::vector<store::Field>{{"online", true}}));
}

TEST(ModbusPymodbus, WriteThenReadBack) {
  const std::uint16_t port = test::free_tcp_port();
  auto sim = test::start_simulator({"--port", std::to_string(port)});
  auto sp = point("setpoint", Table::holding, 10, PointType::f32, WordOrder::badc);
  sp.writable = true;
  auto coil = point("relay", Table::coil, 1, PointType::boolean);
  coil.writable = true;
  ModbusBus bus(test::tcp_bus(port), {sim_device("meter", 1, {sp, coil})});
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(
      wait_until([&] { return got.last("meter", "relay") == store::FieldValue{false}; }, 15s));
  bus.submit_write({"meter", 1, {{"setpoint", 42.25}, {"relay", true}}});
  ASSERT_TRUE(wait_until([&] { return !got.results().empty(); }, 10s));
  EXPECT_TRUE(got.results()[0].ok) << got.results()[0].message;
  EXPECT_TRUE(wait_until([&] {
    return got.last("meter", "setpoint") == store::FieldValue{42.25} &&
           got.last("meter", "relay") == store::FieldValue{true};
  }));
}

// write_registers = "fc23" against pymodbus's own FC 23 (write, then read the range back): a value
// the device keeps is written and answered ok; the simulator's register 12 clamps anything above
// 1000, which FC 16 never notices and FC 23's read-back reports, naming the register.
TEST(ModbusPymodbus, Fc23WritesAreCheckedAgainstTheReadBack) {
  const std::uint16_t port = test::free_tcp_port();
  auto sim = test::start_simulator({"--port", std::to_string(port)});
  auto sp = point("setpoint", Table::holding, 10, PointType::u16);
  sp.writable = true;
  auto limited = point("limited", Table::holding, 12, PointType::u16);
  limited.writable = true;
  auto read_back = sim_device("meter", 1, {sp, limited});
  read_back.options.read_back_writes = true;
  auto plain = sim_device("plain", 1, {sp, limited});
  ModbusBus bus(test::tcp_bus(port), {read_back, plain});
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until([&] { return got.last("meter", "limited").has_value(); }, 15s));

  bus.submit_write(
      {"meter", 1, {{"setpoint", std::int64_t{4321}}, {"limited", std::int64_t{900}}}});
  ASSERT_TRUE(wait_until([&] { return got.results().size() == 1; }, 10s));
  EXPECT_TRUE(got.results()[0].ok) << got.results()[0].message;

  bus.submit_write({"meter", 2, {{"limited", std::int64_t{5000}}}});
  ASSERT_TRUE(wait_until([&] { return got.results().size() == 2; }, 10s));
  const auto clamped = got.results()[1];
  EXPECT_FALSE(clamped.ok);
  ASSERT_EQ(clamped.failures.size(), 1u);
  EXPECT_EQ(clamped.failures[0].point, "limited");
  EXPECT_NE(clamped.message.find("register 12 holds 0x03E8 after the write, not 0x1388"),
            std::string::npos)
      << clamped.message;

  // The same write by FC 16 is "ok": the device's answer to FC 16 only echoes the request.
  bus.submit_write({"plain", 3, {{"limited", std::int64_t{5000}}}});
  ASSERT_TRUE(wait_until([&] { return got.results().size() == 3; }, 10s));
  EXPECT_TRUE(got.results()[2].ok) << got.results()[2].message;
  EXPECT_TRUE(wait_until([&] {
    return got.last("meter", "setpoint") == store::FieldValue{std::int64_t{4321}} &&
           got.last("meter", "limited") == store::FieldValue{std::int64_t{1000}};
  }));
}

// A property get's read (property_get = "device"): the asked points only, read now, decoded;
// an unknown name is said, the rest still read; nothing of it becomes a reading.
TEST(ModbusPymodbus, AReadOfSomePointsAnswersWithTheirValuesNow) {
  const std::uint16_t port = test::free_tcp_port();
  auto sim = test::start_simulator({"--port", std::to_string(port)});
  auto unit_id = point("unit_id", Table::holding, 7, PointType::u16);
  auto temp = point("temp", Table::input, 0, PointType::i16);
  auto d = sim_device("meter", 1, {unit_id, temp});
  d.options.interval = std::chrono::hours(1);  // only the first poll: the read is not a poll
  ModbusBus bus(test::tcp_bus(port), {d});
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until([&] { return got.last("meter", "temp").has_value(); }, 15s));
  bus.submit_read({"meter", 7, {"temp"}});
  bus.submit_read({"meter", 8, {"unit_id", "nope"}});
  std::vector<ReadResult> results;
  ASSERT_TRUE(wait_until(
      [&] {
        for (auto& r : bus.take_read_results()) results.push_back(std::move(r));
        return results.size() == 2;
      },
      10s));
  EXPECT_TRUE(results[0].ok) << results[0].message;
  EXPECT_EQ(results[0].request_id, 7u);
  EXPECT_EQ(results[0].values, (std::vector<store::Field>{{"temp", std::int64_t{215}}}));
  EXPECT_FALSE(results[1].ok);
  EXPECT_EQ(results[1].values, (std::vector<store::Field>{{"unit_id", std::int64_t{1}}}));
  EXPECT_EQ(results[1].message, "not read: nope (no such point)");
}

}  // namespace
}  // namespace edgegw::southbound
