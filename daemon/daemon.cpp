#include "daemon/daemon.hpp"

#include <signal.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "daemon/device_log_fields.hpp"
#include "daemon/fd_limit.hpp"
#include "daemon/gateway.hpp"
#include "daemon/logging.hpp"
#include "daemon/start_timeout.hpp"
#include "loop/guarded.hpp"
#include "northbound/platform_defaults.hpp"

namespace edgegw::daemon {
namespace {

constexpr std::uint64_t kHousekeepingUsec = 1'000'000;

std::uint64_t monotonic_usec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000 +
         static_cast<std::uint64_t>(ts.tv_nsec) / 1000;
}

// What Outbox::open found that the user must hear about: every committed record it no longer has
// (by device and range of sequence numbers), a start that could not check, a full disk.
void report_store_start(const store::Outbox& outbox, const store::OpenReport& report) {
  const store::LossReport& loss = outbox.loss_report();
  for (const auto& range : loss.ranges) {
    log::detail::DeviceScope scope(range.device);
    spdlog::error("outbox: device {} lost records seq {}..{} (committed, not in the store)",
                  range.device, range.first_seq, range.last_seq);
  }
  if (!loss.ranges.empty()) {
    spdlog::error("outbox: {} committed record(s) lost before this start (see the lines above)",
                  loss.records);
  }
  if (!loss.unchecked.empty()) {
    spdlog::warn("outbox: could not check for lost records at start: {}", loss.unchecked);
  }
  if (report.started_on_full_disk) {
    spdlog::warn(
        "outbox: started on a full file system; its space reserve was released to start and the "
        "oldest records will be dropped to make room (free space on the state directory)");
  }
}

}  // namespace

Daemon::Daemon(std::filesystem::path config_file, config::Config config,
               std::optional<LogLevel> log_level_override)
    : config_file_(std::move(config_file)),
      config_(std::make_shared<const config::Config>(std::move(config))),
      log_level_override_(log_level_override) {}

Daemon::~Daemon() {
  // The sources first: each holds a reference to the loop.
  for (auto& source : signal_sources_) source.reset();
  ready_.reset();
  housekeeping_.reset();
  metrics_http_.reset();
  if (loop_) sd_event_unref(loop_);
}

bool Daemon::prepare_loop() {
  // The signals are taken from the loop only: block them first, so that none is delivered the
  // classic way (and threads started later inherit the mask).
  // OpenSSL writes TLS records with write(), which raises SIGPIPE when the cloud has reset the
  // connection; the error must come back as EPIPE, not kill the daemon (systemd ignores SIGPIPE
  // for services by default, a shell or a test harness does not).
  ::signal(SIGPIPE, SIG_IGN);
  sigset_t signals;
  sigemptyset(&signals);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, sig);
  if (sigprocmask(SIG_BLOCK, &signals, nullptr) != 0) {
    spdlog::error("cannot block signals: {}", std::strerror(errno));
    return false;
  }
  // A loop of our own, not sd_event_default(): on the default loop, every sd_event_prepare()
  // checks the calling thread with a gettid() system call, one per loop turn (0.67 per message
  // forwarded in the pipeline bench). Nothing else in the daemon asks for the default loop.
  int r = sd_event_new(&loop_);
  if (r < 0) {
    spdlog::error("cannot create the event loop: {}", std::strerror(-r));
    return false;
  }
  const int watched[] = {SIGTERM, SIGINT, SIGHUP};
  for (int i = 0; i < 3; ++i) {
    r = sd_event_add_signal(loop_, signal_sources_[i].out(), watched[i], &Daemon::on_signal_cb,
                            this);
    if (r < 0) {
      spdlog::error("cannot watch signal {}: {}", watched[i], std::strerror(-r));
      return false;
    }
  }
  r = sd_event_add_defer(loop_, ready_.out(), &Daemon::on_ready_cb, this);
  if (r >= 0) r = ready_.set_enabled(SD_EVENT_ONESHOT);
  if (r >= 0) {
    r = sd_event_add_time_relative(loop_, housekeeping_.out(), CLOCK_MONOTONIC, kHousekeepingUsec,
                                   0, &Daemon::on_timer_cb, this);
  }
  if (r < 0) {
    spdlog::error("cannot set up the event loop: {}", std::strerror(-r));
    return false;
  }
  // Pings the watchdog from the loop itself when systemd asked for one (WATCHDOG_USEC): a stuck
  // loop stops the pings and systemd restarts us.
  r = sd_event_set_watchdog(loop_, 1);
  if (r < 0) spdlog::warn("cannot enable the watchdog: {}", std::strerror(-r));
  return true;
}

