// ModbusBus over TCP against an in-process libmodbus slave: f32 in every word order (layouts
// confirmed by libmodbus's modbus_get_float_*), the planner's request count on the
// wire, "illegal data address" splitting, a silent unit that does not stall its neighbour, writes
// that round-trip, refusals, and reconnecting after the slave drops the connection.
#include <gtest/gtest.h>
#include <modbus/modbus.h>

#include "bus_fixture.hpp"
#include "libmodbus_slave.hpp"
#include "southbound/modbus_bus.hpp"
#include "southbound/point_codec.hpp"
#include "support/net.hpp"
#include "support/wait.hpp"

namespace edgegw::southbound {
namespace {

using namespace std::chrono_literals;
using test::Collected;
using test::LibmodbusSlave;
using test::point;
using test::wait_until;

ModbusDevice device(const std::string& name, unsigned unit, std::vector<PointSpec> points,
                    std::chrono::milliseconds interval = 50ms) {
  ModbusDevice d;
  d.name = name;
  d.options.unit = unit;
  d.options.interval = interval;
  d.options.offline_interval = 500ms;
  d.options.points = std::move(points);
  return d;
}

// -1234.5f = 0xC49A5000 in each order. libmodbus's modbus_get_float_* (correct in 3.1.6, unlike
// its modbus_set_float_*, which swap the bytes on little-endian hosts) confirm the layouts.
const std::uint16_t kAbcd[2] = {0xC49A, 0x5000};
const std::uint16_t kCdab[2] = {0x5000, 0xC49A};
const std::uint16_t kBadc[2] = {0x9AC4, 0x0050};
const std::uint16_t kDcba[2] = {0x0050, 0x9AC4};

TEST(ModbusTcp, FloatsInEveryOrderAsLibmodbusReadsThem) {
  ASSERT_EQ(modbus_get_float_abcd(kAbcd), -1234.5f);
  ASSERT_EQ(modbus_get_float_cdab(kCdab), -1234.5f);
  ASSERT_EQ(modbus_get_float_badc(kBadc), -1234.5f);
  ASSERT_EQ(modbus_get_float_dcba(kDcba), -1234.5f);
  auto slave = LibmodbusSlave::tcp();
  slave->set_holding(0, {kAbcd[0], kAbcd[1]});
  slave->set_holding(2, {kCdab[0], kCdab[1]});
  slave->set_holding(4, {kBadc[0], kBadc[1]});
  slave->set_holding(6, {kDcba[0], kDcba[1]});
  slave->set_holding(8, {0xFFFF});
  slave->set_input(0, {215});
  slave->set_coils(0, {1, 0, 1});
  slave->set_discrete(0, {0, 1});
  ModbusBus bus(test::tcp_bus(slave->port()),
                {device("m", 1,
                        {point("abcd", Table::holding, 0, PointType::f32, WordOrder::abcd),
                         point("cdab", Table::holding, 2, PointType::f32, WordOrder::cdab),
                         point("badc", Table::holding, 4, PointType::f32, WordOrder::badc),
                         point("dcba", Table::holding, 6, PointType::f32, WordOrder::dcba),
                         point("i16", Table::holding, 8, PointType::i16),
                         point("temp", Table::input, 0, PointType::i16),
                         point("c0", Table::coil, 0), point("c1", Table::coil, 1),
                         point("c2", Table::coil, 2), point("d1", Table::discrete, 1)})});
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until([&] { return !got.telemetry("m").empty(); }));
  const std::vector<store::Field> fields = got.telemetry("m").front().fields;
  const std::vector<store::Field> expected = {{"c0", true},
                                              {"c1", false},
                                              {"c2", true},
                                              {"d1", true},
                                              {"temp", std::int64_t{215}},
                                              {"abcd", -1234.5},
                                              {"cdab", -1234.5},
                                              {"badc", -1234.5},
                                              {"dcba", -1234.5},
                                              {"i16", std::int64_t{-1}}};
  EXPECT_EQ(fields, expected);
  ASSERT_EQ(got.status("m").size(), 1u);
  EXPECT_EQ(got.status("m")[0].fields, (std::vector<store::Field>{{"online", true}}));
}

TEST(ModbusTcp, OnePollSendsThePlannedRequestsOnly) {
  auto slave = LibmodbusSlave::tcp();
  std::vector<PointSpec> points;
  for (std::uint16_t a = 0; a < 250; ++a)
    points.push_back(point("h" + std::to_string(a), Table::holding, a));
  for (std::uint16_t a = 0; a < 100; a += 10)
    points.push_back(point("i" + std::to_string(a), Table::input, a));
  points.push_back(point("c", Table::coil, 1999));
  ModbusBus bus(test::tcp_bus(slave->port()), {device("m", 1, points, 60s)});
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until([&] { return !got.telemetry("m").empty(); }));
  EXPECT_EQ(got.telemetry("m").front().fields.size(), points.size());
  // 250 holding registers: 2 reads; inputs 0..90 every 10 (gap 9 > max_gap 8): 10 reads; 1 coil.
  EXPECT_EQ(bus.stats().requests, 2u + 10u + 1u);
  EXPECT_EQ(slave->requests(), 13u);
}

