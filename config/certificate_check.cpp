#include "config/certificate_check.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <ctime>
#include <memory>
#include <string_view>

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

// An SM certificate (China's SM2 key, or signed SM2-with-SM3): OpenSSL 3.0 reads it but cannot use
// it in a TLS handshake without the RFC 8998 suites, which Debian does not build ("unknown
// certificate type" at run time).
bool is_sm_certificate(const X509* cert) {
  if (X509_get_signature_nid(cert) == NID_SM2_with_SM3) return true;
  const EVP_PKEY* key = X509_get0_pubkey(cert);
  if (!key) return false;
  if (EVP_PKEY_is_a(key, "SM2")) return true;
  char group[64] = {};
  std::size_t length = 0;
  return EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &length) == 1 &&
         std::string_view(group, length) == "SM2";
}

}  // namespace

std::optional<std::string> check_certificate_file(const std::filesystem::path& path,
                                                  CertificateRole role,
                                                  std::chrono::system_clock::time_point now) {
  BioHandle bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return path.string() + ": cannot open the file";
  X509Handle cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return path.string() + " holds no PEM certificate";
  if (is_sm_certificate(cert.get())) {
    return path.string() +
           " is an SM certificate (SM2 key or SM2-with-SM3 signature); the TLS library edgegw "
           "runs on (Debian's OpenSSL 3.0) has no RFC 8998 SM cipher suites, so no connection "
           "could use it: use an RSA or ECDSA certificate instead";
  }
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
