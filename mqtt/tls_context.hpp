// TLS configuration and the shared OpenSSL context made from it. One SSL_CTX per distinct
// TlsConfig (TlsContextCache), shared by every connection that uses that configuration: ten
// thousand sessions to one cloud share one CA store instead of parsing the CA file ten thousand
// times. Per-connection things (SNI, the expected host name, the PSK identity and key, the
// resumable session, the OCSP verdict) live on each SSL, never on the shared context.
//
// Always: TLS >= 1.2, peer verification on (except PSK-only, where no certificate is involved),
// SSL_MODE_RELEASE_BUFFERS so an idle connection holds no record buffers, client-side session
// caching through a callback so each Connection keeps its own session for resumption, and one
// parsed copy of each server certificate shared by every connection (PeerCertificates).
#pragma once

#include <map>
#include <memory>
#include <string>

struct ssl_ctx_st;

namespace edgegw::mqtt {

class PeerCertificates;

enum class OcspMode { off, prefer, require };

struct TlsConfig {
  std::string ca_file;  // PEM CA bundle; empty = the system trust store
  std::string ca_md5;   // optional pins: hex digest of the CA file's bytes (colons allowed)
  std::string ca_sha256;
  OcspMode ocsp = OcspMode::off;  // prefer: a stapled response must be good; require: and present
  std::string cert_file;          // client certificate (mutual TLS), PEM
  std::string key_file;           // its private key, PEM
  bool psk = false;               // TLS-PSK (TLS 1.2 PSK suites); identity/key per connection
  bool operator==(const TlsConfig&) const = default;
  auto operator<=>(const TlsConfig&) const = default;
};

class TlsContext {
 public:
  // Builds the context; on failure returns null and sets *error (e.g. "CA pin mismatch").
  static std::shared_ptr<TlsContext> create(const TlsConfig& config, std::string* error);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  ssl_ctx_st* native() const { return ctx_; }
  const TlsConfig& config() const { return config_; }
  // Distinct server certificates parsed so far (shared by all connections of this context).
  std::size_t peer_certificates() const;

 private:
  TlsContext(ssl_ctx_st* ctx, TlsConfig config, std::unique_ptr<PeerCertificates> peers);
  ssl_ctx_st* ctx_;
  TlsConfig config_;
  std::unique_ptr<PeerCertificates> peer_certificates_;
};

class TlsContextCache {
 public:
  // The shared context for `config`, made on first use. Null with *error on failure.
  std::shared_ptr<TlsContext> get(const TlsConfig& config, std::string* error);
  std::size_t size() const { return contexts_.size(); }

 private:
  std::map<TlsConfig, std::shared_ptr<TlsContext>> contexts_;
};

// The last OpenSSL error queue entries as text ("error:0A000086:SSL routines::certificate verify
// failed"), clearing the queue. Empty when the queue is empty.
std::string openssl_error_text();

}  // namespace edgegw::mqtt
