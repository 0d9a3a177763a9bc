#include "daemon/status_publisher.hpp"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

#include "daemon/gateway.hpp"
#include "daemon/logging.hpp"
#include "daemon/metrics_file.hpp"
#include "daemon/status_file.hpp"
#include "daemon/version.hpp"
#include "northbound/platform_defaults.hpp"

namespace edgegw::daemon {
namespace {

std::int64_t ms_of(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::optional<std::int64_t> ms_of(const std::optional<std::chrono::system_clock::time_point>& t) {
  if (!t) return std::nullopt;
  return ms_of(*t);
}

// Due when `interval` passed since `last`, or the clock went back past it.
bool due(std::chrono::system_clock::time_point now, std::chrono::system_clock::time_point last,
         std::chrono::seconds interval) {
  return now - last >= interval || now < last;
}

DeviceReport device_report(const config::Config& config, const config::DeviceConfig& device) {
  DeviceReport d;
  d.name = device.name;
  d.platform = northbound::to_string(config.cloud.platform);
  d.source = device.modbus ? "modbus" : "mqtt";
  if (device.modbus) d.bus = device.modbus->bus;
  d.state = "stopped";  // until the gateway runs its session
  return d;
}

void add_session(DeviceReport& d, const northbound::SessionStatus& s) {
  d.state = northbound::to_string(s.state);
  d.retry_at_ms = ms_of(s.retry_at);
  d.online_since_ms = ms_of(s.online_since);
  d.backlog = s.backlog;
  d.inflight = s.inflight;
  d.published = s.published;
  d.acknowledged = s.acknowledged;
  d.commands = s.commands;
  d.connect_attempts = s.connect_attempts;
  d.last_error = s.last_error;
}

void add_polls(DeviceReport& d, const southbound::DevicePollStats& s) {
  d.polls = s.polls;
  d.poll_errors = s.errors;
  d.poll_exceptions = s.exceptions;
  d.last_poll_error = s.last_error;
  if (s.last_error_ms != 0) d.last_poll_error_ms = s.last_error_ms;
}

}  // namespace

StatusReport collect_status(const config::Config& config, const Gateway* gateway,
                            const store::Outbox* outbox, const CertificateWatch& certificates,
                            const DaemonFacts& facts, std::int64_t now_ms) {
  StatusReport r;
  r.pid = facts.pid;
  r.written_at_ms = now_ms;
  r.started_at_ms = facts.started_at_ms;
  r.reloaded_at_ms = facts.reloaded_at_ms;
  r.reloads = facts.reloads;
  r.reloads_refused = facts.reloads_refused;
  r.version = version();
  r.config_file = facts.config_file;
  r.platform = northbound::to_string(config.cloud.platform);

  std::map<std::string, northbound::SessionStatus> sessions;
  std::vector<std::pair<std::string, southbound::BusStats>> buses;
  std::map<std::string, const southbound::DevicePollStats*> polls;
  if (gateway) {
    for (auto& s : gateway->status()) sessions.emplace(s.device, std::move(s));
    buses = gateway->bus_stats();
    for (const auto& [name, stats] : buses) {
      for (const auto& d : stats.devices) polls.emplace(d.device, &d);
    }
  }
  std::set<std::string> configured;
  for (const auto& device : config.devices) {
    DeviceReport d = device_report(config, device);
    if (auto it = sessions.find(device.name); it != sessions.end()) add_session(d, it->second);
    if (outbox) {
      d.backlog = outbox->backlog(device.name);
      const store::DropCounters drops = outbox->drops(device.name);
      d.dropped = drops.by_size + drops.by_age;
    }
    if (gateway && device.modbus) d.source_online = gateway->source_online(device.name);
    if (auto it = polls.find(device.name); it != polls.end()) add_polls(d, *it->second);
    configured.insert(device.name);
    r.devices.push_back(std::move(d));
  }
  std::sort(r.devices.begin(), r.devices.end(),
            [](const DeviceReport& a, const DeviceReport& b) { return a.name < b.name; });
  if (gateway) {
    for (const auto& [name, stats] : buses) {
      r.buses.push_back(
          {name, stats.requests, stats.failures, stats.exceptions, stats.polls, stats.connects});
    }
    if (const auto* local = gateway->local_mqtt()) r.local_broker = to_string(local->state());
  }
  if (outbox) {
    r.total_backlog = outbox->total_backlog();
    const store::OutboxCounters counters = outbox->counters();
    r.store.lost_on_open = outbox->loss_report().records;
    r.store.loss_unchecked = outbox->loss_report().unchecked;
    r.store.quarantined = counters.quarantined;
    r.store.dropped_for_space = counters.dropped_for_space;
    r.store.reserve_released = counters.reserve_released;
    r.store.size_limit_bytes = counters.size_limit_bytes;
    r.store.started_on_full_disk = facts.store_started_on_full_disk;
    std::vector<std::string> with_backlog = outbox->devices();
    std::sort(with_backlog.begin(), with_backlog.end());
    for (const auto& name : with_backlog) {
      if (!configured.count(name)) r.removed_devices.push_back({name, outbox->backlog(name)});
    }
  }
  r.certificates = certificates.report();
  return r;
}

StatusPublisher::StatusPublisher(const config::Config& config, const char* runtime_directory)
    : runtime_directory_(runtime_directory ? runtime_directory : ""),
      has_runtime_directory_(runtime_directory != nullptr) {
  configure(config);
}

void StatusPublisher::configure(const config::Config& config) {
  const auto status_file = status_file_path(
      config.gateway, has_runtime_directory_ ? runtime_directory_.c_str() : nullptr);
  if (!status_file_.empty() && status_file != status_file_) {
    std::error_code ec;
    std::filesystem::remove(status_file_, ec);  // a reader must not find the old one fresh
  }
  status_file_ = status_file;
  metrics_file_ = config.gateway.metrics_file;
  certificates_.set_certificates(certificates_in_use(config));
  certificates_due_ = true;
  written_ = false;
}

void StatusPublisher::publish(const config::Config& config, const Gateway* gateway,
                              const store::Outbox* outbox, const DaemonFacts& facts,
                              std::chrono::system_clock::time_point now, bool force) {
  if (certificates_due_ || due(now, certificates_at_, kCertificatesEvery)) {
    certificates_due_ = false;
    certificates_at_ = now;
    for (const auto& warning : certificates_.check(now)) log_expiry_warning(warning, now);
  }
  StatusReport report = collect_status(config, gateway, outbox, certificates_, facts, ms_of(now));
  const bool changed = !written_ || !report.same_state(last_);
  if (force || changed || due(now, status_at_, kStatusRefresh)) {
    write(status_file_, to_json(report), status_failing_, kStatusFileMode);
    status_at_ = now;
  }
  const bool metrics_due = force || !written_ || due(now, metrics_at_, kMetricsEvery);
  written_ = true;
  last_ = std::move(report);
  if (!metrics_file_.empty() && metrics_due) {
    write(metrics_file_, metrics_text(), metrics_failing_, kMetricsFileMode);
    metrics_at_ = now;
  }
}

std::string StatusPublisher::metrics_text() const {
  return to_prometheus(last_);
}

void StatusPublisher::remove_status_file() {
  std::error_code ec;
  std::filesystem::remove(status_file_, ec);
}

void StatusPublisher::write(const std::filesystem::path& file, const std::string& text,
                            bool& failing, mode_t mode) {
  if (auto error = write_file_atomically(file, text, mode)) {
    if (!failing) spdlog::warn("{} (retried every few seconds)", *error);
    failing = true;
    return;
  }
  if (failing) spdlog::info("{} is written again", file.string());
  failing = false;
}

}  // namespace edgegw::daemon
