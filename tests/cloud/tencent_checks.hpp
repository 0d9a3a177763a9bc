// Tencent Cloud IoT Hub's connect rules (specs/tencent-iothub-mqtt.txt, PLATFORMS.md): key auth
// with the `${pid}${dn};${sdkappid};${connid};${expiry}` username and `hex(HMAC);method` password,
// TLS-PSK keyed by the base64-decoded device PSK, and certificate auth.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloud/connect_checks.hpp"

namespace edgegw::cloud {

struct TencentUsername {
  std::string client_id;  // ${productId}${deviceName}
  std::string sdkappid;
  std::string connid;
  std::string expiry;
};

// nullopt unless the username has exactly four ';'-separated fields.
std::optional<TencentUsername> parse_tencent_username(std::string_view username);

// The PSK of the TLS-PSK identity `${pid}${dn}`, as mosquitto wants it (hex of the raw key);
// nullopt for an unknown identity or a device without PSK auth.
std::optional<std::string> tencent_psk_hex(const Registry& registry, std::string_view identity);

// The topics a device (or a sub-device online through its gateway) may use.
std::vector<std::string> tencent_topic_roots(std::string_view product_id,
                                             std::string_view device_name);

Verdict check_tencent(const Registry& registry, const ConnectRequest& request);

}  // namespace edgegw::cloud
