// Owning handles for the OpenSSL objects the daemon reads certificate files with.
#pragma once

#include <openssl/bio.h>
#include <openssl/x509.h>

#include <memory>

namespace edgegw::config {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using BioHandle = std::unique_ptr<BIO, BioFree>;
using X509Handle = std::unique_ptr<X509, X509Free>;

}  // namespace edgegw::config