int Daemon::run(const std::function<void(sd_event*)>& extend_loop) {
  // An exception escaping any loop callback (loop::guarded) is reported in the daemon's log.
  loop::set_fault_sink([](loop::LogLevel, std::string_view, std::string_view line) {
    spdlog::critical("{}", line);
  });
  if (!prepare_loop()) return 1;
  if (extend_loop) extend_loop(loop_);
  facts_.pid = static_cast<int>(::getpid());
  facts_.config_file = config_file_.string();
  facts_.started_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  status_ = std::make_unique<StatusPublisher>(*config_, std::getenv("RUNTIME_DIRECTORY"));
  spdlog::info("edgegw starting: {} device(s), platform {}, state in {}", config_->devices.size(),
               northbound::to_string(config_->cloud.platform), config_->gateway.state_dir.string());
  auto fds = raise_fd_limit(fds_needed(config_->devices.size(), config_->buses.size()));
  if (fds.after != fds.before) {
    spdlog::debug("open-file limit raised from {} to {}", fds.before, fds.after);
  }
  if (fds.warning) spdlog::warn("{}", *fds.warning);
  // Before the store: a taken port ends the start before anything else was opened.
  if (!start_metrics_http()) return 1;
  if (!start_store() || !start_northbound()) {
    stop(1);
  } else {
    modules_started_ = true;
  }
  const int r = sd_event_loop(loop_);
  metrics_http_.reset();          // no scrape is answered from a daemon that is taking itself apart
  status_->remove_status_file();  // `edgegw status` now says: not running
  if (modules_started_) {
    stop_northbound();
    stop_store();
  }
  if (r < 0) {
    spdlog::error("event loop failed: {}", std::strerror(-r));
    return 1;
  }
  spdlog::info("edgegw stopped");
  return r;
}

void Daemon::notify(const std::string& state) {
  sd_notify(0, state.c_str());
}

void Daemon::notify_status() {
  std::string status = gateway_ ? gateway_->summary()
                                : std::to_string(config_->devices.size()) + " device(s) configured";
  if (status == last_status_) return;
  last_status_ = status;
  notify("STATUS=" + status);
}

void Daemon::stop(int exit_code) {
  if (stopping_) return;
  stopping_ = true;
  notify("STOPPING=1\nSTATUS=stopping");
  sd_event_exit(loop_, exit_code);
}

std::vector<std::string> Daemon::reload() {
  std::vector<std::string> refused;
  notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec()) +
         "\nSTATUS=reloading the configuration");
  spdlog::info("SIGHUP: reading {}", config_file_.string());
  try {
    auto next = std::make_shared<const config::Config>(config::load_config(config_file_));
    if (apply_changes(next, config::compare(*config_, *next))) {
      ++facts_.reloads;
      facts_.reloaded_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
      status_->configure(*config_);
    } else {
      ++facts_.reloads_refused;
      refused.push_back(reload_refusal_);
    }
  } catch (const config::ConfigError& e) {
    ++facts_.reloads_refused;
    log::event(spdlog::level::err, log::kConfigRefused, {},
               "the new configuration has {} problem(s); keeping the running one",
               e.problems().size());
    for (const auto& p : e.problems()) {
      spdlog::error("{}", to_string(p));
      refused.push_back(to_string(p));
    }
  }
  publish_status(true);
  last_status_.clear();
  notify("READY=1");
  notify_status();
  return refused;
}

// --- Extension points ------------------------------------------------------------------------

bool Daemon::start_store() {
  store::OpenReport report;
  try {
    // quick_check reads the whole file: on slow flash that can outlast TimeoutStartSec=.
    const StartTimeoutExtension extend_start;
    outbox_ = store::Outbox::open(config_->store, &report);
  } catch (const std::exception& e) {
    spdlog::error("cannot open the outbox {}: {}", config_->store.path.string(), e.what());
    return false;
  }
  if (report.moved_aside) {
    log::event(spdlog::level::err, log::kStoreQuarantined, {},
               "the outbox {} was unreadable ({}); it was kept as {} and a new one started",
               config_->store.path.string(), report.corruption, report.moved_aside->string());
  }
  report_store_start(*outbox_, report);
  facts_.store_started_on_full_disk = report.started_on_full_disk;
  spdlog::info("outbox {}: {} record(s) waiting", config_->store.path.string(), report.backlog);
  return true;
}

