// One TLS client link over a connected non-blocking socket: the SSL object and the state that is
// per connection rather than per shared context — SNI and the expected host name or IP, the PSK
// identity and key, the OCSP verdict, and the SSL_SESSION kept across reconnects so the next
// handshake resumes (TLS 1.2 session or TLS 1.3 ticket, captured by the context's new-session
// callback). The shared SSL_CTX finds this object through SSL ex_data.
#pragma once

#include <cstddef>
#include <string>

#include "mqtt/tls_context.hpp"

struct ssl_st;
struct ssl_session_st;

namespace edgegw::mqtt {

class TlsLink {
 public:
  enum class Io { done, want_read, want_write, closed, failed };

  TlsLink() = default;
  ~TlsLink();
  TlsLink(const TlsLink&) = delete;
  TlsLink& operator=(const TlsLink&) = delete;

  // Makes the SSL for `fd` (not owned). server_name is checked against the certificate (a DNS
  // name or an IP literal) and sent as SNI when it is a name. False with *error on failure.
  bool start(const TlsContext& context, int fd, const std::string& server_name,
             const std::string& psk_identity, const std::string& psk_key, std::string* error);
  Io handshake();
  Io read(char* buffer, std::size_t capacity, std::size_t* got);
  Io write(const char* data, std::size_t length, std::size_t* written);
  bool pending_read() const;
  // After a failed write: reads what the peer sent before it closed, so a TLS alert (say
  // "certificate required") becomes failure() instead of a bare "connection closed". True if so.
  bool read_alert();  // decrypted bytes buffered inside OpenSSL
  // Sends close_notify once (best effort) and frees the SSL; the session is kept for resumption.
  void close(bool notify);
  void forget_session();

  bool active() const { return ssl_ != nullptr; }
  bool resumed() const { return resumed_; }
  // Why the last failed operation failed, in words (certificate verify result, OCSP verdict or the
  // OpenSSL error queue).
  const std::string& failure() const { return failure_; }

  // Installs the context callbacks (new session, PSK, OCSP) that reach a TlsLink via ex_data.
  static void install_callbacks_on(void* ssl_ctx, bool psk);

 private:
  Io classify(int rc, const char* what);
  // The session was up and the peer closed the socket without close_notify (OpenSSL 3: "unexpected
  // eof while reading"); clears the error queue when so.
  bool unexpected_eof();
  static int on_new_session(ssl_st* ssl, ssl_session_st* session);
  static unsigned on_psk(ssl_st* ssl, const char* hint, char* identity, unsigned max_identity,
                         unsigned char* psk, unsigned max_psk);
  static int on_ocsp_status(ssl_st* ssl, void* arg);
  bool check_ocsp(ssl_st* ssl);

  ssl_st* ssl_ = nullptr;
  ssl_session_st* session_ = nullptr;
  const TlsContext* context_ = nullptr;  // session_ is reused only for the same context and name
  std::string server_name_;
  std::string psk_identity_;
  std::string psk_key_;
  std::string failure_;
  OcspMode ocsp_ = OcspMode::off;
  bool resumed_ = false;
  bool established_ = false;  // the handshake completed on this link
};

}  // namespace edgegw::mqtt
