// A platform's topology messages: how a gateway adds its sub-devices, logs them in and out over
// its own connection, which sub-device an incoming message is for, and how a sub-device's own
// publications travel through the gateway's connection. One implementation per platform that has
// them (northbound/aliyun_topology.hpp, northbound/huawei_topology.hpp,
// northbound/tencent_topology.hpp; make_topology() in
// northbound/topology_factory.hpp picks one). Pure functions of their arguments, like Platform.
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

// registration: Alibaba's thing/sub/register, which obtains the device secret of a sub-device
// configured with auth = "register" before it is added (the secret signs add and login).
enum class TopologyStep { add, login, logout, registration };
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
  // Sub-devices (platform keys) the platform refused one by one in an answer that is otherwise
  // ok (IoTDA's failed_devices); the request's other sub-devices succeeded.
  struct Refusal {
    std::string key;
    std::string code;
    std::string message;
    bool operator==(const Refusal&) const = default;
  };
  std::vector<Refusal> refused;
  // Platforms whose answers name no request but give a result per sub-device (Tencent's
  // $gateway/operation/result): `id` is empty and each device's result stands for itself.
  std::vector<TopologyDeviceResult> devices;
  // A registration answer: the device secret of each sub-device it registered.
  std::vector<Registration> registrations;
  bool operator==(const TopologyReply&) const = default;
};

// An incoming message for a sub-device: its key and the topic its Platform decodes it on (the
// sub-device's own topic, also when the platform sent it on the gateway's).
struct TopologyRoute {
  std::string key;
  std::string topic;
  bool operator==(const TopologyRoute&) const = default;
};

// One publication of a sub-device as its Platform encoded it (its own topic and payload).
struct SubPublication {
  const DeviceIdentity* sub = nullptr;
  const Publication* publication = nullptr;
};

// What the gateway publishes for some of those: `parts` are the indices (into carry()'s input)
// of the sub-device publications it carries, all acknowledged by its one PUBACK.
struct CarriedPublication {
  Publication publication;
  std::vector<std::size_t> parts;
  bool operator==(const CarriedPublication&) const = default;
};

class TopologyProtocol {
 public:
  virtual ~TopologyProtocol() = default;
  // The most sub-devices one request may carry (the platform's per-call limit).
  virtual std::size_t max_batch() const = 0;
  // A sub-device's key in the platform's topics (aliyun "productKey/deviceName").
  virtual std::string key(const DeviceIdentity& sub) const = 0;
  // Whether sub-devices must be added to the gateway's topology before they log in (Alibaba's
  // thing/topo/add); false: they exist in the platform already and only log in.
  virtual bool needs_add() const { return true; }
  // The code with which the platform refuses a login because the sub-device is not in the
  // gateway's topology (Alibaba 6401 "topo relation not exist"). A platform that names it lets the
  // gateway keep what it added across reconnects (log in directly, re-add only on that refusal);
  // nullopt: every new gateway link adds its sub-devices again before they log in.
  virtual std::optional<int> not_in_topology_code() const { return std::nullopt; }
  // Whether an online sub-device subscribes its Platform's downlink topics through the gateway
  // (Alibaba); false: its commands arrive on the gateway's own topics (IoTDA).
  virtual bool subscribes_sub_topics() const { return true; }
  // The sub-device an incoming message is addressed to, by topic or payload; nullopt: not a
  // sub-device's (the gateway's own, or unknown).
  virtual std::optional<TopologyRoute> route(const DeviceIdentity& gateway, std::string_view topic,
                                             std::string_view payload) const = 0;
  // How sub-device publications (uplink records and command answers) go out through the gateway:
  // each input part is carried by exactly one output publication; a part's own order is kept.
  // The default sends each as it is (Alibaba: the sub-device's own topics).
  virtual std::vector<CarriedPublication> carry(const DeviceIdentity& gateway,
                                                const std::vector<SubPublication>& parts) const {
    (void)gateway;
    std::vector<CarriedPublication> out;
    out.reserve(parts.size());
    for (std::size_t i = 0; i < parts.size(); ++i) out.push_back({*parts[i].publication, {i}});
    return out;
  }
  // The most parts carry() can put in one publication (1: no batching).
  virtual std::size_t max_carried() const { return 1; }
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
