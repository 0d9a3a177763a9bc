// A cloud call forwarded to a device of the local broker, and the device's answer
// (docs/local-mqtt.md "Commands"). Pure: the request as bytes out, the reply's bytes in.
//
//   request, on the device's command_topic:
//     {"id":"17","command":"reboot","params":{"delay":5}}
//   reply, on its reply_topic (the id under reply_id_field, default "id"):
//     {"id":"17","ok":true,"message":"rebooting","data":{"uptime":12}}
//   "ok" may be given as "code" instead (0 = success); "data" holds the output parameters.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/record.hpp"

namespace edgegw::southbound {

struct DeviceReply {
  std::string id;  // the request's id, as the device echoed it
  bool ok = false;
  std::string message;
  std::vector<store::Field> values;  // output parameters
  bool operator==(const DeviceReply&) const = default;
};

std::string command_call_payload(std::string_view id, std::string_view command,
                                 const std::vector<store::Field>& params);

// The reply, or why it is not one (no id, not a JSON object, no "ok" nor "code").
struct DeviceReplyParse {
  std::optional<DeviceReply> reply;
  std::string problem;
};
DeviceReplyParse parse_device_reply(std::string_view payload, std::string_view id_field);

}  // namespace edgegw::southbound
