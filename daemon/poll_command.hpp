// `edgegw poll DEVICE [--json]`: reads one Modbus device once with its configured map and prints
// every point (value, raw registers) and every request made, without starting the daemon or any
// cloud session - how an integrator checks a register map on site.
#pragma once

#include <string>

#include "config/config.hpp"
#include "southbound/poll_once.hpp"

namespace edgegw::daemon {

// The text and JSON forms of one poll (pure, for tests).
std::string format_poll_text(const std::string& device, const southbound::BusOptions& bus,
                             unsigned unit, const southbound::PollOnceResult& result);
std::string format_poll_json(const std::string& device, const southbound::BusOptions& bus,
                             unsigned unit, const southbound::PollOnceResult& result);

// Polls DEVICE and prints to stdout; exit code 0 when the device answered, 1 when it did not (or
// no connection), 78 when DEVICE is not a Modbus device of the configuration.
int print_poll(const config::Config& config, const std::string& device, bool json);

}  // namespace edgegw::daemon
