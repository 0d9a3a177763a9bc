// Fuzzes what a slave's answers feed: register contents decoded as any type, order, scale and
// offset (decoding must never crash, and an unscaled integer must encode back to the same
// registers), and the block planner and its splits over arbitrary point maps (blocks stay within
// the protocol's limits and cover every point).
#include <cassert>
#include <cstdint>
#include <cstring>
#include <vector>

#include "southbound/block_planner.hpp"
#include "southbound/point_codec.hpp"

using namespace edgegw::southbound;

namespace {

struct Input {
  const std::uint8_t* data;
  std::size_t size;
  std::uint8_t byte() {
    if (size == 0) return 0;
    --size;
    return *data++;
  }
  std::uint16_t word() { return static_cast<std::uint16_t>((byte() << 8) | byte()); }
};

void check_decode(Input& in) {
  PointSpec p;
  p.type = static_cast<PointType>(in.byte() % kPointTypeNames.size());
  p.order = static_cast<WordOrder>(in.byte() % 4);
  const std::uint8_t part = in.byte();  // bit number, byte half and string length
  p.bit = part % 16;
  p.high_byte = (part & 16) != 0;
  p.length = 1 + part % 8;
  const std::uint8_t scaling = in.byte();
  if (scaling & 1) p.scale = static_cast<double>(static_cast<std::int8_t>(in.byte())) / 8.0;
  if (scaling & 2) p.offset = static_cast<double>(static_cast<std::int16_t>(in.word()));
  std::vector<std::uint16_t> regs(point_width(p));
  for (auto& r : regs) r = in.word();
  const auto value = decode_registers(p, regs);
  const EncodedPoint back = encode_point(p, value);
  // A byte or bit of a register encodes to a mask (the rest of the register is the device's).
  if (p.scale == 1.0 && p.offset == 0.0 && p.type != PointType::boolean && back.ok() &&
      !back.mask && std::holds_alternative<std::int64_t>(value)) {
    assert(back.registers == regs);
    if (back.registers != regs) __builtin_trap();
  }
}

void check_plan(Input& in) {
  std::vector<PointSpec> points(in.byte() % 64);
  for (auto& p : points) {
    p.table = static_cast<Table>(in.byte() % 4);
    p.type = static_cast<PointType>(in.byte() % kPointTypeNames.size());
    p.length = 1 + in.byte() % 125;
    p.address = in.word();
  }
  const unsigned gap = in.byte();
  for (const auto& b : plan_reads(points, gap)) {
    if (b.count > max_read_width(b.table) || b.points.empty()) __builtin_trap();
    for (std::size_t i : b.points) {
      if (points[i].address < b.start ||
          points[i].address + point_width(points[i]) > std::uint32_t{b.start} + b.count) {
        __builtin_trap();
      }
    }
    if (b.points.size() >= 2) {
      const auto [x, y] = split_block(b, points);
      if (x.points.size() + y.points.size() != b.points.size()) __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in{data, size};
  if (in.byte() & 1) {
    check_plan(in);
  } else {
    check_decode(in);
  }
  return 0;
}
