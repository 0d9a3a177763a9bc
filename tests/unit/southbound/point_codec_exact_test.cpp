// Issue 16: integer writes are exact over each type's whole range (u64 past 2^63, i64 at both
// ends), a double that cannot be exact is refused instead of rounded, and -0.0 keeps its sign
// when scale and offset are the identity.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "southbound/point_codec.hpp"

namespace edgegw::southbound {
namespace {

PointSpec spec(PointType type, WordOrder order = WordOrder::abcd) {
  PointSpec p;
  p.name = "p";
  p.type = type;
  p.order = order;
  p.writable = true;
  return p;
}

std::vector<std::uint16_t> words_of(std::uint64_t v) {
  return {static_cast<std::uint16_t>(v >> 48), static_cast<std::uint16_t>(v >> 32),
          static_cast<std::uint16_t>(v >> 16), static_cast<std::uint16_t>(v)};
}

TEST(PointCodecExact, U64AboveInt64MaxFromADecimalString) {
  const std::uint64_t two63_plus5 = (std::uint64_t{1} << 63) + 5;
  const auto e = encode_point(spec(PointType::u64), std::string("9223372036854775813"));
  ASSERT_TRUE(e.ok()) << e.error;
  EXPECT_EQ(e.registers, words_of(two63_plus5));
  const auto max = encode_point(spec(PointType::u64), std::string("18446744073709551615"));
  ASSERT_TRUE(max.ok()) << max.error;
  EXPECT_EQ(max.registers, (std::vector<std::uint16_t>{0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF}));
  // Every word order carries the same exact value.
  const auto cdab =
      encode_point(spec(PointType::u64, WordOrder::cdab), std::string("9223372036854775813"));
  ASSERT_TRUE(cdab.ok());
  EXPECT_EQ(cdab.registers, (std::vector<std::uint16_t>{0x0005, 0x0000, 0x0000, 0x8000}));
}

TEST(PointCodecExact, U64PastTheRangeIsRefusedWithTheReason) {
  const auto e = encode_point(spec(PointType::u64), std::string("18446744073709551616"));
  EXPECT_FALSE(e.ok());
  EXPECT_NE(e.error.find("does not fit 64 bits"), std::string::npos) << e.error;
  EXPECT_FALSE(encode_point(spec(PointType::u64), std::string("-1")).ok());
  EXPECT_FALSE(encode_point(spec(PointType::u64), std::int64_t{-1}).ok());
}

TEST(PointCodecExact, ADoubleBeyond2To53IsRefusedNotRounded) {
  // 2^63 + 5 parsed into a double is 2^63: writing that would be silently wrong.
  const auto e = encode_point(spec(PointType::u64), 9223372036854775813.0);
  EXPECT_FALSE(e.ok());
  EXPECT_NE(e.error.find("2^53"), std::string::npos) << e.error;
  // Up to 2^53 a whole double is exact and accepted.
  const auto ok = encode_point(spec(PointType::u64), 9007199254740992.0);
  ASSERT_TRUE(ok.ok()) << ok.error;
  EXPECT_EQ(ok.registers, words_of(std::uint64_t{1} << 53));
}

TEST(PointCodecExact, I64AtBothEnds) {
  const auto min = encode_point(spec(PointType::i64), std::numeric_limits<std::int64_t>::min());
  ASSERT_TRUE(min.ok()) << min.error;
  EXPECT_EQ(min.registers, words_of(std::uint64_t{1} << 63));
  const auto max = encode_point(spec(PointType::i64), std::numeric_limits<std::int64_t>::max());
  ASSERT_TRUE(max.ok()) << max.error;
  EXPECT_EQ(max.registers, words_of(~(std::uint64_t{1} << 63)));
  const auto min_text = encode_point(spec(PointType::i64), std::string("-9223372036854775808"));
  ASSERT_TRUE(min_text.ok()) << min_text.error;
  EXPECT_EQ(min_text.registers, min.registers);
  EXPECT_FALSE(encode_point(spec(PointType::i64), std::string("-9223372036854775809")).ok());
  EXPECT_FALSE(encode_point(spec(PointType::i64), std::string("9223372036854775808")).ok());
  // Decoding gives the same integers back.
  EXPECT_EQ(decode_registers(spec(PointType::i64), min.registers),
            store::FieldValue{std::numeric_limits<std::int64_t>::min()});
}

TEST(PointCodecExact, SmallerTypesAtTheirEdges) {
  EXPECT_TRUE(encode_point(spec(PointType::i16), std::string("-32768")).ok());
  EXPECT_FALSE(encode_point(spec(PointType::i16), std::string("32768")).ok());
  EXPECT_TRUE(encode_point(spec(PointType::u32), std::string("4294967295")).ok());
  EXPECT_FALSE(encode_point(spec(PointType::u32), std::int64_t{4294967296}).ok());
  // A string with a fraction still goes through the numeric path (rounded to the nearest).
  const auto e = encode_point(spec(PointType::u16), std::string("12.4"));
  ASSERT_TRUE(e.ok()) << e.error;
  EXPECT_EQ(e.registers, std::vector<std::uint16_t>{12});
}

TEST(PointCodecExact, NegativeZeroKeepsItsSignWithoutScaleOrOffset) {
  const auto f32 = decode_registers(spec(PointType::f32), std::vector<std::uint16_t>{0x8000, 0});
  ASSERT_TRUE(std::holds_alternative<double>(f32));
  EXPECT_TRUE(std::signbit(std::get<double>(f32)));
  const auto f64 =
      decode_registers(spec(PointType::f64), std::vector<std::uint16_t>{0x8000, 0, 0, 0});
  EXPECT_TRUE(std::signbit(std::get<double>(f64)));
  PointSpec offset = spec(PointType::f32);
  offset.offset = 2.5;
  EXPECT_EQ(decode_registers(offset, std::vector<std::uint16_t>{0x8000, 0}),
            store::FieldValue{2.5});
}

}  // namespace
}  // namespace edgegw::southbound
