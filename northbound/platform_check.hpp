// The whole check of one device's identity against its platform, run before a connect
// (base_connect_params): the keepalive range, then the platform's own rules on [cloud] and on the
// identity (platform_rules.hpp, where each rule is written once; `edgegw check` asks the same
// rules, key by key).
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
