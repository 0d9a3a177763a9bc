// A platform's topology messages: how a gateway adds its sub-devices, logs them in and out over
// its own connection, and which sub-device an incoming topic is for. One implementation per
// platform that has them (northbound/aliyun_topology.hpp, northbound/tencent_topology.hpp). Pure
// functions of their arguments, like Platform.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "northbound/cloud_options.hpp"
#include "northbound/platform.hpp"

namespace edgegw::northbound {

enum class TopologyStep { add, login, logout };
std::string_view to_string(TopologyStep step);

// One sub-device's result in a platform answer that judges each sub-device apart.
struct TopologyDeviceResult {
  std::string key;  // TopologyProtocol::key of the sub-device
  bool ok = false;
  int code = 0;
  bool operator==(const TopologyDeviceResult&) const = default;
};

// The platform's answer to one topology request.
struct TopologyReply {
  TopologyStep step = TopologyStep::add;
  std::string id;  // the request id we sent
  bool ok = false;
  int code = 0;  // the platform's code (Alink 200 ok)
  std::string message;
  // Platforms whose answers name no request but give a result per sub-device (Tencent's
  // $gateway/operation/result): `id` is empty and each device's result stands for itself.
  std::vector<TopologyDeviceResult> devices;
  bool operator==(const TopologyReply&) const = default;
};

class TopologyProtocol {
 public:
  virtual ~TopologyProtocol() = default;
  // The most sub-devices one request may carry (the platform's per-call limit).
  virtual std::size_t max_batch() const = 0;
  // A sub-device's key in the platform's topics (aliyun "productKey/deviceName").
  virtual std::string key(const DeviceIdentity& sub) const = 0;
  // The key of the sub-device an incoming topic is addressed to; nullopt: not a sub-device topic.
  virtual std::optional<std::string> route(std::string_view topic) const = 0;
  // Where the platform answers the gateway's topology requests (subscribed once online).
  virtual std::vector<std::string> subscriptions(const DeviceIdentity& gateway) const = 0;
  // A request for `subs` (1..max_batch) with request id `id`, signed at `now`.
  virtual Publication request(TopologyStep step, const DeviceIdentity& gateway,
                              const std::vector<const DeviceIdentity*>& subs, std::string_view id,
                              std::chrono::system_clock::time_point now) const = 0;
  // A topology answer; nullopt when the topic is not one.
  virtual std::optional<TopologyReply> decode_reply(const DeviceIdentity& gateway,
                                                    std::string_view topic,
                                                    std::string_view payload) const = 0;
};

}  // namespace edgegw::northbound
