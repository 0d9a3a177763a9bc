// The cloud's calls to a device, as each platform's pages show them, and the check of each answer
// (docs/cloud-emulator.md "Calls"). Written from the vendor pages, not from edgegw's encoders, so a
// wrong topic, id or code in edgegw shows up as a failed check. The observer publishes the request
// (Call::topic, Call::payload) and watches answer_topic; check_answer() reads what came back.
//
//   aliyun  service    /sys/{pk}/{dn}/thing/service/{id}           -> .../{id}_reply, code 200
//           get        /sys/{pk}/{dn}/thing/service/property/get   -> .../property/get_reply
//           rrpc       /sys/{pk}/{dn}/rrpc/request/{messageId}     -> .../rrpc/response/{messageId}
//   huawei  command    $oc/devices/{id}/sys/commands/request_id=R  ->
//   .../commands/response/request_id=R
//           get        $oc/devices/{id}/sys/properties/get/request_id=R -> .../get/response/...
//   tencent action     $thing/down/action/{pid}/{dn}               -> $thing/up/action/{pid}/{dn}
//   mqtt    command    devices/{device}/commands                   ->
//   devices/{device}/commands/reply
#pragma once

#include <map>
#include <optional>
#include <string>

#include "cloud/connect_checks.hpp"

namespace edgegw::cloud {

struct CallTarget {
  Platform platform = Platform::aliyun;
  std::string product_key, device_name;  // aliyun; tencent (product_key = product id)
  std::string device_id;                 // huawei
  std::string device;                    // generic mqtt
};

struct Call {
  std::string topic, payload;
  std::string answer_topic;
  std::string request_id;  // what the answer must carry
};

// A named command/service with parameters (a JSON object text). `service` is Huawei's service_id.
Call command_call(const CallTarget& target, const std::string& request_id, const std::string& name,
                  const std::string& params_json, const std::string& service = "");
// A property get of `names` (a JSON array text, e.g. ["speed"]). Aliyun and Huawei only.
Call property_get_call(const CallTarget& target, const std::string& request_id,
                       const std::string& names_json);
// Alibaba RRPC carrying a thing.service.{name} request.
Call rrpc_call(const CallTarget& target, const std::string& message_id, const std::string& id,
               const std::string& name, const std::string& params_json);

struct Answer {
  bool well_formed = false;  // the platform's shape, with the request's id
  bool ok = false;           // the platform's success code (Alink 200, IoTDA/Tencent/mqtt 0)
  int code = 0;              // the platform's own code
  std::string message;       // Alink message, Tencent status, generic message
  std::map<std::string, std::string> values;  // output parameters / properties, as JSON text
  std::string problem;                        // why not well formed
};

// Reads an answer to `call` published on `topic` (which must be call.answer_topic).
Answer check_answer(const CallTarget& target, const Call& call, const std::string& topic,
                    const std::string& payload);

}  // namespace edgegw::cloud
