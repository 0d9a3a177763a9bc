#include "daemon/command_router.hpp"

#include <algorithm>

#include "daemon/logging.hpp"
#include "northbound/result_codes.hpp"

namespace edgegw::daemon {
namespace {

namespace result_code = northbound::result_code;

northbound::CommandResult failure(int code, std::string message) {
  return {false, code, std::move(message), {}};
}

// The points a property get asks for (none: all).
std::vector<std::string> asked_names(const northbound::Command& command) {
  std::vector<std::string> names;
  names.reserve(command.values.size());
  for (const auto& wanted : command.values) names.push_back(wanted.name);
  return names;
}

}  // namespace

CommandRouter::CommandRouter(DeviceSide& devices, const LastValues& last_values, ReplySink reply,
                             CommandCatalog commands)
    : devices_(devices),
      last_values_(last_values),
      reply_(std::move(reply)),
      commands_(std::move(commands)) {}

void CommandRouter::on_command(const std::string& device, const northbound::Command& command,
                               Clock::time_point now) {
  ++counters_.commands;
  switch (command.kind) {
    case northbound::Command::Kind::set_points:
      set_points(device, command, now);
      return;
    case northbound::Command::Kind::get_points:
      get_points(device, command, now);
      return;
    case northbound::Command::Kind::run_command:
      run_command(device, command, now);
      return;
  }
}

void CommandRouter::set_points(const std::string& device, const northbound::Command& command,
                               Clock::time_point now) {
  switch (devices_.kind_of(device)) {
    case DeviceSide::Kind::modbus: {
      const std::uint64_t id = next_id_++;
      pending_[id] = {device, command, now + kWriteTimeout, false, {}};
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

void CommandRouter::get_points(const std::string& device, const northbound::Command& command,
                               Clock::time_point now) {
  if (devices_.kind_of(device) == DeviceSide::Kind::modbus) {
    const std::uint64_t id = next_id_++;
    if (devices_.read_points({device, id, asked_names(command)})) {
      pending_[id] = {device, command, now + kReadTimeout, false, {}, true};
      return;
    }
  }
  answer_from_last_values(device, command, {});
}

void CommandRouter::answer_from_last_values(const std::string& device,
                                            const northbound::Command& command,
                                            const std::string& why) {
  auto found = last_values_.lookup(device, asked_names(command));
  northbound::CommandResult result;
  result.values = std::move(found.found);
  std::string age;
  if (!why.empty()) {
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    age = why + "; answered from the last values";
    if (found.oldest_ms > 0) {
      age += ", " + std::to_string(std::max<std::int64_t>(0, now_ms - found.oldest_ms) / 1000) +
             " s old";
    }
  }
  if (found.missing.empty()) {
    result.message = age.empty() ? "ok" : age;
  } else {
    // Some values are better than none: the cloud gets what is known and the names it lacks.
    result.ok = !result.values.empty();
    result.code = result.ok ? result_code::ok : result_code::bad_parameter;
    result.message = "no value reported yet for:";
    for (const auto& name : found.missing) result.message += " " + name;
    if (!age.empty()) result.message = age + "; " + result.message;
  }
  reply(device, command, std::move(result));
}

void CommandRouter::on_read_result(const southbound::ReadResult& read) {
  auto it = pending_.find(read.request_id);
  if (it == pending_.end() || !it->second.reading) return;
  Pending pending = std::move(it->second);
  pending_.erase(it);
  if (!read.ok) {
    answer_from_last_values(pending.device, pending.command,
                            "the device read failed (" + read.message + ")");
    return;
  }
  reply(pending.device, pending.command, {true, result_code::ok, "ok", read.values});
}

void CommandRouter::run_command(const std::string& device, const northbound::Command& command,
                                Clock::time_point now) {
  const config::DeviceCommand* spec = find_command(device, command);
  if (!spec) {
    // Answered at once with the platform's "not supported" rather than left to time out.
    reply(device, command,
          failure(result_code::not_supported,
                  "command '" + command.name + "' is not supported by this device"));
    return;
  }
  if (spec->forward) {
    forward_command(device, command, *spec, now);
  } else {
    write_command(device, command, *spec, now);
  }
}

const config::DeviceCommand* CommandRouter::find_command(const std::string& device,
                                                         const northbound::Command& command) const {
  auto it = commands_.find(device);
  if (it == commands_.end()) return nullptr;
  for (const auto& spec : it->second) {
    if (spec.name != command.name) continue;
    if (spec.service_id.empty() || command.service_id.empty() ||
        spec.service_id == command.service_id) {
      return &spec;
    }
  }
  return nullptr;
}

void CommandRouter::write_command(const std::string& device, const northbound::Command& command,
                                  const config::DeviceCommand& spec, Clock::time_point now) {
  if (devices_.kind_of(device) != DeviceSide::Kind::modbus) {
    reply(device, command, failure(result_code::device_error, "the device has no Modbus side"));
    return;
  }
  // Each parameter names its point through `write` (or is the point itself without a map); an
  // unknown parameter is refused rather than dropped, so a typo never half applies a command.
  std::vector<store::Field> values;
  std::string unknown;
  for (const auto& param : command.values) {
    if (spec.write.empty()) {
      values.push_back(param);
      continue;
    }
    auto to = std::find_if(spec.write.begin(), spec.write.end(),
                           [&](const auto& m) { return m.first == param.name; });
    if (to == spec.write.end()) {
      unknown += " " + param.name;
    } else {
      values.push_back({to->second, param.value});
    }
  }
  if (!unknown.empty() || (values.empty() && !spec.write.empty())) {
    reply(device, command,
          failure(result_code::bad_parameter,
                  unknown.empty() ? "no parameters given" : "unknown parameter(s):" + unknown));
    return;
  }
  if (values.empty()) {  // a command that only reads back its outputs
    auto found = last_values_.lookup(device, spec.output);
    reply(device, command, {true, result_code::ok, "ok", std::move(found.found)});
    return;
  }
  const std::uint64_t id = next_id_++;
  pending_[id] = {device, command, now + spec.timeout, false, spec.output};
  devices_.write_points({device, id, std::move(values)});
}

void CommandRouter::forward_command(const std::string& device, const northbound::Command& command,
                                    const config::DeviceCommand& spec, Clock::time_point now) {
  const std::uint64_t id = next_id_++;
  const std::string payload =
      southbound::command_call_payload(std::to_string(id), command.name, command.values);
  pending_[id] = {device, command, now + spec.timeout, true, {}};
  auto refused =
      devices_.publish_call(device, payload, [this, id](bool ok, const std::string& message) {
        if (ok) return;  // published; the device's reply (or the deadline) answers
        if (auto pending = take(id)) {
          reply(pending->device, pending->command, failure(result_code::device_error, message));
        }
      });
  if (refused) {
    pending_.erase(id);
    reply(device, command, failure(result_code::device_error, *refused));
  }
}

std::optional<CommandRouter::Pending> CommandRouter::take(std::uint64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return std::nullopt;
  Pending pending = std::move(it->second);
  pending_.erase(it);
  return pending;
}

void CommandRouter::on_device_reply(const std::string& device,
                                    const southbound::DeviceReply& answer) {
  std::uint64_t id = 0;
  try {
    id = std::stoull(answer.id);
  } catch (const std::exception&) {
    return;  // not an id of ours
  }
  auto it = pending_.find(id);
  if (it == pending_.end() || !it->second.forwarded || it->second.device != device) return;
  Pending pending = std::move(it->second);
  pending_.erase(it);
  reply(pending.device, pending.command,
        {answer.ok, answer.ok ? result_code::ok : result_code::device_error,
         answer.message.empty() ? (answer.ok ? "ok" : "the device refused") : answer.message,
         answer.values});
}

void CommandRouter::expire(Clock::time_point now) {
  std::vector<std::uint64_t> overdue;
  for (const auto& [id, pending] : pending_) {
    if (pending.deadline <= now) overdue.push_back(id);
  }
  for (const auto id : overdue) {
    auto pending = take(id);
    if (pending->reading) {
      answer_from_last_values(pending->device, pending->command,
                              "the device did not answer the read in time");
      continue;
    }
    reply(pending->device, pending->command,
          failure(result_code::device_error, pending->forwarded
                                                 ? "the device did not answer in time"
                                                 : "the Modbus write did not finish in time"));
  }
}

std::optional<CommandRouter::Clock::time_point> CommandRouter::next_deadline() const {
  std::optional<Clock::time_point> earliest;
  for (const auto& [id, pending] : pending_) {
    if (!earliest || pending.deadline < *earliest) earliest = pending.deadline;
  }
  return earliest;
}

void CommandRouter::on_write_result(const southbound::WriteResult& write) {
  auto it = pending_.find(write.request_id);
  if (it == pending_.end() || it->second.forwarded || it->second.reading) return;
  Pending pending = std::move(it->second);
  pending_.erase(it);
  // A refused point (unknown, read-only, out of range) is the caller's mistake; a write the device
  // did not take is the device's.
  const int code = write.ok                 ? result_code::ok
                   : write.failures.empty() ? result_code::device_error
                                            : result_code::bad_parameter;
  std::vector<store::Field> outputs;
  if (write.ok && !pending.output.empty()) {
    outputs = last_values_.lookup(pending.device, pending.output).found;
  }
  reply(pending.device, pending.command, {write.ok, code, write.message, std::move(outputs)});
}

void CommandRouter::reply(const std::string& device, const northbound::Command& command,
                          northbound::CommandResult result) {
  if (!result.ok) ++counters_.failures;
  log::device(result.ok ? spdlog::level::info : spdlog::level::warn, device, "command {}{}{}: {}",
              command.name.empty() ? "" : command.name + " ",
              command.request_id.empty() ? "(no id)" : command.request_id,
              command.reply_context.empty() ? "" : " (" + command.reply_context + ")",
              result.ok ? "done" : result.message);
  if (!reply_(device, command, result)) {
    log::device(spdlog::level::warn, device, "the reply to command {} was dropped",
                command.request_id);
  }
}

}  // namespace edgegw::daemon
