// The named commands (services, actions) a device answers, as the user configures them in
// [[device.command]] (docs/configuration.md "Commands"). A cloud call names one; the command router
// (daemon/command_router) resolves it here and either writes Modbus points from the call's
// parameters or forwards the call to the local MQTT device and waits for its reply.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace edgegw::config {

struct DeviceCommand {
  // Alibaba service identifier, Huawei command_name, Tencent actionId, generic "command".
  std::string name;
  // Huawei only: the service the command belongs to; empty matches any service.
  std::string service_id;
  // Modbus: call parameter -> point written with its value (typed and scaled like a property
  // set). Empty with forward = false: every parameter names a point itself.
  std::vector<std::pair<std::string, std::string>> write;
  // Points whose last values answer as the command's output parameters.
  std::vector<std::string> output;
  // Local MQTT: publish the call to the device's command_topic and answer with its reply.
  bool forward = false;
  // How long the forwarded call (or the Modbus write) may take before it is answered as failed.
  std::chrono::milliseconds timeout{5000};
  bool operator==(const DeviceCommand&) const = default;
};

}  // namespace edgegw::config
