// The log levels a user can name (gateway.log_level, --log-level).
#pragma once

#include <optional>
#include <string_view>

namespace edgegw::daemon {

enum class LogLevel { trace, debug, info, warning, error };

constexpr std::optional<LogLevel> parse_log_level(std::string_view s) {
  if (s == "trace") return LogLevel::trace;
  if (s == "debug") return LogLevel::debug;
  if (s == "info") return LogLevel::info;
  if (s == "warning") return LogLevel::warning;
  if (s == "error") return LogLevel::error;
  return std::nullopt;
}

constexpr std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::trace:
      return "trace";
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warning:
      return "warning";
    case LogLevel::error:
      return "error";
  }
  return "info";
}

}  // namespace edgegw::daemon
