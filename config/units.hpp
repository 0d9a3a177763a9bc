// Durations ("250ms", "5s", "10m", "1h", "7d", "0") and sizes ("64MiB", "1GiB", "4096") as the
// configuration writes them. Pure parsing, no TOML: the config reader turns a failure into a
// FILE:LINE:COLUMN problem, and the same functions print values back in messages.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace edgegw::config {

// A non-negative integer followed by ms, s, m, h or d; "0" alone is zero. nullopt on anything else
// (no sign, no fraction, no spaces, no overflow).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// A non-negative integer of bytes, optionally followed by B, KiB, MiB, GiB or TiB. nullopt on
// anything else, including overflow of 64 bits.
std::optional<std::uint64_t> parse_size(std::string_view text);

// The shortest exact spelling parse_duration() reads back: 1500ms -> "1500ms", 60000ms -> "1m".
std::string format_duration(std::chrono::milliseconds d);
// Likewise for sizes: 1048576 -> "1MiB", 1000 -> "1000".
std::string format_size(std::uint64_t bytes);

}  // namespace edgegw::config