TEST(ModbusTcp, IllegalAddressInAGapSplitsTheBlock) {
  auto slave = LibmodbusSlave::tcp();
  slave->add_hole(5);
  for (int a = 0; a < 11; ++a) slave->set_holding(a, {static_cast<std::uint16_t>(a * 10)});
  std::vector<PointSpec> points;
  for (std::uint16_t a : {0, 1, 2, 3, 4, 6, 7, 8, 9, 10})
    points.push_back(point("h" + std::to_string(a), Table::holding, a));
  test::LogLines logs;
  ModbusBus bus(test::tcp_bus(slave->port()), {device("m", 1, points)}, logs.sink());
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until([&] { return got.telemetry("m").size() >= 3; }));
  for (const auto& r : got.telemetry("m")) EXPECT_EQ(r.fields.size(), 10u);
  EXPECT_EQ(got.last("m", "h10"), store::FieldValue{std::int64_t{100}});
  EXPECT_EQ(bus.stats().exceptions, 1u);  // refused once, then the split is kept
  EXPECT_EQ(logs.count_containing("split"), 1u);
}

TEST(ModbusTcp, SilentUnitDoesNotStallItsNeighbour) {
  auto slave = LibmodbusSlave::tcp();
  slave->set_silent(2, true);
  test::LogLines logs;
  ModbusBus bus(test::tcp_bus(slave->port()),
                {device("alive", 1, {point("v", Table::holding, 0)}, 100ms),
                 device("silent", 2, {point("v", Table::holding, 0)}, 100ms)},
                logs.sink());
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until([&] { return !got.status("silent").empty(); }));
  EXPECT_EQ(got.status("silent")[0].fields, (std::vector<store::Field>{{"online", false}}));
  // While the silent unit is offline, the neighbour keeps being read at its interval.
  const std::size_t before = got.telemetry("alive").size();
  EXPECT_TRUE(wait_until([&] { return got.telemetry("alive").size() >= before + 15; }, 10s));
  EXPECT_EQ(got.status("silent").size(), 1u);  // one offline record, however many probes
  EXPECT_EQ(logs.count_containing("silent (unit 2) offline"), 1u);
  EXPECT_EQ(got.status("alive").size(), 1u);  // never went offline
  // Back online: one status record.
  slave->set_silent(2, false);
  ASSERT_TRUE(wait_until([&] { return got.status("silent").size() >= 2; }));
  EXPECT_EQ(got.status("silent")[1].fields, (std::vector<store::Field>{{"online", true}}));
  EXPECT_TRUE(wait_until([&] { return !got.telemetry("silent").empty(); }));
}

