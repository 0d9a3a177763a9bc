#include "daemon/remote_operations.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "config/units.hpp"
#include "northbound/result_codes.hpp"

namespace edgegw::daemon {
namespace {

namespace result_code = northbound::result_code;
using northbound::Command;
using northbound::CommandResult;

CommandResult failure(int code, std::string message) {
  return {false, code, std::move(message), {}};
}

CommandResult success(std::string message, std::vector<store::Field> values = {}) {
  return {true, result_code::ok, std::move(message), std::move(values)};
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += (out.empty() ? "" : "\n") + line;
  return out;
}

}  // namespace

std::string parameter(const Command& command, const std::string& name) {
  for (const auto& f : command.values) {
    if (f.name != name) continue;
    return std::visit(
        [](const auto& v) -> std::string {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) {
            return v;
          } else if constexpr (std::is_same_v<T, bool>) {
            return v ? "true" : "false";
          } else if constexpr (std::is_same_v<T, double>) {
            return std::to_string(static_cast<std::int64_t>(v)) + "s";
          } else {
            return std::to_string(v) + "s";  // a bare number of a duration is seconds
          }
        },
        f.value);
  }
  return {};
}

void RemoteOperations::on_command(const Command& command) {
  if (queued_.size() >= kMaxQueued) {
    answer(command, failure(result_code::busy, "too many remote operations at once"));
    return;
  }
  queued_.push_back(command);
}

void RemoteOperations::run(const Command& command, Clock::time_point now) {
  spdlog::info("remote operation {} (request {}) for the gateway", command.name,
               command.request_id);
  if (command.kind != Command::Kind::run_command) {
    answer(command, failure(result_code::not_supported,
                            "the gateway has no points; call one of its operations: status, "
                            "set_log_level, poll, restart_session, reload"));
    return;
  }
  if (command.name == "status") {
    answer(command, success("ok", {{"status", host_.status_json()}}));
  } else if (command.name == "set_log_level") {
    set_log_level(command, now);
  } else if (command.name == "poll") {
    poll(command, now);
  } else if (command.name == "restart_session") {
    restart_session(command);
  } else if (command.name == "reload") {
    reload(command);
  } else {
    answer(command, failure(result_code::not_supported,
                            "the gateway has no operation '" + command.name + "'"));
  }
}

void RemoteOperations::set_log_level(const Command& command, Clock::time_point now) {
  const auto level = loop::parse_log_level(parameter(command, "level"));
  if (!level) {
    answer(command, failure(result_code::bad_parameter,
                            "level must be one of trace, debug, info, warning, error"));
    return;
  }
  std::chrono::seconds duration = kDefaultLogDuration;
  if (const auto text = parameter(command, "duration"); !text.empty()) {
    const auto parsed = config::parse_duration(text);
    if (!parsed || *parsed < std::chrono::seconds(1) || *parsed > kMaxLogDuration) {
      answer(command,
             failure(result_code::bad_parameter, "duration must be 1s..24h (\"10m\", or seconds)"));
      return;
    }
    duration = std::chrono::duration_cast<std::chrono::seconds>(*parsed);
  }
  host_.set_log_level(*level);
  log_until_ = now + duration;
  spdlog::warn("log level {} for {} s (remote operation, request {})", loop::to_string(*level),
               duration.count(), command.request_id);
  answer(command, success("log level " + std::string(loop::to_string(*level)) + " for " +
                              std::to_string(duration.count()) + " s",
                          {{"level", std::string(loop::to_string(*level))},
                           {"duration_s", static_cast<std::int64_t>(duration.count())}}));
}

void RemoteOperations::poll(const Command& command, Clock::time_point now) {
  const std::string device = parameter(command, "device");
  const auto before = host_.polls_done(device);
  if (device.empty() || !before) {
    answer(command,
           failure(result_code::bad_parameter, "device must name a Modbus device of the gateway"));
    return;
  }
  if (auto why = host_.request_poll(device)) {
    answer(command, failure(result_code::device_error, *why));
    return;
  }
  polls_.push_back({command, device, *before, now + kPollTimeout});
}

void RemoteOperations::restart_session(const Command& command) {
  const std::string device = parameter(command, "device");
  if (auto why = host_.restart_session(device)) {
    answer(command, failure(result_code::bad_parameter, *why));
    return;
  }
  spdlog::info("[{}] session restarted (remote operation, request {})", device, command.request_id);
  answer(command, success("session of " + device + " restarted"));
}

void RemoteOperations::reload(const Command& command) {
  const auto problems = host_.reload();
  if (!problems.empty()) {
    answer(command, failure(result_code::bad_parameter,
                            "the configuration on disk was refused:\n" + joined(problems)));
    return;
  }
  answer(command, success("configuration reloaded"));
}

void RemoteOperations::tick(Clock::time_point now) {
  std::vector<Command> queued;
  queued.swap(queued_);
  for (const auto& command : queued) run(command, now);
  for (auto it = polls_.begin(); it != polls_.end();) {
    const auto done = host_.polls_done(it->device);
    if (done && *done > it->done_before) {
      answer(it->command, host_.poll_answer(it->device));
    } else if (now >= it->deadline || !done) {
      answer(it->command, failure(result_code::device_error,
                                  "the poll of " + it->device + " did not end in time"));
    } else {
      ++it;
      continue;
    }
    it = polls_.erase(it);
  }
  if (log_until_ && now >= *log_until_) {
    log_until_.reset();
    host_.restore_log_level();
    spdlog::info("log level back to the configured one (remote operation ended)");
  }
}

void RemoteOperations::answer(const Command& command, CommandResult result) {
  spdlog::info("remote operation {} (request {}): {}", command.name, command.request_id,
               result.ok ? "done" : "failed: " + result.message);
  host_.reply(command, result);
}

}  // namespace edgegw::daemon
