#include "southbound/local_mqtt_records.hpp"

#include "mqtt/topic_filter.hpp"
#include "southbound/json_fields.hpp"

namespace edgegw::southbound {
namespace {

bool ends_in_wildcard(const std::string& filter) {
  return !filter.empty() && (filter.back() == '+' || filter.back() == '#');
}

const MqttEventOptions* event_for(const MqttDeviceOptions& options, std::string_view topic) {
  for (const auto& e : options.events) {
    if (mqtt::topic_matches(e.topic, topic)) return &e;
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> device_filters(const MqttDeviceOptions& options) {
  std::vector<std::string> out{options.topic};
  for (const auto& e : options.events) out.push_back(e.topic);
  return out;
}

bool device_matches(const MqttDeviceOptions& options, std::string_view topic) {
  return mqtt::topic_matches(options.topic, topic) || event_for(options, topic) != nullptr;
}

DeviceMessage device_message(const std::string& device, const MqttDeviceOptions& options,
                             std::string_view topic, std::string_view payload,
                             std::int64_t time_ms) {
  DeviceMessage out;
  const MqttEventOptions* event = event_for(options, topic);
  const std::string& filter = event ? event->topic : options.topic;
  const auto bare =
      ends_in_wildcard(filter) ? std::string(mqtt::last_topic_level(topic)) : std::string("value");
  auto parsed = payload_fields(payload, event ? event->fields : options.fields, bare);
  // An event may carry no parameters: an empty or non-JSON payload still raises it.
  if (!parsed.ok() && !event) {
    out.problem = "payload on '" + std::string(topic) + "' refused: " + parsed.problem;
    return out;
  }
  if (auto bad = apply_field_types(parsed.fields, options.types)) {
    out.problem = "payload on '" + std::string(topic) + "' refused: field \"" + *bad +
                  "\" is not of its declared type";
    return out;
  }
  store::Record record;
  record.device = device;
  record.time_ms = time_ms;
  record.kind = event ? store::RecordKind::event : store::RecordKind::telemetry;
  if (event) record.event = event->event;
  record.fields = std::move(parsed.fields);
  out.record = std::move(record);
  return out;
}

}  // namespace edgegw::southbound
