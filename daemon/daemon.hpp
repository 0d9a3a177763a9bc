// The running daemon: one sd-event loop on the main thread that owns the configuration, the
// systemd notifications (READY=1, STATUS=, STOPPING=1, the watchdog) and the signals (SIGTERM and
// SIGINT stop it in order, SIGHUP re-reads the configuration).
//
// Modules hang on it through the private hooks below, in this order: start_store(),
// start_northbound() (the Gateway: buses, local broker, sessions) when the loop starts; the reverse
// on stop; on_housekeeping() once a second (STATUS=, the status file); apply_changes() after a
// SIGHUP produced a valid configuration (the Gateway applies it live: daemon/gateway_reload.cpp).
// The outbox is committed by the Gateway's GroupCommit only (daemon/group_commit.hpp).
// Nothing may throw out of a loop callback: every callback in daemon/ runs through
// loop::guarded, which logs a stray exception naming the callback (the fault sink is pointed at
// the daemon's logger in run()) and ends the loop with exit code 1; run() then stops the modules
// in order and returns 1.
#pragma once

#include <systemd/sd-event.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/config_changes.hpp"
#include "daemon/fleet.hpp"
#include "daemon/health_check.hpp"
#include "daemon/log_level.hpp"
#include "daemon/metrics_http.hpp"
#include "daemon/status_publisher.hpp"
#include "loop/event_source.hpp"
#include "store/outbox.hpp"

namespace edgegw::daemon {

class Fleet;    // daemon/fleet.hpp: the gateway identity's health, events and remote operations
class Gateway;  // daemon/gateway.hpp: readings -> outbox -> sessions, commands back down
struct GatewayReload;

class Daemon {
 public:
  // `log_level_override`: --log-level, which wins over gateway.log_level (also after SIGHUP).
  Daemon(std::filesystem::path config_file, config::Config config,
         std::optional<LogLevel> log_level_override);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Runs until SIGTERM or SIGINT (or a fatal error); returns the process exit code.
  // `extend_loop`, when given, is called once the loop is set up and before the modules start: a
  // program that embeds the daemon (the tests) attaches its own event sources to the daemon's
  // loop with it. The edgegw binary passes nothing.
  int run(const std::function<void(sd_event*)>& extend_loop = {});

  const config::Config& config() const { return *config_; }
  sd_event* loop() const { return loop_; }
  store::Outbox* outbox() const { return outbox_.get(); }

 private:
  // Setup of the loop itself; false (after logging why) when the loop cannot run.
  bool prepare_loop();
  void notify(const std::string& state);
  void notify_status();
  void stop(int exit_code);
  // Re-reads the configuration file and applies it as SIGHUP does; returns why it was refused
  // (empty: applied).
  std::vector<std::string> reload();
  void start_fleet();
  FleetHooks fleet_hooks();
  void publish_status(bool force = false);
  // [metrics] listen: the HTTP endpoint; false (after logging why) when it cannot listen.
  bool start_metrics_http();
  // A reload's [metrics] listen: serve on the new address from now on, or keep the old one (and
  // say why) when the new one cannot be had.
  void rebind_metrics_http(const config::MetricsOptions& next);
  std::unique_ptr<MetricsHttp> make_metrics_http(const config::ListenAddress& address);
  Health health();

  // --- Extension points for the modules (see the comment at the top) ---
  bool start_store();
  bool start_northbound();
  void stop_northbound();
  void stop_store();
  void on_housekeeping();
  // False (after logging why) when the gateway cannot run `next`: nothing changed then.
  bool apply_changes(const std::shared_ptr<const config::Config>& next,
                     const config::ConfigChanges& changes);
  void log_reload(const GatewayReload& done);

  static int on_signal_cb(sd_event_source* s, const struct signalfd_siginfo* si,
                          void* self) noexcept;
  static int on_ready_cb(sd_event_source* s, void* self) noexcept;
  static int on_timer_cb(sd_event_source* s, std::uint64_t usec, void* self) noexcept;

  std::filesystem::path config_file_;
  // The running configuration: one copy, shared with the Gateway (and, through aliasing
  // pointers, each device's identity with its session); a reload swaps it whole.
  std::shared_ptr<const config::Config> config_;
  std::optional<LogLevel> log_level_override_;
  sd_event* loop_ = nullptr;
  loop::EventSource signal_sources_[3];  // SIGTERM, SIGINT, SIGHUP
  loop::EventSource ready_;
  loop::EventSource housekeeping_;
  bool stopping_ = false;
  bool modules_started_ = false;
  std::string last_status_;
  std::string reload_refusal_;  // why apply_changes() refused the last one
  std::unique_ptr<store::Outbox> outbox_;
  std::unique_ptr<Gateway> gateway_;             // from start_northbound() to stop_northbound()
  std::unique_ptr<Fleet> fleet_;                 // while [gateway.cloud] is set and gateway_ runs
  bool retire_fleet_ = false;                    // [gateway.cloud] was removed by a reload
  std::unique_ptr<StatusPublisher> status_;      // the status and metrics files (from run())
  std::unique_ptr<DirectoryProbe> store_probe_;  // /healthz: the outbox's directory takes files
  std::unique_ptr<MetricsHttp> metrics_http_;    // [metrics] listen (from run(), when set)
  DaemonFacts facts_;
};

}  // namespace edgegw::daemon
