// Block planning: which read requests fetch a device's points. Points of one table are merged into
// as few requests as Modbus allows (at most 125 registers or 2,000 bits per read), reading through
// gaps of up to `max_gap` unused addresses, because on a slow serial line a request's fixed cost
// (turnaround, frame gaps, the slave's own latency) dwarfs a few extra registers.
//
// A slave may refuse a merged block with "illegal data address" when the gap holds an address it
// does not implement; split_block() halves such a block by its points so that one bad address
// costs a few extra requests instead of blinding every point beside it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "southbound/southbound_options.hpp"

namespace edgegw::southbound {

inline constexpr unsigned kMaxRegistersPerRead = 125;  // FC 3 / FC 4
inline constexpr unsigned kMaxBitsPerRead = 2000;      // FC 1 / FC 2

struct ReadBlock {
  Table table = Table::holding;
  std::uint16_t start = 0;
  std::uint16_t count = 0;          // registers or bits
  std::vector<std::size_t> points;  // indices into the device's points, by address
  bool operator==(const ReadBlock&) const = default;
};

// Most registers (or bits) one read of `table` may fetch.
unsigned max_read_width(Table table);

// The fewest reads that cover every point, per table (coil, discrete, input, holding), each table's
// blocks in address order. A point that would run past address 65535 is left out.
std::vector<ReadBlock> plan_reads(const std::vector<PointSpec>& points, unsigned max_gap);

// What polling has learnt about a slave's map: points it refuses on their own (left out of the
// plan) and pairs of points it refuses to read in one request although it answers each (the gap
// between them holds an address it does not implement). Indices into the device's points.
struct PlanLimits {
  std::vector<bool> left_out;                              // by point index; shorter = false
  std::vector<std::pair<std::size_t, std::size_t>> apart;  // never in one block
  bool operator==(const PlanLimits&) const = default;
};

// plan_reads() under `limits`: still the fewest reads, now that no block may hold a left-out
// point or both points of a pair kept apart.
std::vector<ReadBlock> plan_reads(const std::vector<PointSpec>& points, unsigned max_gap,
                                  const PlanLimits& limits);

// Two blocks that cover `block`'s points, the first half of its points and the second.
// Precondition: block.points.size() >= 2.
std::pair<ReadBlock, ReadBlock> split_block(const ReadBlock& block,
                                            const std::vector<PointSpec>& points);

}  // namespace edgegw::southbound
