#include "daemon/status_publisher.hpp"

#include <unistd.h>

#include <algorithm>

#include "daemon/gateway.hpp"
#include "daemon/logging.hpp"
#include "daemon/metrics_file.hpp"
#include "daemon/report_fields.hpp"
#include "daemon/status_file.hpp"

namespace edgegw::daemon {
namespace {

// Due when `interval` passed since `last`, or the clock went back past it.
bool due(std::chrono::system_clock::time_point now, std::chrono::system_clock::time_point last,
         std::chrono::seconds interval) {
  return now - last >= interval || now < last;
}

// What precedes the time stamp in each file (status_report.cpp, metrics_file.cpp).
constexpr std::string_view kStatusStamp = "\"written_at_ms\": ";
constexpr std::string_view kMetricsStamp = "\nedgegw_status_timestamp_seconds ";

}  // namespace

StatusPublisher::StatusPublisher(const config::Config& config, const char* runtime_directory,
                                 std::size_t devices_written_per_second)
    : runtime_directory_(runtime_directory ? runtime_directory : ""),
      has_runtime_directory_(runtime_directory != nullptr),
      devices_written_per_second_(std::max<std::size_t>(devices_written_per_second, 1)) {
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
  collector_.invalidate();
}

void StatusPublisher::publish(const config::Config& config, Gateway* gateway,
                              const store::Outbox* outbox, const DaemonFacts& facts,
                              std::chrono::system_clock::time_point now, bool force) {
  const bool check_certificates =
      certificates_due_ || due(now, certificates_at_, kCertificatesEvery);
  if (check_certificates) {
    certificates_due_ = false;
    certificates_at_ = now;
    for (const auto& warning : certificates_.check(now)) log_expiry_warning(warning, now);
  }
  if (force || !written_) {
    collector_.invalidate();
    status_.stale = metrics_.stale = true;
  }
  if (collector_.update(config, gateway, outbox, certificates_, check_certificates, facts,
                        ms_of(now))) {
    status_.stale = metrics_.stale = true;
  }
  const StatusReport& report = collector_.report();
  // The status file on a change (whole, as often as its size allows); unchanged, its time stamp
  // every kStatusRefresh.
  const bool whole_due = force || !written_ || due(now, status_whole_at_, whole_write_spacing());
  if (status_.stale ? whole_due : due(now, status_at_, kStatusRefresh)) {
    if (status_.stale || !refresh(status_file_, status_, std::to_string(report.written_at_ms))) {
      write(status_file_, to_json(report), status_, kStatusFileMode, kStatusStamp);
      ++status_writes_;
      status_whole_at_ = now;
    }
    status_at_ = now;
  }
  // The metrics every kMetricsEvery: whole when something changed since the last, else the stamp.
  if (!metrics_file_.empty() && (force || due(now, metrics_at_, kMetricsEvery) || !written_)) {
    if (metrics_.stale ||
        !refresh(metrics_file_, metrics_, std::to_string(report.written_at_ms / 1000))) {
      write(metrics_file_, to_prometheus(report), metrics_, kMetricsFileMode, kMetricsStamp);
      ++metrics_writes_;
    }
    metrics_at_ = now;
  }
  written_ = true;
}

std::chrono::seconds StatusPublisher::whole_write_spacing() const {
  const auto devices = collector_.report().devices.size();
  const auto seconds = static_cast<std::chrono::seconds::rep>(
      (devices + devices_written_per_second_ - 1) / devices_written_per_second_);
  return std::clamp(std::chrono::seconds(seconds), std::chrono::seconds(1), kStatusRefresh);
}

bool StatusPublisher::refresh(const std::filesystem::path& file, Output& output,
                              const std::string& digits) {
  if (!rewrite_stamp(file, output.stamp, digits)) return false;
  ++refreshes_;
  return true;
}

std::string StatusPublisher::metrics_text() const {
  return to_prometheus(collector_.report());
}

void StatusPublisher::remove_status_file() {
  std::error_code ec;
  std::filesystem::remove(status_file_, ec);
}

void StatusPublisher::write(const std::filesystem::path& file, const std::string& text,
                            Output& output, mode_t mode, std::string_view stamp_marker) {
  output.stale = false;
  if (auto error = write_file_atomically(file, text, mode)) {
    if (!output.failing) spdlog::warn("{} (retried every few seconds)", *error);
    output.failing = true;
    output.stamp = {};  // the next refresh writes it whole
    return;
  }
  if (output.failing) spdlog::info("{} is written again", file.string());
  output.failing = false;
  output.stamp = locate_stamp(file, text, stamp_marker);
}

}  // namespace edgegw::daemon
