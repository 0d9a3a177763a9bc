// [[device.command]] (named commands and services), the local device's reply topic
// and the generic platform's reply topic: what carries the cloud's calls down and their answers
// back (docs/configuration.md "Commands"). A command must be one the device can carry out, so a
// write to a point that does not exist or is not writable is refused here, not at the first call.
#include <algorithm>
#include <set>

#include "config/config_sections.hpp"
#include "mqtt/topic_filter.hpp"

namespace edgegw::config {
namespace {

using namespace std::chrono_literals;

bool has_wildcard(const std::string& topic) {
  return topic.find_first_of("+#") != std::string::npos;
}

void check_point(TableReader& t, std::string_view key, const DeviceConfig& device,
                 const std::string& point, bool must_write) {
  if (!device.modbus) return;
  for (const auto& spec : device.modbus->points) {
    if (spec.name != point) continue;
    if (must_write && !spec.writable) {
      t.problem(key, "point '" + point + "' is not writable (set writable = true on it)");
    }
    return;
  }
  t.problem(key, "device '" + device.name + "' has no point named '" + point + "'");
}

void read_write_map(TableReader& t, const DeviceConfig& device, DeviceCommand& out) {
  auto write = t.subtable("write");
  if (!write) return;
  for (const auto& [key, node] : write->table()) {
    write->mark_read(key.str());
    const std::string parameter(key.str());
    const std::string* point = node.is_string() ? &node.as_string()->get() : nullptr;
    if (!point || point->empty()) {
      write->problem(parameter, "expected the name of the point this parameter writes");
      continue;
    }
    check_point(*write, parameter, device, *point, true);
    out.write.emplace_back(parameter, *point);
  }
}

void read_output(TableReader& t, const DeviceConfig& device, DeviceCommand& out) {
  const toml::array* output = t.array("output");
  if (!output) return;
  for (const toml::node& node : *output) {
    if (!node.is_string()) {
      t.problem("output", "expected a list of point names");
      continue;
    }
    out.output.push_back(node.as_string()->get());
    check_point(t, "output", device, out.output.back(), false);
  }
}

void read_command(TableReader& t, const DeviceConfig& device, DeviceCommand& out) {
  if (t.require("name")) t.read_nonempty("name", out.name);
  t.read("service_id", out.service_id);
  t.read("forward", out.forward);
  t.read_duration("timeout", out.timeout, 100ms, 120s);
  read_write_map(t, device, out);
  read_output(t, device, out);
  if (out.forward) {
    if (!device.mqtt) {
      t.problem("forward", "only a device of the local broker ([device.mqtt]) can forward calls");
    } else if (device.mqtt->command_topic.empty()) {
      t.problem("forward", "the device has no command_topic to forward calls to");
    }
    if (!out.write.empty()) t.problem("write", "a forwarded command writes no points itself");
  } else if (!device.modbus) {
    t.table_problem("a command of a local MQTT device needs forward = true");
  }
  t.report_unknown_keys();
}

}  // namespace

void check_generic_reply_topic(TableReader& t, northbound::GenericMqttOptions& out) {
  if (t.read("reply_topic", out.reply_topic) && !out.reply_topic.empty()) {
    if (auto problem = mqtt::topic_name_problem(out.reply_topic)) {
      t.problem("reply_topic", "not a topic one can publish to: it " + std::string(*problem));
    }
  } else if (has_wildcard(out.command_topic)) {
    t.problem("command_topic",
              "a command_topic with wildcards needs reply_topic (the answers' topic)");
  }
}

void read_device_mqtt_reply(TableReader& t, southbound::MqttDeviceOptions& out) {
  if (t.read("reply_topic", out.reply_topic) && !out.reply_topic.empty()) {
    if (auto problem = mqtt::topic_filter_problem(out.reply_topic)) {
      t.problem("reply_topic", "not a valid MQTT topic filter: it " + std::string(*problem));
    }
  }
  t.read_nonempty("reply_id_field", out.reply_id_field);
}

void read_device_commands(TableReader& t, DeviceConfig& device) {
  const toml::array* commands = t.array("command");
  if (!commands) return;
  std::set<std::pair<std::string, std::string>> seen;
  for (const toml::node& node : *commands) {
    if (!node.is_table()) {
      t.problem("command", "each command must be a table ([[device.command]])");
      continue;
    }
    TableReader table(*node.as_table(), t.path() + ".command", t.problems(), t.file());
    DeviceCommand command;
    read_command(table, device, command);
    if (!command.name.empty() && !seen.emplace(command.service_id, command.name).second) {
      table.problem("name", "the device already has a command named '" + command.name + "'");
    }
    device.commands.push_back(std::move(command));
  }
  // Replies are listened for only when some command waits for them.
  const bool forwards = std::any_of(device.commands.begin(), device.commands.end(),
                                    [](const DeviceCommand& c) { return c.forward; });
  if (forwards && device.mqtt && device.mqtt->reply_topic.empty() &&
      !device.mqtt->command_topic.empty()) {
    device.mqtt->reply_topic = device.mqtt->command_topic + "/reply";
  }
}

}  // namespace edgegw::config
