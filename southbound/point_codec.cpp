// Point decode/encode: see point_codec.hpp. Values are assembled into a 64-bit big-endian integer
// first (the "canonical words"), so the word order is handled in one place for every width.
#include "southbound/point_codec.hpp"

#include <bit>
#include <cerrno>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>

#include "southbound/point_codec_parts.hpp"

namespace edgegw::southbound {
namespace {

bool swaps_words(WordOrder order) {
  return order == WordOrder::cdab || order == WordOrder::dcba;
}
bool swaps_bytes(WordOrder order) {
  return order == WordOrder::badc || order == WordOrder::dcba;
}

std::uint16_t swap16(std::uint16_t v) {
  return static_cast<std::uint16_t>((v << 8) | (v >> 8));
}

// The registers' value as one unsigned integer, most significant word first.
std::uint64_t assemble(std::span<const std::uint16_t> regs, WordOrder order) {
  const std::size_t n = regs.size();
  std::uint64_t value = 0;
  if (order == WordOrder::abcd) {  // the common order: no swap to decide per word
    for (std::size_t i = 0; i < n; ++i) value = (value << 16) | regs[i];
    return value;
  }
  const bool words = swaps_words(order);
  const bool bytes = swaps_bytes(order);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint16_t word = regs[words ? n - 1 - i : i];
    if (bytes) word = swap16(word);
    value = (value << 16) | word;
  }
  return value;
}

std::vector<std::uint16_t> disassemble(std::uint64_t value, unsigned n, WordOrder order) {
  std::vector<std::uint16_t> regs(n);
  for (unsigned i = 0; i < n; ++i) {
    // canonical word i (0 = most significant)
    auto word = static_cast<std::uint16_t>(value >> (16 * (n - 1 - i)));
    if (swaps_bytes(order)) word = swap16(word);
    regs[swaps_words(order) ? n - 1 - i : i] = word;
  }
  return regs;
}

std::int64_t sign_extend(std::uint64_t raw, unsigned bits) {
  if (bits == 64) return static_cast<std::int64_t>(raw);
  const std::uint64_t sign = std::uint64_t{1} << (bits - 1);
  return static_cast<std::int64_t>((raw ^ sign) - sign);
}

bool is_signed(PointType type) {
  return type == PointType::i16 || type == PointType::i32 || type == PointType::i64;
}

bool is_float(PointType type) {
  return type == PointType::f32 || type == PointType::f64;
}

bool unscaled(const PointSpec& p) {
  return p.scale == 1.0 && p.offset == 0.0;
}

// raw * scale + offset, leaving out the identity steps: -0.0 + 0.0 would be +0.0, and a device's
// -0.0 (a sign a sensor reports) must survive scale 1 / offset 0.
double scaled(const PointSpec& p, double raw) {
  if (p.scale != 1.0) raw *= p.scale;
  if (p.offset != 0.0) raw += p.offset;
  return raw;
}

// A command's value as a number, if it is one. Strings must hold a whole number ("12.5").
std::optional<double> as_double(const store::FieldValue& value) {
  if (const auto* b = std::get_if<bool>(&value)) return *b ? 1.0 : 0.0;
  if (const auto* i = std::get_if<std::int64_t>(&value)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&value)) return *d;
  const auto& s = std::get<std::string>(value);
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(s.c_str(), &end);
  if (errno != 0 || end != s.c_str() + s.size()) return std::nullopt;
  return d;
}

std::optional<bool> as_bool(const store::FieldValue& value) {
  if (const auto* s = std::get_if<std::string>(&value)) {
    if (*s == "true" || *s == "on") return true;
    if (*s == "false" || *s == "off") return false;
  }
  const auto d = as_double(value);
  if (d && (*d == 0.0 || *d == 1.0)) return *d == 1.0;
  return std::nullopt;
}

EncodedPoint refuse(std::string why) {
  EncodedPoint e;
  e.error = std::move(why);
  return e;
}

// Integer range of a type as doubles, for checking a reverse-scaled value.
struct Range {
  double min;
  double max_exclusive;  // 2^bits or 2^(bits-1): exactly representable
};

Range range_of(PointType type) {
  const unsigned bits = 16 * register_count(type);
  if (is_signed(type)) return {-std::ldexp(1.0, bits - 1), std::ldexp(1.0, bits - 1)};
  return {0.0, std::ldexp(1.0, bits)};
}

