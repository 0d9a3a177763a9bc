#include "config/certificate_check.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <ctime>
#include <memory>

#include "config/openssl_handles.hpp"

namespace edgegw::config {
namespace {

std::string date_of(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return "?";
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &tm);
  return text;
}

}  // namespace

std::optional<std::string> check_certificate_file(const std::filesystem::path& path,
                                                  CertificateRole role,
                                                  std::chrono::system_clock::time_point now) {
  BioHandle bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return path.string() + ": cannot open the file";
  X509Handle cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return path.string() + " holds no PEM certificate";
  if (role == CertificateRole::client) {
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    if (X509_cmp_time(X509_get0_notAfter(cert.get()), const_cast<std::time_t*>(&t)) < 0) {
      return path.string() + ": the certificate expired on " +
             date_of(X509_get0_notAfter(cert.get()));
    }
  }
  return std::nullopt;
}

}  // namespace edgegw::config
