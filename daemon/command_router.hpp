// CommandRouter: a cloud command for one device, carried down to that device and answered back up.
//
//   cloud ─► Session ─► on_command(device, command)
//              set_points  ─► DeviceSide: a Modbus write (the bus thread answers later through
//                             on_write_result) or a publish to a local MQTT device's command topic
//                             (answered when the local broker acknowledged it)
//              get_points  ─► the device's last reported values (LastValues)
//              run_command ─► "not supported" (no command is configured yet)
//   reply(device, command, result) ─► ReplySink: the platform's answer through the device's session
//
// Every command gets exactly one answer, success or failure, in the platform's own codes (the
// router picks a neutral northbound::result_code; the Platform maps it). Both the device side and
// the reply sink are injected, so the whole path is unit-tested without a loop or a socket
// (tests/unit/daemon/command_router_test.cpp). Runs on the loop thread.
//
// Shaped for the named commands, services, property get and RRPC to come (issue 15): a command is
// resolved to device actions in run_command()/set_points(), every request in flight is one entry
// of pending_ keyed by the id the device side echoes back, and answering is the one reply() call.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/last_values.hpp"
#include "northbound/platform.hpp"
#include "southbound/local_mqtt_source.hpp"
#include "southbound/modbus_write.hpp"

namespace edgegw::daemon {

// The device side as the router sees it. The Gateway implements it over its Modbus buses and the
// local MQTT source; tests implement it in memory.
class DeviceSide {
 public:
  virtual ~DeviceSide() = default;
  enum class Kind { none, modbus, local_mqtt };
  // Where `device` lives; none for a device the gateway does not know.
  virtual Kind kind_of(const std::string& device) const = 0;
  // Queues a write to a Modbus device; its result must come back, later, through
  // CommandRouter::on_write_result() with the same request_id.
  virtual void write_points(southbound::WriteRequest request) = 0;
  // Publishes `values` to a local MQTT device's command topic. Returns why not when it cannot be
  // sent (then `done` never runs); otherwise `done` runs later, once.
  virtual std::optional<std::string> publish_command(const std::string& device,
                                                     const std::vector<store::Field>& values,
                                                     southbound::CommandDone done) = 0;
};

// Sends the platform's answer to `command` of `device`; false when it could not be queued.
using ReplySink = std::function<bool(const std::string& device, const northbound::Command& command,
                                     const northbound::CommandResult& result)>;

struct CommandCounters {
  std::uint64_t commands = 0;  // cloud commands received
  std::uint64_t failures = 0;  // commands answered with an error
};

class CommandRouter {
 public:
  // `devices` and `last_values` outlive this.
  CommandRouter(DeviceSide& devices, const LastValues& last_values, ReplySink reply);
  CommandRouter(const CommandRouter&) = delete;
  CommandRouter& operator=(const CommandRouter&) = delete;

  // A decoded downlink command (northbound's CommandSink). Answered now or, for device writes,
  // when the device side reports back.
  void on_command(const std::string& device, const northbound::Command& command);
  // A Modbus bus finished a write this router asked for; unknown ids are ignored.
  void on_write_result(const southbound::WriteResult& result);

  std::size_t in_flight() const { return pending_.size(); }  // writes waiting for their bus
  const CommandCounters& counters() const { return counters_; }

 private:
  struct Pending {
    std::string device;
    northbound::Command command;
  };

  void set_points(const std::string& device, const northbound::Command& command);
  void get_points(const std::string& device, const northbound::Command& command);
  void run_command(const std::string& device, const northbound::Command& command);
  void reply(const std::string& device, const northbound::Command& command,
             northbound::CommandResult result);

  DeviceSide& devices_;
  const LastValues& last_values_;
  ReplySink reply_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, Pending> pending_;
  CommandCounters counters_;
};

}  // namespace edgegw::daemon