TEST(ModbusTcp, WritesRoundTripAndAreReadBack) {
  auto slave = LibmodbusSlave::tcp();
  auto sp = point("setpoint", Table::holding, 10, PointType::u16);
  sp.scale = 0.1;
  sp.writable = true;
  auto limit = point("limit", Table::holding, 11, PointType::f32, WordOrder::cdab);
  limit.writable = true;
  auto big = point("big", Table::holding, 20, PointType::i64, WordOrder::dcba);
  big.writable = true;
  auto relay = point("relay", Table::coil, 3, PointType::boolean);
  relay.writable = true;
  auto ro = point("voltage", Table::holding, 0);
  ModbusBus bus(test::tcp_bus(slave->port()), {device("m", 1, {sp, limit, big, relay, ro}, 200ms)});
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until([&] { return !got.telemetry("m").empty(); }));
  bus.submit_write({"m",
                    7,
                    {{"setpoint", 21.5},
                     {"limit", std::string("-2.5")},
                     {"big", std::int64_t{-1234567890123}},
                     {"relay", true}}});
  ASSERT_TRUE(wait_until([&] { return !got.results().empty(); }));
  const WriteResult r = got.results()[0];
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.request_id, 7u);
  EXPECT_EQ(r.device, "m");
  EXPECT_EQ(slave->holding(10, 1), std::vector<std::uint16_t>{215});
  // -2.5f = 0xC0200000, low word first
  EXPECT_EQ(slave->holding(11, 2), (std::vector<std::uint16_t>{0x0000, 0xC020}));
  // -1234567890123 = 0xFFFFFEE08E04FB35, DCBA: words reversed, bytes swapped
  EXPECT_EQ(slave->holding(20, 4), (std::vector<std::uint16_t>{0x35FB, 0x048E, 0xE0FE, 0xFFFF}));
  EXPECT_EQ(slave->coils(3, 1), std::vector<std::uint8_t>{1});
  // Read back through the bus.
  EXPECT_TRUE(wait_until([&] {
    return got.last("m", "setpoint") == store::FieldValue{215 * 0.1} &&
           got.last("m", "limit") == store::FieldValue{-2.5} &&
           got.last("m", "big") == store::FieldValue{std::int64_t{-1234567890123}} &&
           got.last("m", "relay") == store::FieldValue{true};
  }));
}

TEST(ModbusTcp, WritesAreRefusedWithAReason) {
  auto slave = LibmodbusSlave::tcp();
  slave->set_holding(10, {5});
  auto sp = point("setpoint", Table::holding, 10, PointType::u16);
  sp.writable = true;
  ModbusBus bus(test::tcp_bus(slave->port()),
                {device("m", 1, {sp, point("voltage", Table::holding, 0)}, 200ms)});
  Collected got(bus);
  bus.start();
  bus.submit_write({"m", 1, {{"setpoint", std::int64_t{70000}}}});
  bus.submit_write({"m", 2, {{"voltage", 1.0}}});
  bus.submit_write({"m", 3, {{"nope", 1.0}, {"setpoint", 6.0}}});
  bus.submit_write({"other", 4, {{"setpoint", 1.0}}});
  ASSERT_TRUE(wait_until([&] { return got.results().size() == 4; }));
  const auto results = got.results();
  for (const auto& r : results) EXPECT_FALSE(r.ok);
  EXPECT_NE(results[0].message.find("out of range"), std::string::npos) << results[0].message;
  EXPECT_NE(results[1].message.find("read-only"), std::string::npos) << results[1].message;
  EXPECT_EQ(results[2].failures, (std::vector<PointFailure>{{"nope", "no such point"}}));
  EXPECT_NE(results[3].message.find("no device other"), std::string::npos);
  EXPECT_EQ(slave->holding(10, 1), std::vector<std::uint16_t>{5});  // nothing written
}

