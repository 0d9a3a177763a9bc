// Alibaba Cloud IoT Platform's connect rules (specs/aliyun-mqtt-connect.txt, PLATFORMS.md):
// the `clientId|k=v,...|` client id, `deviceName&productKey` username, the HMAC over the sorted
// parameters, connwl device tokens and dynamic registration (register / regnwl).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "cloud/connect_checks.hpp"
#include "cloud/signing.hpp"

namespace edgegw::cloud {

struct AliyunClientId {
  std::string client_id;                      // the part before the first '|'
  std::map<std::string, std::string> params;  // the extension parameters between the '|'s
};

// nullopt when the id is not `clientId|k=v,...|`.
std::optional<AliyunClientId> parse_aliyun_client_id(std::string_view mqtt_client_id);

// The signed content: the values of clientId, deviceName, productKey and timestamp (the optional
// ones only when sent), each prefixed by its name, in alphabetical order of the names.
std::string aliyun_sign_content(std::string_view client_id, std::string_view device_name,
                                std::string_view product_key,
                                std::optional<std::string_view> timestamp);

// Hex HMAC of the content under the device secret (what the device sends as password).
std::string aliyun_password(HmacAlgorithm method, std::string_view device_secret,
                            std::string_view content);

// What a registering device signs with the product secret.
std::string aliyun_register_content(std::string_view device_name, std::string_view product_key,
                                    std::string_view random);

// The secret /ext/register hands out, the client id and token /ext/regnwl hands out: the
// registry's values, or (when left empty there) values derived from the product secret so that
// they stay the same across broker restarts.
std::string aliyun_device_secret(const AliyunDevice& product, std::string_view product_key,
                                 std::string_view device_name, const AliyunDevice* device);
std::string aliyun_nwl_client_id(std::string_view product_key, std::string_view device_name,
                                 const AliyunDevice* device);
std::string aliyun_device_token(const AliyunDevice& product, std::string_view product_key,
                                std::string_view device_name, const AliyunDevice* device);

Verdict check_aliyun(const Registry& registry, const std::set<std::string>& activated,
                     const ConnectRequest& request);

}  // namespace edgegw::cloud
