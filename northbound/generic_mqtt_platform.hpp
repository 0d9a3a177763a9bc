// Any MQTT broker (and Alibaba's MQTT cloud gateway): the client id, username, password and client
// certificate exactly as configured; topics from [cloud.mqtt] with {device} filled in.
//
//   up:   telemetry_topic
//   {"device":"meter-1","seq":17,"time":1700000000000,"values":{"voltage":230.5}} down:
//   command_topic    a JSON object of point -> value -> set_points (no reply)
#pragma once

#include <memory>

#include "northbound/platform.hpp"

namespace edgegw::northbound {

class PlatformRules;
// The generic MQTT platform's rules for the configuration (platform_rules.hpp).
const PlatformRules& generic_mqtt_rules();

std::unique_ptr<Platform> make_generic_mqtt_platform(const CloudOptions& cloud);

}  // namespace edgegw::northbound
