// The expiry of every certificate file the daemon uses: the cloud's CA file and each device's
// client certificate. A client certificate that expires ends its device's sessions for good, and a
// CA that expires ends all of them, so the daemon warns 30 days ahead, once a day per file, and
// publishes each file's notAfter in the status file and the metrics.
//
// Reading a file is cheap but not free (10,000 devices may have 10,000 certificates): a file is
// parsed again only when its modification time or size changed. Time is a parameter, so the
// once-a-day rule is tested without waiting a day.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "daemon/status_report.hpp"

namespace edgegw::daemon {

struct CertificateInUse {
  std::filesystem::path file;
  std::string role;    // ca | client
  std::string device;  // a client certificate's first device
  bool operator==(const CertificateInUse&) const = default;
};

// The CA file of [cloud] (when TLS is on and one is named) and every device's cert_file, each
// file once.
std::vector<CertificateInUse> certificates_in_use(const config::Config& config);

// The earliest notAfter of the certificates in a PEM file (a CA file may hold several), or
// nullopt with `error` saying why not.
std::optional<std::chrono::system_clock::time_point> certificate_not_after(
    const std::filesystem::path& file, std::string* error = nullptr);

struct ExpiryWarning {
  CertificateInUse certificate;
  std::chrono::system_clock::time_point not_after;
};

class CertificateWatch {
 public:
  static constexpr auto kWarnAhead = std::chrono::hours(24 * 30);
  static constexpr auto kWarnEvery = std::chrono::hours(24);

  // The files to watch; files watched before keep what is known of them (when they last warned).
  void set_certificates(std::vector<CertificateInUse> certificates);

  // Re-reads the files that changed and returns the warnings due at `now`: each file whose
  // certificate expires within kWarnAhead (or has expired) and that did not warn in the last
  // kWarnEvery. The caller logs them.
  std::vector<ExpiryWarning> check(std::chrono::system_clock::time_point now);

  std::vector<CertificateReport> report() const;

 private:
  struct Known {
    CertificateInUse certificate;
    std::optional<std::chrono::system_clock::time_point> not_after;
    std::string error;
    std::optional<std::filesystem::file_time_type> mtime;
    std::uintmax_t size = 0;
    std::optional<std::chrono::system_clock::time_point> warned_at;
  };
  void refresh(Known& known);

  std::map<std::filesystem::path, Known> files_;
};

// "the client certificate F expires on DATE (in N day(s)); renew it" (or "expired on DATE").
std::string describe_expiry(const ExpiryWarning& warning,
                            std::chrono::system_clock::time_point now);
// Logs `warning` (with the device's journal fields for a client certificate).
void log_expiry_warning(const ExpiryWarning& warning, std::chrono::system_clock::time_point now);

}  // namespace edgegw::daemon
