// The gateway topology of cloud.platform (cloud.mode = "gateway"), one line per platform in
// topology_factory.cpp.
#pragma once

#include <memory>

#include "northbound/topology_protocol.hpp"

namespace edgegw::northbound {

// The topology for cloud.platform; null for platforms without one here (`check` refuses the mode).
std::unique_ptr<TopologyProtocol> make_topology(const CloudOptions& cloud);

}  // namespace edgegw::northbound
