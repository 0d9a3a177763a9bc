// Issue 16's types against the libmodbus slave: a bit, bytes and a string read from registers, a
// bit and a byte written by read-modify-write (FC 3 + FC 6) and by FC 22, and u64 written exactly
// past 2^63 - the neighbouring bits and bytes keep their values.
#include <gtest/gtest.h>

#include "bus_fixture.hpp"
#include "libmodbus_slave.hpp"
#include "southbound/modbus_bus.hpp"
#include "support/wait.hpp"

namespace edgegw::southbound {
namespace {

using namespace std::chrono_literals;
using test::Collected;
using test::LibmodbusSlave;
using test::point;
using test::wait_until;

std::vector<PointSpec> typed_points() {
  auto flag = point("flag", Table::holding, 20, PointType::bit);
  flag.bit = 0;
  flag.writable = true;
  auto top = point("top", Table::holding, 20, PointType::bit);
  top.bit = 15;
  auto hi = point("hi", Table::holding, 21, PointType::i8);
  hi.high_byte = true;
  hi.writable = true;
  auto lo = point("lo", Table::holding, 21, PointType::u8);
  auto name = point("name", Table::holding, 22, PointType::string);
  name.length = 3;
  name.writable = true;
  auto big = point("big", Table::holding, 30, PointType::u64);
  big.writable = true;
  return {flag, top, hi, lo, name, big};
}

void writes_parts(bool mask_write) {
  auto slave = LibmodbusSlave::tcp();
  slave->set_holding(20, {0x80F0, 0x7FFE, 0x4142, 0x4300, 0x0000});
  ModbusDevice d;
  d.name = "m";
  d.options.interval = 100ms;
  d.options.mask_write = mask_write;
  d.options.points = typed_points();
  ModbusBus bus(test::tcp_bus(slave->port()), {d});
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until([&] { return got.last("m", "name").has_value(); }));
  EXPECT_EQ(got.last("m", "flag"), store::FieldValue{false});
  EXPECT_EQ(got.last("m", "top"), store::FieldValue{true});
  EXPECT_EQ(got.last("m", "hi"), store::FieldValue{std::int64_t{127}});
  EXPECT_EQ(got.last("m", "lo"), store::FieldValue{std::int64_t{254}});
  EXPECT_EQ(got.last("m", "name"), store::FieldValue{std::string("ABC")});
  bus.submit_write({"m",
                    1,
                    {{"flag", true},
                     {"hi", std::int64_t{-128}},
                     {"name", std::string("xy")},
                     {"big", std::string("18446744073709551615")}}});
  ASSERT_TRUE(wait_until([&] { return !got.results().empty(); }));
  EXPECT_TRUE(got.results()[0].ok) << got.results()[0].message;
  EXPECT_EQ(slave->holding(20, 1), std::vector<std::uint16_t>{0x80F1});  // only bit 0 changed
  EXPECT_EQ(slave->holding(21, 1), std::vector<std::uint16_t>{0x80FE});  // only the high byte
  EXPECT_EQ(slave->holding(22, 3), (std::vector<std::uint16_t>{0x7879, 0x0000, 0x0000}));
  EXPECT_EQ(slave->holding(30, 4), (std::vector<std::uint16_t>{0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF}));
  EXPECT_TRUE(wait_until([&] { return got.last("m", "flag") == store::FieldValue{true}; }));
}

TEST(ModbusTypes, BitsAndBytesByReadModifyWrite) {
  writes_parts(false);
}

TEST(ModbusTypes, BitsAndBytesByMaskWrite) {
  writes_parts(true);
}

// write_registers = "fc23": every holding-register write (a u64, a string, and the write-back of
// a bit without FC 22) goes out as FC 23, never FC 6 or 16, and the values land.
TEST(ModbusTypes, WritesByFc23ReadTheRegistersBack) {
  auto slave = LibmodbusSlave::tcp();
  slave->set_holding(20, {0x80F0, 0x7FFE, 0x4142, 0x4300, 0x0000});
  ModbusDevice d;
  d.name = "m";
  d.options.interval = 100ms;
  d.options.read_back_writes = true;
  d.options.points = typed_points();
  ModbusBus bus(test::tcp_bus(slave->port()), {d});
  Collected got(bus);
  bus.start();
  ASSERT_TRUE(wait_until([&] { return got.last("m", "name").has_value(); }));
  const auto before = slave->functions().size();
  bus.submit_write({"m",
                    1,
                    {{"flag", true},
                     {"name", std::string("xy")},
                     {"big", std::string("18446744073709551615")}}});
  ASSERT_TRUE(wait_until([&] { return !got.results().empty(); }));
  EXPECT_TRUE(got.results()[0].ok) << got.results()[0].message;
  EXPECT_EQ(slave->holding(20, 1), std::vector<std::uint16_t>{0x80F1});  // only bit 0 changed
  EXPECT_EQ(slave->holding(22, 3), (std::vector<std::uint16_t>{0x7879, 0x0000, 0x0000}));
  EXPECT_EQ(slave->holding(30, 4), (std::vector<std::uint16_t>{0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF}));
  const auto functions = slave->functions();
  std::vector<int> writes;
  for (std::size_t i = before; i < functions.size(); ++i) {
    if (functions[i] != 3) writes.push_back(functions[i]);  // polls and the bit's read
  }
  EXPECT_EQ(writes, (std::vector<int>{23, 23, 23}));
}

}  // namespace
}  // namespace edgegw::southbound
