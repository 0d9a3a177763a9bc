// The emulator's Huawei IoTDA gateway (pure), written from IoTDA's device MQTT API pages
// (docs/platforms.md "Gateway mode"), not from northbound/:
//
//  - $oc/devices/{gw}/sys/events/up, service "$sub_device_manager", event
//  "sub_device_update_status":
//    1..100 device_statuses; each sub-device known and enabled goes ONLINE/OFFLINE through that
//    gateway (successful_devices), the others are failed_devices with an error code; answered on
//    $oc/devices/{gw}/sys/events/down as "sub_device_update_status_response" with the event_id.
//  - $oc/devices/{gw}/sys/gateway/sub_devices/properties/report: 1..100 "devices", each a
//    sub-device online through that gateway with a non-empty "services" list; anything else is
//    reported as a problem (the cloud would drop the data).
//  - A command to a sub-device goes to the gateway's commands topic with "object_device_id".
// Codes for the refused: IOTDA.014000 unknown device, IOTDA.014001 disabled (this emulator's).
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cloud/cloud_calls.hpp"
#include "cloud/registry.hpp"

namespace edgegw::cloud {

struct HuaweiGatewayState {
  std::set<std::string> online;  // sub-device ids online through the current connection
};

struct HuaweiTopologyAnswer {
  bool handled = false;                    // false: not a gateway topic this file knows
  std::string problem;                     // why the message is refused ("" when accepted)
  std::string reply_topic, reply_payload;  // empty: no answer
  std::vector<std::string> now_online, now_offline;
  // A batched report's properties, one {"services":[…]} per sub-device entry, with its id.
  std::vector<std::pair<std::string, std::string>> reports;
};

HuaweiTopologyAnswer answer_huawei_topology(const Registry& registry, std::string_view gw_id,
                                            std::string_view topic, std::string_view payload,
                                            HuaweiGatewayState& state);

// The cloud's command `name` to sub-device `sub_id` of gateway `gw_id` (IoTDA "Platform
// Delivering a Command": the gateway's topic, the sub-device named by object_device_id).
Call huawei_sub_device_command(const std::string& gw_id, const std::string& sub_id,
                               const std::string& request_id, const std::string& name,
                               const std::string& params_json);

// The sub-device reports in a payload of the gateway's batched report for `sub_id`.
std::vector<std::string> huawei_sub_device_reports(std::string_view payload,
                                                   const std::string& sub_id);

}  // namespace edgegw::cloud
