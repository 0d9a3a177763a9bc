// The gateway proper: the wiring between the configuration and the wire, on the event loop.
//
//   Modbus bus threads ─eventfd─┐
//                               ├─► Outbox.append ─► GroupCommit ─► Northbound.drain ─► cloud
//   LocalMqttSource ────────────┘     (PUBACK to the local broker from inside the commit)
//
//   cloud command ─► CommandRouter ─► Modbus write (bus thread) or local publish (command_topic)
//                                  ─► the platform's reply through the device's session
//
// Gateway only builds and connects the parts and owns them; each job is its own class:
// GroupCommit (daemon/group_commit.hpp) is the one committer of the outbox, CommandRouter
// (daemon/command_router.hpp) carries commands down and replies up, LastValues and SourceOnline
// remember what the readings said, and gateway_reload.cpp applies a reloaded configuration. The
// accessors at the end are what the status file, metrics and STATUS= read.
//
// The Daemon opens the outbox and owns one Gateway while it runs; tests drive one directly with
// their own loop. Everything here runs on the loop thread except the bus threads behind their
// queues.
#pragma once

#include <systemd/sd-event.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "daemon/command_router.hpp"
#include "daemon/event_baselines.hpp"
#include "daemon/group_commit.hpp"
#include "daemon/last_values.hpp"
#include "daemon/session_journal.hpp"
#include "daemon/source_online.hpp"
#include "loop/event_source.hpp"
#include "mqtt/resolver.hpp"
#include "northbound/northbound.hpp"
#include "southbound/local_mqtt_source.hpp"
#include "southbound/modbus_bus.hpp"
#include "store/outbox.hpp"

namespace edgegw::daemon {

// What Gateway::apply() did with a reloaded configuration (the daemon logs it).
struct GatewayReload {
  std::vector<std::string> sessions_started, sessions_stopped, sessions_restarted;
  std::size_t sessions_kept = 0;
  std::vector<std::string> buses_restarted;  // started, stopped or restarted bus threads
  bool local_source_restarted = false;
  std::string refused;  // non-empty: nothing was changed, and why
};

struct GatewayCounters {
  std::uint64_t readings = 0;  // records appended to the outbox (Modbus and local MQTT)
  std::uint64_t commits = 0;   // successful group commits
  std::uint64_t commit_failures = 0;
  std::uint64_t commands = 0;          // cloud commands received
  std::uint64_t command_failures = 0;  // commands answered with an error
};

class Gateway final : private DeviceSide {
 public:
  // Builds the sessions, buses and the local source from `config` around `outbox` (which the
  // daemon opened and which outlives this); nothing connects or polls before start(). Throws
  // std::exception with a message for the user when something cannot work (a platform's refusal).
  // `config` is shared, not copied: the daemon's one copy (each device's identity too, through
  // pointers into it). Nothing in it changes while shared.
  Gateway(sd_event* loop, std::shared_ptr<const config::Config> config, store::Outbox& outbox);
  // The same with a copy of `config` (tests that build one in place).
  Gateway(sd_event* loop, const config::Config& config, store::Outbox& outbox)
      : Gateway(loop, std::make_shared<const config::Config>(config), outbox) {}
  ~Gateway() override;
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  void start();
  // Live reload (daemon/gateway_reload.cpp): runs `next` (validated) from now on, touching only
  // what changed. Sessions of devices whose cloud identity is unchanged stay connected; removed
  // devices' sessions stop (their records stay in the outbox); added devices start; a changed
  // [cloud] restarts every session. A bus thread restarts when its options or devices changed, the
  // local MQTT connection when [local_mqtt] or its devices changed.
  // `next` replaces the shared configuration once applied (the old one is freed as soon as no
  // session points into it: kept sessions take their identity from `next`).
  GatewayReload apply(std::shared_ptr<const config::Config> next);
  GatewayReload apply(const config::Config& next) {
    return apply(std::make_shared<const config::Config>(next));
  }
  // The configuration running now (the one the daemon shares, not a copy).
  const std::shared_ptr<const config::Config>& config() const { return config_; }
  // Stops polling and the local source, disconnects the sessions and commits what is queued.
  void stop();

  // Commits whatever is queued and drains the outbox now (tests; normally automatic).
  void flush() { group_commit_.flush(); }
  // Whether the outbox commits (failing() and why not): what /healthz reports.
  const GroupCommit& group_commit() const { return group_commit_; }

  // --- The gateway identity ([gateway.cloud]; daemon/fleet.hpp) ---
  // Its commands go to `sink` instead of the command router.
  using GatewayCommandSink = std::function<void(const northbound::Command&)>;
  void on_gateway_command(GatewayCommandSink sink) { gateway_commands_ = std::move(sink); }
  // Queues a record of the gateway identity (health, events) for the outbox; false without one.
  bool post_as_gateway(store::Record record);
  bool reply_as_gateway(const northbound::Command& command,
                        const northbound::CommandResult& result);
  std::optional<northbound::SessionStatus> gateway_status() const {
    return northbound_->gateway_status();
  }
  // A device's (or the gateway's) session reconnects; false for an unknown name.
  bool restart_session(const std::string& device) { return northbound_->restart(device); }
  // Polls a Modbus device now; why not when it cannot be.
  std::optional<std::string> request_poll(const std::string& device);
  // The polls of a Modbus device that ended so far (answered or not); nullopt: not one.
  std::optional<std::uint64_t> polls_done(const std::string& device) const;
  LastValues::Lookup last_values(const std::string& device) const {
    return last_values_.lookup(device, {});
  }

