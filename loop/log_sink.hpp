// How every module logs without depending on the daemon's logger: one level enum and one sink
// signature that the daemon fills (journald through spdlog). The device is a parameter, never text
// inside the message, so the journal's EDGEGW_DEVICE field does not depend on how a line is worded.
// A sink handed to a Modbus bus is called from that bus's thread, so the daemon's sinks are
// thread-safe; everything else calls its sink on the event loop.
#pragma once

#include <functional>
#include <optional>
#include <string_view>

namespace edgegw::loop {

enum class LogLevel { trace, debug, info, warning, error };

// device: the [[device]] name the line is about, or empty for a line about a bus, the local broker
// or the gateway as a whole (whose names go in the message).
using LogSink =
    std::function<void(LogLevel level, std::string_view device, std::string_view message)>;

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

}  // namespace edgegw::loop
