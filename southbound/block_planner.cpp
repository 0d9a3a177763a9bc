// Greedy left-to-right merging is optimal here: with points sorted by address, a block that
// extends as far as the width and gap limits allow covers a prefix of the remaining points at least
// as long as any other block starting at the same point could.
#include "southbound/block_planner.hpp"

#include <algorithm>
#include <cassert>

#include "southbound/point_codec.hpp"

namespace edgegw::southbound {
namespace {

ReadBlock block_over(Table table, const std::vector<std::size_t>& indices,
                     const std::vector<PointSpec>& points) {
  ReadBlock b;
  b.table = table;
  b.points = indices;
  std::uint32_t lo = 0xFFFFFFFF;
  std::uint32_t hi = 0;
  for (std::size_t i : indices) {
    lo = std::min<std::uint32_t>(lo, points[i].address);
    hi = std::max<std::uint32_t>(hi, points[i].address + point_width(points[i]));
  }
  b.start = static_cast<std::uint16_t>(lo);
  b.count = static_cast<std::uint16_t>(hi - lo);
  return b;
}

bool kept_apart(const PlanLimits& limits, const std::vector<std::size_t>& block, std::size_t i) {
  for (const auto& [a, b] : limits.apart) {
    if (a != i && b != i) continue;
    const std::size_t other = a == i ? b : a;
    if (std::find(block.begin(), block.end(), other) != block.end()) return true;
  }
  return false;
}

// A pair kept apart forbids every block that spans both, and a left-out point every block that
// spans its address: intervals of addresses either way, so greedy merging stays optimal under
// such limits for the same reason as without them.
void plan_table(Table table, const std::vector<PointSpec>& points, unsigned max_gap,
                const PlanLimits& limits, std::vector<ReadBlock>& out) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (points[i].table != table) continue;
    if (i < limits.left_out.size() && limits.left_out[i]) continue;
    if (std::uint32_t{points[i].address} + point_width(points[i]) > 0x10000) continue;
    order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return points[a].address < points[b].address;
  });
  // A point refused on its own has an address the slave lacks: no block may read through it.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> barred;
  for (std::size_t i = 0; i < points.size() && i < limits.left_out.size(); ++i) {
    if (limits.left_out[i] && points[i].table == table) {
      barred.emplace_back(points[i].address, points[i].address + point_width(points[i]));
    }
  }
  const auto reads_through_barred = [&](std::uint32_t from, std::uint32_t to) {
    return std::any_of(barred.begin(), barred.end(),
                       [&](const auto& b) { return b.first < to && from < b.second; });
  };
  const std::uint32_t limit = max_read_width(table);
  std::vector<std::size_t> current;
  std::uint32_t start = 0;
  std::uint32_t end = 0;  // one past the last address read so far
  for (std::size_t i : order) {
    const std::uint32_t a = points[i].address;
    const std::uint32_t e = a + point_width(points[i]);
    const bool fits = !current.empty() && (a <= end || a - end <= max_gap) &&
                      std::max(end, e) - start <= limit && !kept_apart(limits, current, i) &&
                      !reads_through_barred(start, std::max(end, e));
    if (!fits) {
      if (!current.empty()) out.push_back(block_over(table, current, points));
      current.clear();
      start = a;
      end = e;
    }
    current.push_back(i);
    end = std::max(end, e);
  }
  if (!current.empty()) out.push_back(block_over(table, current, points));
}

}  // namespace

unsigned max_read_width(Table table) {
  return is_bit_table(table) ? kMaxBitsPerRead : kMaxRegistersPerRead;
}

std::vector<ReadBlock> plan_reads(const std::vector<PointSpec>& points, unsigned max_gap) {
  return plan_reads(points, max_gap, PlanLimits{});
}

std::vector<ReadBlock> plan_reads(const std::vector<PointSpec>& points, unsigned max_gap,
                                  const PlanLimits& limits) {
  std::vector<ReadBlock> blocks;
  for (Table t : {Table::coil, Table::discrete, Table::input, Table::holding}) {
    plan_table(t, points, max_gap, limits, blocks);
  }
  return blocks;
}

std::pair<ReadBlock, ReadBlock> split_block(const ReadBlock& block,
                                            const std::vector<PointSpec>& points) {
  assert(block.points.size() >= 2);
  const auto half = block.points.begin() + static_cast<std::ptrdiff_t>(block.points.size() / 2);
  const std::vector<std::size_t> first(block.points.begin(), half);
  const std::vector<std::size_t> second(half, block.points.end());
  return {block_over(block.table, first, points), block_over(block.table, second, points)};
}

}  // namespace edgegw::southbound
