// Every type in every word order against registers written out by hand (the same contents the
// pymodbus simulator serves at 1000.., computed there with Python's struct), plus scale, offset and
// the range checks of the reverse direction.
#include "southbound/point_codec.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <vector>

namespace edgegw::southbound {
namespace {

PointSpec spec(PointType type, WordOrder order = WordOrder::abcd, double scale = 1.0,
               double offset = 0.0) {
  PointSpec p;
  p.name = "p";
  p.type = type;
  p.order = order;
  p.scale = scale;
  p.offset = offset;
  return p;
}

// {type, ABCD registers, expected value}; the other orders are derived from the byte layout.
struct Case {
  PointType type;
  std::vector<std::uint16_t> abcd;
  store::FieldValue value;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> c = {
      {PointType::u16, {0x1234}, std::int64_t{4660}},
      {PointType::i16, {0xFB2E}, std::int64_t{-1234}},
      {PointType::u32, {0x1234, 0x5678}, std::int64_t{305419896}},
      {PointType::i32, {0xF8A4, 0x32EB}, std::int64_t{-123456789}},
      {PointType::f32, {0xC49A, 0x5000}, -1234.5},
      {PointType::u64, {0x0123, 0x4567, 0x89AB, 0xCDEF}, std::int64_t{81985529216486895}},
      {PointType::i64, {0xFFFF, 0xFEE0, 0x8E04, 0xFB35}, std::int64_t{-1234567890123}},
      {PointType::f64, {0x4009, 0x21FB, 0x5444, 0x2D18}, 3.141592653589793},
  };
  return c;
}

std::vector<std::uint16_t> reorder(std::vector<std::uint16_t> abcd, WordOrder order) {
  if (order == WordOrder::badc || order == WordOrder::dcba) {
    for (auto& w : abcd) w = static_cast<std::uint16_t>((w << 8) | (w >> 8));
  }
  if (order == WordOrder::cdab || order == WordOrder::dcba) {
    std::reverse(abcd.begin(), abcd.end());
  }
  return abcd;
}

TEST(PointCodec, DecodesEveryTypeInEveryOrder) {
  for (WordOrder order : {WordOrder::abcd, WordOrder::cdab, WordOrder::badc, WordOrder::dcba}) {
    for (const Case& c : cases()) {
      const auto regs = reorder(c.abcd, order);
      EXPECT_EQ(decode_registers(spec(c.type, order), regs), c.value)
          << to_string(c.type) << " " << to_string(order);
    }
  }
}

// The poll's inline decode paths (issue 18) give exactly what decode_registers gives, including
// -0.0 and NaN bit patterns; scaled, reordered and other types take the general path.
TEST(PointCodec, DecodePathsAgreeWithDecodeRegisters) {
  const std::vector<std::vector<std::uint16_t>> samples = {{0, 0, 0, 0},
                                                           {0x8000, 0, 0, 0},
                                                           {0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF},
                                                           {0x7FC0, 0x0001, 2, 3},
                                                           {0x1234, 0x5678, 0x9ABC, 0xDEF0}};
  for (const auto& c : cases()) {
    for (const auto& regs : samples) {
      const PointSpec p = spec(c.type);
      const std::span<const std::uint16_t> r(regs.data(), register_count(c.type));
      const store::FieldValue general = decode_registers(p, r);
      const store::FieldValue inline_path = decode_on_path(decode_path(p), p, r);
      ASSERT_EQ(general.index(), inline_path.index()) << to_string(c.type);
      if (const auto* d = std::get_if<double>(&general)) {
        const double o = std::get<double>(inline_path);
        EXPECT_EQ(std::bit_cast<std::uint64_t>(*d), std::bit_cast<std::uint64_t>(o));
      } else {
        EXPECT_EQ(general, inline_path) << to_string(c.type);
      }
    }
  }
  EXPECT_EQ(decode_path(spec(PointType::u16)), DecodePath::u16);
  EXPECT_EQ(decode_path(spec(PointType::f32, WordOrder::cdab)), DecodePath::general);
  EXPECT_EQ(decode_path(spec(PointType::i16, WordOrder::abcd, 0.1)), DecodePath::general);
  EXPECT_EQ(decode_path(spec(PointType::u64)), DecodePath::general);
}

TEST(PointCodec, KnownWireLayoutsOfF32) {
  // 123.456f = 0x42F6E979: the classic vendor-manual example in four orders.
  const double expected = static_cast<double>(123.456f);
  EXPECT_EQ(decode_registers(spec(PointType::f32, WordOrder::abcd),
                             std::vector<std::uint16_t>{0x42F6, 0xE979}),
            store::FieldValue{expected});
  EXPECT_EQ(decode_registers(spec(PointType::f32, WordOrder::cdab),
                             std::vector<std::uint16_t>{0xE979, 0x42F6}),
            store::FieldValue{expected});
  EXPECT_EQ(decode_registers(spec(PointType::f32, WordOrder::badc),
                             std::vector<std::uint16_t>{0xF642, 0x79E9}),
            store::FieldValue{expected});
  EXPECT_EQ(decode_registers(spec(PointType::f32, WordOrder::dcba),
                             std::vector<std::uint16_t>{0x79E9, 0xF642}),
            store::FieldValue{expected});
}

TEST(PointCodec, EncodeReversesDecodeForEveryTypeAndOrder) {
  for (WordOrder order : {WordOrder::abcd, WordOrder::cdab, WordOrder::badc, WordOrder::dcba}) {
    for (const Case& c : cases()) {
      const EncodedPoint e = encode_point(spec(c.type, order), c.value);
      ASSERT_TRUE(e.ok()) << e.error;
      EXPECT_EQ(e.registers, reorder(c.abcd, order))
          << to_string(c.type) << " " << to_string(order);
    }
  }
}

TEST(PointCodec, ScaleAndOffset) {
  const PointSpec volts = spec(PointType::u16, WordOrder::abcd, 0.1, 0.0);
  EXPECT_EQ(decode_registers(volts, std::vector<std::uint16_t>{2301}),
            store::FieldValue{2301 * 0.1});
  const PointSpec temp = spec(PointType::i16, WordOrder::abcd, 0.5, -40.0);
  EXPECT_EQ(decode_registers(temp, std::vector<std::uint16_t>{100}), store::FieldValue{10.0});
  EXPECT_EQ(encode_point(temp, 10.0).registers, std::vector<std::uint16_t>{100});
  EXPECT_EQ(encode_point(volts, 230.1).registers, std::vector<std::uint16_t>{2301});
  EXPECT_EQ(encode_point(volts, std::string("230.1")).registers, std::vector<std::uint16_t>{2301});
}

TEST(PointCodec, U64AboveInt64BecomesDouble) {
  const std::vector<std::uint16_t> regs{0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF};
  EXPECT_EQ(decode_registers(spec(PointType::u64), regs),
            store::FieldValue{18446744073709551615.0});
}

TEST(PointCodec, BoolsInRegistersAndBitTables) {
  EXPECT_EQ(decode_registers(spec(PointType::boolean), std::vector<std::uint16_t>{0}),
            store::FieldValue{false});
  EXPECT_EQ(decode_registers(spec(PointType::boolean), std::vector<std::uint16_t>{7}),
            store::FieldValue{true});
  PointSpec coil = spec(PointType::boolean);
  coil.table = Table::coil;
  EXPECT_TRUE(encode_point(coil, true).bit);
  EXPECT_FALSE(encode_point(coil, std::string("off")).bit);
  EXPECT_TRUE(encode_point(coil, std::int64_t{1}).bit);
  EXPECT_FALSE(encode_point(coil, std::int64_t{2}).ok());
  EXPECT_FALSE(encode_point(coil, std::string("maybe")).ok());
}

TEST(PointCodec, RefusesValuesOutsideTheTypeAfterReverseScaling) {
  EXPECT_FALSE(encode_point(spec(PointType::u16), std::int64_t{65536}).ok());
  EXPECT_FALSE(encode_point(spec(PointType::u16), std::int64_t{-1}).ok());
  EXPECT_TRUE(encode_point(spec(PointType::u16), std::int64_t{65535}).ok());
  EXPECT_FALSE(encode_point(spec(PointType::i16), std::int64_t{32768}).ok());
  EXPECT_TRUE(encode_point(spec(PointType::i16), std::int64_t{-32768}).ok());
  // 7000 V with scale 0.1 is raw 70000: does not fit u16.
  const EncodedPoint e = encode_point(spec(PointType::u16, WordOrder::abcd, 0.1), 7000.0);
  EXPECT_FALSE(e.ok());
  EXPECT_NE(e.error.find("out of range for u16"), std::string::npos) << e.error;
  EXPECT_FALSE(encode_point(spec(PointType::u32), -0.6).ok());
  EXPECT_TRUE(encode_point(spec(PointType::u32), -0.4).ok());  // rounds to 0
  EXPECT_FALSE(encode_point(spec(PointType::f32), 1e39).ok());
  EXPECT_FALSE(encode_point(spec(PointType::f64), std::nan("")).ok());
  EXPECT_FALSE(encode_point(spec(PointType::i32), std::string("12abc")).ok());
  EXPECT_FALSE(encode_point(spec(PointType::u16, WordOrder::abcd, 0.0), 1.0).ok());
  // i64 exact at the edges.
  EXPECT_TRUE(encode_point(spec(PointType::i64), std::int64_t{INT64_MIN}).ok());
  EXPECT_FALSE(encode_point(spec(PointType::u64), std::int64_t{-5}).ok());
  EXPECT_FALSE(encode_point(spec(PointType::u64), 1.9e19).ok());
}

}  // namespace
}  // namespace edgegw::southbound
