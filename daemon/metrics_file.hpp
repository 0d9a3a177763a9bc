// The Prometheus text exposition of a status snapshot, for node_exporter's textfile collector
// (gateway.metrics_file; the collector reads *.prom files and wants them replaced atomically,
// which write_file_atomically() does). Names and labels are documented in docs/operations.md:
//
//   edgegw_session_state{device,platform,state}   1 for the device's current state
//   edgegw_session_online{device,platform}        1 online, 0 not
//   edgegw_backlog_records{device}                committed, not yet acknowledged
//   edgegw_published_total / _acknowledged_total / _dropped_total / _connect_attempts_total{device}
//   edgegw_modbus_source_online{device,bus}       1 answers, 0 does not (after the first poll)
//   edgegw_modbus_device_poll_errors_total / _device_exceptions_total{device,bus}
//   edgegw_modbus_requests_total / _poll_errors_total / _exceptions_total{bus}  (the line's)
//   edgegw_local_broker_online                    (only with devices on the local broker)
//   edgegw_removed_device_backlog_records{device} backlog of devices no longer configured
//   edgegw_certificate_expiry_timestamp_seconds{file,role}
//   the gateway identity ([gateway.cloud]) in edgegw_session_state / _session_online /
//   _backlog_records / _published_total / _acknowledged_total / _connect_attempts_total with
//   role="gateway"; edgegw_gateway_last_error_info{device,role,error} (while there is one);
//   edgegw_gateway_sub_devices / _sub_devices_online{device,role} (cloud.mode = "gateway")
//   edgegw_status_timestamp_seconds, edgegw_reloads_total, edgegw_reloads_refused_total
#pragma once

#include <string>

#include "daemon/status_report.hpp"

namespace edgegw::daemon {

std::string to_prometheus(const StatusReport& report);

// A label value in the exposition format's escaping (backslash, double quote, newline).
std::string prometheus_label(const std::string& value);

}  // namespace edgegw::daemon