// An integer command value held exactly: sign and magnitude, so the whole u64 and i64 ranges fit.
struct ExactInteger {
  bool negative = false;
  std::uint64_t magnitude = 0;
};

constexpr double kTwoTo53 = 9007199254740992.0;  // past this a double skips integers

// The value as an exact integer: integers, bools, decimal strings of any integer that fits 64 bits
// of magnitude, and doubles that hold a whole number no larger than 2^53. Empty with `why` set
// when the value is a number but cannot be taken exactly.
std::optional<ExactInteger> exact_integer(const store::FieldValue& value, std::string& why) {
  if (const auto* b = std::get_if<bool>(&value)) return ExactInteger{false, *b ? 1u : 0u};
  if (const auto* i = std::get_if<std::int64_t>(&value)) {
    const bool negative = *i < 0;
    // Two's complement negation in unsigned arithmetic: exact for INT64_MIN too.
    const auto u = static_cast<std::uint64_t>(*i);
    return ExactInteger{negative, negative ? ~u + 1 : u};
  }
  if (const auto* s = std::get_if<std::string>(&value)) {
    const bool negative = !s->empty() && s->front() == '-';
    const char* first = s->data() + (negative ? 1 : 0);
    const char* last = s->data() + s->size();
    if (first == last || *first < '0' || *first > '9') return std::nullopt;
    std::uint64_t magnitude = 0;
    const auto [end, ec] = std::from_chars(first, last, magnitude);
    if (end != last) return std::nullopt;  // "12.5", "1e3": a number, not an integer literal
    if (ec == std::errc::result_out_of_range) {
      why = *s + " does not fit 64 bits";
      return std::nullopt;
    }
    return ExactInteger{negative && magnitude != 0, magnitude};
  }
  const double d = std::get<double>(value);
  if (std::isfinite(d) && std::fabs(d) > kTwoTo53 && std::nearbyint(d) == d) {
    why = std::to_string(d) +
          " is beyond 2^53, where a JSON number is not exact; send the integer itself or a "
          "decimal string";
  }
  return std::nullopt;
}

// Whether `v` fits `type` (16, 32 or 64 bits, signed or not).
bool fits(const ExactInteger& v, PointType type) {
  const unsigned bits = 16 * register_count(type);
  if (!is_signed(type)) {
    return !v.negative && (bits == 64 || v.magnitude < (std::uint64_t{1} << bits));
  }
  const std::uint64_t half = std::uint64_t{1} << (bits - 1);
  return v.negative ? v.magnitude <= half : v.magnitude < half;
}

EncodedPoint encode_integer(const PointSpec& p, const store::FieldValue& value) {
  const unsigned n = register_count(p.type);
  if (unscaled(p)) {
    // The exact path: u64 and i64 keep every bit over their whole range.
    std::string why;
    const auto v = exact_integer(value, why);
    if (!why.empty()) return refuse(why + " for " + to_string(p.type));
    if (v) {
      if (!fits(*v, p.type)) {
        return refuse((v->negative ? "-" : "") + std::to_string(v->magnitude) +
                      " is out of range for " + to_string(p.type));
      }
      const std::uint64_t raw = v->negative ? ~v->magnitude + 1 : v->magnitude;
      return {disassemble(raw, n, p.order), false, {}, {}};
    }
  }
  const auto d = as_double(value);
  if (!d || !std::isfinite(*d)) return refuse("not a number");
  const double raw = std::nearbyint((*d - p.offset) / p.scale);
  const Range r = range_of(p.type);
  if (!std::isfinite(raw) || raw < r.min || raw >= r.max_exclusive) {
    return refuse(std::to_string(*d) + " gives raw " + std::to_string(raw) +
                  " after scale and offset, out of range for " + to_string(p.type));
  }
  const std::uint64_t bits_value = is_signed(p.type)
                                       ? static_cast<std::uint64_t>(static_cast<std::int64_t>(raw))
                                       : static_cast<std::uint64_t>(raw);
  return {disassemble(bits_value, n, p.order), false, {}, {}};
}

