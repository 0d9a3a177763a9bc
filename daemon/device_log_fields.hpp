// The journal fields of each configured device (EDGEGW_DEVICE, EDGEGW_PLATFORM, EDGEGW_BUS), put in
// logging's device directory so that every line about a device carries them, whoever logs it.
#pragma once

#include "config/config.hpp"
#include "daemon/logging.hpp"

namespace edgegw::daemon {

log::DeviceLogContext device_log_context(const config::Config& config,
                                         const config::DeviceConfig& device);

// Makes the directory hold exactly `config`'s devices (start, and again after a reload).
void describe_devices(const config::Config& config);

}  // namespace edgegw::daemon
