#include "config/units.hpp"

#include <array>
#include <limits>
#include <utility>

namespace edgegw::config {
namespace {

// Splits "123abc" into 123 and "abc"; nullopt without leading digits or on overflow.
std::optional<std::pair<std::uint64_t, std::string_view>> split_number(std::string_view text) {
  std::uint64_t value = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    const std::uint64_t digit = static_cast<std::uint64_t>(text[i] - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  if (i == 0) return std::nullopt;
  return std::pair{value, text.substr(i)};
}

std::optional<std::uint64_t> multiply(std::uint64_t value, std::uint64_t factor,
                                      std::uint64_t limit) {
  if (value != 0 && factor > limit / value) return std::nullopt;
  return value * factor;
}

struct Unit {
  std::string_view suffix;
  std::uint64_t factor;
};

constexpr std::array<Unit, 5> kDurationUnits{
    {{"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1000}, {"ms", 1}}};
constexpr std::array<Unit, 5> kSizeUnits{
    {{"TiB", 1ull << 40}, {"GiB", 1ull << 30}, {"MiB", 1ull << 20}, {"KiB", 1ull << 10}, {"", 1}}};

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  auto parts = split_number(text);
  if (!parts) return std::nullopt;
  auto [value, suffix] = *parts;
  if (suffix.empty()) {
    if (value == 0) return std::chrono::milliseconds(0);
    return std::nullopt;  // a bare number has no unit: "5" could mean anything
  }
  // Milliseconds fit comfortably in int64; cap there so the chrono value never overflows.
  constexpr auto kLimit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  for (const Unit& unit : kDurationUnits) {
    if (suffix != unit.suffix) continue;
    auto ms = multiply(value, unit.factor, kLimit);
    if (!ms) return std::nullopt;
    return std::chrono::milliseconds(static_cast<std::int64_t>(*ms));
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  auto parts = split_number(text);
  if (!parts) return std::nullopt;
  auto [value, suffix] = *parts;
  if (suffix == "B") suffix = "";
  for (const Unit& unit : kSizeUnits) {
    if (suffix == unit.suffix) return multiply(value, unit.factor, UINT64_MAX);
  }
  return std::nullopt;
}

std::string format_duration(std::chrono::milliseconds d) {
  const auto ms = static_cast<std::uint64_t>(d.count() < 0 ? 0 : d.count());
  if (ms == 0) return "0";
  for (const Unit& unit : kDurationUnits) {
    if (ms % unit.factor == 0) return std::to_string(ms / unit.factor) + std::string(unit.suffix);
  }
  return std::to_string(ms) + "ms";
}

std::string format_size(std::uint64_t bytes) {
  if (bytes == 0) return "0";
  for (const Unit& unit : kSizeUnits) {
    if (bytes % unit.factor == 0)
      return std::to_string(bytes / unit.factor) + std::string(unit.suffix);
  }
  return std::to_string(bytes);
}

}  // namespace edgegw::config
