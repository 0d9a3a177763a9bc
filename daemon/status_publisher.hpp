// What the running daemon publishes about itself, from its housekeeping tick (once a second on the
// loop): the status file for `edgegw status` (rewritten when something changed, and at least every
// kStatusRefresh so a reader can tell a live daemon from a dead one), the Prometheus text file
// (every kMetricsEvery, when gateway.metrics_file is set), and the certificate expiry warnings
// (files re-checked every kCertificatesEvery, a warning per file at most once a day).
//
// Write failures are logged once until a write works again; they never stop the daemon.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "daemon/cert_expiry.hpp"
#include "daemon/status_report.hpp"
#include "store/outbox.hpp"

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

class StatusPublisher {
 public:
  static constexpr auto kStatusRefresh = std::chrono::seconds(5);
  static constexpr auto kMetricsEvery = std::chrono::seconds(5);
  static constexpr auto kCertificatesEvery = std::chrono::seconds(60);

  // `runtime_directory`: $RUNTIME_DIRECTORY (may be null).
  StatusPublisher(const config::Config& config, const char* runtime_directory);

  // Takes a (re)loaded configuration: file paths and the certificates to watch. The next publish()
  // writes everything.
  void configure(const config::Config& config);

  // Collects and writes what is due at `now`; `force` writes both files now (after a reload).
  void publish(const config::Config& config, const Gateway* gateway, const store::Outbox* outbox,
               const DaemonFacts& facts, std::chrono::system_clock::time_point now,
               bool force = false);

  // Removes the status file (orderly exit: `edgegw status` then says the daemon is not running).
  void remove_status_file();

  const std::filesystem::path& status_file() const { return status_file_; }
  const std::filesystem::path& metrics_file() const { return metrics_file_; }
  const StatusReport& last_report() const { return last_; }
  // The Prometheus text of the last snapshot: what the metrics file holds and GET /metrics answers.
  std::string metrics_text() const;

 private:
  void write(const std::filesystem::path& file, const std::string& text, bool& failing,
             mode_t mode);

  std::string runtime_directory_;
  bool has_runtime_directory_ = false;
  std::filesystem::path status_file_;
  std::filesystem::path metrics_file_;
  CertificateWatch certificates_;
  StatusReport last_;
  bool written_ = false;
  std::chrono::system_clock::time_point status_at_{}, metrics_at_{}, certificates_at_{};
  bool certificates_due_ = true;
  bool status_failing_ = false;
  bool metrics_failing_ = false;
};

}  // namespace edgegw::daemon
