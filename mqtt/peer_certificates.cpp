#include "mqtt/peer_certificates.hpp"

#include <openssl/x509.h>

#include <string_view>

namespace edgegw::mqtt {

PeerCertificates::~PeerCertificates() {
  clear();
}

void PeerCertificates::clear() {
  for (auto& [der, cert] : by_der_) X509_free(cert);
  by_der_.clear();
}

void PeerCertificates::share(stack_st_X509* chain) {
  for (int i = 0; i < sk_X509_num(chain); ++i) {
    X509* presented = sk_X509_value(chain, i);
    X509* shared = shared_copy_of(presented);
    if (shared == presented) continue;
    X509_up_ref(shared);
    sk_X509_set(chain, i, shared);
    X509_free(presented);
  }
}

X509* PeerCertificates::shared_copy_of(X509* cert) {
  unsigned char* der = nullptr;
  int length = i2d_X509(cert, &der);
  if (length <= 0) return cert;
  std::string key(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  if (auto it = by_der_.find(key); it != by_der_.end()) return it->second;
  if (by_der_.size() >= kMaxEntries) clear();
  X509_up_ref(cert);
  by_der_.emplace(std::move(key), cert);
  return cert;
}

}  // namespace edgegw::mqtt
