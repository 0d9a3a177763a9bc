// What the four platforms share when they build connect parameters and replies: the endpoint
// (host template expanded per device), the keepalive a device uses, the neutral command result
// codes. Internal to northbound/.
#pragma once

#include <chrono>
#include <string>

#include "northbound/cloud_options.hpp"
#include "northbound/platform.hpp"

namespace edgegw::northbound {

// Neutral CommandResult::code values (0 is ok); each platform maps them to its own codes.
namespace result_code {
inline constexpr int ok = 0;
inline constexpr int bad_parameter = 1;  // unknown point, value out of range, not writable
inline constexpr int device_error = 2;   // the device did not answer or refused
inline constexpr int busy = 3;           // too many requests in flight
}  // namespace result_code

// cloud.host (or the platform's default) with {product_key} {product_id} {region} {instance_id}
// filled in for this device.
std::string endpoint_host(const CloudOptions& cloud, const DeviceIdentity& id);

std::chrono::seconds effective_keepalive(const CloudOptions& cloud, const DeviceIdentity& id);

// host, port, tls and keepalive filled in; and `problem` from check_identity().
ConnectParams base_connect_params(const CloudOptions& cloud, const DeviceIdentity& id);

// Unix epoch milliseconds / seconds of `now`.
std::int64_t unix_ms(std::chrono::system_clock::time_point now);
std::int64_t unix_seconds(std::chrono::system_clock::time_point now);

}  // namespace edgegw::northbound
