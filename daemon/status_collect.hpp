// The status snapshot (daemon/status_report.hpp) and how it is kept up to date.
//
// collect_status() builds one from scratch: it visits every device (its session, backlog, drops,
// poll counters) and sorts them — O(devices), with a string copy or two per device. The daemon
// used to do that every second; at 10,000 idle devices that was nearly all of its idle CPU.
//
// StatusCollector keeps one report and, at each housekeeping tick, touches only what can have
// moved: the sessions Northbound marked as changed, the backlog and drop counters after an outbox
// commit, the Modbus devices' poll counters (which move with every poll), the buses and the local
// broker. With nothing changed a tick costs the same at 10 and at 10,000 devices. It rebuilds from
// scratch at the first tick, after invalidate() (a reload), when devices were added or removed, and
// when the wall clock jumped against the monotonic one (retry_at is a wall time).
#pragma once

#include <cstdint>
#include <vector>

#include "config/config.hpp"
#include "daemon/cert_expiry.hpp"
#include "daemon/status_report.hpp"
#include "store/outbox.hpp"

namespace edgegw::northbound {
class Northbound;
}

namespace edgegw::daemon {

class Gateway;

// What only the daemon knows about itself.
struct DaemonFacts {
  int pid = 0;
  std::string config_file;
  std::int64_t started_at_ms = 0;
  std::int64_t reloaded_at_ms = 0;
  std::uint64_t reloads = 0;
  std::uint64_t reloads_refused = 0;
  bool store_started_on_full_disk = false;  // store::OpenReport::started_on_full_disk
};

// The snapshot of everything; `gateway` and `outbox` may be null (not started).
StatusReport collect_status(const config::Config& config, const Gateway* gateway,
                            const store::Outbox* outbox, const CertificateWatch& certificates,
                            const DaemonFacts& facts, std::int64_t now_ms);

// What the collector did, for tests and the benchmark (issue 18: status work per tick must not
// grow with the device count when nothing changes).
struct StatusWork {
  std::uint64_t updates = 0;          // update() calls
  std::uint64_t rebuilds = 0;         // of which built from scratch
  std::uint64_t devices_visited = 0;  // device entries rebuilt or refreshed in place
};

class StatusCollector {
 public:
  // Brings report() to `now_ms`; returns whether anything other than written_at_ms changed.
  // `certificates_checked`: the watch was (re)checked since the last call. The gateway is not
  // const: reading Northbound's change marks clears them (this is their one reader).
  bool update(const config::Config& config, Gateway* gateway, const store::Outbox* outbox,
              const CertificateWatch& certificates, bool certificates_checked,
              const DaemonFacts& facts, std::int64_t now_ms);
  // The next update() rebuilds from scratch (a reload: the configuration changed).
  void invalidate() { built_ = false; }

  const StatusReport& report() const { return report_; }
  const StatusWork& work() const { return work_; }

 private:
  bool rebuild(const config::Config& config, Gateway* gateway, const store::Outbox* outbox,
               const CertificateWatch& certificates, const DaemonFacts& facts, std::int64_t now_ms);
  bool update_sessions(const config::Config& config, Gateway& gateway, const store::Outbox* outbox);
  bool update_modbus(Gateway& gateway);
  bool update_outbox(const store::Outbox& outbox, const DaemonFacts& facts);
  bool update_header(const config::Config& config, const Gateway* gateway,
                     const DaemonFacts& facts);
  DeviceReport* find(const std::string& name);

  StatusReport report_;
  StatusWork work_;
  bool built_ = false;
  const northbound::Northbound* northbound_ = nullptr;  // whose marks report_ follows
  std::uint64_t membership_ = 0;
  std::uint64_t commits_ = 0;           // the gateway's commits and failed commits at the last look
  std::int64_t wall_minus_steady_ = 0;  // ms; a jump means the wall clock was set
  std::vector<std::size_t> config_index_;  // report_.devices[i] is config.devices[config_index_[i]]
  std::vector<std::size_t> modbus_;        // indexes into report_.devices
};

}  // namespace edgegw::daemon
