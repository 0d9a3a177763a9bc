// The gateway's health as properties a cloud rule or dashboard can use (issue 19, "Fleet"): what
// the status report says, boiled down to one flat set of named values, plus what only the gateway
// knows (free disk under state_dir, the outbox's bytes and oldest record). The platform's own
// property-post encoder sends them (northbound: a telemetry record of the gateway identity).
//
//   version, uptime_s, devices_total, devices_online, devices_backoff, devices_connecting,
//   devices_auth_failed, devices_identity_conflict, devices_clock_wait, devices_not_answering
//   (Modbus devices whose polls go unanswered: the device is offline), backlog_records,
//   backlog_bytes, oldest_record_age_s, records_dropped, records_quarantined, disk_free_bytes,
//   modbus_buses, modbus_errors, modbus_bus_errors ("bus:errors,..."), local_broker (none when no
//   local device), cert_days_left (only when a certificate is in use)
//
// Names are Alibaba thing-model identifiers ([A-Za-z0-9_]), the strictest of the platforms.
// HealthSchedule says when to send: every `interval` and on a change of the discrete part (device
// states, the local broker, buses, certificate days), never two change reports closer than
// `min_gap`. Pure: time is a parameter.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/status_report.hpp"
#include "store/record.hpp"

namespace edgegw::daemon {

// What the status report does not hold.
struct HealthExtras {
  std::int64_t now_ms = 0;
  std::optional<std::uint64_t> backlog_bytes;    // the outbox's database size
  std::optional<std::int64_t> oldest_record_ms;  // the oldest waiting record's time
  std::optional<std::uint64_t> disk_free_bytes;  // under state_dir, for the daemon's user
};

// The health properties, in the order of the list above.
std::vector<store::Field> health_fields(const StatusReport& report, const HealthExtras& extras);

// The part of the properties whose change is worth a report of its own (not the counters that
// move all the time).
std::string health_signature(const std::vector<store::Field>& fields);

// Free bytes for an unprivileged writer on the file system of `dir`; nullopt when unknown.
std::optional<std::uint64_t> disk_free(const std::string& dir);

class HealthSchedule {
 public:
  using Clock = std::chrono::steady_clock;
  // `interval` 0: only on change.
  HealthSchedule(std::chrono::seconds interval, std::chrono::seconds min_gap)
      : interval_(interval), min_gap_(min_gap) {}

  // Whether a report with `signature` is due at `now`; the caller then calls sent().
  bool due(Clock::time_point now, const std::string& signature) const;
  void sent(Clock::time_point now, const std::string& signature);
  // A report is needed at once (the gateway's session came online: the cloud sees it fresh).
  void force() { forced_ = true; }

 private:
  std::chrono::seconds interval_;
  std::chrono::seconds min_gap_;
  std::optional<Clock::time_point> last_;
  std::string last_signature_;
  bool forced_ = false;
};

}  // namespace edgegw::daemon
