#include "daemon/status_publisher.hpp"

#include <unistd.h>

#include "daemon/gateway.hpp"
#include "daemon/logging.hpp"
#include "daemon/metrics_file.hpp"
#include "daemon/status_file.hpp"

namespace edgegw::daemon {
namespace {

std::int64_t ms_of(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// Due when `interval` passed since `last`, or the clock went back past it.
bool due(std::chrono::system_clock::time_point now, std::chrono::system_clock::time_point last,
         std::chrono::seconds interval) {
  return now - last >= interval || now < last;
}

}  // namespace

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
  if (force) collector_.invalidate();
  const bool changed = collector_.update(config, gateway, outbox, certificates_, check_certificates,
                                         facts, ms_of(now)) ||
                       !written_;
  const StatusReport& report = collector_.report();
  if (force || changed || due(now, status_at_, kStatusRefresh)) {
    write(status_file_, to_json(report), status_failing_, kStatusFileMode);
    ++status_writes_;
    status_at_ = now;
  }
  if (!metrics_file_.empty() && (force || !written_ || due(now, metrics_at_, kMetricsEvery))) {
    write(metrics_file_, to_prometheus(report), metrics_failing_, kMetricsFileMode);
    ++metrics_writes_;
    metrics_at_ = now;
  }
  written_ = true;
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
