// What a Session offers a layer that shares its connection (sub-devices carried over the gateway's
// one link, northbound/gateway_topology.hpp): the link's ups and downs, first look at every
// incoming message and PUBACK, and raw publishes and subscribes on the same window.
#pragma once

#include <cstdint>

#include "mqtt/connection.hpp"

namespace edgegw::northbound {

class SessionCarrier {
 public:
  virtual ~SessionCarrier() = default;
  virtual void carrier_online() = 0;   // after the session's own subscriptions went out
  virtual void carrier_offline() = 0;  // the link closed or the session stopped
  // True: the message was for the carried layer (the session then only acks it).
  virtual bool carrier_message(const mqtt::Message& message) = 0;
  // True: the packet id was the carried layer's.
  virtual bool carrier_puback(std::uint16_t packet_id) = 0;
  virtual void carrier_writable() = 0;
};

}  // namespace edgegw::northbound