  // One line for STATUS=: "3 device(s): online 2, backoff 1; backlog 12; local broker online".
  std::string summary() const;
  std::vector<northbound::SessionStatus> status() const { return northbound_->status(); }
  GatewayCounters counters() const;
  store::Outbox& outbox() { return *outbox_; }
  const northbound::Northbound& northbound() const { return *northbound_; }
  northbound::Northbound& northbound() { return *northbound_; }  // its change marks (status)
  const southbound::LocalMqttSource* local_mqtt() const { return local_mqtt_.get(); }
  // Each Modbus bus that has devices: its name and request counters (status, metrics).
  std::vector<std::pair<std::string, southbound::BusStats>> bus_stats() const;
  // Whether a Modbus device answers its polls (its last device_status record); nullopt before
  // the first one and for devices of the local broker.
  std::optional<bool> source_online(const std::string& device) const {
    return source_online_.of(device);
  }

 private:
  struct Bus {
    Gateway* gateway = nullptr;
    std::unique_ptr<southbound::ModbusBus> bus;
    loop::EventSource io;
    std::vector<southbound::ModbusDevice> devices;  // what the thread polls
  };
  static constexpr auto kHousekeeping = std::chrono::seconds(1);
  // How late a command deadline may be answered (a command's timeout is 100 ms at least).
  static constexpr std::uint64_t kCommandTimerAccuracyUsec = 1000;

  void build_buses(const config::Config& config);
  // Event baselines (event_baselines.hpp): merged from the buses, saved once the records they
  // follow are committed.
  void take_baselines(Bus& slot, bool* changed);
  void save_baselines();
  void build_local_mqtt(const std::shared_ptr<const config::Config>& config);
  // The devices of the local broker, their options pointing into `config`.
  static std::vector<southbound::LocalMqttDevice> local_devices(
      const std::shared_ptr<const config::Config>& config);
  static std::vector<southbound::ModbusDevice> modbus_devices_of(const config::Config& config,
                                                                 const std::string& bus);
  std::unique_ptr<Bus> make_bus(const southbound::BusOptions& options,
                                std::vector<southbound::ModbusDevice> devices);
  // Parts of apply().
  bool apply_cloud(const std::shared_ptr<const config::Config>& next, GatewayReload& done);
  void apply_sessions(const std::shared_ptr<const config::Config>& next, GatewayReload& done);
  void apply_buses(const config::Config& next, GatewayReload& done);
  void apply_local_mqtt(const std::shared_ptr<const config::Config>& next, GatewayReload& done);
  void stop_bus(Bus& slot);
  void build_northbound(const std::shared_ptr<const config::Config>& config);
  // The [gateway.cloud] identity named as the gateway; nullopt without one.
  static std::optional<northbound::DeviceIdentity> gateway_identity(const config::Config& config);
  // Every device's identity, pointing into `config` (which each pointer keeps alive).
  static std::vector<std::shared_ptr<const northbound::DeviceIdentity>> identities_of(
      const std::shared_ptr<const config::Config>& config);
  void apply_gateway_identity(const config::Config& next, bool cloud_rebuilt, GatewayReload& done);
  void add_loop_sources();

  void append(store::Record record, std::function<void()> on_committed = {});
  void drain();
  void on_bus_ready(Bus& bus);

  // DeviceSide, for the command router: the buses and the local MQTT source.
  Kind kind_of(const std::string& device) const override;
  void write_points(southbound::WriteRequest request) override;
  bool read_points(southbound::ReadRequest request) override;
  std::optional<std::string> publish_command(const std::string& device,
                                             const std::vector<store::Field>& values,
                                             southbound::CommandDone done) override;
  std::optional<std::string> publish_call(const std::string& device, const std::string& payload,
                                          southbound::CommandDone done) override;
  static CommandCatalog command_catalog(const config::Config& config);
  // Arms command_timer_ at the router's next deadline (or turns it off).
  void arm_command_timer();
  static int on_command_timer(sd_event_source* s, std::uint64_t usec, void* self) noexcept;

  static int on_housekeeping(sd_event_source* s, std::uint64_t usec, void* self) noexcept;
  static int on_bus_io(sd_event_source* s, int fd, std::uint32_t events, void* self) noexcept;

  sd_event* loop_;
  store::Outbox* outbox_;
  // What runs now (apply() compares the next one with it); shared with the daemon.
  std::shared_ptr<const config::Config> config_;
  LastValues last_values_;
  SourceOnline source_online_;
  CommandRouter router_;
  LoopCommitWakeup commit_wakeup_;
  GroupCommit group_commit_;
  SessionJournal session_journal_;  // outlives every Northbound (a reload builds a new one)
  std::unique_ptr<northbound::Northbound> northbound_;
  std::vector<std::unique_ptr<Bus>> buses_;
  std::filesystem::path baselines_file_;
  EventBaselines baselines_;
  bool baselines_unsaved_ = false;
  std::map<std::string, southbound::ModbusBus*> bus_of_device_;
  std::set<std::string> read_on_get_;  // devices with property_get = "device"
  std::unique_ptr<mqtt::Resolver> local_resolver_;
  std::unique_ptr<southbound::LocalMqttSource> local_mqtt_;
  // Each device's identity as its session holds it: a pointer into config_'s device entry (one
  // copy per device, the configuration's).
  std::vector<std::shared_ptr<const northbound::DeviceIdentity>> identities_;
  GatewayCommandSink gateway_commands_;

  loop::EventSource housekeeping_;
  loop::EventSource command_timer_;  // answers commands whose device did not in time
  std::uint64_t readings_ = 0;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace edgegw::daemon