bool Daemon::start_northbound() {
  // The Gateway wires the buses, the local MQTT source and one Session per device around the
  // outbox (daemon/gateway.hpp).
  try {
    gateway_ = std::make_unique<Gateway>(loop_, config_, *outbox_);
    gateway_->start();
    start_fleet();
  } catch (const std::exception& e) {
    spdlog::error("cannot start: {}", e.what());
    gateway_.reset();
    return false;
  }
  return true;
}

void Daemon::start_fleet() {
  retire_fleet_ = false;
  if (!gateway_ || !config_->gateway.cloud) return;
  fleet_ = std::make_unique<Fleet>(loop_, *config_, *gateway_, fleet_hooks());
}

FleetHooks Daemon::fleet_hooks() {
  FleetHooks hooks;
  hooks.status_json = [this] {
    publish_status();  // the report of this moment
    return to_json(status_->last_report());
  };
  hooks.set_log_level = [](LogLevel level) { log::set_level(level); };
  hooks.restore_log_level = [this] {
    log::set_level(log_level_override_.value_or(config_->gateway.log_level));
  };
  hooks.reload = [this] { return reload(); };
  return hooks;
}

void Daemon::stop_northbound() {
  fleet_.reset();
  if (!gateway_) return;
  gateway_->stop();
  gateway_.reset();
}
void Daemon::stop_store() {
  // The Gateway's last group commit has run (stop_northbound); nothing else commits the outbox.
  outbox_.reset();
}

void Daemon::on_housekeeping() {
  notify_status();
  publish_status();
  if (fleet_ && status_) fleet_->tick(status_->last_report(), std::chrono::system_clock::now());
  if (retire_fleet_) fleet_.reset();
  retire_fleet_ = false;
}

std::unique_ptr<MetricsHttp> Daemon::make_metrics_http(const config::ListenAddress& address) {
  return std::make_unique<MetricsHttp>(
      loop_, address, [this] { return status_->metrics_text(); }, [this] { return health(); });
}

bool Daemon::start_metrics_http() {
  store_probe_ = std::make_unique<DirectoryProbe>(config_->store.path.parent_path());
  if (!config_->metrics.listen) return true;
  try {
    metrics_http_ = make_metrics_http(*config_->metrics.listen);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return false;
  }
  spdlog::info("metrics: serving /metrics and /healthz on http://{}",
               config_->metrics.listen->text());
  return true;
}

void Daemon::rebind_metrics_http(const config::MetricsOptions& next) {
  // Compared with what serves now, not with the last file: a reload after a refused address
  // tries it again.
  const std::optional<config::ListenAddress> serving =
      metrics_http_ ? std::optional(metrics_http_->address()) : std::nullopt;
  if (next.listen == serving) return;
  if (!next.listen) {
    metrics_http_.reset();
    spdlog::info("metrics: no longer serving on http://{}", serving->text());
    return;
  }
  std::unique_ptr<MetricsHttp> fresh;
  std::string why;
  // The new one first, so that scrapes go on if it cannot listen...
  try {
    fresh = make_metrics_http(*next.listen);
  } catch (const std::exception& e) {
    why = e.what();
  }
  // ... but the same port on another address (127.0.0.1 -> 0.0.0.0) may conflict with the old
  // socket only: close it, try again, and take the old one back if the new still fails.
  if (!fresh && metrics_http_ && serving->port == next.listen->port) {
    metrics_http_.reset();
    try {
      fresh = make_metrics_http(*next.listen);
    } catch (const std::exception& e) {
      why = e.what();
      try {
        metrics_http_ = make_metrics_http(*serving);
      } catch (const std::exception& again) {
        spdlog::error("metrics: {} (and the old address is gone too)", again.what());
      }
    }
  }
  if (!fresh) {
    if (metrics_http_) {
      spdlog::warn("{}; still serving /metrics on http://{}", why, serving->text());
    } else {
      spdlog::warn("{}; /metrics is not served until a reload with an address that is free", why);
    }
    return;
  }
  metrics_http_ = std::move(fresh);
  spdlog::info("metrics: serving /metrics and /healthz on http://{}{}", next.listen->text(),
               serving ? " (was http://" + serving->text() + ")" : std::string());
}

