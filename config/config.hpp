// The whole configuration as typed values: edgegw.toml plus conf.d/*.toml, merged, validated and
// with every secret already read. Each part is the option struct of the module that uses it, so
// only this folder knows TOML. load_config() either returns a Config that `run` can start with or
// throws one ConfigError listing every problem (docs/configuration.md is the reference).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.hpp"
#include "config/device_commands.hpp"
#include "loop/heap_optional.hpp"
#include "loop/log_sink.hpp"
#include "northbound/cloud_options.hpp"
#include "southbound/southbound_options.hpp"
#include "store/outbox_options.hpp"

namespace edgegw::config {

struct GatewayOptions {
  std::filesystem::path state_dir = "/var/lib/edgegw";
  loop::LogLevel log_level = loop::LogLevel::info;
  // The JSON that `edgegw status` reads. Empty: $RUNTIME_DIRECTORY/status.json, or
  // /run/edgegw/status.json without systemd (status_file_path()).
  std::filesystem::path status_file;
  // A Prometheus text file (node_exporter's textfile collector); empty: none is written.
  std::filesystem::path metrics_file;
  // [gateway.cloud]: the gateway's own identity on the platform of [cloud] (docs/operations.md
  // "Fleet"). Absent: the gateway has no session of its own. Its `device` is `name`.
  std::optional<northbound::DeviceIdentity> cloud;
  // The gateway identity's local name: {device} in generic topics, logs, status. Unlike any
  // [[device]] name.
  std::string name = "gateway";
  // How often the gateway reports its health properties (besides on change); 0: only on change.
  std::chrono::seconds health_interval{300};
  // The shortest gap between two health reports caused by changes (a flapping device must not
  // turn into a message storm).
  std::chrono::seconds health_min_interval{10};
  bool operator==(const GatewayOptions&) const = default;
};

// [metrics] listen: where the HTTP endpoint for Prometheus listens (daemon/metrics_http.hpp).
// Only IP literals: the daemon resolves no names at start, and "localhost" may map to ::1 or not.
struct ListenAddress {
  std::string ip;  // "127.0.0.1", "::1", "0.0.0.0" ...
  std::uint16_t port = 0;
  bool ipv6 = false;
  bool loopback = true;      // 127.0.0.0/8 or ::1: only this host can connect
  std::string text() const;  // "127.0.0.1:9464", "[::1]:9464"
  bool operator==(const ListenAddress&) const = default;
};

// "127.0.0.1:9464", "[::1]:9464", or a port alone ("9464": 127.0.0.1, loopback by default).
// nullopt with `why` set when the text is none of these.
std::optional<ListenAddress> parse_listen_address(std::string_view text, std::string& why);

struct MetricsOptions {
  std::optional<ListenAddress> listen;  // nullopt: no HTTP endpoint (the default)
  bool operator==(const MetricsOptions&) const = default;
};

// One [[device]]: its cloud identity and where its readings come from (exactly one source).
struct DeviceConfig {
  std::string name;
  northbound::DeviceIdentity cloud;
  // On the heap: a device has one of the two, and an empty std::optional of each would be as big
  // as a full one (~350 bytes a device; loop/heap_optional.hpp).
  loop::HeapOptional<southbound::ModbusDeviceOptions> modbus;
  loop::HeapOptional<southbound::MqttDeviceOptions> mqtt;
  std::vector<DeviceCommand> commands;  // [[device.command]]
  bool operator==(const DeviceConfig&) const = default;
};

struct Config {
  std::filesystem::path main_file;
  std::vector<std::filesystem::path> files;  // every file read: main first, then conf.d in order
  GatewayOptions gateway;
  MetricsOptions metrics;
  store::OutboxOptions store;  // store.path = state_dir/outbox.db
  northbound::CloudOptions cloud;
  southbound::LocalMqttOptions local_mqtt;
  std::vector<southbound::BusOptions> buses;
  std::vector<DeviceConfig> devices;

  const DeviceConfig* find_device(std::string_view name) const;
  const southbound::BusOptions* find_bus(std::string_view name) const;
  bool uses_local_mqtt() const;  // some device reads from the local broker
};

// Reads `main_file` and every `conf.d/*.toml` beside it (name order), merges and validates them.
// Throws ConfigError with every problem found.
Config load_config(const std::filesystem::path& main_file);

}  // namespace edgegw::config
