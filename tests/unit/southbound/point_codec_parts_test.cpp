// Issue 16's types: u8 / i8 (high or low byte), a bit of a register, f16, and ASCII strings over N
// registers, each at its edge values in every byte order, plus the writes they make (a masked
// change of one register, FC 22 or read-modify-write) and the per-device function choices.
#include "southbound/point_codec_parts.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "southbound/modbus_write.hpp"
#include "southbound/point_codec.hpp"

namespace edgegw::southbound {
namespace {

using Regs = std::vector<std::uint16_t>;

PointSpec spec(PointType type, WordOrder order = WordOrder::abcd) {
  PointSpec p;
  p.name = "p";
  p.type = type;
  p.order = order;
  p.writable = true;
  return p;
}

PointSpec byte_spec(PointType type, bool high, WordOrder order = WordOrder::abcd) {
  PointSpec p = spec(type, order);
  p.high_byte = high;
  return p;
}

TEST(PointCodecParts, BytesAtTheirEdgesInBothByteOrders) {
  EXPECT_EQ(decode_registers(byte_spec(PointType::u8, true), Regs{0xFF00}),
            store::FieldValue{std::int64_t{255}});
  EXPECT_EQ(decode_registers(byte_spec(PointType::u8, false), Regs{0xFF00}),
            store::FieldValue{std::int64_t{0}});
  EXPECT_EQ(decode_registers(byte_spec(PointType::i8, true), Regs{0x807F}),
            store::FieldValue{std::int64_t{-128}});
  EXPECT_EQ(decode_registers(byte_spec(PointType::i8, false), Regs{0x807F}),
            store::FieldValue{std::int64_t{127}});
  // BADC: the register's bytes are swapped on the wire, so its "high" byte is the wire's low one.
  EXPECT_EQ(decode_registers(byte_spec(PointType::i8, true, WordOrder::badc), Regs{0x807F}),
            store::FieldValue{std::int64_t{127}});
  EXPECT_EQ(decode_registers(byte_spec(PointType::u8, false, WordOrder::badc), Regs{0xFF00}),
            store::FieldValue{std::int64_t{255}});
}

TEST(PointCodecParts, ByteWritesChangeOnlyTheirByte) {
  const auto high = encode_point(byte_spec(PointType::u8, true), std::int64_t{255});
  ASSERT_TRUE(high.ok()) << high.error;
  EXPECT_EQ(high.mask, (RegisterMask{0x00FF, 0xFF00}));
  const auto low = encode_point(byte_spec(PointType::i8, false), std::int64_t{-128});
  ASSERT_TRUE(low.ok());
  EXPECT_EQ(low.mask, (RegisterMask{0xFF00, 0x0080}));
  const auto swapped =
      encode_point(byte_spec(PointType::u8, true, WordOrder::badc), std::int64_t{1});
  EXPECT_EQ(swapped.mask, (RegisterMask{0xFF00, 0x0001}));
  EXPECT_FALSE(encode_point(byte_spec(PointType::u8, true), std::int64_t{256}).ok());
  EXPECT_FALSE(encode_point(byte_spec(PointType::i8, true), std::int64_t{-129}).ok());
  EXPECT_FALSE(encode_point(byte_spec(PointType::i8, true), std::int64_t{128}).ok());
}

TEST(PointCodecParts, BitsOfARegister) {
  PointSpec b0 = spec(PointType::bit);
  PointSpec b15 = spec(PointType::bit);
  b15.bit = 15;
  EXPECT_EQ(decode_registers(b0, Regs{0x0001}), store::FieldValue{true});
  EXPECT_EQ(decode_registers(b0, Regs{0xFFFE}), store::FieldValue{false});
  EXPECT_EQ(decode_registers(b15, Regs{0x8000}), store::FieldValue{true});
  PointSpec b15_badc = b15;
  b15_badc.order = WordOrder::badc;
  EXPECT_EQ(decode_registers(b15_badc, Regs{0x0080}), store::FieldValue{true});
  const auto set = encode_point(b15, true);
  EXPECT_EQ(set.mask, (RegisterMask{0x7FFF, 0x8000}));
  const auto clear = encode_point(b0, std::string("off"));
  EXPECT_EQ(clear.mask, (RegisterMask{0xFFFE, 0x0000}));
  EXPECT_FALSE(encode_point(b0, std::int64_t{2}).ok());
}

TEST(PointCodecParts, HalfPrecisionEdges) {
  struct Case {
    std::uint16_t half;
    double value;
  };
  const Case cases[] = {{0x3C00, 1.0},
                        {0x7BFF, 65504.0},
                        {0xFBFF, -65504.0},
                        {0x0001, std::ldexp(1.0, -24)},
                        {0x0400, std::ldexp(1.0, -14)},
                        {0x03FF, std::ldexp(1023.0, -24)},
                        {0xC000, -2.0},
                        {0x3555, 0.333251953125}};
  for (const auto& c : cases) {
    for (const auto order : {WordOrder::abcd, WordOrder::badc}) {
      const std::uint16_t wire = order == WordOrder::abcd
                                     ? c.half
                                     : static_cast<std::uint16_t>((c.half << 8) | (c.half >> 8));
      EXPECT_EQ(decode_registers(spec(PointType::f16, order), Regs{wire}),
                store::FieldValue{c.value})
          << std::hex << c.half;
      const auto e = encode_point(spec(PointType::f16, order), c.value);
      ASSERT_TRUE(e.ok()) << e.error;
      EXPECT_EQ(e.registers, Regs{wire}) << std::hex << c.half;
    }
  }
  EXPECT_TRUE(std::signbit(std::get<double>(decode_registers(spec(PointType::f16), Regs{0x8000}))));
  EXPECT_TRUE(std::isinf(std::get<double>(decode_registers(spec(PointType::f16), Regs{0x7C00}))));
  EXPECT_EQ(detail::to_half(1.0 / 3.0), std::uint16_t{0x3555});  // rounded to nearest
  EXPECT_EQ(detail::to_half(65519.0), std::uint16_t{0x7BFF});    // still rounds down
  EXPECT_FALSE(detail::to_half(65520.0));                        // rounds to infinity: refused
  EXPECT_FALSE(encode_point(spec(PointType::f16), 70000.0).ok());
}

PointSpec string_spec(unsigned length, WordOrder order = WordOrder::abcd) {
  PointSpec p = spec(PointType::string, order);
  p.length = length;
  return p;
}

TEST(PointCodecParts, StringsInEveryOrder) {
  EXPECT_EQ(point_width(string_spec(4)), 4u);
  const struct {
    WordOrder order;
    Regs regs;
  } cases[] = {{WordOrder::abcd, {0x4142, 0x3132}},
               {WordOrder::badc, {0x4241, 0x3231}},
               {WordOrder::cdab, {0x3132, 0x4142}},
               {WordOrder::dcba, {0x3231, 0x4241}}};
  for (const auto& c : cases) {
    EXPECT_EQ(decode_registers(string_spec(2, c.order), c.regs),
              store::FieldValue{std::string("AB12")})
        << to_string(c.order);
    const auto e = encode_point(string_spec(2, c.order), std::string("AB12"));
    ASSERT_TRUE(e.ok()) << e.error;
    EXPECT_EQ(e.registers, c.regs);
  }
}

TEST(PointCodecParts, StringEnds) {
  EXPECT_EQ(decode_registers(string_spec(3), Regs{0x4142, 0x4300, 0x4444}),
            store::FieldValue{std::string("ABC")});  // the first NUL ends it
  EXPECT_EQ(decode_registers(string_spec(2), Regs{0x4120, 0x2020}),
            store::FieldValue{std::string("A")});  // trailing space padding dropped
  EXPECT_EQ(decode_registers(string_spec(1), Regs{0x41FF}), store::FieldValue{std::string("A?")});
  EXPECT_EQ(decode_registers(string_spec(1), Regs{0x0041}), store::FieldValue{std::string("")});
  const auto padded = encode_point(string_spec(3), std::string("ABC"));
  ASSERT_TRUE(padded.ok());
  EXPECT_EQ(padded.registers, (Regs{0x4142, 0x4300, 0x0000}));
  EXPECT_FALSE(encode_point(string_spec(1), std::string("ABC")).ok());
  EXPECT_FALSE(encode_point(string_spec(2), std::string("\xC3\xA9")).ok());
  EXPECT_FALSE(encode_point(string_spec(2), std::int64_t{5}).ok());
}

TEST(PointCodecParts, WritesUseTheDevicesFunctionChoices) {
  ModbusDeviceOptions d;
  PointSpec level = spec(PointType::u16);
  level.name = "level";
  level.address = 10;
  PointSpec flag = spec(PointType::bit);
  flag.name = "flag";
  flag.address = 11;
  flag.bit = 2;
  PointSpec relay;
  relay.name = "relay";
  relay.table = Table::coil;
  relay.type = PointType::boolean;
  relay.writable = true;
  d.points = {level, flag, relay};
  auto plan = plan_writes(d, {{"level", std::int64_t{7}}, {"flag", true}, {"relay", true}});
  ASSERT_EQ(plan.ops.size(), 3u) << describe(plan.refused);  // a masked op never merges
  EXPECT_EQ(plan.ops[0].function_code(), 6);
  EXPECT_EQ(plan.ops[1].function_code(), 6);  // FC 3, then FC 6 with the bit changed
  EXPECT_EQ(plan.ops[1].mask, (RegisterMask{0xFFFB, 0x0004}));
  EXPECT_EQ(plan.ops[2].function_code(), 5);
  d.mask_write = true;
  d.multiple_writes = true;
  plan = plan_writes(d, {{"level", std::int64_t{7}}, {"flag", true}, {"relay", true}});
  EXPECT_EQ(plan.ops[0].function_code(), 16);
  EXPECT_EQ(plan.ops[1].function_code(), 22);
  EXPECT_EQ(plan.ops[2].function_code(), 15);
}

}  // namespace
}  // namespace edgegw::southbound
