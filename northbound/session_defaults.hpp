// What a session takes from its platform's rules rather than from the user alone: the reconnect
// backoff's floor (a platform that allows one connect per N seconds) and the default publish rate
// (the platform's documented quota).
#pragma once

#include <chrono>

#include "loop/backoff.hpp"
#include "northbound/cloud_options.hpp"

namespace edgegw::northbound {

// backoff_min/backoff_max from [cloud]; floor = the platform's min_connect_interval().
loop::BackoffOptions reconnect_backoff(const CloudOptions& cloud,
                                       std::chrono::milliseconds stable_after);

// The platform's publish_quota(), or 30/s where none is documented.
double default_publish_rate(PlatformKind platform);

}  // namespace edgegw::northbound
