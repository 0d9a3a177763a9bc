// A throwaway PKI made with the openssl command line at test time: a CA, a server certificate for
// localhost / 127.0.0.1 / ::1, and client certificates on demand. EC P-256 keys (fast to make).
#pragma once

#include <filesystem>
#include <string>

#include "support/temp_dir.hpp"

namespace edgegw::test {

struct CertPair {
  std::filesystem::path cert;
  std::filesystem::path key;
};

class TestPki {
 public:
  // Makes the CA and the server certificate under a fresh directory (or `dir` if given).
  explicit TestPki(const std::string& ca_name = "edgegw test CA");

  const std::filesystem::path& ca_cert() const { return ca_.cert; }
  const CertPair& ca() const { return ca_; }
  const CertPair& server() const { return server_; }
  const std::filesystem::path& dir() const { return dir_.path(); }

  // A certificate signed by this CA. `sans` is an openssl subjectAltName value, e.g.
  // "DNS:localhost,IP:127.0.0.1"; empty for a client certificate. `days` may be negative only via
  // `expired` (then the certificate's validity ended yesterday).
  CertPair issue(const std::string& name, const std::string& common_name,
                 const std::string& sans = "", bool expired = false) const;

 private:
  TempDir dir_;
  CertPair ca_;
  CertPair server_;
};

}  // namespace edgegw::test
