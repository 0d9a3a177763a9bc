#include "daemon/status_collect.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

#include "daemon/gateway.hpp"
#include "daemon/report_fields.hpp"
#include "daemon/status_gateway.hpp"
#include "daemon/version.hpp"
#include "northbound/platform_defaults.hpp"

namespace edgegw::daemon {
namespace {

// The wall clock's offset from the monotonic one, in ms: it moves only when the clock is set.
std::int64_t wall_minus_steady_ms() {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  return duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count() -
         duration_cast<milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Sets `field` to `value`; whether that changed it.
template <typename T>
bool assign(T& field, T value) {
  if (field == value) return false;
  field = std::move(value);
  return true;
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

// The poll fields of `d` from `s` (none: as before the first poll). Whether they changed.
bool set_polls(DeviceReport& d, const southbound::DevicePollStats* s) {
  bool changed = false;
  changed |= assign(d.polls, s ? s->polls : 0);
  changed |= assign(d.poll_errors, s ? s->errors : 0);
  changed |= assign(d.poll_exceptions, s ? s->exceptions : 0);
  changed |= assign(d.last_poll_error, s ? s->last_error : std::string());
  std::optional<std::int64_t> at;
  if (s && s->last_error_ms != 0) at = s->last_error_ms;
  changed |= assign(d.last_poll_error_ms, at);
  return changed;
}

// The outbox's fields of `d`; whether they changed.
bool set_outbox(DeviceReport& d, const store::Outbox& outbox) {
  const store::DropCounters drops = outbox.drops(d.name);
  return assign(d.backlog, outbox.backlog(d.name)) |
         assign(d.dropped, drops.by_size + drops.by_age);
}

using PollsByDevice = std::unordered_map<std::string_view, const southbound::DevicePollStats*>;

PollsByDevice polls_by_device(const std::vector<std::pair<std::string, southbound::BusStats>>& b) {
  PollsByDevice polls;
  for (const auto& [name, stats] : b) {
    for (const auto& d : stats.devices) polls.emplace(d.device, &d);
  }
  return polls;
}

std::vector<BusReport> bus_reports(
    const std::vector<std::pair<std::string, southbound::BusStats>>& buses) {
  std::vector<BusReport> out;
  for (const auto& [name, s] : buses) {
    out.push_back({name, s.requests, s.failures, s.exceptions, s.polls, s.connects});
  }
  return out;
}

StoreReport store_report(const store::Outbox& outbox, const DaemonFacts& facts) {
  StoreReport s;
  const store::OutboxCounters counters = outbox.counters();
  s.lost_on_open = outbox.loss_report().records;
  s.loss_unchecked = outbox.loss_report().unchecked;
  s.quarantined = counters.quarantined;
  s.dropped_for_space = counters.dropped_for_space;
  s.dropped_queued = counters.dropped_queued;
  s.reserve_released = counters.reserve_released;
  s.size_limit_bytes = counters.size_limit_bytes;
  s.started_on_full_disk = facts.store_started_on_full_disk;
  return s;
}

// Backlog of devices with records that `configured` does not know, by name.
template <typename Configured>
std::vector<OrphanBacklog> removed_devices(const store::Outbox& outbox, Configured configured) {
  std::vector<OrphanBacklog> out;
  std::vector<std::string> with_backlog = outbox.devices();
  std::sort(with_backlog.begin(), with_backlog.end());
  for (const auto& name : with_backlog) {
    if (!configured(name)) out.push_back({name, outbox.backlog(name)});
  }
  return out;
}

void set_header(StatusReport& r, const config::Config& config, const DaemonFacts& facts) {
  r.pid = facts.pid;
  r.started_at_ms = facts.started_at_ms;
  r.reloaded_at_ms = facts.reloaded_at_ms;
  r.reloads = facts.reloads;
  r.reloads_refused = facts.reloads_refused;
  r.version = version();
  r.config_file = facts.config_file;
  r.platform = northbound::to_string(config.cloud.platform);
}

}  // namespace

StatusReport collect_status(const config::Config& config, const Gateway* gateway,
                            const store::Outbox* outbox, const CertificateWatch& certificates,
                            const DaemonFacts& facts, std::int64_t now_ms) {
  StatusReport r;
  set_header(r, config, facts);
  r.written_at_ms = now_ms;
  std::map<std::string, northbound::SessionStatus> sessions;
  std::vector<std::pair<std::string, southbound::BusStats>> buses;
  if (gateway) {
    for (auto& s : gateway->status()) sessions.emplace(s.device, std::move(s));
    buses = gateway->bus_stats();
  }
  const PollsByDevice polls = polls_by_device(buses);
  std::set<std::string> configured;
  // The gateway identity's records are its own (the "gateway" entry), not a removed device's.
  if (config.gateway.cloud) configured.insert(config.gateway.name);
  for (const auto& device : config.devices) {
    DeviceReport d = device_report(config, device);
    if (auto it = sessions.find(device.name); it != sessions.end()) add_session(d, it->second);
    if (outbox) set_outbox(d, *outbox);
    if (gateway && device.modbus) d.source_online = gateway->source_online(device.name);
    if (auto it = polls.find(device.name); it != polls.end()) set_polls(d, it->second);
    configured.insert(device.name);
    r.devices.push_back(std::move(d));
  }
  std::sort(r.devices.begin(), r.devices.end(),
            [](const DeviceReport& a, const DeviceReport& b) { return a.name < b.name; });
  if (gateway) {
    r.buses = bus_reports(buses);
    if (const auto* local = gateway->local_mqtt()) r.local_broker = to_string(local->state());
  }
  if (outbox) {
    r.total_backlog = outbox->total_backlog();
    r.store = store_report(*outbox, facts);
    r.removed_devices = removed_devices(
        *outbox, [&](const std::string& name) { return configured.count(name) > 0; });
  }
  r.certificates = certificates.report();
  r.gateway = gateway_report(config, gateway, outbox);
  return r;
}

// --- StatusCollector -------------------------------------------------------------------------

bool StatusCollector::update(const config::Config& config, Gateway* gateway,
                             const store::Outbox* outbox, const CertificateWatch& certificates,
                             bool certificates_checked, const DaemonFacts& facts,
                             std::int64_t now_ms) {
  ++work_.updates;
  const northbound::Northbound* northbound = gateway ? &gateway->northbound() : nullptr;
  const std::int64_t wall_minus_steady = wall_minus_steady_ms();
  // Without a gateway (a start that failed) there are no marks to follow: the report is small.
  if (!built_ || !gateway || northbound != northbound_ || northbound->membership() != membership_ ||
      std::abs(wall_minus_steady - wall_minus_steady_) > 1000) {
    return rebuild(config, gateway, outbox, certificates, facts, now_ms);
  }
  bool changed = update_sessions(config, *gateway, outbox);
  changed |= update_modbus(*gateway);
  const GatewayCounters counters = gateway->counters();
  if (outbox && counters.commits + counters.commit_failures != commits_) {
    commits_ = counters.commits + counters.commit_failures;
    changed |= update_outbox(*outbox, facts);
  }
  changed |= update_header(config, gateway, facts);
  if (certificates_checked) changed |= assign(report_.certificates, certificates.report());
  changed |= assign(report_.gateway, gateway_report(config, gateway, outbox));
  report_.written_at_ms = now_ms;
  return changed;
}

bool StatusCollector::rebuild(const config::Config& config, Gateway* gateway,
                              const store::Outbox* outbox, const CertificateWatch& certificates,
                              const DaemonFacts& facts, std::int64_t now_ms) {
  ++work_.rebuilds;
  work_.devices_visited += config.devices.size();
  northbound_ = nullptr;
  if (gateway) {
    // The marks so far are in the snapshot: from here on, follow those made after it.
    gateway->northbound().take_changed();
    northbound_ = &gateway->northbound();
    membership_ = northbound_->membership();
    const GatewayCounters counters = gateway->counters();
    commits_ = counters.commits + counters.commit_failures;
  }
  wall_minus_steady_ = wall_minus_steady_ms();
  StatusReport next = collect_status(config, gateway, outbox, certificates, facts, now_ms);
  const bool changed = !built_ || !next.same_state(report_);
  report_ = std::move(next);
  built_ = true;
  std::unordered_map<std::string_view, std::size_t> index_of;
  for (std::size_t i = 0; i < config.devices.size(); ++i) index_of[config.devices[i].name] = i;
  config_index_.clear();
  modbus_.clear();
  for (std::size_t i = 0; i < report_.devices.size(); ++i) {
    const std::size_t c = index_of.at(report_.devices[i].name);
    config_index_.push_back(c);
    if (config.devices[c].modbus) modbus_.push_back(i);
  }
  return changed;
}

DeviceReport* StatusCollector::find(const std::string& name) {
  auto& devices = report_.devices;
  auto it =
      std::lower_bound(devices.begin(), devices.end(), name,
                       [](const DeviceReport& d, const std::string& n) { return d.name < n; });
  return it != devices.end() && it->name == name ? &*it : nullptr;
}

bool StatusCollector::update_sessions(const config::Config& config, Gateway& gateway,
                                      const store::Outbox* outbox) {
  bool changed = false;
  for (const auto& s : gateway.northbound().take_changed()) {
    DeviceReport* d = find(s.device);
    if (!d) continue;  // a session of a device the configuration does not list: not reported
    ++work_.devices_visited;
    const auto& device =
        config.devices[config_index_[static_cast<std::size_t>(d - report_.devices.data())]];
    DeviceReport next = device_report(config, device);
    add_session(next, s);
    if (outbox) set_outbox(next, *outbox);
    // The Modbus side is update_modbus()'s: keep it.
    next.source_online = d->source_online;
    next.polls = d->polls;
    next.poll_errors = d->poll_errors;
    next.poll_exceptions = d->poll_exceptions;
    next.last_poll_error = d->last_poll_error;
    next.last_poll_error_ms = d->last_poll_error_ms;
    changed |= assign(*d, std::move(next));
  }
  return changed;
}

bool StatusCollector::update_modbus(Gateway& gateway) {
  const auto buses = gateway.bus_stats();
  bool changed = assign(report_.buses, bus_reports(buses));
  if (modbus_.empty()) return changed;
  const PollsByDevice polls = polls_by_device(buses);
  for (const std::size_t i : modbus_) {
    DeviceReport& d = report_.devices[i];
    ++work_.devices_visited;
    const auto it = polls.find(d.name);
    changed |= set_polls(d, it == polls.end() ? nullptr : it->second);
    changed |= assign(d.source_online, gateway.source_online(d.name));
  }
  return changed;
}

bool StatusCollector::update_outbox(const store::Outbox& outbox, const DaemonFacts& facts) {
  bool changed = false;
  for (auto& d : report_.devices) changed |= set_outbox(d, outbox);
  work_.devices_visited += report_.devices.size();
  changed |= assign(report_.total_backlog, outbox.total_backlog());
  changed |= assign(report_.store, store_report(outbox, facts));
  changed |= assign(report_.removed_devices, removed_devices(outbox, [&](const std::string& n) {
                      return find(n) != nullptr || (report_.gateway && report_.gateway->name == n);
                    }));
  return changed;
}

bool StatusCollector::update_header(const config::Config& config, const Gateway* gateway,
                                    const DaemonFacts& facts) {
  StatusReport header;
  set_header(header, config, facts);
  bool changed = assign(report_.pid, header.pid);
  changed |= assign(report_.started_at_ms, header.started_at_ms);
  changed |= assign(report_.reloaded_at_ms, header.reloaded_at_ms);
  changed |= assign(report_.reloads, header.reloads);
  changed |= assign(report_.reloads_refused, header.reloads_refused);
  changed |= assign(report_.version, std::move(header.version));
  changed |= assign(report_.config_file, std::move(header.config_file));
  changed |= assign(report_.platform, std::move(header.platform));
  std::string local;
  if (gateway && gateway->local_mqtt()) local = to_string(gateway->local_mqtt()->state());
  changed |= assign(report_.local_broker, std::move(local));
  return changed;
}

}  // namespace edgegw::daemon
