// A status report with one of everything, for the status and metrics tests.
#pragma once

#include "daemon/status_report.hpp"

namespace edgegw::daemon {

inline StatusReport sample_report(int pid, std::int64_t now_ms) {
  StatusReport r;
  r.pid = pid;
  r.written_at_ms = now_ms;
  r.started_at_ms = now_ms - 3'600'000;
  r.reloads = 2;
  r.reloads_refused = 1;
  r.version = "1.2.3";
  r.config_file = "/etc/edgegw/edgegw.toml";
  r.platform = "mqtt";
  r.local_broker = "online";
  r.total_backlog = 17;
  r.store.lost_on_open = 42;
  r.store.loss_unchecked = "";
  r.store.quarantined = 3;
  r.store.dropped_for_space = 1200;
  r.store.dropped_queued = 640;
  r.store.reserve_released = 1;
  r.store.size_limit_bytes = 12ull << 20;
  r.store.started_on_full_disk = true;
  DeviceReport meter;
  meter.name = "meter-1";
  meter.platform = "mqtt";
  meter.source = "modbus";
  meter.bus = "rs485-1";
  meter.source_online = false;
  meter.state = "online";
  meter.online_since_ms = now_ms - 60'000;
  meter.backlog = 5;
  meter.inflight = 1;
  meter.published = 100;
  meter.acknowledged = 99;
  meter.dropped = 3;
  meter.commands = 4;
  meter.connect_attempts = 1;
  meter.polls = 40;
  meter.poll_errors = 6;
  meter.poll_exceptions = 2;
  meter.last_poll_error = "holding 0+2 (voltage): no answer (timeout)";
  meter.last_poll_error_ms = now_ms - 1'000;
  DeviceReport room;
  room.name = "room \"2\"";
  room.platform = "mqtt";
  room.source = "mqtt";
  room.state = "backoff";
  room.retry_at_ms = now_ms + 5'000;
  room.backlog = 2;
  room.connect_attempts = 7;
  room.last_error = "connection refused";
  r.devices = {meter, room};
  r.buses = {{"rs485-1", 50, 6, 2, 40, 1}};
  r.certificates = {{"/etc/edgegw/ca.pem", "ca", "", 1'900'000'000, ""},
                    {"/etc/edgegw/bad.pem", "client", "room \"2\"", std::nullopt, "no PEM"}};
  r.removed_devices = {{"old-1", 10}};
  return r;
}

}  // namespace edgegw::daemon
