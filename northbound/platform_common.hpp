// What the four platforms share when they build connect parameters and replies: the endpoint
// (host template expanded per device), the keepalive a device uses, a refused downlink, and the
// CONNACK codes that read the same on every platform. Internal to northbound/.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "northbound/cloud_options.hpp"
#include "northbound/platform.hpp"
#include "northbound/result_codes.hpp"

namespace edgegw::northbound {

// cloud.host (or the platform's default) with {product_key} {product_id} {region} {instance_id}
// filled in for this device.
std::string endpoint_host(const CloudOptions& cloud, const DeviceIdentity& id);

std::chrono::seconds effective_keepalive(const CloudOptions& cloud, const DeviceIdentity& id);

// host, port, tls and keepalive filled in; and `problem` from check_identity().
ConnectParams base_connect_params(const CloudOptions& cloud, const DeviceIdentity& id);

// Unix epoch milliseconds / seconds of `now`.
std::int64_t unix_ms(std::chrono::system_clock::time_point now);
std::int64_t unix_seconds(std::chrono::system_clock::time_point now);

// A DownlinkResult that holds only `error`: the downlink is refused, with `reply` to send if the
// platform expects an answer.
DownlinkResult downlink_error(DownlinkProblem problem, std::string reason,
                              std::optional<Publication> reply = std::nullopt);

// The hints for the CONNACK codes whose cause differs per platform; the rest (0 accepted, 3
// server unavailable, unknown codes) mean the same everywhere.
struct ConnackHints {
  std::string_view server;             // who refused MQTT 3.1.1 (code 1): "platform", "broker"
  std::string_view client_id_refused;  // code 2
  std::string_view bad_credentials;    // code 4
  std::string_view not_authorized;     // code 5
};
// An MQTT 3.1.1 CONNACK return code: 1 and 2 are configuration errors, 4 and 5 back off long,
// anything else is retried soon.
ConnectOutcome classify_mqtt_connack(int rc, const ConnackHints& hints);

}  // namespace edgegw::northbound
