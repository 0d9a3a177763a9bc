// Decoding and encoding one Modbus point: the registers (or the bit) a slave holds <-> the value a
// user sees. Pure functions of their inputs, so every type, word order, scale and range check is
// unit-tested against known register contents without a socket.
//
// Word orders name where the bytes of a value's big-endian form A B C D ... land on the wire:
// ABCD is plain Modbus (high word first, high byte first), CDAB swaps the 16-bit words, BADC swaps
// the bytes inside each word, DCBA does both. For 64-bit types the same two swaps apply to four
// words (CDAB = low word first). For 16-bit types only the byte swap has an effect.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "southbound/southbound_options.hpp"
#include "store/record.hpp"

namespace edgegw::southbound {

// 16-bit registers a value of `type` spans (bool, u8, i8, bit, f16: 1; string: 1 here, its
// `length` in point_width()).
unsigned register_count(PointType type);

// Whether `table` holds bits (coils, discrete inputs) rather than 16-bit registers.
bool is_bit_table(Table table);

// Width of `point` in its table's units: 1 bit for bit tables, `length` for strings,
// register_count() otherwise.
unsigned point_width(const PointSpec& point);

// Value of a point read from a register table; `registers` holds exactly point_width(point)
// registers as they came off the wire. A bit (type bit) is a bool; u8 / i8 take one byte of the
// register (after the order's byte swap); f16 is IEEE 754 half precision; a string is the ASCII
// characters, two per register (high byte first in ABCD, low byte first in BADC; CDAB / DCBA
// reverse the registers), up to the first NUL, trailing spaces dropped, and any byte outside
// printable ASCII shown as '?'. A bool is `register != 0`; an integer type with scale 1
// and offset 0 stays an integer (a u64 above INT64_MAX becomes a double); anything scaled and
// every float is a double = raw * scale + offset.
store::FieldValue decode_registers(const PointSpec& point,
                                   std::span<const std::uint16_t> registers);

// How a poll decodes a point, decided once per device (the poll's hot loop runs per point): the
// common types in word order ABCD with scale 1 and offset 0 decode inline, to exactly what
// decode_registers() gives; everything else (`general`) goes through decode_registers().
enum class DecodePath : std::uint8_t { general, u16, i16, u32, i32, f32, f64 };
DecodePath decode_path(const PointSpec& point);

inline store::FieldValue decode_on_path(DecodePath path, const PointSpec& point,
                                        std::span<const std::uint16_t> r) {
  const auto word = [&](std::size_t i) { return std::uint64_t{r[i]}; };
  switch (path) {
    case DecodePath::u16:
      return static_cast<std::int64_t>(r[0]);
    case DecodePath::i16:
      return std::int64_t{static_cast<std::int16_t>(r[0])};
    case DecodePath::u32:
      return static_cast<std::int64_t>(word(0) << 16 | word(1));
    case DecodePath::i32:
      return std::int64_t{
          static_cast<std::int32_t>(static_cast<std::uint32_t>(word(0) << 16 | word(1)))};
    case DecodePath::f32:
      return static_cast<double>(
          std::bit_cast<float>(static_cast<std::uint32_t>(word(0) << 16 | word(1))));
    case DecodePath::f64:
      return std::bit_cast<double>(word(0) << 48 | word(1) << 32 | word(2) << 16 | word(3));
    case DecodePath::general:
      break;
  }
  return decode_registers(point, r);
}

// The bits or registers that make a point's table hold `value`, or the reason it cannot.
struct RegisterMask {
  std::uint16_t keep = 0;  // FC 22's AND mask: 1 = the bit keeps its current value
  std::uint16_t set = 0;   // FC 22's OR mask: the new value of the other bits
  bool operator==(const RegisterMask&) const = default;
};

struct EncodedPoint {
  std::vector<std::uint16_t> registers;  // register tables
  bool bit = false;                      // bit tables
  std::optional<RegisterMask> mask;      // bit, u8, i8: change only part of one register
  std::string error;                     // non-empty: refused, nothing to write
  bool ok() const { return error.empty(); }
};

// Reverses decode_registers: raw = (value - offset) / scale, rounded to the nearest integer for
// integer types, then checked against the type's range. Accepts bools, integers, doubles and
// strings holding a number (or true/false/on/off for bools).
EncodedPoint encode_point(const PointSpec& point, const store::FieldValue& value);

// The one table of names for each enum, in the order messages list them: to_string() prints
// from them and the daemon's config parser reads `type`, `order` and `table` with them.
inline constexpr std::array<std::pair<std::string_view, PointType>, 14> kPointTypeNames{{
    {"bool", PointType::boolean},
    {"u16", PointType::u16},
    {"i16", PointType::i16},
    {"u32", PointType::u32},
    {"i32", PointType::i32},
    {"u64", PointType::u64},
    {"i64", PointType::i64},
    {"f32", PointType::f32},
    {"f64", PointType::f64},
    {"u8", PointType::u8},
    {"i8", PointType::i8},
    {"bit", PointType::bit},
    {"f16", PointType::f16},
    {"string", PointType::string},
}};
inline constexpr std::array<std::pair<std::string_view, WordOrder>, 4> kWordOrderNames{{
    {"ABCD", WordOrder::abcd},
    {"CDAB", WordOrder::cdab},
    {"BADC", WordOrder::badc},
    {"DCBA", WordOrder::dcba},
}};
inline constexpr std::array<std::pair<std::string_view, Table>, 4> kTableNames{{
    {"coil", Table::coil},
    {"discrete", Table::discrete},
    {"input", Table::input},
    {"holding", Table::holding},
}};

// Names used in messages and docs: "u32", "CDAB", "holding" ("?" for a value not in the table).
const char* to_string(PointType type);
const char* to_string(WordOrder order);
const char* to_string(Table table);

}  // namespace edgegw::southbound
