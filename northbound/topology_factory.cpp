#include "northbound/topology_factory.hpp"

#include "northbound/aliyun_topology.hpp"
#include "northbound/huawei_topology.hpp"
#include "northbound/tencent_topology.hpp"

namespace edgegw::northbound {

std::string_view to_string(TopologyStep step) {
  switch (step) {
    case TopologyStep::add:
      return "topology add";
    case TopologyStep::login:
      return "sub-device login";
    case TopologyStep::logout:
      return "sub-device logout";
    case TopologyStep::registration:
      return "sub-device registration";
  }
  return "?";
}

std::unique_ptr<TopologyProtocol> make_topology(const CloudOptions& cloud) {
  switch (cloud.platform) {
    case PlatformKind::aliyun:
      return make_aliyun_topology(cloud);
    case PlatformKind::huawei:
      return make_huawei_topology(cloud);
    case PlatformKind::tencent:
      return make_tencent_topology(cloud);
    default:
      return nullptr;
  }
}

}  // namespace edgegw::northbound
