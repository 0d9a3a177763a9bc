// The log levels a user can name (gateway.log_level, --log-level): loop's one LogLevel, under the
// names daemon code has always used.
#pragma once

#include "loop/log_sink.hpp"

namespace edgegw::daemon {

using LogLevel = loop::LogLevel;
using loop::parse_log_level;
using loop::to_string;

}  // namespace edgegw::daemon
