// Huawei Cloud IoTDA's connect rules (specs/huawei-mqtt-connect.txt, PLATFORMS.md): client id
// `${deviceId}_${authType}_${signType}_${YYYYMMDDHH}`, username = deviceId, password = lowercase
// hex HMAC-SHA256 with key = the timestamp string and message = the device secret; signType 1 has
// the hour checked against the broker's clock. MQTTS only.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "cloud/connect_checks.hpp"

namespace edgegw::cloud {

struct HuaweiClientId {
  std::string device_id;
  char auth_type = '0';   // 0: device id, 2: node id (older documents)
  char sign_type = '0';   // 0: timestamp not checked, 1: checked
  std::string timestamp;  // YYYYMMDDHH, UTC
};

std::optional<HuaweiClientId> parse_huawei_client_id(std::string_view client_id);

std::string huawei_password(std::string_view secret, std::string_view timestamp);

// The start of the UTC hour `YYYYMMDDHH` in seconds since the epoch; nullopt if malformed.
std::optional<std::time_t> huawei_hour(std::string_view timestamp);

Verdict check_huawei(const Registry& registry, const ConnectRequest& request);

}  // namespace edgegw::cloud
