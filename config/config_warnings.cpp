#include "config/config_warnings.hpp"

#include <sstream>

#include "northbound/platform_rules.hpp"

namespace edgegw::config {

std::vector<std::string> configuration_warnings(const Config& config) {
  std::vector<std::string> out;
  if (const auto& listen = config.metrics.listen; listen && !listen->loopback) {
    out.push_back("[metrics] listen = \"" + listen->text() +
                  "\" is reachable from other hosts: /metrics tells them the device names and "
                  "states, without authentication (use 127.0.0.1 or a firewall)");
  }
  const auto& rules = northbound::platform_rules(config.cloud.platform);
  const auto quota = rules.publish_quota();
  if (!quota) return out;
  auto above = [&](double rate, const std::string& where) {
    if (rate <= *quota) return;
    std::ostringstream s;
    s << where << "publish_rate = " << rate << " is above " << rules.name()
      << "'s documented quota of " << *quota
      << " messages per second per device; the platform may throttle or disconnect it";
    out.push_back(s.str());
  };
  above(config.cloud.publish_rate, "[cloud] ");
  for (const auto& d : config.devices) {
    if (d.cloud.publish_rate) above(*d.cloud.publish_rate, "device " + d.name + ": ");
  }
  return out;
}

}  // namespace edgegw::config
