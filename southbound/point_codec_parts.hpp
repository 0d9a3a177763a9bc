// The point types that are not a whole number of 16-bit words in the usual sense: a bit or a byte
// of one register, IEEE half precision, and ASCII strings over N registers. Internal to
// point_codec.cpp, which dispatches here; kept apart so each file stays one concern.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "southbound/point_codec.hpp"

namespace edgegw::southbound::detail {

bool is_part_type(PointType type);  // u8, i8, bit, f16, string

store::FieldValue decode_part(const PointSpec& point, std::span<const std::uint16_t> registers);
EncodedPoint encode_part(const PointSpec& point, const store::FieldValue& value);

// IEEE 754 binary16 <-> double. to_half rounds to nearest (ties to even); empty when the value
// is beyond the largest half (65504) after rounding, or not finite.
double from_half(std::uint16_t half);
std::optional<std::uint16_t> to_half(double value);

// A command's value as a number / a bool, as point_codec.cpp reads them.
std::optional<double> command_number(const store::FieldValue& value);
std::optional<bool> command_bool(const store::FieldValue& value);

}  // namespace edgegw::southbound::detail
