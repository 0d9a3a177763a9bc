// What one local MQTT message is for one device: a reading (its telemetry topic), an event (one of
// its [[device.mqtt.event]] topics, which take precedence), or nothing. Pure: the device's options,
// the topic and the payload in, the Record or why it is refused out; the source does the I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "southbound/southbound_options.hpp"
#include "store/record.hpp"

namespace edgegw::southbound {

// Every filter the device needs subscribed: its telemetry topic, then its event topics.
std::vector<std::string> device_filters(const MqttDeviceOptions& options);

// Whether a message on `topic` concerns the device at all.
bool device_matches(const MqttDeviceOptions& options, std::string_view topic);

struct DeviceMessage {
  std::optional<store::Record> record;  // device and time set, seq not
  std::string problem;                  // why refused (record empty)
};

// The device's record for a message on `topic` (device_matches() must hold).
DeviceMessage device_message(const std::string& device, const MqttDeviceOptions& options,
                             std::string_view topic, std::string_view payload,
                             std::int64_t time_ms);

}  // namespace edgegw::southbound
