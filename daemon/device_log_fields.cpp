#include "daemon/device_log_fields.hpp"

#include "northbound/platform_defaults.hpp"

namespace edgegw::daemon {

log::DeviceLogContext device_log_context(const config::Config& config,
                                         const config::DeviceConfig& device) {
  return {device.name, std::string(northbound::to_string(config.cloud.platform)),
          device.modbus ? device.modbus->bus : std::string()};
}

void describe_devices(const config::Config& config) {
  std::vector<log::DeviceLogContext> contexts;
  contexts.reserve(config.devices.size());
  for (const auto& device : config.devices) contexts.push_back(device_log_context(config, device));
  log::set_devices(std::move(contexts));
}

}  // namespace edgegw::daemon
