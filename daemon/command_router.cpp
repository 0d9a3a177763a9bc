#include "daemon/command_router.hpp"

#include "daemon/logging.hpp"
#include "northbound/result_codes.hpp"

namespace edgegw::daemon {
namespace {

namespace result_code = northbound::result_code;

northbound::CommandResult failure(int code, std::string message) {
  return {false, code, std::move(message), {}};
}

}  // namespace

CommandRouter::CommandRouter(DeviceSide& devices, const LastValues& last_values, ReplySink reply)
    : devices_(devices), last_values_(last_values), reply_(std::move(reply)) {}

void CommandRouter::on_command(const std::string& device, const northbound::Command& command) {
  ++counters_.commands;
  switch (command.kind) {
    case northbound::Command::Kind::set_points:
      set_points(device, command);
      return;
    case northbound::Command::Kind::get_points:
      get_points(device, command);
      return;
    case northbound::Command::Kind::run_command:
      run_command(device, command);
      return;
  }
}

void CommandRouter::set_points(const std::string& device, const northbound::Command& command) {
  switch (devices_.kind_of(device)) {
    case DeviceSide::Kind::modbus: {
      const std::uint64_t id = next_id_++;
      pending_[id] = {device, command};
      devices_.write_points({device, id, command.values});
      return;
    }
    case DeviceSide::Kind::local_mqtt: {
      auto refused = devices_.publish_command(
          device, command.values, [this, device, command](bool ok, const std::string& message) {
            reply(device, command,
                  {ok, ok ? result_code::ok : result_code::device_error, message, {}});
          });
      if (refused) {
        const int code =
            command.values.empty() ? result_code::bad_parameter : result_code::device_error;
        reply(device, command, failure(code, *refused));
      }
      return;
    }
    case DeviceSide::Kind::none:
      reply(device, command,
            failure(result_code::not_supported, "the device has no writable southbound side"));
      return;
  }
}

void CommandRouter::get_points(const std::string& device, const northbound::Command& command) {
  std::vector<std::string> names;
  names.reserve(command.values.size());
  for (const auto& wanted : command.values) names.push_back(wanted.name);
  auto found = last_values_.lookup(device, names);
  northbound::CommandResult result;
  result.values = std::move(found.found);
  if (found.missing.empty()) {
    result.message = "ok";
  } else {
    // Some values are better than none: the cloud gets what is known and the names it lacks.
    result.ok = !result.values.empty();
    result.code = result.ok ? result_code::ok : result_code::bad_parameter;
    result.message = "no value reported yet for:";
    for (const auto& name : found.missing) result.message += " " + name;
  }
  reply(device, command, std::move(result));
}

void CommandRouter::run_command(const std::string& device, const northbound::Command& command) {
  // No named commands or services can be configured yet: every one is answered, at once, with
  // the platform's "not supported" rather than left to time out in the cloud.
  reply(
      device, command,
      failure(result_code::not_supported,
              "command '" + command.name + "' is not supported; only setting and reading points"));
}

void CommandRouter::on_write_result(const southbound::WriteResult& write) {
  auto it = pending_.find(write.request_id);
  if (it == pending_.end()) return;
  Pending pending = std::move(it->second);
  pending_.erase(it);
  // A refused point (unknown, read-only, out of range) is the caller's mistake; a write the device
  // did not take is the device's.
  const int code = write.ok                 ? result_code::ok
                   : write.failures.empty() ? result_code::device_error
                                            : result_code::bad_parameter;
  reply(pending.device, pending.command, {write.ok, code, write.message, {}});
}

void CommandRouter::reply(const std::string& device, const northbound::Command& command,
                          northbound::CommandResult result) {
  if (!result.ok) ++counters_.failures;
  log::device(result.ok ? spdlog::level::info : spdlog::level::warn, device, "command {}: {}",
              command.request_id, result.ok ? "done" : result.message);
  if (!reply_(device, command, result)) {
    log::device(spdlog::level::warn, device, "the reply to command {} was dropped",
                command.request_id);
  }
}

}  // namespace edgegw::daemon
