// What differs between the running configuration and a newly loaded one (SIGHUP): devices and
// buses added, removed or changed, and which global sections changed. Logged on reload; later the
// daemon applies exactly these changes (restart one session, not all).
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace edgegw::config {

struct ConfigChanges {
  std::vector<std::string> devices_added, devices_removed, devices_changed;
  std::vector<std::string> buses_added, buses_removed, buses_changed;
  // "gateway", "store", "metrics", "cloud", "local_mqtt"
  std::vector<std::string> sections_changed;
  bool empty() const;
  bool operator==(const ConfigChanges&) const = default;
};

ConfigChanges compare(const Config& before, const Config& after);

// One line for the log: "devices added: a, b; devices changed: c; sections changed: cloud" or
// "no changes".
std::string describe(const ConfigChanges& changes);

}  // namespace edgegw::config
