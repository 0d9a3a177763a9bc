// poll_once() (what `edgegw poll DEVICE` prints) against the pymodbus simulator: every point of
// the map decoded with its raw registers, and the requests made, a refused one included.
#include <gtest/gtest.h>

#include "bus_fixture.hpp"
#include "southbound/poll_once.hpp"
#include "support/net.hpp"

namespace edgegw::southbound {
namespace {

TEST(ModbusPollOnce, PrintsEveryPointAndEveryRequestOfTheMap) {
  const std::uint16_t port = test::free_tcp_port();
  auto sim = test::start_simulator({"--port", std::to_string(port), "--unit", "1"});
  ModbusDevice d;
  d.name = "types";
  d.options.unit = 1;
  d.options.points = {
      test::point("u16", Table::holding, 1000),
      test::point("u32", Table::holding, 1002, PointType::u32),
      test::point("f32_cdab", Table::holding, 1106, PointType::f32, WordOrder::cdab),
      test::point("i64", Table::holding, 1012, PointType::i64),
      test::point("beyond", Table::holding, 1500),
      test::point("coil0", Table::coil, 0, PointType::boolean)};
  const PollOnceResult r = poll_once(test::tcp_bus(port), d);
  ASSERT_EQ(r.error, "");
  EXPECT_TRUE(r.online);
  ASSERT_EQ(r.points.size(), 6u);
  EXPECT_EQ(r.points[0].value, store::FieldValue{std::int64_t{4660}});
  EXPECT_EQ(r.points[0].raw, std::vector<std::uint16_t>{0x1234});
  EXPECT_EQ(r.points[1].value, store::FieldValue{std::int64_t{305419896}});
  EXPECT_EQ(r.points[1].raw, (std::vector<std::uint16_t>{0x1234, 0x5678}));
  EXPECT_EQ(r.points[2].value, store::FieldValue{-1234.5});
  EXPECT_EQ(r.points[2].raw, (std::vector<std::uint16_t>{0x5000, 0xC49A}));
  EXPECT_EQ(r.points[3].value, store::FieldValue{std::int64_t{-1234567890123}});
  EXPECT_FALSE(r.points[4].value);
  EXPECT_NE(r.points[4].error.find("llegal data address"), std::string::npos) << r.points[4].error;
  EXPECT_EQ(r.points[5].value, store::FieldValue{true});
  // coils 0+1, holding 1000+13, holding 1106+2, holding 1500+1 (refused)
  ASSERT_EQ(r.requests.size(), 4u);
  EXPECT_EQ(r.requests[0].table, Table::coil);
  EXPECT_EQ(r.requests[1].start, 1000);
  EXPECT_EQ(r.requests[1].count, 16);
  EXPECT_EQ(r.requests[1].result, "ok");
  EXPECT_EQ(r.requests[3].start, 1500);
  EXPECT_NE(r.requests[3].result, "ok");
}

TEST(ModbusPollOnce, NoSlaveIsAConnectError) {
  const std::uint16_t port = test::free_tcp_port();
  ModbusDevice d;
  d.name = "nobody";
  d.options.points = {test::point("v", Table::holding, 0)};
  const PollOnceResult r = poll_once(test::tcp_bus(port), d);
  EXPECT_NE(r.error.find("connect to 127.0.0.1"), std::string::npos) << r.error;
  EXPECT_FALSE(r.online);
}

}  // namespace
}  // namespace edgegw::southbound
