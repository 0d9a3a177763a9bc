// A snapshot of the running daemon for the people who watch it: per device the platform, where its
// readings come from, the cloud session's state, backlog and counters (and a Modbus device's own
// poll errors); per Modbus bus its request counters; the local broker's state; the expiry of every
// certificate file in use; and the backlog of devices that were removed from the configuration but
// still have records in the outbox.
//
// A plain value built on the loop (daemon/status_collect.hpp) and written as JSON to the status
// file that `edgegw status` reads (possibly another build of edgegw), so the JSON names are the
// contract: documented in docs/operations.md, only ever extended. Times are Unix milliseconds
// (certificate expiry: Unix seconds, as Prometheus wants them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace edgegw::daemon {

struct DeviceReport {
  std::string name;
  std::string platform;               // aliyun | tencent | huawei | mqtt
  std::string source;                 // modbus | mqtt
  std::string bus;                    // the Modbus bus, for a Modbus device
  std::optional<bool> source_online;  // Modbus: whether the device answers (unknown at first)
  std::string state;  // the session state: online, backoff, connecting, auth_failed, ...
  std::optional<std::int64_t> retry_at_ms;
  std::optional<std::int64_t> online_since_ms;
  std::uint64_t backlog = 0;
  std::uint64_t inflight = 0;
  std::uint64_t published = 0;
  std::uint64_t acknowledged = 0;
  std::uint64_t dropped = 0;  // records the outbox dropped over store.max_size / max_age
  std::uint64_t commands = 0;
  std::uint64_t connect_attempts = 0;
  std::string last_error;
  // Modbus: this device's own poll outcomes (southbound::DevicePollStats), so a device failing on
  // a shared line is named. 0 / empty for other sources.
  std::uint64_t polls = 0;
  std::uint64_t poll_errors = 0;      // reads without a usable answer, after the bus's retries
  std::uint64_t poll_exceptions = 0;  // reads refused with a Modbus exception
  std::string last_poll_error;        // the latest of either, with the block it concerned
  std::optional<std::int64_t> last_poll_error_ms;
  bool operator==(const DeviceReport&) const = default;
};

struct BusReport {
  std::string name;
  // The line's figures: every request counts, retries and writes included. Which device fails is
  // in DeviceReport::poll_errors.
  std::uint64_t requests = 0;
  std::uint64_t failures = 0;  // requests without a usable answer
  std::uint64_t exceptions = 0;
  std::uint64_t polls = 0;  // the sum of its devices' polls
  std::uint64_t connects = 0;
  bool operator==(const BusReport&) const = default;
};

struct CertificateReport {
  std::string file;
  std::string role;                       // ca | client
  std::string device;                     // a client certificate's (first) device
  std::optional<std::int64_t> not_after;  // Unix seconds; nullopt when unreadable
  std::string error;                      // why it could not be read
  bool operator==(const CertificateReport&) const = default;
};

// Records still in the outbox for a device that is no longer configured.
struct OrphanBacklog {
  std::string device;
  std::uint64_t backlog = 0;
  bool operator==(const OrphanBacklog&) const = default;
};

// The outbox as a whole (store::OutboxCounters and the loss found at start).
struct StoreReport {
  std::uint64_t lost_on_open = 0;       // records committed but missing at start (loss_report)
  std::string loss_unchecked;           // why the start could not check for loss; empty: checked
  std::uint64_t quarantined = 0;        // records that failed their checksum, since start
  std::uint64_t dropped_for_space = 0;  // oldest dropped because the file system was full
  std::uint64_t dropped_queued = 0;     // dropped from memory while commits failed (max_queued)
  std::uint64_t reserve_released = 0;   // times the space reserve was given up
  std::uint64_t size_limit_bytes = 0;   // the limit in force at the last commit (0: none yet)
  bool started_on_full_disk = false;
  bool operator==(const StoreReport&) const = default;
};

// The gateway's own cloud session ([gateway.cloud], docs/operations.md "Fleet"): not a device, so
// apart from `devices`. With cloud.mode = "gateway" it carries the devices as sub-devices.
struct GatewayReport {
  std::string name;      // gateway.name
  std::string platform;  // as a device's
  std::string mode;      // device | gateway (cloud.mode)
  std::string state;     // as a device's session state
  std::optional<std::int64_t> retry_at_ms;
  std::optional<std::int64_t> online_since_ms;
  std::uint64_t backlog = 0;  // its health and event records not yet acknowledged
  std::uint64_t published = 0;
  std::uint64_t acknowledged = 0;
  std::uint64_t commands = 0;  // remote operations received
  std::uint64_t connect_attempts = 0;
  std::string last_error;
  // cloud.mode = "gateway": the sub-devices it carries, and how many of them are online.
  std::optional<std::uint64_t> sub_devices;
  std::optional<std::uint64_t> sub_devices_online;
  bool operator==(const GatewayReport&) const = default;
};

struct StatusReport {
  int pid = 0;
  std::int64_t written_at_ms = 0;
  std::int64_t started_at_ms = 0;
  std::int64_t reloaded_at_ms = 0;  // 0: never reloaded
  std::uint64_t reloads = 0;        // configurations applied by SIGHUP
  std::uint64_t reloads_refused = 0;
  std::string version;
  std::string config_file;
  std::string platform;
  std::string local_broker;  // empty: no local MQTT devices; else idle | connecting | online ...
  std::uint64_t total_backlog = 0;
  StoreReport store;
  std::vector<DeviceReport> devices;  // by name
  std::vector<BusReport> buses;
  std::vector<CertificateReport> certificates;
  std::vector<OrphanBacklog> removed_devices;
  std::optional<GatewayReport> gateway;  // "gateway": null without [gateway.cloud]

  // Equal apart from the time it was written (whether a rewrite says anything new).
  bool same_state(const StatusReport& other) const;
  bool operator==(const StatusReport&) const = default;
};

std::string to_json(const StatusReport& report);
// nullopt (and `error` says why) when `text` is not a status report.
std::optional<StatusReport> status_from_json(const std::string& text, std::string* error = nullptr);

}  // namespace edgegw::daemon
