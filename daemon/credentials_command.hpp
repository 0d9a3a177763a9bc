// `edgegw credentials DEVICE`: the MQTT connect parameters the daemon would use for DEVICE, signed
// for a given moment, as one JSON object - for connecting by hand with mosquitto_pub. DEVICE may
// also be gateway.name: the gateway's own identity ([gateway.cloud]), marked "role": "gateway".
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "config/config.hpp"

namespace edgegw::daemon {

struct CredentialsRequest {
  std::string device;
  std::optional<std::chrono::system_clock::time_point> time;  // default: now
  std::optional<std::string> connid;                          // default: random
};

// Prints the JSON object to stdout and returns the exit code (problems go to stderr).
int print_credentials(const config::Config& config, const CredentialsRequest& request);

}  // namespace edgegw::daemon
