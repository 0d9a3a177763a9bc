// GatewayTopology's record of one sub-device, shared by its three parts: gateway_topology.cpp
// (add, login, refusals, the link), gateway_topology_traffic.cpp (records up, commands down, acks)
// and gateway_topology_status.cpp (status and change marks). Private to northbound/.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>

#include "loop/backoff.hpp"
#include "northbound/gateway_topology.hpp"

namespace edgegw::northbound {

namespace gateway_topology_detail {
using SteadyClock = std::chrono::steady_clock;
constexpr auto kNever = SteadyClock::time_point::max();
}  // namespace gateway_topology_detail

struct GatewayTopology::Sub {
  Sub(DeviceIdentity identity, std::string platform_key, const loop::BackoffOptions& retry,
      std::uint64_t seed)
      : id(std::move(identity)), key(std::move(platform_key)), backoff(retry, seed) {}
  DeviceIdentity id;
  std::string key;
  SubState state = SubState::offline;
  // Added to the gateway's topology: in this link's life, or in this run where the platform
  // says when it lost one (TopologyProtocol::not_in_topology_code).
  bool in_topology = false;
  bool added_on_link = false;  // added over the current link: a "not in topology" is a refusal
  bool solo = false;           // its batch was refused: the next request carries it alone
  loop::Backoff backoff;
  gateway_topology_detail::SteadyClock::time_point retry_at = gateway_topology_detail::kNever;
  std::deque<Pending> pending;
  std::unordered_map<std::uint64_t, unsigned> parts_left;
  std::uint64_t held = 0, inflight = 0, published = 0, acknowledged = 0, commands = 0;
  std::uint64_t attempts = 0;  // tries to get online (an add and its login count once)
  bool attempt_open = false;   // a try is under way: its next request is not a new attempt
  bool in_senders = false;     // queued in senders_
  bool marked = false;         // in changed_: its status moved since the last take_changed()
  std::string last_error;
  std::chrono::system_clock::time_point online_since{};
};

}  // namespace edgegw::northbound
