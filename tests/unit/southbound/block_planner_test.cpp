// The planner's request counts: the minimum the protocol's limits and max_gap allow.
#include "southbound/block_planner.hpp"

#include <gtest/gtest.h>

#include "southbound/point_codec.hpp"

namespace edgegw::southbound {
namespace {

PointSpec point(Table table, std::uint16_t address, PointType type = PointType::u16) {
  PointSpec p;
  p.name = std::string(to_string(table)) + std::to_string(address);
  p.table = table;
  p.address = address;
  p.type = is_bit_table(table) ? PointType::boolean : type;
  return p;
}

TEST(BlockPlanner, ContiguousRegistersNeedOneRequestPer125) {
  std::vector<PointSpec> points;
  for (std::uint16_t a = 0; a < 300; ++a) points.push_back(point(Table::holding, a));
  const auto blocks = plan_reads(points, 0);
  ASSERT_EQ(blocks.size(), 3u);  // ceil(300 / 125)
  EXPECT_EQ(blocks[0].start, 0);
  EXPECT_EQ(blocks[0].count, 125);
  EXPECT_EQ(blocks[1].start, 125);
  EXPECT_EQ(blocks[2].count, 50);
}

TEST(BlockPlanner, ContiguousBitsNeedOneRequestPer2000) {
  std::vector<PointSpec> points;
  for (std::uint16_t a = 0; a < 4500; ++a) points.push_back(point(Table::coil, a));
  EXPECT_EQ(plan_reads(points, 0).size(), 3u);
}

TEST(BlockPlanner, ReadsThroughGapsUpToMaxGap) {
  const std::vector<PointSpec> points = {point(Table::holding, 0), point(Table::holding, 9),
                                         point(Table::holding, 30)};
  // gap 0..9 is 8 unused registers (1..8), gap 9..30 is 20 (10..29)
  EXPECT_EQ(plan_reads(points, 0).size(), 3u);
  EXPECT_EQ(plan_reads(points, 7).size(), 3u);
  EXPECT_EQ(plan_reads(points, 8).size(), 2u);
  EXPECT_EQ(plan_reads(points, 20).size(), 1u);
  const auto one = plan_reads(points, 20);
  EXPECT_EQ(one[0].start, 0);
  EXPECT_EQ(one[0].count, 31);
  EXPECT_EQ(one[0].points, (std::vector<std::size_t>{0, 1, 2}));
}

TEST(BlockPlanner, MultiRegisterPointsAreNeverCutAtTheLimit) {
  std::vector<PointSpec> points;
  // 31 f64 at 0,4,..,120 (ends at 124) then one at 124 ending at 128: needs a second read.
  for (std::uint16_t a = 0; a <= 124; a += 4)
    points.push_back(point(Table::holding, a, PointType::f64));
  const auto blocks = plan_reads(points, 0);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0].count, 124);
  EXPECT_EQ(blocks[1].start, 124);
  EXPECT_EQ(blocks[1].count, 4);
}

TEST(BlockPlanner, TablesAreNeverMergedAndOrderDoesNotMatter) {
  const std::vector<PointSpec> points = {
      point(Table::holding, 10), point(Table::input, 0),
      point(Table::holding, 0),  point(Table::coil, 3),
      point(Table::discrete, 0), point(Table::input, 1),
      point(Table::coil, 0),     point(Table::holding, 5, PointType::u32)};
  const auto blocks = plan_reads(points, 8);
  ASSERT_EQ(blocks.size(), 4u);  // one per table
  EXPECT_EQ(blocks[0].table, Table::coil);
  EXPECT_EQ(blocks[0].count, 4);
  EXPECT_EQ(blocks[3].table, Table::holding);
  EXPECT_EQ(blocks[3].start, 0);
  EXPECT_EQ(blocks[3].count, 11);
  EXPECT_EQ(blocks[3].points, (std::vector<std::size_t>{2, 7, 0}));
}

TEST(BlockPlanner, OverlappingPointsShareARead) {
  const std::vector<PointSpec> points = {point(Table::holding, 0, PointType::u32),
                                         point(Table::holding, 1), point(Table::holding, 0)};
  const auto blocks = plan_reads(points, 0);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].count, 2);
}

TEST(BlockPlanner, ScatteredMeterMapNeedsTheMinimum) {
  // A typical meter map: clusters at 0..11, 100..107, 200..263, 3000.., with max_gap 8.
  std::vector<PointSpec> points;
  for (std::uint16_t a = 0; a < 12; a += 2)
    points.push_back(point(Table::holding, a, PointType::f32));
  for (std::uint16_t a = 100; a < 108; ++a) points.push_back(point(Table::holding, a));
  for (std::uint16_t a = 200; a < 264; a += 4)
    points.push_back(point(Table::holding, a, PointType::u64));
  points.push_back(point(Table::holding, 3000, PointType::i32));
  EXPECT_EQ(plan_reads(points, 8).size(), 4u);
  // gap 100 merges 0..107 but 0..263 would exceed 125 registers.
  EXPECT_EQ(plan_reads(points, 100).size(), 3u);
}

TEST(BlockPlanner, PointsPastTheAddressSpaceAreLeftOut) {
  const std::vector<PointSpec> points = {point(Table::holding, 65534, PointType::u32),
                                         point(Table::holding, 65535, PointType::u32)};
  const auto blocks = plan_reads(points, 0);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].points, std::vector<std::size_t>{0});
}

TEST(BlockPlanner, SplitHalvesByPoints) {
  std::vector<PointSpec> points;
  for (std::uint16_t a : {0, 2, 4, 10, 12}) points.push_back(point(Table::holding, a));
  const auto blocks = plan_reads(points, 8);
  ASSERT_EQ(blocks.size(), 1u);
  const auto [first, second] = split_block(blocks[0], points);
  EXPECT_EQ(first.points, (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(first.start, 0);
  EXPECT_EQ(first.count, 3);
  EXPECT_EQ(second.points, (std::vector<std::size_t>{2, 3, 4}));
  EXPECT_EQ(second.start, 4);
  EXPECT_EQ(second.count, 9);
}

}  // namespace
}  // namespace edgegw::southbound
