// Write planning: function codes, reversed scaling, merging, and refusals that say why.
#include "southbound/modbus_write.hpp"

#include <gtest/gtest.h>

namespace edgegw::southbound {
namespace {

std::vector<PointSpec> points() {
  std::vector<PointSpec> p(6);
  p[0] = {"setpoint", Table::holding, 10, PointType::u16, WordOrder::abcd, 0.1, 0.0, 0.0, true};
  p[1] = {"limit", Table::holding, 11, PointType::f32, WordOrder::cdab, 1.0, 0.0, 0.0, true};
  p[2] = {"relay", Table::coil, 0, PointType::boolean, WordOrder::abcd, 1.0, 0.0, 0.0, true};
  p[3] = {"relay2", Table::coil, 1, PointType::boolean, WordOrder::abcd, 1.0, 0.0, 0.0, true};
  p[4] = {"voltage", Table::holding, 0, PointType::u16, WordOrder::abcd, 0.1, 0.0, 0.0, false};
  p[5] = {"alarm", Table::discrete, 0, PointType::boolean, WordOrder::abcd, 1.0, 0.0, 0.0, true};
  return p;
}

TEST(ModbusWrite, SingleRegisterIsFc6WithReverseScaling) {
  const WritePlan plan = plan_writes(points(), {{"setpoint", 21.5}});
  ASSERT_TRUE(plan.refused.empty());
  ASSERT_EQ(plan.ops.size(), 1u);
  EXPECT_EQ(plan.ops[0].function_code(), 6);
  EXPECT_EQ(plan.ops[0].address, 10);
  EXPECT_EQ(plan.ops[0].registers, std::vector<std::uint16_t>{215});
}

TEST(ModbusWrite, NeighboursMergeIntoFc16AndFc15) {
  const WritePlan plan = plan_writes(
      points(),
      {{"setpoint", std::int64_t{1}}, {"limit", 2.0}, {"relay", true}, {"relay2", false}});
  ASSERT_TRUE(plan.refused.empty());
  ASSERT_EQ(plan.ops.size(), 2u);
  EXPECT_EQ(plan.ops[0].function_code(), 16);
  // 10 = 1 / 0.1; 2.0f = 0x40000000 in CDAB: low word first
  EXPECT_EQ(plan.ops[0].registers, (std::vector<std::uint16_t>{10, 0x0000, 0x4000}));
  EXPECT_EQ(plan.ops[0].points, (std::vector<std::string>{"setpoint", "limit"}));
  EXPECT_EQ(plan.ops[1].function_code(), 15);
  EXPECT_EQ(plan.ops[1].bits, (std::vector<std::uint8_t>{1, 0}));
}

TEST(ModbusWrite, SingleCoilIsFc5AndSingleF32IsFc16) {
  const WritePlan coil = plan_writes(points(), {{"relay2", std::string("on")}});
  ASSERT_EQ(coil.ops.size(), 1u);
  EXPECT_EQ(coil.ops[0].function_code(), 5);
  const WritePlan f = plan_writes(points(), {{"limit", 1.0}});
  ASSERT_EQ(f.ops.size(), 1u);
  EXPECT_EQ(f.ops[0].function_code(), 16);
}

TEST(ModbusWrite, RefusesTheWholeRequestAndSaysWhy) {
  const WritePlan plan = plan_writes(points(), {{"setpoint", 1.0},
                                                {"nope", 1.0},
                                                {"voltage", 230.0},
                                                {"alarm", true},
                                                {"setpoint", 7000.0}});
  EXPECT_TRUE(plan.ops.empty());
  ASSERT_EQ(plan.refused.size(), 4u);
  EXPECT_EQ(plan.refused[0], (PointFailure{"nope", "no such point"}));
  EXPECT_EQ(plan.refused[1].point, "voltage");
  EXPECT_NE(plan.refused[1].reason.find("read-only"), std::string::npos);
  EXPECT_NE(plan.refused[2].reason.find("discrete"), std::string::npos);
  EXPECT_NE(plan.refused[3].reason.find("out of range"), std::string::npos);
  EXPECT_NE(describe(plan.refused).find("nope: no such point; voltage: "), std::string::npos);
}

TEST(ModbusWrite, EmptyRequestIsRefused) {
  EXPECT_FALSE(plan_writes(points(), {}).refused.empty());
}

}  // namespace
}  // namespace edgegw::southbound
