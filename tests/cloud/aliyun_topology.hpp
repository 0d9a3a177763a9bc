// The emulator's Alibaba gateway topology (pure): it answers a gateway's thing/topo/add and
// /ext/session/{gwPk}/{gwDn}/combine/{login,batch_login,logout,batch_logout} as the platform
// does, checking each sub-device's signature (HMAC(deviceSecret, "clientId…deviceName…
// productKey…timestamp…")), at most 30 per add and 50 per login or logout call (the vendor's
// per-call limits), and says which sub-devices are now online through that gateway (their
// /sys/{pk}/{dn} topics then belong to the gateway's connection).
// Codes: 200 ok, 460 bad request (malformed, too many), 6100 unknown device, 522 disabled,
// 6401 not in the gateway's topology, 6287 bad signature. Login and logout "support only QoS 0"
// (Alibaba's page): one sent with QoS 1 is refused with 460 here.
// thing/sub/register (dynamic registration of sub-devices) names each sub-device only; it is
// answered with the registry's device secret, or refused with 401 when the device's `auth` does
// not allow "register" (its product has no dynamic registration) or it is activated already
// (`registered`, or it has logged in through a gateway).
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cloud/registry.hpp"

namespace edgegw::cloud {

struct AliyunGatewayState {
  std::set<std::string> topology;   // "pk/dn" added to this gateway (kept across logins)
  std::set<std::string> online;     // "pk/dn" logged in over the current connection
  std::set<std::string> activated;  // "pk/dn" that have been online: registering again is refused
  std::size_t registrations = 0;    // sub-devices registered through this gateway, ever
};

struct TopologyAnswer {
  bool handled = false;  // false: not a topology topic
  std::string reply_topic;
  std::string reply_payload;
  std::vector<std::string> now_online;       // "pk/dn"
  std::vector<std::string> now_offline;      // "pk/dn"
  std::vector<std::string> now_in_topology;  // "pk/dn" added to the topology by this request
};

TopologyAnswer answer_aliyun_topology(const Registry& registry, std::string_view gw_pk,
                                      std::string_view gw_dn, std::string_view topic,
                                      std::string_view payload, AliyunGatewayState& state,
                                      int qos = 0);

}  // namespace edgegw::cloud
