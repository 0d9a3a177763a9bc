// What `edgegw check` tells the operator without refusing the configuration: values the daemon
// runs with but the platform may not accept (a publish rate above its documented quota).
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace edgegw::config {

// One sentence per warning, for the user; empty when there is nothing to say.
std::vector<std::string> configuration_warnings(const Config& config);

}  // namespace edgegw::config
