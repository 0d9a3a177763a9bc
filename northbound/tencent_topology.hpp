// Tencent IoT Hub / IoT Explorer gateway sub-devices (docs/platforms.md, "Tencent gateway mode",
// names the vendor pages). Everything goes over the gateway's own pair of topics:
//   up:   $gateway/operation/{gwPid}/{gwDn}
//         {"type":"bind"|"online"|"offline","payload":{"devices":[{"product_id":P,
//          "device_name":D[, bind only: "signature","random","timestamp","signmethod",
//          "authtype":"psk"]}, …]}}
//   down: $gateway/operation/result/{gwPid}/{gwDn}
//         {"type":T,"payload":{"devices":[{"product_id":P,"device_name":D,"result":R}, …]}}
// The answer carries no request id and a result per sub-device (0 ok): each device is judged
// apart (TopologyReply::devices). A bind of a sub-device already bound to this gateway answers
// 809 ("repeated bind request"), which is as good as 0 for us: we bind on every gateway login.
//
// Bind signature: base64(HMAC(psk, "{pid}{dn};{random};{timestamp}")), the key being the PSK
// text as the console shows it (the SDKs pass the base64 string, not its decoded bytes), the
// method "hmacsha1" or "hmacsha256" ([cloud.tencent] sign_method). Then the sub-device publishes
// and subscribes on its own {pid}/{dn}/… and $thing/…/{pid}/{dn} topics through the gateway.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "northbound/topology_protocol.hpp"

namespace edgegw::northbound {

std::unique_ptr<TopologyProtocol> make_tencent_topology(const CloudOptions& cloud);

// The bind signature of one sub-device (see above); exposed for its worked-example test.
std::string tencent_bind_signature(std::string_view product_id, std::string_view device_name,
                                   std::string_view device_psk, std::uint32_t random,
                                   std::int64_t timestamp, SignMethod method);

}  // namespace edgegw::northbound
