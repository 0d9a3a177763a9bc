// The gateway as a device of its own, on the daemon's side (issue 19, "Fleet"): when
// [gateway.cloud] is set, the gateway identity's session (started by the Gateway, see
// northbound::Northbound::start_gateway) carries
//
//   health     daemon/gateway_health.hpp: properties every health_interval and on change
//   events     daemon/gateway_events.hpp: the stable journal events, rate-limited
//   commands   daemon/remote_operations.hpp: status, set_log_level, poll, restart_session, reload
//
// all as records and replies of the gateway identity, so they go through the outbox and the
// platform's own encoders like a device's. The Daemon owns one Fleet while a gateway identity is
// configured and calls tick() from its housekeeping (once a second) with the status report it
// just collected. Loop thread only (the event observer excepted, see GatewayEvents).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "daemon/gateway_events.hpp"
#include "daemon/gateway_health.hpp"
#include "daemon/remote_operations.hpp"
#include "daemon/status_report.hpp"

struct sd_event;

namespace edgegw::daemon {

class Gateway;

// What only the Daemon can do for a remote operation.
struct FleetHooks {
  std::function<std::string()> status_json;
  std::function<void(loop::LogLevel)> set_log_level;
  std::function<void()> restore_log_level;
  std::function<std::vector<std::string>()> reload;  // problems; empty: applied
};

class Fleet final : private RemoteOperationsHost {
 public:
  // `gateway` outlives this.
  Fleet(sd_event* loop, const config::Config& config, Gateway& gateway, FleetHooks hooks);
  ~Fleet() override;
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  // A reloaded configuration (the health schedule, the gateway's name).
  void configure(const config::Config& config);
  // Events seen, health when due, polls finished, the log level's time up.
  void tick(const StatusReport& report, std::chrono::system_clock::time_point now);

  std::uint64_t health_reports() const { return health_reports_; }

 private:
  // RemoteOperationsHost
  std::string status_json() override;
  void set_log_level(loop::LogLevel level) override { hooks_.set_log_level(level); }
  void restore_log_level() override { hooks_.restore_log_level(); }
  std::vector<std::string> reload() override { return hooks_.reload(); }
  std::optional<std::string> restart_session(const std::string& device) override;
  std::optional<std::string> request_poll(const std::string& device) override;
  std::optional<std::uint64_t> polls_done(const std::string& device) override;
  northbound::CommandResult poll_answer(const std::string& device) override;
  void reply(const northbound::Command& command, const northbound::CommandResult& r) override;

  void post(store::Record record);
  void report_health(const StatusReport& report, std::chrono::system_clock::time_point now);

  sd_event* loop_;
  Gateway& gateway_;
  FleetHooks hooks_;
  std::string name_;
  std::string state_dir_;
  HealthSchedule schedule_;
  // The outbox's oldest record costs a seek per device: read at most every kOldestEvery.
  std::optional<std::int64_t> oldest_record_ms_;
  std::chrono::steady_clock::time_point oldest_read_at_{};
  RemoteOperations operations_;
  std::unique_ptr<GatewayEvents> events_;
  bool was_online_ = false;
  std::uint64_t health_reports_ = 0;
};

}  // namespace edgegw::daemon
