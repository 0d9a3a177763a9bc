#include "southbound/point_codec_parts.hpp"

#include <cmath>
#include <string>

namespace edgegw::southbound::detail {
namespace {

std::uint16_t swap16(std::uint16_t v) {
  return static_cast<std::uint16_t>((v << 8) | (v >> 8));
}
bool swaps_bytes(WordOrder order) {
  return order == WordOrder::badc || order == WordOrder::dcba;
}
bool swaps_words(WordOrder order) {
  return order == WordOrder::cdab || order == WordOrder::dcba;
}

// The register's value with the order's byte swap undone (the word swap has no meaning for one).
std::uint16_t plain(std::uint16_t wire, WordOrder order) {
  return swaps_bytes(order) ? swap16(wire) : wire;
}

double scaled(const PointSpec& p, double raw) {
  if (p.scale != 1.0) raw *= p.scale;
  if (p.offset != 0.0) raw += p.offset;
  return raw;
}

EncodedPoint refuse(std::string why) {
  EncodedPoint e;
  e.error = std::move(why);
  return e;
}

// A change of part of one register, as FC 22 (or read-modify-write) applies it on the wire.
EncodedPoint masked(const PointSpec& p, std::uint16_t keep, std::uint16_t set) {
  EncodedPoint e;
  if (swaps_bytes(p.order)) {
    keep = swap16(keep);
    set = swap16(set);
  }
  e.mask = RegisterMask{keep, static_cast<std::uint16_t>(set & ~keep)};
  return e;
}

std::string decode_string(const PointSpec& p, std::span<const std::uint16_t> registers) {
  std::string out;
  const std::size_t n = registers.size();
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint16_t word = plain(registers[swaps_words(p.order) ? n - 1 - i : i], p.order);
    for (const auto c : {static_cast<unsigned char>(word >> 8), static_cast<unsigned char>(word)}) {
      if (c == 0) i = n;  // the first NUL ends the string
      if (c == 0) break;
      out += c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '?';
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

EncodedPoint encode_string(const PointSpec& p, const store::FieldValue& value) {
  const auto* s = std::get_if<std::string>(&value);
  if (s == nullptr) return refuse("expects a string");
  const std::size_t n = p.length;
  if (s->size() > 2 * n) {
    return refuse("\"" + *s + "\" is longer than " + std::to_string(2 * n) + " characters");
  }
  for (const char c : *s) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
      return refuse("only printable ASCII fits a string point");
    }
  }
  EncodedPoint e;
  e.registers.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const auto hi = 2 * i < s->size() ? static_cast<unsigned char>((*s)[2 * i]) : 0u;
    const auto lo = 2 * i + 1 < s->size() ? static_cast<unsigned char>((*s)[2 * i + 1]) : 0u;
    const auto word = static_cast<std::uint16_t>((hi << 8) | lo);
    e.registers[swaps_words(p.order) ? n - 1 - i : i] = swaps_bytes(p.order) ? swap16(word) : word;
  }
  return e;
}

EncodedPoint encode_byte(const PointSpec& p, const store::FieldValue& value) {
  const auto d = command_number(value);
  if (!d || !std::isfinite(*d)) return refuse("not a number");
  const double raw = std::nearbyint((*d - p.offset) / p.scale);
  const bool is_signed = p.type == PointType::i8;
  if (raw < (is_signed ? -128.0 : 0.0) || raw > (is_signed ? 127.0 : 255.0)) {
    return refuse(std::to_string(*d) + " is out of range for " + to_string(p.type));
  }
  const auto byte = static_cast<std::uint16_t>(static_cast<std::int64_t>(raw) & 0xFF);
  return p.high_byte ? masked(p, 0x00FF, static_cast<std::uint16_t>(byte << 8))
                     : masked(p, 0xFF00, byte);
}

}  // namespace

bool is_part_type(PointType type) {
  return type == PointType::u8 || type == PointType::i8 || type == PointType::bit ||
         type == PointType::f16 || type == PointType::string;
}

double from_half(std::uint16_t half) {
  const int exponent = (half >> 10) & 0x1F;
  const int mantissa = half & 0x3FF;
  double magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(mantissa, -24);
  } else if (exponent == 31) {
    magnitude = mantissa == 0 ? INFINITY : NAN;
  } else {
    magnitude = std::ldexp(mantissa + 1024, exponent - 25);
  }
  return std::copysign(magnitude, (half & 0x8000) != 0 ? -1.0 : 1.0);
}

std::optional<std::uint16_t> to_half(double value) {
  if (!std::isfinite(value)) return std::nullopt;
  const std::uint16_t sign = std::signbit(value) ? 0x8000 : 0;
  const double a = std::fabs(value);
  std::uint32_t bits;
  if (a < std::ldexp(1.0, -14)) {
    // Subnormal (or zero): a multiple of 2^-24; 1024 rounds up into the smallest normal.
    bits = static_cast<std::uint32_t>(std::nearbyint(std::ldexp(a, 24)));
  } else {
    int e = 0;
    std::frexp(a, &e);  // a = f * 2^e, f in [0.5, 1)
    auto mantissa =
        static_cast<std::uint32_t>(std::nearbyint(std::ldexp(a, 11 - e)));  // 1024..2048
    int exponent = e - 1;
    if (mantissa == 2048) {
      mantissa = 1024;
      ++exponent;
    }
    if (exponent > 15) return std::nullopt;
    bits = (static_cast<std::uint32_t>(exponent + 15) << 10) | (mantissa - 1024);
  }
  return static_cast<std::uint16_t>(sign | bits);
}

store::FieldValue decode_part(const PointSpec& p, std::span<const std::uint16_t> registers) {
  if (p.type == PointType::string) return decode_string(p, registers);
  const std::uint16_t word = plain(registers[0], p.order);
  switch (p.type) {
    case PointType::bit:
      return ((word >> (p.bit & 15)) & 1) != 0;
    case PointType::f16:
      return scaled(p, from_half(word));
    default:
      break;
  }
  const auto byte = static_cast<std::uint8_t>(p.high_byte ? word >> 8 : word);
  const std::int64_t v = p.type == PointType::i8 ? static_cast<std::int8_t>(byte) : byte;
  if (p.scale == 1.0 && p.offset == 0.0) return v;
  return scaled(p, static_cast<double>(v));
}

EncodedPoint encode_part(const PointSpec& p, const store::FieldValue& value) {
  switch (p.type) {
    case PointType::string:
      return encode_string(p, value);
    case PointType::bit: {
      const auto b = command_bool(value);
      if (!b) return refuse("expects a bool (true/false, 1/0)");
      const auto one = static_cast<std::uint16_t>(1u << (p.bit & 15));
      return masked(p, static_cast<std::uint16_t>(~one), *b ? one : 0);
    }
    case PointType::f16: {
      const auto d = command_number(value);
      if (!d || !std::isfinite(*d)) return refuse("not a finite number");
      const auto half = to_half((*d - p.offset) / p.scale);
      if (!half) return refuse(std::to_string(*d) + " is out of range for f16 (±65504)");
      EncodedPoint e;
      e.registers = {swaps_bytes(p.order) ? swap16(*half) : *half};
      return e;
    }
    default:
      return encode_byte(p, value);
  }
}

}  // namespace edgegw::southbound::detail
