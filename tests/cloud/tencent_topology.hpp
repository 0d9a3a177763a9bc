// The emulator's Tencent gateway sub-devices (pure), from the IoT Hub / IoT Explorer pages
// (docs/platforms.md, "Tencent gateway mode"): it answers a gateway's $gateway/operation/{pid}/{dn}
// messages on $gateway/operation/result/{pid}/{dn} with a result per sub-device, and says which
// sub-devices are now online through that gateway (their topics then belong to its connection).
//
// bind:    checks each sub-device's signature, base64(HMAC(psk text, "{pid}{dn};{random};
//          {timestamp}")) with signmethod hmacsha1 | hmacsha256, authtype psk.
// online:  only for sub-devices bound to this gateway; offline: only for online ones.
// Results (the SDKs' bind codes, negative as the pages' example -1): 0 ok; bind -801 malformed
// entry, -802 unknown sub-device, -803 bad signature, -804 unsupported signmethod, -805 timestamp
// more than 10 minutes off, -807 sub-device disabled, -809 already bound to this gateway;
// online/offline -1 not bound (or not online), -2 sub-device disabled.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "cloud/aliyun_topology.hpp"
#include "cloud/registry.hpp"

namespace edgegw::cloud {

struct TencentGatewayState {
  std::set<std::string> bound;   // "pid/dn" bound to this gateway (kept across connections)
  std::set<std::string> online;  // "pid/dn" online over the current connection
};

TopologyAnswer answer_tencent_topology(const Registry& registry, std::string_view gw_pid,
                                       std::string_view gw_dn, std::string_view topic,
                                       std::string_view payload, TencentGatewayState& state,
                                       std::int64_t now_unix_seconds);

}  // namespace edgegw::cloud
