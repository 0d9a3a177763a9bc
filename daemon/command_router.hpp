// CommandRouter: a cloud command for one device, carried down to that device and answered back up.
//
//   cloud ─► Session ─► on_command(device, command)
//              set_points  ─► DeviceSide: a Modbus write (the bus thread answers later through
//                             on_write_result) or a publish to a local MQTT device's command topic
//                             (answered when the local broker acknowledged it)
//              get_points  ─► the device's last reported values (LastValues)
//              run_command ─► the device's [[device.command]] of that name: Modbus writes from
//                             the call's parameters, or the call forwarded to the local MQTT
//                             device, answered from its reply; an unknown name ─► "not supported"
//   reply(device, command, result) ─► ReplySink: the platform's answer through the device's session
//
// Every command gets exactly one answer, success or failure, in the platform's own codes (the
// router picks a neutral northbound::result_code; the Platform maps it). Both the device side and
// the reply sink are injected, so the whole path is unit-tested without a loop or a socket
// (tests/unit/daemon/command_router_test.cpp). Runs on the loop thread.
//
// Every request in flight is one entry of pending_ keyed by the id the device side echoes back
// (the Modbus write's request_id, the forwarded call's "id"), with a deadline: expire(now) answers
// the overdue ones as failed. The loop-side adapter (the Gateway) calls expire() from a timer armed
// at next_deadline(); tests pass the time themselves.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/device_commands.hpp"
#include "daemon/last_values.hpp"
#include "northbound/platform.hpp"
#include "southbound/local_command.hpp"
#include "southbound/local_mqtt_source.hpp"
#include "southbound/modbus_bus.hpp"
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
  // Publishes a forwarded call (southbound/local_command.hpp) to a local MQTT device's
  // command_topic; like publish_command(). The device's answer comes back through
  // CommandRouter::on_device_reply().
  virtual std::optional<std::string> publish_call(const std::string& device,
                                                  const std::string& payload,
                                                  southbound::CommandDone done) = 0;
  // Queues a read of some points of a Modbus device that is to be read on a property get
  // (property_get = "device"); false when it is not (the router answers from the last values).
  // The result comes back through CommandRouter::on_read_result() with the same request_id.
  virtual bool read_points(southbound::ReadRequest /*request*/) { return false; }
};

// Each device's named commands ([[device.command]]), by device name.
using CommandCatalog = std::map<std::string, std::vector<config::DeviceCommand>>;

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
  using Clock = std::chrono::steady_clock;
  // How long a property set may wait for its bus before it is answered as failed.
  static constexpr std::chrono::milliseconds kWriteTimeout{10000};
  // How long a property get waits for a read of the device (property_get = "device") before it
  // is answered from the last values: within every platform's deadline (docs/platforms.md).
  static constexpr std::chrono::milliseconds kReadTimeout{5000};

  CommandRouter(DeviceSide& devices, const LastValues& last_values, ReplySink reply,
                CommandCatalog commands = {});
  CommandRouter(const CommandRouter&) = delete;
  CommandRouter& operator=(const CommandRouter&) = delete;

  // A decoded downlink command (northbound's CommandSink). Answered now or, for device writes,
  // when the device side reports back.
  void on_command(const std::string& device, const northbound::Command& command,
                  Clock::time_point now = Clock::now());
  // A Modbus bus finished a write this router asked for; unknown ids are ignored.
  void on_write_result(const southbound::WriteResult& result);
  // A Modbus bus finished a property get's read of the device; unknown ids are ignored.
  void on_read_result(const southbound::ReadResult& result);
  // A local MQTT device answered a forwarded call; unknown or late ids are ignored.
  void on_device_reply(const std::string& device, const southbound::DeviceReply& reply);
  // Answers every request whose deadline is not after `now` as failed.
  void expire(Clock::time_point now);
  // The earliest deadline of a request in flight; nullopt when none is.
  std::optional<Clock::time_point> next_deadline() const;
  // The named commands from now on (a reload); requests in flight keep what they resolved to.
  void set_commands(CommandCatalog commands) { commands_ = std::move(commands); }

  std::size_t in_flight() const { return pending_.size(); }  // writes and calls not answered
  const CommandCounters& counters() const { return counters_; }

 private:
  struct Pending {
    std::string device;
    northbound::Command command;
    Clock::time_point deadline;
    bool forwarded = false;           // waits for the device's reply, not a bus
    std::vector<std::string> output;  // points whose last values answer as outputs
    bool reading = false;             // a property get waiting for the device's read
  };

  void set_points(const std::string& device, const northbound::Command& command,
                  Clock::time_point now);
  void get_points(const std::string& device, const northbound::Command& command,
                  Clock::time_point now);
  // The property get's answer from the last values; `why` (non-empty): the device was asked and
  // did not answer, said in the message with the values' age.
  void answer_from_last_values(const std::string& device, const northbound::Command& command,
                               const std::string& why);
  void run_command(const std::string& device, const northbound::Command& command,
                   Clock::time_point now);
  const config::DeviceCommand* find_command(const std::string& device,
                                            const northbound::Command& command) const;
  void write_command(const std::string& device, const northbound::Command& command,
                     const config::DeviceCommand& spec, Clock::time_point now);
  void forward_command(const std::string& device, const northbound::Command& command,
                       const config::DeviceCommand& spec, Clock::time_point now);
  std::optional<Pending> take(std::uint64_t id);
  void reply(const std::string& device, const northbound::Command& command,
             northbound::CommandResult result);

  DeviceSide& devices_;
  const LastValues& last_values_;
  ReplySink reply_;
  CommandCatalog commands_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, Pending> pending_;
  CommandCounters counters_;
};

}  // namespace edgegw::daemon
