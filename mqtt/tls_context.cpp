#include "mqtt/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>

#include "mqtt/peer_certificates.hpp"
#include "mqtt/tls_link.hpp"

namespace edgegw::mqtt {

namespace {

// TLS 1.2 PSK suites (the cloud PSK endpoints speak TLS 1.2).
constexpr const char* kPskCiphers =
    "ECDHE-PSK-AES128-CBC-SHA256:ECDHE-PSK-CHACHA20-POLY1305:PSK-AES128-GCM-SHA256:"
    "PSK-AES256-GCM-SHA384:PSK-CHACHA20-POLY1305:PSK-AES128-CBC-SHA256:PSK-AES128-CBC-SHA";

std::string normalize_hex(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == ':' || c == ' ') continue;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

std::string hex_digest(const std::string& bytes, const EVP_MD* md) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, md, nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

// Checks the CA file against the configured pins; the file is read once, when the context is made.
bool check_pins(const TlsConfig& config, std::string* error) {
  if (config.ca_md5.empty() && config.ca_sha256.empty()) return true;
  if (config.ca_file.empty()) {
    *error = "a CA pin needs ca_file";
    return false;
  }
  std::ifstream in(config.ca_file, std::ios::binary);
  if (!in) {
    *error = "cannot read CA file " + config.ca_file;
    return false;
  }
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!config.ca_md5.empty() && normalize_hex(config.ca_md5) != hex_digest(bytes, EVP_md5())) {
    *error = "CA file " + config.ca_file + " does not match its MD5 pin (file has " +
             hex_digest(bytes, EVP_md5()) + ")";
    return false;
  }
  if (!config.ca_sha256.empty() &&
      normalize_hex(config.ca_sha256) != hex_digest(bytes, EVP_sha256())) {
    *error = "CA file " + config.ca_file + " does not match its SHA-256 pin (file has " +
             hex_digest(bytes, EVP_sha256()) + ")";
    return false;
  }
  return true;
}

// Verification as OpenSSL does it, on the shared copies of the presented certificates: the
// stack swapped here is the one the session keeps as its peer chain.
int verify_with_shared_certificates(X509_STORE_CTX* store_ctx, void* arg) {
  auto* chain = X509_STORE_CTX_get0_untrusted(store_ctx);
  if (chain && sk_X509_num(chain) > 0) {
    static_cast<PeerCertificates*>(arg)->share(chain);
    X509_STORE_CTX_set_cert(store_ctx, sk_X509_value(chain, 0));
  }
  return X509_verify_cert(store_ctx);
}

bool configure(SSL_CTX* ctx, const TlsConfig& config, PeerCertificates* peers, std::string* error) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  TlsLink::install_callbacks_on(ctx, config.psk);
  if (config.psk) {
    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    if (SSL_CTX_set_cipher_list(ctx, kPskCiphers) != 1) {
      *error = "PSK cipher suites unavailable: " + openssl_error_text();
      return false;
    }
    return true;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_cert_verify_callback(ctx, &verify_with_shared_certificates, peers);
  if (!check_pins(config, error)) return false;
  int ok = config.ca_file.empty()
               ? SSL_CTX_set_default_verify_paths(ctx)
               : SSL_CTX_load_verify_locations(ctx, config.ca_file.c_str(), nullptr);
  if (ok != 1) {
    *error = "cannot load CA " + (config.ca_file.empty() ? "store" : config.ca_file) + ": " +
             openssl_error_text();
    return false;
  }
  if (!config.cert_file.empty() || !config.key_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, config.cert_file.c_str()) != 1) {
      *error = "cannot load client certificate " + config.cert_file + ": " + openssl_error_text();
      return false;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, config.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
      *error = "cannot load client key " + config.key_file + ": " + openssl_error_text();
      return false;
    }
  }
  return true;
}

}  // namespace

std::string openssl_error_text() {
  std::string text;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!text.empty()) text += "; ";
    text += buf;
  }
  return text;
}

std::shared_ptr<TlsContext> TlsContext::create(const TlsConfig& config, std::string* error) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) {
    *error = "SSL_CTX_new failed: " + openssl_error_text();
    return nullptr;
  }
  auto peers = std::make_unique<PeerCertificates>();
  if (!configure(ctx, config, peers.get(), error)) {
    SSL_CTX_free(ctx);
    return nullptr;
  }
  return std::shared_ptr<TlsContext>(new TlsContext(ctx, config, std::move(peers)));
}

TlsContext::TlsContext(SSL_CTX* ctx, TlsConfig config, std::unique_ptr<PeerCertificates> peers)
    : ctx_(ctx), config_(std::move(config)), peer_certificates_(std::move(peers)) {}

TlsContext::~TlsContext() {
  SSL_CTX_free(ctx_);
}

std::size_t TlsContext::peer_certificates() const {
  return peer_certificates_->size();
}

std::shared_ptr<TlsContext> TlsContextCache::get(const TlsConfig& config, std::string* error) {
  if (auto it = contexts_.find(config); it != contexts_.end()) return it->second;
  auto context = TlsContext::create(config, error);
  if (context) contexts_.emplace(config, context);
  return context;
}

}  // namespace edgegw::mqtt