Health Daemon::health() {
  const DaemonPhase phase = stopping_          ? DaemonPhase::stopping
                            : modules_started_ ? DaemonPhase::running
                                               : DaemonPhase::starting;
  return check_health(phase, gateway_ ? &gateway_->group_commit() : nullptr, *store_probe_,
                      std::chrono::steady_clock::now());
}

void Daemon::publish_status(bool force) {
  if (!status_) return;
  status_->publish(*config_, gateway_.get(), outbox_.get(), facts_,
                   std::chrono::system_clock::now(), force);
}

bool Daemon::apply_changes(const std::shared_ptr<const config::Config>& next_config,
                           const config::ConfigChanges& changes) {
  const config::Config& next = *next_config;
  // The sessions, buses and the local broker connection follow the new file now (the Gateway
  // touches only what changed); the outbox stays where it was opened.
  std::optional<GatewayReload> done;
  if (gateway_) {
    done = gateway_->apply(next_config);
    if (!done->refused.empty()) {
      spdlog::error("the new configuration cannot run ({}); keeping the running one",
                    done->refused);
      reload_refusal_ = "the new configuration cannot run: " + done->refused;
      return false;
    }
  }
  spdlog::info("configuration reloaded: {}", config::describe(changes));
  if (!(next.store == config_->store)) {
    spdlog::warn("[store] changed: this takes effect at the next restart");
  }
  rebind_metrics_http(next.metrics);
  if (next.gateway.state_dir != config_->gateway.state_dir) {
    spdlog::warn("gateway.state_dir changed: this takes effect at the next restart");
  }
  if (done) log_reload(*done);
  log::set_level(log_level_override_.value_or(next.gateway.log_level));
  config_ = next_config;  // the one copy, shared with the gateway
  if (!config_->gateway.cloud) {
    retire_fleet_ = true;  // at the next housekeeping: this may run inside its tick()
  } else if (fleet_) {
    fleet_->configure(*config_);
  } else {
    start_fleet();
  }
  return true;
}

void Daemon::log_reload(const GatewayReload& done) {
  spdlog::info(
      "reload: {} session(s) kept, {} started, {} restarted, {} stopped; {} Modbus bus(es) "
      "restarted{}",
      done.sessions_kept, done.sessions_started.size(), done.sessions_restarted.size(),
      done.sessions_stopped.size(), done.buses_restarted.size(),
      done.local_source_restarted ? "; the local broker connection restarted" : "");
  for (const auto& name : done.sessions_stopped) {
    const std::uint64_t backlog = outbox_ ? outbox_->backlog(name) : 0;
    // The fields it had: the directory already holds the new configuration's devices only.
    const config::DeviceConfig* gone = config_->find_device(name);
    log::device(spdlog::level::info,
                gone ? device_log_context(*config_, *gone) : log::DeviceLogContext{name, {}, {}},
                "removed from the configuration: its session stopped; {} record(s) stay in the "
                "outbox (sent if the device comes back)",
                backlog);
  }
}

// --- sd-event trampolines ---------------------------------------------------------------------

int Daemon::on_signal_cb(sd_event_source*, const struct signalfd_siginfo* si, void* self) noexcept {
  auto* d = static_cast<Daemon*>(self);
  return loop::guarded(d->loop_, "signal", [&] {
    if (si->ssi_signo == SIGHUP) {
      d->reload();
    } else {
      spdlog::info("{}: stopping", sigabbrev_np(static_cast<int>(si->ssi_signo)));
      d->stop(0);
    }
  });
}

int Daemon::on_ready_cb(sd_event_source*, void* self) noexcept {
  auto* d = static_cast<Daemon*>(self);
  return loop::guarded(d->loop_, "ready", [&] {
    d->last_status_.clear();
    d->notify("READY=1");
    d->notify_status();
    d->publish_status(true);
    spdlog::info("edgegw running");
  });
}

int Daemon::on_timer_cb(sd_event_source* s, std::uint64_t usec, void* self) noexcept {
  auto* d = static_cast<Daemon*>(self);
  return loop::guarded(d->loop_, "housekeeping", [&] {
    sd_event_source_set_time(s, usec + kHousekeepingUsec);
    sd_event_source_set_enabled(s, SD_EVENT_ON);
    d->on_housekeeping();
  });
}

}  // namespace edgegw::daemon
