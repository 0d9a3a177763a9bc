// What a configuration file must be before its text reaches the TOML parser. toml++ recurses once
// per level of a dotted key or nested array/table, so a small hostile file (a 100,000-level dotted
// key is 200 KB) overflows the stack; a directory, /dev/zero or a FIFO is not a file at all; a
// file anyone may write lets anyone change what the gateway does. Each is refused with a sentence
// naming the file, before parsing, so `check` and a SIGHUP reload fail cleanly instead of crashing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "config/config_error.hpp"

namespace edgegw::config {

// The largest configuration file read (the shipped example is 3 KB).
inline constexpr std::uintmax_t kMaxConfigFileBytes = 4u << 20;
// The deepest nesting accepted: dots in one key, or arrays and tables opened inside each other.
inline constexpr std::size_t kMaxConfigNesting = 64;

// The text of `file`, or nullopt with one problem added: not a regular file, larger than
// kMaxConfigFileBytes, writable by every user, or unreadable. A FIFO is refused without blocking.
std::optional<std::string> read_config_text(const std::filesystem::path& file,
                                            ProblemList& problems);

// The place and sentence of the first key with more than kMaxConfigNesting dots or the first
// bracket opened deeper than kMaxConfigNesting, nullopt when there is none. A lexical pre-scan
// that skips strings and comments: O(length), no recursion. Dots inside values (1.5, a date) reset
// at '=' and ',' and count at most a few, so they never reach the cap.
std::optional<ConfigProblem> check_nesting(std::string_view text, const std::string& file);

}  // namespace edgegw::config
