// Logging for the whole daemon, through spdlog's default logger. Under systemd with stderr
// connected to the journal ($JOURNAL_STREAM names stderr's device:inode) lines go to journald
// with structured fields - PRIORITY, MESSAGE, SYSLOG_IDENTIFIER=edgegw and, for lines about one
// device, EDGEGW_DEVICE=<name> (`journalctl EDGEGW_DEVICE=meter-1`). Otherwise they go to stderr
// with a time stamp. Library modules do not log; daemon/ logs what they report, once.
#pragma once

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

#include "daemon/log_level.hpp"

namespace edgegw::daemon::log {

// Whether `journal_stream` ("DEV:INODE", the value of $JOURNAL_STREAM) names the file open on fd.
bool journal_stream_matches(const char* journal_stream, int fd);

// Installs the default logger: journald when $JOURNAL_STREAM matches stderr, stderr otherwise.
void setup(LogLevel level);
void set_level(LogLevel level);
spdlog::level::level_enum to_spdlog(LogLevel level);

namespace detail {
// The device the line being written is about; read by the journald sink (same thread, the logger
// is synchronous).
class DeviceScope {
 public:
  explicit DeviceScope(std::string_view device);
  ~DeviceScope();
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  std::string_view previous_;
};
std::string_view current_device();
}  // namespace detail

// A line about one device: "[meter-1] message" on stderr, plus EDGEGW_DEVICE=meter-1 in the
// journal.
template <typename... Args>
void device(spdlog::level::level_enum level, std::string_view name,
            fmt::format_string<Args...> format, Args&&... args) {
  if (!spdlog::should_log(level)) return;
  detail::DeviceScope scope(name);
  spdlog::log(level, "[{}] {}", name, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace edgegw::daemon::log
