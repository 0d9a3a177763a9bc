// The readers of each part of the configuration, one TOML table to one option struct. Internal to
// config/: load_config() calls them in order and then runs the cross-checks. Each records its
// problems in the TableReader and reports the keys it did not know.
#pragma once

#include "config/config.hpp"
#include "config/toml_reader.hpp"

namespace edgegw::config {

void read_gateway(TableReader& table, GatewayOptions& out);
void read_store(TableReader& table, store::OutboxOptions& out);
void read_metrics(TableReader& table, MetricsOptions& out);  // config_metrics.cpp
void read_cloud(TableReader& table, northbound::CloudOptions& out);
void read_local_mqtt(TableReader& table, southbound::LocalMqttOptions& out);
void read_bus(TableReader& table, southbound::BusOptions& out);

// A problem at `key` when `keepalive` is outside the platform's range.
void check_keepalive_range(TableReader& table, std::string_view key,
                           northbound::PlatformKind platform, std::chrono::seconds keepalive);

// [device.cloud] for the platform chosen in `cloud`.
void read_device_cloud(TableReader& table, const northbound::CloudOptions& cloud,
                       northbound::DeviceIdentity& out);
void read_device_modbus(TableReader& table, southbound::ModbusDeviceOptions& out);
void read_device_mqtt(TableReader& table, southbound::MqttDeviceOptions& out);
// [cloud.mqtt] reply_topic (config_commands.cpp).
void check_generic_reply_topic(TableReader& table, northbound::GenericMqttOptions& out);
// [device.mqtt] reply_topic / reply_id_field (config_commands.cpp).
void read_device_mqtt_reply(TableReader& table, southbound::MqttDeviceOptions& out);
// The device's [[device.command]] tables, checked against its points.
void read_device_commands(TableReader& table, DeviceConfig& device);
// [[device.modbus.event]] and [[device.mqtt.event]] (config_events.cpp); the points must be read.
void read_modbus_events(TableReader& table, southbound::ModbusDeviceOptions& out);
void read_mqtt_events(TableReader& table, southbound::MqttDeviceOptions& out);
// One entry of [device.mqtt] fields: "/pointer" or { pointer = "/p", type = "float" }.
void read_mqtt_field(TableReader& fields, const std::string& name, const toml::node& node,
                     southbound::MqttDeviceOptions& out);

}  // namespace edgegw::config
