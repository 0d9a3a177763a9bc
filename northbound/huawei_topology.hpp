// Huawei IoTDA's gateway and sub-devices (docs/platforms.md "Gateway mode", IoTDA's device MQTT
// API pages). The sub-devices exist in the platform already (created in the console or by the
// application); the gateway only brings them online and offline over its one connection:
//
//   $oc/devices/{gw}/sys/events/up    {"services":[{"service_id":"$sub_device_manager",
//       "event_type":"sub_device_update_status","event_id":ID,"event_time":T,
//       "paras":{"device_statuses":[{"device_id":D,"status":"ONLINE"|"OFFLINE"},…≤100]}}]}
//   $oc/devices/{gw}/sys/events/down  … "event_type":"sub_device_update_status_response",
//       "event_id":ID, "paras":{"successful_devices":[…],"failed_devices":[{"device_id":D,
//       "error_code":C,"error_msg":M}]}   — per device: one refused, the others online
//
// A sub-device's property reports go out batched, up to 100 sub-devices per message, on
// $oc/devices/{gw}/sys/gateway/sub_devices/properties/report {"devices":[{"device_id":D,
// "services":[…]}]}; its messages on the gateway's sys/messages/up with "object_device_id".
// Commands and property sets/gets for a sub-device arrive on the gateway's own request topics
// with "object_device_id": D in the payload, and are answered on the gateway's response topic.
#pragma once

#include <memory>

#include "northbound/topology_protocol.hpp"

namespace edgegw::northbound {

// At most 100 sub-devices per status update and per batched property report (both pages).
inline constexpr std::size_t kHuaweiMaxSubDevicesPerMessage = 100;

std::unique_ptr<TopologyProtocol> make_huawei_topology(const CloudOptions& cloud);

}  // namespace edgegw::northbound
