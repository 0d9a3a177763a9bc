// What `edgegw check` (and every load) verifies of the certificate files a configuration names:
// that they are PEM certificates OpenSSL can read and, for a client certificate, that it has not
// expired - a session with an expired certificate could never connect, so it is a configuration
// error found at start, not a reconnect loop found in the log.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace edgegw::config {

enum class CertificateRole {
  trust_anchor,  // ca_file: one or more certificates (expired ones are the TLS layer's business)
  client,        // cert_file: the first certificate is ours and must be valid at `now`
};

// nullopt when the file is usable; else a sentence saying why not.
std::optional<std::string> check_certificate_file(const std::filesystem::path& path,
                                                  CertificateRole role,
                                                  std::chrono::system_clock::time_point now);

}  // namespace edgegw::config
