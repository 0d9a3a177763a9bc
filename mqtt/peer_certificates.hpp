// The server certificates that the sessions of one TLS context were shown, parsed once.
//
// OpenSSL parses every certificate a server sends into a fresh X509 for each connection and keeps
// it for the connection's life (in the session's peer chain and the verified chain). A parsed
// certificate costs 3.5–4 KB, so ten thousand sessions to one cloud that sends a leaf and an
// intermediate would hold 70+ MB of identical copies. Before verifying, each presented
// certificate whose DER bytes equal one seen before is swapped for the shared copy; verification
// then runs as usual on the shared objects (signatures, dates and names are checked anew on
// every handshake — nothing is trusted because it is cached).
#pragma once

#include <cstddef>
#include <map>
#include <string>

struct x509_st;
struct stack_st_X509;

namespace edgegw::mqtt {

class PeerCertificates {
 public:
  // Distinct certificates kept; beyond this the table starts over (connections keep theirs).
  static constexpr std::size_t kMaxEntries = 64;

  PeerCertificates() = default;
  ~PeerCertificates();
  PeerCertificates(const PeerCertificates&) = delete;
  PeerCertificates& operator=(const PeerCertificates&) = delete;

  // Replaces each entry of `chain` by the shared copy of the same certificate, adding the ones not
  // seen yet. Certificates that cannot be encoded are left as they are.
  void share(stack_st_X509* chain);
  std::size_t size() const { return by_der_.size(); }

 private:
  x509_st* shared_copy_of(x509_st* cert);
  void clear();

  std::map<std::string, x509_st*, std::less<>> by_der_;
};

}  // namespace edgegw::mqtt
