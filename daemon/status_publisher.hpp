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
#include "daemon/status_collect.hpp"
#include "daemon/status_file.hpp"
#include "daemon/status_report.hpp"
#include "store/outbox.hpp"

namespace edgegw::daemon {

class Gateway;

class StatusPublisher {
 public:
  static constexpr auto kStatusRefresh = std::chrono::seconds(5);
  // Writing the status file whole costs its devices (about 2.7 us each here: 27 ms at 10,000),
  // and some device's counters move every second on any busy gateway. So a change is written at
  // the next tick up to this many devices, and above it at most every devices / this seconds (5 s
  // at 10,000, never longer than kStatusRefresh): the whole writes cost about the same per second
  // at 2,000 and at 10,000 devices. Until then the file keeps its older time stamp (it is not
  // refreshed over content that is behind).
  static constexpr std::size_t kDevicesWrittenPerSecond = 2000;
  static constexpr auto kMetricsEvery = std::chrono::seconds(5);
  static constexpr auto kCertificatesEvery = std::chrono::seconds(60);

  // `runtime_directory`: $RUNTIME_DIRECTORY (may be null). `devices_written_per_second`: see
  // kDevicesWrittenPerSecond (tests set a small one).
  StatusPublisher(const config::Config& config, const char* runtime_directory,
                  std::size_t devices_written_per_second = kDevicesWrittenPerSecond);

  // Takes a (re)loaded configuration: file paths and the certificates to watch. The next publish()
  // writes everything.
  void configure(const config::Config& config);

  // Brings the report up to date (StatusCollector: what changed since the last call) and writes
  // what is due at `now`; `force` rebuilds it and writes both files now (after a reload). With
  // nothing changed and no file due, it costs the same at 10 and at 10,000 devices.
  void publish(const config::Config& config, Gateway* gateway, const store::Outbox* outbox,
               const DaemonFacts& facts, std::chrono::system_clock::time_point now,
               bool force = false);

  // Removes the status file (orderly exit: `edgegw status` then says the daemon is not running).
  void remove_status_file();

  const std::filesystem::path& status_file() const { return status_file_; }
  const std::filesystem::path& metrics_file() const { return metrics_file_; }
  const StatusReport& last_report() const { return collector_.report(); }
  // What the collector did, and how often each file was written (tests, benchmarks).
  const StatusWork& work() const { return collector_.work(); }
  std::uint64_t status_writes() const { return status_writes_; }    // whole
  std::uint64_t metrics_writes() const { return metrics_writes_; }  // whole
  std::uint64_t refreshes() const { return refreshes_; }            // time stamp only, in place
  // The Prometheus text of the last snapshot: what the metrics file holds and GET /metrics answers.
  std::string metrics_text() const;

 private:
  // A file, where its time stamp is, and whether it says something older than the report.
  struct Output {
    StampLocation stamp;
    bool stale = true;
    bool failing = false;  // the last write failed (logged once)
  };
  // Writes `text` whole and notes where its time stamp is.
  void write(const std::filesystem::path& file, const std::string& text, Output& output,
             mode_t mode, std::string_view stamp_marker);
  // Replaces only the time stamp; false when it cannot (then write it whole).
  bool refresh(const std::filesystem::path& file, Output& output, const std::string& digits);

  // How long after a whole write of the status file the next may come (see
  // kDevicesWrittenPerSecond).
  std::chrono::seconds whole_write_spacing() const;

  std::string runtime_directory_;
  bool has_runtime_directory_ = false;
  std::size_t devices_written_per_second_;
  std::filesystem::path status_file_;
  std::filesystem::path metrics_file_;
  CertificateWatch certificates_;
  StatusCollector collector_;
  bool written_ = false;
  std::uint64_t status_writes_ = 0;
  std::uint64_t metrics_writes_ = 0;
  std::uint64_t refreshes_ = 0;
  std::chrono::system_clock::time_point status_at_{}, metrics_at_{}, certificates_at_{};
  std::chrono::system_clock::time_point status_whole_at_{};  // the last whole write
  bool certificates_due_ = true;
  Output status_, metrics_;
};

}  // namespace edgegw::daemon
