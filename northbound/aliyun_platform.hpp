// Alibaba Cloud IoT Platform: Alink JSON over the thing-model topics /sys/{pk}/{dn}/thing/…, logins
// from aliyun_signing.hpp, dynamic registration kept in a RegistrationStore.
//
//   up:   thing/event/property/post
//   {"id":"<seq>","version":"1.0","params":{"p":{"value":v,"time":ms}},"method":"thing.event.property.post"}
//   down: thing/service/property/set  -> set_points,  reply on …/property/set_reply
//         thing/service/{identifier}  -> run_command, reply on …/{identifier}_reply
//         thing/event/property/post_reply -> UplinkAck
//         /ext/register, /ext/regnwl  -> Registration (pushed after a registration CONNACK)
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

#include "northbound/platform.hpp"

namespace edgegw::northbound {

// Alink's publish payload limit.
inline constexpr std::size_t kAliyunMaxPayload = 256 * 1024;

class PlatformRules;
// aliyun's rules for the configuration (platform_rules.hpp).
const PlatformRules& aliyun_rules();

std::unique_ptr<Platform> make_aliyun_platform(const CloudOptions& cloud,
                                               std::filesystem::path state_dir);

// The registration result pushed on /ext/register or /ext/regnwl; an error text if the payload is
// not one.
struct RegistrationParse {
  std::optional<Registration> registration;
  std::string problem;
};
RegistrationParse parse_aliyun_registration(std::string_view topic, std::string_view payload);

}  // namespace edgegw::northbound
