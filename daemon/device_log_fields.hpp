// The journal fields of each configured device (EDGEGW_DEVICE, EDGEGW_PLATFORM, EDGEGW_BUS), put in
// logging's device directory so that every line about a device carries them, whoever logs it.
#pragma once

#include "daemon/config.hpp"
#include "daemon/logging.hpp"

namespace edgegw::daemon {

log::DeviceLogContext device_log_context(const Config& config, const DeviceConfig& device);

// Makes the directory hold exactly `config`'s devices (start, and again after a reload).
void describe_devices(const Config& config);

}  // namespace edgegw::daemon
