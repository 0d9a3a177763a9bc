#include "mqtt/tls_link.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <mutex>

namespace edgegw::mqtt {

namespace {

int link_index() {
  static int index = [] { return SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr); }();
  return index;
}

TlsLink* link_of(SSL* ssl) {
  return static_cast<TlsLink*>(SSL_get_ex_data(ssl, link_index()));
}

bool is_ip_literal(const std::string& name) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

// The issuer of `leaf`: from the verified chain, else the presented chain, else the trust store.
X509* find_issuer(SSL* ssl, X509* leaf, bool* owned) {
  *owned = false;
  if (auto* chain = SSL_get0_verified_chain(ssl); chain && sk_X509_num(chain) > 1) {
    return sk_X509_value(chain, 1);
  }
  if (auto* chain = SSL_get_peer_cert_chain(ssl)) {
    for (int i = 0; i < sk_X509_num(chain); ++i) {
      auto* candidate = sk_X509_value(chain, i);
      if (candidate != leaf && X509_check_issued(candidate, leaf) == X509_V_OK) return candidate;
    }
  }
  auto* store = SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl));
  X509_STORE_CTX* sctx = X509_STORE_CTX_new();
  X509* issuer = nullptr;
  if (sctx && X509_STORE_CTX_init(sctx, store, leaf, nullptr) == 1 &&
      X509_STORE_CTX_get1_issuer(&issuer, sctx, leaf) == 1) {
    *owned = true;
  }
  X509_STORE_CTX_free(sctx);
  return issuer;
}

}  // namespace

TlsLink::~TlsLink() {
  close(false);
  forget_session();
}

void TlsLink::install_callbacks_on(void* ssl_ctx, bool psk) {
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  link_index();
  if (psk) {
    // Only PSK contexts get the PSK callback (OpenSSL would offer it as a TLS 1.3 external PSK
    // otherwise). No resumption for PSK: a resumed session carries no PSK identity, and brokers
    // that map the identity to a user (mosquitto's use_identity_as_username) then refuse it.
    SSL_CTX_set_psk_client_callback(ctx, &TlsLink::on_psk);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    return;
  }
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx, &TlsLink::on_new_session);
  SSL_CTX_set_tlsext_status_cb(ctx, &TlsLink::on_ocsp_status);
}

bool TlsLink::start(const TlsContext& context, int fd, const std::string& server_name,
                    const std::string& psk_identity, const std::string& psk_key,
                    std::string* error) {
  close(false);
  failure_.clear();
  resumed_ = false;
  established_ = false;
  if (context_ != &context || server_name_ != server_name) forget_session();
  context_ = &context;
  server_name_ = server_name;
  psk_identity_ = psk_identity;
  psk_key_ = psk_key;
  ocsp_ = context.config().ocsp;
  ssl_ = SSL_new(context.native());
  if (!ssl_) {
    *error = "SSL_new failed: " + openssl_error_text();
    return false;
  }
  SSL_set_ex_data(ssl_, link_index(), this);
  SSL_set_fd(ssl_, fd);
  SSL_set_connect_state(ssl_);
  if (!context.config().psk) {
    if (is_ip_literal(server_name)) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), server_name.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl_, server_name.c_str());
      SSL_set1_host(ssl_, server_name.c_str());
    }
  }
  if (ocsp_ != OcspMode::off) SSL_set_tlsext_status_type(ssl_, TLSEXT_STATUSTYPE_ocsp);
  if (session_) SSL_set_session(ssl_, session_);
  return true;
}

bool TlsLink::unexpected_eof() {
  // Not SSL_is_init_finished(): after the error the state machine is in its error state.
  if (ERR_GET_REASON(ERR_peek_error()) != SSL_R_UNEXPECTED_EOF_WHILE_READING || !established_) {
    return false;
  }
  ERR_clear_error();
  return true;
}

