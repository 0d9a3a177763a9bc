// Checks of one device's identity against its platform that the config validator (`edgegw check`)
// runs before anything connects: the keys a platform's auth mode needs, combinations a platform
// refuses (Tencent password auth over TLS, Huawei without TLS), the keepalive range.
#pragma once

#include <optional>
#include <string>

#include "northbound/cloud_options.hpp"

namespace edgegw::northbound {

// nullopt when the identity can connect as configured; otherwise one user-facing sentence saying
// what is wrong and what to do, e.g. "tencent auth = \"password\" works only without TLS (port
// 1883); over TLS use auth = \"psk\" or \"cert\"".
std::optional<std::string> check_identity(const CloudOptions& cloud, const DeviceIdentity& id);

// The keepalive a device will use (its own or [cloud]'s) if it is within the platform's range.
std::optional<std::string> check_keepalive(const CloudOptions& cloud, const DeviceIdentity& id);

}  // namespace edgegw::northbound