TEST(ModbusTcp, ReconnectsAfterTheSlaveGoesAway) {
  auto slave = LibmodbusSlave::tcp();
  const std::uint16_t port = slave->port();
  ModbusBus bus(test::tcp_bus(port), {device("m", 1, {point("v", Table::holding, 0)}, 50ms)});
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until([&] { return !got.telemetry("m").empty(); }));
  slave.reset();  // closes the listener and the connection
  ASSERT_TRUE(wait_until([&] { return got.status("m").size() >= 2; }));
  EXPECT_EQ(got.status("m")[1].fields, (std::vector<store::Field>{{"online", false}}));
  EXPECT_EQ(bus.stats().fd, -1);
  slave = LibmodbusSlave::tcp(port);
  slave->set_holding(0, {77});
  ASSERT_TRUE(wait_until([&] { return got.status("m").size() >= 3; }));
  EXPECT_EQ(got.status("m")[2].fields, (std::vector<store::Field>{{"online", true}}));
  EXPECT_TRUE(
      wait_until([&] { return got.last("m", "v") == store::FieldValue{std::int64_t{77}}; }));
  EXPECT_GE(bus.stats().connects, 2u);
}

// A slave that is not there yet when the bus starts (powered up after the gateway) is reached for
// the first time, not "again": the journal said "connected again after" a link never up before.
TEST(ModbusTcp, ASlaveFirstReachedLateIsNotSaidToBeBackAgain) {
  const std::uint16_t port = test::free_tcp_port();
  test::LogLines logs;
  ModbusBus bus(test::tcp_bus(port), {device("m", 1, {point("v", Table::holding, 0)}, 50ms)},
                logs.sink());
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until([&] { return logs.count_containing("(backing off)") >= 1; }));
  auto slave = LibmodbusSlave::tcp(port);
  ASSERT_TRUE(wait_until([&] { return !got.telemetry("m").empty(); }));
  EXPECT_EQ(logs.count_containing("modbus bus tcp-test: connected after "), 1u);
  EXPECT_EQ(logs.count_containing("again"), 0u);
  // Gone and back: that one is "again".
  slave.reset();
  ASSERT_TRUE(wait_until([&] { return logs.count_containing("(backing off)") >= 2; }));
  slave = LibmodbusSlave::tcp(port);
  EXPECT_TRUE(wait_until(
      [&] { return logs.count_containing("modbus bus tcp-test: connected again after ") == 1; }));
}

TEST(ModbusTcp, PauseKeepsRequestsApart) {
  auto slave = LibmodbusSlave::tcp();
  auto options = test::tcp_bus(slave->port());
  options.pause = 40ms;
  std::vector<PointSpec> points;
  for (std::uint16_t a = 0; a < 500; a += 100) {
    points.push_back(point("h" + std::to_string(a), Table::holding, a));
  }
  ModbusBus bus(options, {device("m", 1, points, 0ms)});
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until([&] { return slave->requests() >= 8; }));
  bus.stop();
  // A lower bound the bus guarantees (it waits at least the pause), not a timing measurement.
  const auto times = slave->request_times();
  for (std::size_t i = 1; i < times.size(); ++i) {
    EXPECT_GE(times[i] - times[i - 1], 40ms - 2ms) << "requests " << i - 1 << " and " << i;
  }
}

TEST(ModbusTcp, WriteToASilentSlaveFailsWithTheReason) {
  auto slave = LibmodbusSlave::tcp();
  slave->set_silent(1, true);
  auto sp = point("setpoint", Table::holding, 10);
  sp.writable = true;
  ModbusBus bus(test::tcp_bus(slave->port()), {device("m", 1, {sp}, 200ms)});
  Collected got(bus);
  bus.start();
  bus.submit_write({"m", 11, {{"setpoint", std::int64_t{3}}}});
  ASSERT_TRUE(wait_until([&] { return !got.results().empty(); }));
  const WriteResult r = got.results()[0];
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.request_id, 11u);
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_EQ(r.failures[0].point, "setpoint");
  EXPECT_NE(r.message.find("timeout"), std::string::npos) << r.message;
}

}  // namespace
}  // namespace edgegw::southbound
