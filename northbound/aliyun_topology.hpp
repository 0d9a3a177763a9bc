// Alibaba's gateway topology (Alink "sub-device" pages): thing/topo/add with each sub-device's
// signed parameters on the gateway's /sys topic, and the sub-device's online/offline over the
// gateway's connection on /ext/session/{gwPk}/{gwDn}/combine/{login,batch_login,logout,
// batch_logout}, answered on the same topic + "_reply" with Alink codes (200 ok). Each sub-device
// then publishes and subscribes on its own /sys/{pk}/{dn}/ topics through that connection.
//
// The signature is the device connect's (aliyun_signing.hpp): HMAC(deviceSecret,
// "clientId…deviceName…productKey…timestamp…"); topo/add names the method "hmacSha256" etc.,
// combine/login "hmacsha256". At most 5 sub-devices per call (both pages).
#pragma once

#include <memory>

#include "northbound/topology_protocol.hpp"

namespace edgegw::northbound {

std::unique_ptr<TopologyProtocol> make_aliyun_topology(const CloudOptions& cloud);

}  // namespace edgegw::northbound
