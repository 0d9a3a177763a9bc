// Events and typed fields of southbound devices: [[device.modbus.event]] (a point's condition),
// [[device.mqtt.event]] (a local topic that carries one event) and the { pointer, type } form of a
// local MQTT field. docs/configuration.md describes the keys.
#include <set>

#include "config/config_sections.hpp"
#include "mqtt/topic_filter.hpp"
#include "northbound/event_payloads.hpp"

namespace edgegw::config {
namespace {

using southbound::EventTrigger;

void read_event_name(TableReader& t, std::string& out) {
  if (t.require("event") && t.read_nonempty("event", out) &&
      !northbound::valid_event_identifier(out)) {
    t.problem("event",
              "an event identifier is 1 to 64 letters, digits or '_' (the thing model's rule)");
  }
}

// `type`: Tencent's event type. Every platform accepts the key (a config can move between
// clouds), only Tencent sends it.
void read_event_type(TableReader& t, std::string& out) {
  if (t.read_nonempty("type", out) && !northbound::valid_tencent_event_type(out)) {
    t.problem("type", "an event's type is \"info\", \"alert\" or \"fault\" (got \"" + out + "\")");
  }
}

void read_pointer(TableReader& t, const std::string& key, const std::string& pointer,
                  std::vector<std::pair<std::string, std::string>>& out, const std::string& name) {
  if (!pointer.empty() && pointer.front() != '/') {
    t.problem(key, "a JSON pointer starts with '/' (got \"" + pointer + "\")");
  } else {
    out.emplace_back(name, pointer);
  }
}

// The tables of `key` (an array of tables), each handed to `read`.
template <typename Read>
void for_each_table(TableReader& t, std::string_view key, Read read) {
  const toml::array* entries = t.array(key);
  if (!entries) return;
  for (const toml::node& node : *entries) {
    if (!node.is_table()) {
      t.problem(key, "each event must be a table ([[" + t.path() + "." + std::string(key) + "]])");
      continue;
    }
    TableReader entry(*node.as_table(), t.path() + "." + std::string(key), t.problems(), t.file());
    read(entry);
    entry.report_unknown_keys();
  }
}

}  // namespace

void read_mqtt_field(TableReader& fields, const std::string& name, const toml::node& node,
                     southbound::MqttDeviceOptions& out) {
  if (const auto* pointer = node.as_string()) {
    read_pointer(fields, name, pointer->get(), out.fields, name);
    return;
  }
  if (!node.is_table()) {
    fields.problem(name,
                   "expected a JSON pointer string such as \"/temp\", or "
                   "{ pointer = \"/temp\", type = \"float\" }");
    return;
  }
  TableReader field(*node.as_table(), fields.path() + "." + name, fields.problems(), fields.file());
  std::string pointer;
  if (field.read("pointer", pointer)) read_pointer(field, "pointer", pointer, out.fields, name);
  std::string type;
  if (field.require("type") && field.read("type", type)) {
    if (auto parsed = southbound::parse_field_type(type)) {
      out.types.emplace_back(name, *parsed);
      // Without a pointer the field is the top-level member of its name.
      if (!field.has("pointer")) out.fields.emplace_back(name, "/" + name);
    } else {
      field.problem("type", "must be one of float, int, bool, string (got \"" + type + "\")");
    }
  }
  field.report_unknown_keys();
}

void read_mqtt_events(TableReader& t, southbound::MqttDeviceOptions& out) {
  for_each_table(t, "event", [&](TableReader& e) {
    southbound::MqttEventOptions event;
    read_event_name(e, event.event);
    read_event_type(e, event.type);
    if (e.require("topic") && e.read_nonempty("topic", event.topic)) {
      if (auto problem = mqtt::topic_filter_problem(event.topic)) {
        e.problem("topic", "not a valid MQTT topic filter: it " + std::string(*problem));
      }
    }
    if (auto fields = e.subtable("fields")) {
      for (const auto& [key, node] : fields->table()) {
        fields->mark_read(key.str());
        const std::string name(key.str());
        if (const auto* pointer = node.as_string()) {
          read_pointer(*fields, name, pointer->get(), event.fields, name);
        } else {
          fields->problem(name, "expected a JSON pointer string such as \"/temp\"");
        }
      }
    }
    out.events.push_back(std::move(event));
  });
}

void read_modbus_events(TableReader& t, southbound::ModbusDeviceOptions& out) {
  std::set<std::string, std::less<>> points;
  for (const auto& p : out.points) points.insert(p.name);
  for_each_table(t, "event", [&](TableReader& e) {
    southbound::PointEventOptions event;
    read_event_name(e, event.event);
    read_event_type(e, event.type);
    if (e.require("point") && e.read_nonempty("point", event.point) &&
        !points.contains(event.point)) {
      e.problem("point", "the device has no point named '" + event.point + "'");
    }
    e.require("when");
    e.read_choice("when", event.when,
                  {{"change", EventTrigger::change},
                   {"rising", EventTrigger::rising},
                   {"falling", EventTrigger::falling},
                   {"above", EventTrigger::above},
                   {"below", EventTrigger::below}});
    const bool crossing = event.when == EventTrigger::above || event.when == EventTrigger::below;
    if (crossing) {
      e.require("threshold");
      e.read_number("threshold", event.threshold, -1e300, 1e300, false);
    } else if (e.get("threshold")) {
      e.problem("threshold", "only when = \"above\" or \"below\" takes a threshold");
    }
    out.events.push_back(std::move(event));
  });
}

}  // namespace edgegw::config