TlsLink::Io TlsLink::classify(int rc, const char* what) {
  const int error = SSL_get_error(ssl_, rc);
  // OpenSSL 3 reports a peer that closed the socket without close_notify as an error, "unexpected
  // eof while reading". Once the session is up that is the broker (or a cloud kicking an older
  // login) dropping the link, as a FIN is on plain TCP: closed, not failed, so the session's
  // identity-conflict detection sees it. During the handshake it stays a TLS failure.
  if ((error == SSL_ERROR_SSL || error == SSL_ERROR_SYSCALL) && unexpected_eof()) {
    failure_ = std::string(what) + ": connection closed by peer without close_notify";
    return Io::closed;
  }
  switch (error) {
    case SSL_ERROR_WANT_READ:
      return Io::want_read;
    case SSL_ERROR_WANT_WRITE:
      return Io::want_write;
    case SSL_ERROR_ZERO_RETURN:
      return Io::closed;
    case SSL_ERROR_SYSCALL: {
      int err = errno;
      auto text = openssl_error_text();
      if (!text.empty()) {
        failure_ = text;
        return Io::failed;
      }
      if (rc == 0 || err == 0 || err == ECONNRESET || err == EPIPE) {
        failure_ = std::string(what) + ": connection closed by peer";
        return Io::closed;
      }
      failure_ = std::string(what) + ": " + std::strerror(err);
      return Io::failed;
    }
    default: {
      auto text = openssl_error_text();
      long verify = SSL_get_verify_result(ssl_);
      if (verify != X509_V_OK) {
        failure_ =
            std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
      } else if (!failure_.empty()) {
        // set by the OCSP callback; keep it
      } else {
        failure_ = text.empty() ? std::string(what) + " failed" : text;
      }
      return Io::failed;
    }
  }
}

TlsLink::Io TlsLink::handshake() {
  ERR_clear_error();
  int rc = SSL_do_handshake(ssl_);
  if (rc == 1) {
    resumed_ = SSL_session_reused(ssl_) == 1;
    established_ = true;
    return Io::done;
  }
  return classify(rc, "TLS handshake");
}

TlsLink::Io TlsLink::read(char* buffer, std::size_t capacity, std::size_t* got) {
  ERR_clear_error();
  *got = 0;
  int rc = SSL_read_ex(ssl_, buffer, capacity, got);
  if (rc == 1) return Io::done;
  auto io = classify(rc, "TLS read");
  // A read that found the socket empty leaves OpenSSL's 16 KB read buffer allocated even with
  // SSL_MODE_RELEASE_BUFFERS; an idle session must not keep it.
  if (io == Io::want_read) SSL_free_buffers(ssl_);
  return io;
}

TlsLink::Io TlsLink::write(const char* data, std::size_t length, std::size_t* written) {
  ERR_clear_error();
  *written = 0;
  int rc = SSL_write_ex(ssl_, data, length, written);
  if (rc == 1) return Io::done;
  return classify(rc, "TLS write");
}

bool TlsLink::read_alert() {
  if (!ssl_) return false;
  char buffer[512];
  std::size_t got = 0;
  ERR_clear_error();
  int rc = SSL_read_ex(ssl_, buffer, sizeof buffer, &got);
  const int error = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl_, rc);
  if ((error == SSL_ERROR_SSL || error == SSL_ERROR_SYSCALL) &&
      unexpected_eof()) {  // no alert: the peer just closed (see classify)
    failure_ = "TLS read: connection closed by peer without close_notify";
    return false;
  }
  if (error != SSL_ERROR_SSL) {
    ERR_clear_error();
    return false;
  }
  auto text = openssl_error_text();
  if (text.empty()) return false;
  failure_ = text;
  return true;
}

bool TlsLink::pending_read() const {
  return ssl_ && SSL_pending(ssl_) > 0;
}

void TlsLink::close(bool notify) {
  if (!ssl_) return;
  if (notify) {
    ERR_clear_error();
    SSL_shutdown(ssl_);
  } else {
    SSL_set_quiet_shutdown(ssl_, 1);
  }
  SSL_set_ex_data(ssl_, link_index(), nullptr);
  SSL_free(ssl_);
  ssl_ = nullptr;
  ERR_clear_error();
}

