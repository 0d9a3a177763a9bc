// Huawei Cloud IoTDA (specs/huawei-mqtt-connect.txt, PLATFORMS.md): client id
// {device_id}_0_{signType}_{YYYYMMDDHH UTC}, password = hex(HMAC-SHA256(key = that hour, secret)),
// MQTTS only; topics under $oc/devices/{device_id}/sys/.
//
//   up:   properties/report
//   {"services":[{"service_id":S,"properties":{…},"event_time":"yyyyMMddTHHmmssZ"}]} down:
//   properties/set/request_id=ID  -> set_points,  reply properties/set/response/request_id=ID
//         properties/get/request_id=ID  -> get_points,  reply properties/get/response/request_id=ID
//         commands/request_id=ID        -> run_command, reply commands/response/request_id=ID
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "northbound/platform.hpp"

namespace edgegw::northbound {

inline constexpr std::size_t kHuaweiMaxPayload = 1024 * 1024;

class PlatformRules;
// huawei's rules for the configuration (platform_rules.hpp).
const PlatformRules& huawei_rules();

std::unique_ptr<Platform> make_huawei_platform(const CloudOptions& cloud);

// "YYYYMMDDHH" of `now` in UTC: the timestamp in the client id and the HMAC key.
std::string huawei_hour_stamp(std::chrono::system_clock::time_point now);
// The password: lowercase hex of HMAC-SHA256 keyed with the hour stamp over the device secret.
std::string huawei_password(std::string_view device_secret, std::string_view hour_stamp);
// "yyyyMMddTHHmmssZ" of a Unix time in milliseconds, UTC.
std::string huawei_event_time(std::int64_t unix_ms);

}  // namespace edgegw::northbound
