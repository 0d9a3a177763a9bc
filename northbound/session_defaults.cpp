#include "northbound/session_defaults.hpp"

#include <algorithm>

#include "northbound/platform_rules.hpp"

namespace edgegw::northbound {

loop::BackoffOptions reconnect_backoff(const CloudOptions& cloud,
                                       std::chrono::milliseconds stable_after) {
  loop::BackoffOptions o;
  o.min = cloud.backoff_min;
  o.max = cloud.backoff_max;
  o.stable_after = stable_after;
  o.floor = platform_rules(cloud.platform).min_connect_interval();
  // A ceiling below the floor would make the floor unreachable: the platform's rule wins.
  o.max = std::max(o.max, o.floor);
  return o;
}

double default_publish_rate(PlatformKind platform) {
  return platform_rules(platform).publish_quota().value_or(30);
}

}  // namespace edgegw::northbound
