// Tencent Cloud IoT Hub (specs/tencent-iothub-mqtt.txt, PLATFORMS.md). Three ways in:
//   password: plain TCP 1883; username {pid}{dn};{sdkappid};{connid};{expiry}, password
//             hex(HMAC-SHA1/256(base64-decoded key, username)) + ";hmacsha1|;hmacsha256";
//   psk:      TLS-PSK on 8883, identity {pid}{dn}, key = the decoded device key, no password;
//   cert:     TLS with a client certificate on 8883, no password.
// The username is sent in all three (the SDKs do so).
//
// IoT Hub leaves the payload to the product; we use the data-template shape the Tencent SDKs use:
//   up:   {pid}/{dn}/event   {"method":"report","clientToken":"<seq>","timestamp":ms,"params":{…}}
//   down: {pid}/{dn}/control {"method":"control","clientToken":T,"params":{…}}     -> set_points
//                            {"method":"action","clientToken":T,"actionId":A,"params":{…}} ->
//                            run_command a plain JSON object of point -> value               ->
//                            set_points, no reply
//   reply on …/event:
//   {"method":"control_reply"|"action_reply","clientToken":T,"code":C,"status":S[,"response":{…}]}
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "northbound/platform.hpp"

namespace edgegw::northbound {

inline constexpr std::size_t kTencentMaxPayload = 16 * 1024;

class PlatformRules;
// tencent's rules for the configuration (platform_rules.hpp).
const PlatformRules& tencent_rules();

std::unique_ptr<Platform> make_tencent_platform(const CloudOptions& cloud);

// The key-auth username and password of the vendor's sample code; nullopt password if device_psk is
// not base64.
struct TencentLogin {
  std::string username;
  std::optional<std::string> password;
};
TencentLogin tencent_login(std::string_view product_id, std::string_view device_name,
                           std::string_view device_psk_base64, std::string_view sdkappid,
                           std::string_view connid, std::int64_t expiry_unix_seconds,
                           SignMethod method);

}  // namespace edgegw::northbound
