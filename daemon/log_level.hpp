// The log levels a user can name (gateway.log_level, --log-level): loop/'s one LogLevel, named here
// so the daemon's code keeps saying LogLevel.
#pragma once

#include "loop/log_sink.hpp"

namespace edgegw::daemon {

using loop::LogLevel;
using loop::parse_log_level;
using loop::to_string;

}  // namespace edgegw::daemon
