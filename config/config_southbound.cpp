// [local_mqtt], [[modbus]] buses and each device's [device.modbus] (with its points) or
// [device.mqtt]: the southbound options. Checks here are the ones a single table can decide; the
// ones that need the whole file (bus references, unit ranges per transport) are in config_load.
#include <cmath>
#include <set>

#include "config/config_sections.hpp"
#include "config/secrets.hpp"
#include "mqtt/topic_filter.hpp"
#include "southbound/point_codec.hpp"

namespace edgegw::config {
namespace {

using namespace std::chrono_literals;
using southbound::is_bit_table;
using southbound::PointType;
using southbound::Table;

// The keys of the types that are part of a register or span a chosen length: `bit` (type bit),
// `byte` (u8 / i8) and `length` (string). Each is refused with any other type.
void read_point_part(TableReader& t, southbound::PointSpec& out) {
  if (out.type == PointType::bit) {
    t.read_int("bit", out.bit, 0, 15);
  } else if (t.has("bit")) {
    t.mark_read("bit");
    t.problem("bit", "only a point of type = \"bit\" has a bit number");
  }
  if (out.type == PointType::u8 || out.type == PointType::i8) {
    t.read_choice("byte", out.high_byte, {{"low", false}, {"high", true}});
  } else if (t.has("byte")) {
    t.mark_read("byte");
    t.problem("byte", "only a point of type = \"u8\" or \"i8\" takes one byte");
  }
  if (out.type == PointType::string) {
    if (t.require("length")) t.read_int("length", out.length, 1, 125);
  } else if (t.has("length")) {
    t.mark_read("length");
    t.problem("length", "only a point of type = \"string\" has a length");
  }
}

void read_point(TableReader& t, southbound::PointSpec& out) {
  if (t.require("name") && t.read_nonempty("name", out.name) && out.name.front() == '$') {
    t.problem("name", "point names starting with '$' are reserved (\"$quality/<point>\")");
  }
  t.read_choice("table", out.table, southbound::kTableNames);
  t.require("address");
  t.read_int("address", out.address, 0, 65535);
  out.type = is_bit_table(out.table) ? PointType::boolean : PointType::u16;
  const bool type_ok = t.read_choice("type", out.type, southbound::kPointTypeNames);
  if (type_ok && is_bit_table(out.table) != (out.type == PointType::boolean)) {
    t.problem("type", is_bit_table(out.table)
                          ? "coils and discrete inputs hold type = \"bool\""
                          : "type = \"bool\" needs table = \"coil\" or \"discrete\"");
  }
  read_point_part(t, out);
  if (out.address + southbound::point_width(out) - 1 > 65535) {
    t.problem("address", "the point runs past register 65535");
  }
  t.read_choice("order", out.order, southbound::kWordOrderNames);
  if (t.read_number("scale", out.scale, -1e300, 1e300) && out.scale == 0) {
    t.problem("scale", "must not be 0");
  }
  t.read_number("offset", out.offset, -1e300, 1e300);
  t.read_number("deadband", out.deadband, 0, 1e300);
  t.read_duration("interval", out.interval, 10ms, 24h);
  if (t.read("writable", out.writable) && out.writable &&
      (out.table == Table::input || out.table == Table::discrete)) {
    t.problem("writable", "input registers and discrete inputs cannot be written");
  }
  t.report_unknown_keys();
}

}  // namespace

void read_local_mqtt(TableReader& t, southbound::LocalMqttOptions& out) {
  t.read_nonempty("host", out.host);
  t.read_int("port", out.port, 1, 65535);
  t.read_nonempty("client_id", out.client_id);
  t.read("username", out.username);
  read_secret(t, "password", out.password, false);
  if (!out.password.empty() && out.username.empty()) {
    t.problem(t.has("password") ? "password" : "password_file",
              "MQTT sends a password only with a username; set username");
  }
  t.read_seconds("keepalive", out.keepalive, 0s, 65535s);
  std::uint64_t max_payload = out.max_payload;
  if (t.read_size("max_payload", max_payload, 1, 256ull << 20)) {
    out.max_payload = static_cast<std::uint32_t>(max_payload);
  }
  t.report_unknown_keys();
}

void read_bus(TableReader& t, southbound::BusOptions& out) {
  using southbound::Transport;
  if (t.require("name")) t.read_nonempty("name", out.name);
  t.require("transport");
  const bool transport_ok = t.read_choice(
      "transport", out.transport,
      {{"rtu", Transport::rtu}, {"tcp", Transport::tcp}, {"rtu_tcp", Transport::rtu_tcp}});
  if (t.has("transport") && !transport_ok) {
    // The one error is the transport: its keys are not judged against a transport it is not.
    for (const auto& [key, node] : t.table()) t.mark_read(key.str());
    return;
  }
  if (out.transport == Transport::rtu) {
    if (t.require("device")) t.read_nonempty("device", out.device);
    t.read_int("baud", out.baud, 50, 4000000);
    std::string parity;
    if (t.read("parity", parity)) {
      if (parity == "N" || parity == "E" || parity == "O") {
        out.parity = parity[0];
      } else {
        t.problem("parity", "must be one of N, E, O (got \"" + parity + "\")");
      }
    }
    t.read_int("data_bits", out.data_bits, 5, 8);
    t.read_int("stop_bits", out.stop_bits, 1, 2);
  } else {
    if (t.require("host")) t.read_nonempty("host", out.host);
    t.read_int("port", out.port, 1, 65535);
    t.read_duration("connect_timeout", out.connect_timeout, 1ms, 60s);
  }
  t.read_duration("timeout", out.timeout, 1ms, 60s);
  t.read_int("retries", out.retries, 0, 10);
  t.read_duration("pause", out.pause, 0ms, 10s);
  t.read_duration("reconnect_min", out.reconnect_min, 1ms, 1h);
  t.read_duration("reconnect_max", out.reconnect_max, 1ms, 1h);
  if (out.reconnect_max < out.reconnect_min) {
    t.problem(t.has("reconnect_max") ? "reconnect_max" : "reconnect_min",
              "reconnect_max must not be shorter than reconnect_min");
  }
  const char* hint = out.transport == Transport::rtu   ? " (for transport = \"rtu\")"
                     : out.transport == Transport::tcp ? " (for transport = \"tcp\")"
                                                       : " (for transport = \"rtu_tcp\")";
  t.report_unknown_keys(hint);
}

void read_device_modbus(TableReader& t, southbound::ModbusDeviceOptions& out) {
  if (t.require("bus")) t.read_nonempty("bus", out.bus);
  t.read_int("unit", out.unit, 0, 255);
  t.read_duration("interval", out.interval, 10ms, 24h);
  t.read_duration("heartbeat", out.heartbeat, 0ms, 7 * 24h);
  t.read_int("max_gap", out.max_gap, 0, 125);
  t.read_duration("offline_interval", out.offline_interval, 10ms, 24h);
  t.read("mask_write", out.mask_write);
  t.read_choice("write_single", out.multiple_writes, {{"fc6", false}, {"fc16", true}});
  t.read_choice("write_registers", out.read_back_writes, {{"fc16", false}, {"fc23", true}});
  t.read_choice("property_get", out.read_on_get, {{"last", false}, {"device", true}});
  t.require("point");
  const toml::array* points = t.array("point");
  if (!points) return t.report_unknown_keys();
  std::set<std::string, std::less<>> names;
  for (const toml::node& node : *points) {
    if (!node.is_table()) {
      t.problem("point", "each point must be a table ([[device.modbus.point]])");
      continue;
    }
    TableReader point(*node.as_table(), t.path() + ".point", t.problems(), t.file());
    southbound::PointSpec spec;
    read_point(point, spec);
    if (!spec.name.empty() && !names.insert(spec.name).second) {
      point.problem("name", "the device already has a point named '" + spec.name + "'");
    }
    out.points.push_back(std::move(spec));
  }
  if (points->empty()) t.problem("point", "a Modbus device needs at least one point");
  read_modbus_events(t, out);
  t.report_unknown_keys();
}

void read_device_mqtt(TableReader& t, southbound::MqttDeviceOptions& out) {
  if (t.require("topic") && t.read_nonempty("topic", out.topic)) {
    if (auto problem = mqtt::topic_filter_problem(out.topic)) {
      t.problem("topic", "not a valid MQTT topic filter: it " + std::string(*problem));
    }
  }
  if (auto fields = t.subtable("fields")) {
    for (const auto& [key, node] : fields->table()) {
      fields->mark_read(key.str());
      read_mqtt_field(*fields, std::string(key.str()), node, out);
    }
  }
  read_mqtt_events(t, out);
  if (t.read("command_topic", out.command_topic) && !out.command_topic.empty()) {
    if (auto problem = mqtt::topic_name_problem(out.command_topic)) {
      t.problem("command_topic", "not a topic one can publish to: it " + std::string(*problem));
    }
  }
  read_device_mqtt_reply(t, out);
  t.report_unknown_keys();
}

}  // namespace edgegw::config