void TlsLink::forget_session() {
  if (session_) SSL_SESSION_free(session_);
  session_ = nullptr;
}

int TlsLink::on_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* link = link_of(ssl);
  if (!link) return 0;
  if (link->session_) SSL_SESSION_free(link->session_);
  link->session_ = session;  // we keep the reference OpenSSL handed us
  return 1;
}

unsigned TlsLink::on_psk(SSL* ssl, const char*, char* identity, unsigned max_identity,
                         unsigned char* psk, unsigned max_psk) {
  auto* link = link_of(ssl);
  if (!link || link->psk_identity_.size() + 1 > max_identity || link->psk_key_.empty() ||
      link->psk_key_.size() > max_psk) {
    if (link) link->failure_ = "PSK identity or key missing or too long";
    return 0;
  }
  std::memcpy(identity, link->psk_identity_.c_str(), link->psk_identity_.size() + 1);
  std::memcpy(psk, link->psk_key_.data(), link->psk_key_.size());
  return static_cast<unsigned>(link->psk_key_.size());
}

int TlsLink::on_ocsp_status(SSL* ssl, void*) {
  auto* link = link_of(ssl);
  if (!link || link->ocsp_ == OcspMode::off) return 1;
  return link->check_ocsp(ssl) ? 1 : 0;
}

// A stapled response counts only if it is signed by someone the trust store (or the peer's chain)
// vouches for, names the leaf certificate we were shown, says "good" and is fresh.
bool TlsLink::check_ocsp(SSL* ssl) {
  const unsigned char* der = nullptr;
  long length = SSL_get_tlsext_status_ocsp_resp(ssl, &der);
  if (length <= 0 || !der) {
    if (ocsp_ == OcspMode::require) {
      failure_ = "OCSP: the server stapled no response";
      return false;
    }
    return true;
  }
  OCSP_RESPONSE* response = d2i_OCSP_RESPONSE(nullptr, &der, length);
  OCSP_BASICRESP* basic = nullptr;
  OCSP_CERTID* id = nullptr;
  X509* issuer = nullptr;
  bool issuer_owned = false;
  bool ok = false;
  X509* leaf = SSL_get0_peer_certificate(ssl);
  int status = -1, reason = 0;
  ASN1_GENERALIZEDTIME *revoked = nullptr, *this_update = nullptr, *next_update = nullptr;
  if (!response) {
    failure_ = "OCSP: stapled response does not parse";
  } else if (OCSP_response_status(response) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    failure_ = std::string("OCSP: responder status ") +
               OCSP_response_status_str(OCSP_response_status(response));
  } else if (!(basic = OCSP_response_get1_basic(response))) {
    failure_ = "OCSP: no basic response";
  } else if (OCSP_basic_verify(basic, SSL_get_peer_cert_chain(ssl),
                               SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl)), 0) <= 0) {
    failure_ = "OCSP: response signature does not verify: " + openssl_error_text();
  } else if (!leaf || !(issuer = find_issuer(ssl, leaf, &issuer_owned))) {
    failure_ = "OCSP: issuer of the server certificate not found";
  } else if (!(id = OCSP_cert_to_id(nullptr, leaf, issuer))) {
    failure_ = "OCSP: cannot make the certificate id";
  } else if (OCSP_resp_find_status(basic, id, &status, &reason, &revoked, &this_update,
                                   &next_update) != 1) {
    failure_ = "OCSP: stapled response is for a different certificate";
  } else if (status != V_OCSP_CERTSTATUS_GOOD) {
    failure_ = std::string("OCSP: certificate status ") + OCSP_cert_status_str(status);
  } else if (OCSP_check_validity(this_update, next_update, 300, -1) != 1) {
    failure_ = "OCSP: stapled response is not fresh";
  } else {
    ok = true;
  }
  ERR_clear_error();
  OCSP_CERTID_free(id);
  if (issuer_owned) X509_free(issuer);
  OCSP_BASICRESP_free(basic);
  OCSP_RESPONSE_free(response);
  return ok;
}

}  // namespace edgegw::mqtt
