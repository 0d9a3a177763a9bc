// Issue 15 item 6: a TLS server that drops an established session without a close_notify (what
// the IoT platforms do to the older of two logins of one identity). OpenSSL 3 calls it "unexpected
// eof while reading"; for the session above it must be what a FIN is on plain TCP, a close by the
// peer, or the identity-conflict detector never sees the kicks. mosquitto sends close_notify when
// it kicks, so the server here is a few lines of OpenSSL on a thread: handshake, CONNACK, close().
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "loop_fixture.hpp"
#include "mqtt/tls_context.hpp"
#include "support/test_pki.hpp"

namespace edgegw::mqtt::test {
namespace {

// Accepts one TLS client, reads its CONNECT, answers CONNACK 0, then closes the socket without
// SSL_shutdown (no close_notify) once `drop` is called.
class AbruptTlsServer {
 public:
  explicit AbruptTlsServer(const edgegw::test::TestPki& pki) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate_chain_file(ctx_, pki.server().cert.c_str());
    SSL_CTX_use_PrivateKey_file(ctx_, pki.server().key.c_str(), SSL_FILETYPE_PEM);
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listener_, 1);
    socklen_t length = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &length);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~AbruptTlsServer() {
    if (thread_.joinable()) thread_.join();
    ::close(listener_);
    SSL_CTX_free(ctx_);
  }
  std::uint16_t port() const { return port_; }

 private:
  void serve() {
    const int fd = ::accept(listener_, nullptr, nullptr);
    if (fd < 0) return;
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      char connect[512];
      if (SSL_read(ssl, connect, sizeof connect) > 0) {
        const unsigned char connack[] = {0x20, 0x02, 0x00, 0x00};
        SSL_write(ssl, connack, sizeof connack);
      }
    }
    SSL_free(ssl);  // no SSL_shutdown: the peer gets a bare FIN
    ::close(fd);
  }

  SSL_CTX* ctx_ = nullptr;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

class TlsEofTest : public LoopFixture {};

TEST_F(TlsEofTest, AnEstablishedSessionDroppedWithoutCloseNotifyIsClosedByThePeer) {
  edgegw::test::TestPki pki;
  AbruptTlsServer server(pki);
  TlsConfig config;
  config.ca_file = pki.ca_cert().string();
  std::string error;
  auto ctx = TlsContext::create(config, &error);
  ASSERT_TRUE(ctx) << error;
  RecordingHandler h;
  Connection c(loop_, *resolver_, h);
  auto o = plain_options(server.port(), "dup");
  o.tls = ctx;
  c.connect(o);
  ASSERT_TRUE(run_until([&] { return !h.closed.empty(); }));
  EXPECT_EQ(h.connected, 1);
  EXPECT_EQ(h.closed[0].reason, CloseReason::peer_closed) << h.closed[0].detail;
  EXPECT_NE(h.closed[0].detail.find("close_notify"), std::string::npos) << h.closed[0].detail;
}

}  // namespace
}  // namespace edgegw::mqtt::test
