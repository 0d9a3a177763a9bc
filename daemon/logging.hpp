// Logging for the whole daemon, through spdlog's default logger. Under systemd with stderr
// connected to the journal ($JOURNAL_STREAM names stderr's device:inode) lines go to journald
// with structured fields - PRIORITY, MESSAGE, SYSLOG_IDENTIFIER=edgegw and, for lines about one
// device, EDGEGW_DEVICE=<name>, EDGEGW_PLATFORM=<platform> and, for Modbus devices,
// EDGEGW_BUS=<bus> (`journalctl EDGEGW_DEVICE=meter-1` tells one device's story). Otherwise they
// go to stderr with a time stamp. Library modules do not log; daemon/ logs what they report, once.
//
// Each entry carries CODE_FILE/CODE_LINE/CODE_FUNC of the line that logged it (loop::SourceLocation
// through log::device/log::event) or none (a line relayed from a module's LogSink, whose sender is
// not known here) - never this file's own location. A stable event (daemon/message_ids.hpp) also
// carries its MESSAGE_ID, which systemd/edgegw.catalog explains (`journalctl -x`).
//
// A device's fields come from a process-wide directory (describe_device()), filled when the
// gateway takes a device on: a caller only names the device, so no call site can forget the
// platform or the bus. The directory is thread-safe (Modbus bus threads log through it too).
#pragma once

#include <spdlog/sinks/sink.h>
#include <spdlog/spdlog.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/log_level.hpp"
#include "daemon/message_ids.hpp"
#include "loop/source_location.hpp"

namespace edgegw::daemon::log {

// The journal fields of the lines about one device.
struct DeviceLogContext {
  std::string device;    // EDGEGW_DEVICE
  std::string platform;  // EDGEGW_PLATFORM: aliyun | tencent | huawei | mqtt
  std::string bus;       // EDGEGW_BUS: the [[modbus]] bus of a Modbus device; empty otherwise
  bool operator==(const DeviceLogContext&) const = default;
};

// The directory of devices' journal fields. describe_device() adds or replaces one entry;
// forget_device() removes it; forget_all_devices() empties it (tests, a new gateway).
void describe_device(DeviceLogContext context);
void forget_device(std::string_view device);
void forget_all_devices();
// Replaces the whole directory at once (no moment in which a device has no fields).
void set_devices(std::vector<DeviceLogContext> contexts);
std::optional<DeviceLogContext> device_context(std::string_view device);

// Whether `journal_stream` ("DEV:INODE", the value of $JOURNAL_STREAM) names the file open on fd.
bool journal_stream_matches(const char* journal_stream, int fd);

// Installs the default logger: journald when $JOURNAL_STREAM matches stderr, stderr otherwise.
void setup(LogLevel level);
void set_level(LogLevel level);
spdlog::level::level_enum to_spdlog(LogLevel level);

// Receives one journal entry as its "FIELD=value" strings. The default writes them with
// sd_journal_sendv(); tests pass their own to see exactly what the journal would get.
using JournalWriter = std::function<void(const std::vector<std::string>& fields)>;
std::shared_ptr<spdlog::sinks::sink> make_journal_sink(JournalWriter writer = {});

namespace detail {
// The device the line being written is about; read by the journald sink (same thread, the logger
// is synchronous).
class DeviceScope {
 public:
  explicit DeviceScope(std::string_view device);
  explicit DeviceScope(const DeviceLogContext& context);
  ~DeviceScope();
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  DeviceLogContext context_;
  const DeviceLogContext* previous_;
};
std::string_view current_device();
const DeviceLogContext* current_context();
// Writes one line about `context` (may be null) with `message_id` (may be empty) and the caller's
// location (may be null), as it is.
void write_line(spdlog::level::level_enum level, const DeviceLogContext* context,
                std::string_view message_id, const loop::SourceLocation* where,
                std::string_view text);
// The context of `device`: the directory's entry, or just the name when it has none.
DeviceLogContext context_of(std::string_view device);
}  // namespace detail

// A format string and where it was written (the caller's CODE_FILE/CODE_LINE/CODE_FUNC).
template <typename... Args>
struct Format {
  template <typename S>
  consteval Format(const S& s, loop::SourceLocation where = loop::SourceLocation::current())
      : text(s), where(where) {}
  fmt::format_string<Args...> text;
  loop::SourceLocation where;
};

// A line about one device: "[meter-1] message" on stderr, plus the device's fields in the journal.
template <typename... Args>
void device(spdlog::level::level_enum level, std::string_view name,
            Format<std::type_identity_t<Args>...> format, Args&&... args) {
  if (!spdlog::should_log(level)) return;
  const auto context = detail::context_of(name);
  detail::write_line(
      level, &context, {}, &format.where,
      fmt::format("[{}] {}", name, fmt::vformat(format.text, fmt::make_format_args(args...))));
}

// A line about a device with the fields given here (a device that is leaving the directory).
template <typename... Args>
void device(spdlog::level::level_enum level, const DeviceLogContext& context,
            Format<std::type_identity_t<Args>...> format, Args&&... args) {
  if (!spdlog::should_log(level)) return;
  detail::write_line(level, &context, {}, &format.where,
                     fmt::format("[{}] {}", context.device,
                                 fmt::vformat(format.text, fmt::make_format_args(args...))));
}

// A stable event with its MESSAGE_ID, about device `name` (empty: about the gateway as a whole).
template <typename... Args>
void event(spdlog::level::level_enum level, const MessageId& id, std::string_view name,
           Format<std::type_identity_t<Args>...> format, Args&&... args) {
  if (!spdlog::should_log(level)) return;
  if (name.empty()) {
    detail::write_line(level, nullptr, id.id, &format.where,
                       fmt::vformat(format.text, fmt::make_format_args(args...)));
    return;
  }
  const auto context = detail::context_of(name);
  detail::write_line(
      level, &context, id.id, &format.where,
      fmt::format("[{}] {}", name, fmt::vformat(format.text, fmt::make_format_args(args...))));
}

// Sees every stable event (a line with a MESSAGE_ID) as it is written, from any thread: the id,
// the device it is about (empty: the gateway) and the text. The fleet reporter
// (daemon/gateway_events.hpp) sends them up as the platform's events. It must not log. Empty: none.
using EventObserver = std::function<void(std::string_view message_id, std::string_view device,
                                         std::string_view text)>;
void set_event_observer(EventObserver observer);

// A line about `device` relayed from a module's LogSink: "[device] message" with the device's
// fields and no CODE_* fields (the module's line is not known here). Thread-safe.
void relayed(spdlog::level::level_enum level, std::string_view device, std::string_view message);

// A line from a southbound source (a Modbus bus thread, the local MQTT connection), logged as it
// is. `device` is the device it is about, as the source said (never read from the text): the line
// gets that device's fields; a line about no device gets EDGEGW_BUS=`bus` alone (when given).
// Thread-safe.
void source_line(spdlog::level::level_enum level, std::string_view device, std::string_view bus,
                 std::string_view message);

}  // namespace edgegw::daemon::log
