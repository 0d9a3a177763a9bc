// Alibaba Cloud IoT Platform's MQTT logins (specs/aliyun-mqtt-connect.txt, PLATFORMS.md): the
// client id with its |extension| parameters, the username deviceName&productKey, and the password.
//
// The password's hex case is not specified: the page's example is UPPERCASE and so are the C SDKs,
// the Node and Python SDKs send lowercase, and the platform accepts both. We send UPPERCASE, the
// page's form (docs/platforms.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "northbound/cloud_options.hpp"
#include "northbound/signing.hpp"

namespace edgegw::northbound {

inline constexpr HexCase kAliyunHexCase = HexCase::upper;

struct MqttLogin {
  std::string client_id, username, password;
  bool operator==(const MqttLogin&) const = default;
};

// auth = secret: `clientId|securemode=2|3,signmethod=M[,timestamp=T]|`, password =
// HMAC(deviceSecret, "clientId…deviceName…productKey…[timestamp…]") (names sorted).
// securemode 2 with TLS, 3 without.
MqttLogin aliyun_secret_login(std::string_view client_id, std::string_view product_key,
                              std::string_view device_name, std::string_view device_secret,
                              SignMethod method, std::optional<std::int64_t> timestamp_ms,
                              bool tls);

// auth = token (and register_nwl once registered): `clientId|securemode=-2,authType=connwl|`,
// password = the device token.
MqttLogin aliyun_token_login(std::string_view client_id, std::string_view product_key,
                             std::string_view device_name, std::string_view device_token);

// The dynamic-registration connect: `clientId|securemode=S,authType=register|regnwl,random=R,
// signmethod=M[,instanceId=I]|`, password = HMAC(productSecret,
// "deviceName…productKey…random…").
MqttLogin aliyun_registration_login(std::string_view client_id, std::string_view product_key,
                                    std::string_view device_name, std::string_view product_secret,
                                    SignMethod method, std::string_view random,
                                    bool without_preregistration, int securemode,
                                    std::string_view instance_id);

}  // namespace edgegw::northbound
