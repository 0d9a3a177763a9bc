#include "daemon/cert_expiry.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>
#include <set>

#include "config/openssl_handles.hpp"
#include "daemon/logging.hpp"

namespace edgegw::daemon {
namespace {

std::optional<std::chrono::system_clock::time_point> time_of(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string date_of(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &tm);
  return text;
}

}  // namespace

std::vector<CertificateInUse> certificates_in_use(const config::Config& config) {
  std::vector<CertificateInUse> out;
  std::set<std::filesystem::path> seen;
  if (config.cloud.tls && !config.cloud.ca_file.empty()) {
    out.push_back({config.cloud.ca_file, "ca", ""});
    seen.insert(config.cloud.ca_file);
  }
  for (const auto& device : config.devices) {
    const auto& file = device.cloud.cert_file;
    if (file.empty() || !seen.insert(file).second) continue;
    out.push_back({file, "client", device.name});
  }
  // The gateway identity's own client certificate ([gateway.cloud]).
  if (config.gateway.cloud && !config.gateway.cloud->cert_file.empty() &&
      seen.insert(config.gateway.cloud->cert_file).second) {
    out.push_back({config.gateway.cloud->cert_file, "client", config.gateway.name});
  }
  return out;
}

std::optional<std::chrono::system_clock::time_point> certificate_not_after(
    const std::filesystem::path& file, std::string* error) {
  config::BioHandle bio(BIO_new_file(file.c_str(), "r"));
  if (!bio) {
    ERR_clear_error();
    if (error) *error = "cannot open the file";
    return std::nullopt;
  }
  std::optional<std::chrono::system_clock::time_point> earliest;
  while (true) {
    config::X509Handle cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    const auto t = time_of(X509_get0_notAfter(cert.get()));
    if (t && (!earliest || *t < *earliest)) earliest = t;
  }
  ERR_clear_error();  // the end of the file reads as an error
  if (!earliest && error) *error = "no PEM certificate in the file";
  return earliest;
}

void CertificateWatch::set_certificates(std::vector<CertificateInUse> certificates) {
  std::map<std::filesystem::path, Known> next;
  for (auto& c : certificates) {
    Known known;
    if (auto it = files_.find(c.file); it != files_.end()) known = std::move(it->second);
    known.certificate = c;
    next.emplace(c.file, std::move(known));
  }
  files_.swap(next);
}

void CertificateWatch::refresh(Known& known) {
  std::error_code ec;
  const auto mtime = std::filesystem::last_write_time(known.certificate.file, ec);
  const auto size = ec ? 0 : std::filesystem::file_size(known.certificate.file, ec);
  if (!ec && known.mtime == mtime && known.size == size &&
      (known.not_after || !known.error.empty())) {
    return;
  }
  known.mtime = ec ? std::nullopt : std::optional(mtime);
  known.size = size;
  known.error.clear();
  known.not_after = certificate_not_after(known.certificate.file, &known.error);
}

std::vector<ExpiryWarning> CertificateWatch::check(std::chrono::system_clock::time_point now) {
  std::vector<ExpiryWarning> due;
  for (auto& [file, known] : files_) {
    refresh(known);
    if (!known.not_after || *known.not_after - now > kWarnAhead) continue;
    if (known.warned_at && now - *known.warned_at < kWarnEvery) continue;
    known.warned_at = now;
    due.push_back({known.certificate, *known.not_after});
  }
  return due;
}

std::vector<CertificateReport> CertificateWatch::report() const {
  std::vector<CertificateReport> out;
  out.reserve(files_.size());
  for (const auto& [file, known] : files_) {
    CertificateReport r;
    r.file = file.string();
    r.role = known.certificate.role;
    r.device = known.certificate.device;
    if (known.not_after) {
      r.not_after =
          std::chrono::duration_cast<std::chrono::seconds>(known.not_after->time_since_epoch())
              .count();
    }
    r.error = known.error;
    out.push_back(std::move(r));
  }
  return out;
}

std::string describe_expiry(const ExpiryWarning& w, std::chrono::system_clock::time_point now) {
  const bool expired = w.not_after <= now;
  const auto days = std::chrono::duration_cast<std::chrono::hours>(w.not_after - now).count() / 24;
  const std::string what =
      w.certificate.role == "ca" ? "the CA certificate " : "the client certificate ";
  const std::string when =
      expired ? "expired on " + date_of(w.not_after)
              : "expires on " + date_of(w.not_after) + " (in " + std::to_string(days) + " day(s))";
  return what + w.certificate.file.string() + " " + when + "; renew it";
}

void log_expiry_warning(const ExpiryWarning& w, std::chrono::system_clock::time_point now) {
  log::event(spdlog::level::warn, log::kCertificateExpiring, w.certificate.device, "{}",
             describe_expiry(w, now));
}

}  // namespace edgegw::daemon