EncodedPoint encode_float(const PointSpec& p, const store::FieldValue& value) {
  const auto d = as_double(value);
  if (!d || !std::isfinite(*d)) return refuse("not a finite number");
  const double raw = (*d - p.offset) / p.scale;
  if (!std::isfinite(raw)) return refuse("out of range after scale and offset");
  if (p.type == PointType::f32) {
    if (std::fabs(raw) > FLT_MAX) {
      return refuse(std::to_string(*d) + " is out of range for f32 after scale and offset");
    }
    const auto bits = std::bit_cast<std::uint32_t>(static_cast<float>(raw));
    return {disassemble(bits, 2, p.order), false, {}, {}};
  }
  return {disassemble(std::bit_cast<std::uint64_t>(raw), 4, p.order), false, {}, {}};
}

}  // namespace

unsigned register_count(PointType type) {
  switch (type) {
    case PointType::boolean:
    case PointType::u16:
    case PointType::i16:
      return 1;
    case PointType::u32:
    case PointType::i32:
    case PointType::f32:
      return 2;
    case PointType::u64:
    case PointType::i64:
    case PointType::f64:
      return 4;
    case PointType::u8:
    case PointType::i8:
    case PointType::bit:
    case PointType::f16:
    case PointType::string:
      return 1;
  }
  return 1;
}

bool is_bit_table(Table table) {
  return table == Table::coil || table == Table::discrete;
}

unsigned point_width(const PointSpec& point) {
  if (is_bit_table(point.table)) return 1;
  if (point.type == PointType::string) return point.length == 0 ? 1 : point.length;
  return register_count(point.type);
}

store::FieldValue decode_registers(const PointSpec& p, std::span<const std::uint16_t> registers) {
  if (detail::is_part_type(p.type)) return detail::decode_part(p, registers);
  const std::uint64_t raw = assemble(registers, p.order);
  switch (p.type) {
    case PointType::boolean:
      return raw != 0;
    case PointType::f32:
      return scaled(p, static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(raw))));
    case PointType::f64:
      return scaled(p, std::bit_cast<double>(raw));
    default:
      break;
  }
  const unsigned bits = 16 * static_cast<unsigned>(registers.size());
  if (is_signed(p.type)) {
    const std::int64_t v = sign_extend(raw, bits);
    if (unscaled(p)) return v;
    return scaled(p, static_cast<double>(v));
  }
  if (unscaled(p) && raw <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return static_cast<std::int64_t>(raw);
  }
  return scaled(p, static_cast<double>(raw));
}

DecodePath decode_path(const PointSpec& p) {
  if (is_bit_table(p.table) || !unscaled(p) || p.order != WordOrder::abcd) {
    return DecodePath::general;
  }
  switch (p.type) {
    case PointType::u16:
      return DecodePath::u16;
    case PointType::i16:
      return DecodePath::i16;
    case PointType::u32:
      return DecodePath::u32;
    case PointType::i32:
      return DecodePath::i32;
    case PointType::f32:
      return DecodePath::f32;
    case PointType::f64:
      return DecodePath::f64;
    default:
      return DecodePath::general;
  }
}

EncodedPoint encode_point(const PointSpec& p, const store::FieldValue& value) {
  if (is_bit_table(p.table) || p.type == PointType::boolean) {
    const auto b = as_bool(value);
    if (!b) return refuse("expects a bool (true/false, 1/0)");
    EncodedPoint e;
    e.bit = *b;
    if (!is_bit_table(p.table)) e.registers = {static_cast<std::uint16_t>(*b ? 1 : 0)};
    return e;
  }
  if (p.scale == 0.0) return refuse("scale is 0, so no raw value gives the requested one");
  if (detail::is_part_type(p.type)) return detail::encode_part(p, value);
  if (is_float(p.type)) return encode_float(p, value);
  return encode_integer(p, value);
}

namespace {

// The names are string literals, so each view's data() is NUL-terminated.
template <typename E, std::size_t N>
const char* name_in(const std::array<std::pair<std::string_view, E>, N>& names, E value) {
  for (const auto& [name, v] : names) {
    if (v == value) return name.data();
  }
  return "?";
}

}  // namespace

namespace detail {
std::optional<double> command_number(const store::FieldValue& value) {
  return as_double(value);
}
std::optional<bool> command_bool(const store::FieldValue& value) {
  return as_bool(value);
}
}  // namespace detail

const char* to_string(PointType type) {
  return name_in(kPointTypeNames, type);
}
const char* to_string(WordOrder order) {
  return name_in(kWordOrderNames, order);
}
const char* to_string(Table table) {
  return name_in(kTableNames, table);
}

}  // namespace edgegw::southbound
