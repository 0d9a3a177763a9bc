// TLS against a real mosquitto with listeners for: a good server certificate, a certificate for
// another name, an expired certificate, mutual TLS and TLS-PSK. Every refusal must say why.
#include <openssl/evp.h>

#include <fstream>
#include <iterator>

#include "loop_fixture.hpp"
#include "mqtt/tls_context.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/net.hpp"
#include "support/test_pki.hpp"

namespace edgegw::mqtt::test {
namespace {

using namespace std::chrono_literals;
using edgegw::test::CertPair;
using edgegw::test::MosquittoBroker;
using edgegw::test::TestPki;

constexpr const char* kPskIdentity = "device-psk";
constexpr const char* kPskKeyHex = "00112233445566778899aabbccddeeff";

struct Env {
  TestPki pki;
  TestPki other_pki{"some other CA"};
  CertPair wrong_name, expired, client;
  std::unique_ptr<MosquittoBroker> broker;
  std::uint16_t good, mismatch, old, mutual, psk;

  Env() {
    wrong_name = pki.issue("wrong-name", "other.example", "DNS:other.example");
    expired = pki.issue("expired", "localhost", "DNS:localhost,IP:127.0.0.1", true);
    client = pki.issue("client", "device-1");
    auto psk_file = pki.dir() / "psk.txt";
    std::ofstream(psk_file) << kPskIdentity << ":" << kPskKeyHex << "\n";
    good = edgegw::test::free_tcp_port();
    mismatch = edgegw::test::free_tcp_port();
    old = edgegw::test::free_tcp_port();
    mutual = edgegw::test::free_tcp_port();
    psk = edgegw::test::free_tcp_port();
    auto ca = pki.ca_cert().string();
    auto listener = [&](std::uint16_t port, const CertPair& cert, const std::string& extra) {
      return "listener " + std::to_string(port) + " 127.0.0.1\ncafile " + ca + "\ncertfile " +
             cert.cert.string() + "\nkeyfile " + cert.key.string() + "\n" + extra;
    };
    std::string config = "allow_anonymous true\n" + listener(good, pki.server(), "") +
                         listener(mismatch, wrong_name, "") + listener(old, expired, "") +
                         listener(mutual, pki.server(),
                                  "require_certificate true\nuse_identity_as_username true\n") +
                         "listener " + std::to_string(psk) +
                         " 127.0.0.1\npsk_hint edgegw\npsk_file " + psk_file.string() +
                         "\nuse_identity_as_username true\n";
    broker = std::make_unique<MosquittoBroker>(
        config, std::vector<std::uint16_t>{good, mismatch, old, mutual, psk});
    broker->start();
  }
};

class TlsTest : public LoopFixture {
 protected:
  static void SetUpTestSuite() { env_ = new Env(); }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }
  static Env* env_;

  std::shared_ptr<TlsContext> context(TlsConfig config) {
    std::string error;
    auto ctx = cache_.get(config, &error);
    EXPECT_TRUE(ctx) << error;
    return ctx;
  }
  ConnectOptions tls_options(std::uint16_t port, TlsConfig config, const std::string& id) {
    auto o = plain_options(port, id);
    o.tls = context(std::move(config));
    return o;
  }
  TlsConfig trusting_ca() {
    TlsConfig c;
    c.ca_file = env_->pki.ca_cert().string();
    return c;
  }
  // Connects and waits for the verdict: true when online.
  bool attempt(Connection& c, RecordingHandler& h, ConnectOptions o) {
    auto connected = h.connected;
    auto closed = h.closed.size();
    c.connect(std::move(o));
    EXPECT_TRUE(run_until([&] { return h.connected > connected || h.closed.size() > closed; }));
    return h.connected > connected;
  }

  TlsContextCache cache_;
};
Env* TlsTest::env_ = nullptr;

TEST_F(TlsTest, ConnectsPublishesAndResumesOnReconnect) {
  RecordingHandler h;
  Connection c(loop_, *resolver_, h);
  ASSERT_TRUE(attempt(c, h, tls_options(env_->good, trusting_ca(), "tls-1")));
  EXPECT_FALSE(c.session_resumed());
  auto id = c.publish("edgegw/tls", "hello", 1);
  ASSERT_TRUE(id);
  ASSERT_TRUE(run_until([&] { return h.pubacks.size() == 1; }));
  c.disconnect();
  ASSERT_TRUE(attempt(c, h, tls_options(env_->good, trusting_ca(), "tls-1")));
  EXPECT_TRUE(c.session_resumed());  // SSL_session_reused on the second handshake
  c.disconnect();
  // By name: SNI + DNS name check against "localhost".
  auto o = tls_options(env_->good, trusting_ca(), "tls-1");
  o.host = "localhost";
  ASSERT_TRUE(attempt(c, h, o)) << h.closed.back().detail;
  EXPECT_EQ(cache_.size(), 1u);  // one SSL_CTX for one configuration
}

TEST_F(TlsTest, WrongCaIsRefusedWithReason) {
  RecordingHandler h;
  Connection c(loop_, *resolver_, h);
  TlsConfig config;
  config.ca_file = env_->other_pki.ca_cert().string();
  ASSERT_FALSE(attempt(c, h, tls_options(env_->good, config, "wrong-ca")));
  EXPECT_EQ(h.closed[0].reason, CloseReason::tls_failed);
  EXPECT_NE(h.closed[0].detail.find("certificate verify failed: "), std::string::npos)
      << h.closed[0].detail;
}

TEST_F(TlsTest, HostnameMismatchIsRefused) {
  RecordingHandler h;
  Connection c(loop_, *resolver_, h);
  ASSERT_FALSE(attempt(c, h, tls_options(env_->mismatch, trusting_ca(), "mismatch-ip")));
  EXPECT_EQ(h.closed[0].reason, CloseReason::tls_failed);
  EXPECT_NE(h.closed[0].detail.find("IP address mismatch"), std::string::npos)
      << h.closed[0].detail;
  auto o = tls_options(env_->mismatch, trusting_ca(), "mismatch-name");
  o.server_name = "localhost";
  ASSERT_FALSE(attempt(c, h, o));
  EXPECT_NE(h.closed[1].detail.find("hostname mismatch"), std::string::npos) << h.closed[1].detail;
  // The certificate is fine for the name it carries.
  o.server_name = "other.example";
  EXPECT_TRUE(attempt(c, h, o)) << h.closed.back().detail;
}

TEST_F(TlsTest, ExpiredServerCertificateIsRefused) {
  RecordingHandler h;
  Connection c(loop_, *resolver_, h);
  ASSERT_FALSE(attempt(c, h, tls_options(env_->old, trusting_ca(), "expired")));
  EXPECT_EQ(h.closed[0].reason, CloseReason::tls_failed);
  EXPECT_NE(h.closed[0].detail.find("certificate has expired"), std::string::npos)
      << h.closed[0].detail;
}

// Sessions of one context share one parsed copy of each server certificate; sharing must not
// skip any check: a name that does not match and an expired certificate are refused every time.
TEST_F(TlsTest, SharedServerCertificatesAreStillCheckedOnEveryHandshake) {
  RecordingHandler h;
  Connection c(loop_, *resolver_, h);
  auto good = tls_options(env_->good, trusting_ca(), "shared-1");
  good.server_name = "localhost";
  ASSERT_TRUE(attempt(c, h, good)) << h.closed.back().detail;
  auto parsed = good.tls->peer_certificates();
  EXPECT_GE(parsed, 1u);
  for (int i = 0; i < 3; ++i) {
    c.disconnect();
    ASSERT_TRUE(attempt(c, h, good)) << h.closed.back().detail;
  }
  EXPECT_EQ(good.tls->peer_certificates(), parsed);  // the same certificates, parsed once

  auto wrong_name = good;
  wrong_name.server_name = "other.example";
  c.disconnect();
  ASSERT_FALSE(attempt(c, h, wrong_name));
  EXPECT_NE(h.closed.back().detail.find("hostname mismatch"), std::string::npos)
      << h.closed.back().detail;

  auto expired = tls_options(env_->old, trusting_ca(), "shared-2");
  for (int i = 0; i < 2; ++i) {
    ASSERT_FALSE(attempt(c, h, expired));
    EXPECT_NE(h.closed.back().detail.find("certificate has expired"), std::string::npos)
        << h.closed.back().detail;
  }
  ASSERT_TRUE(attempt(c, h, good)) << h.closed.back().detail;
}

TEST_F(TlsTest, MutualTlsNeedsTheClientCertificate) {
  RecordingHandler h;
  Connection c(loop_, *resolver_, h);
  ASSERT_FALSE(attempt(c, h, tls_options(env_->mutual, trusting_ca(), "no-client-cert")));
  EXPECT_EQ(h.closed[0].reason, CloseReason::tls_failed) << h.closed[0].detail;
  EXPECT_NE(h.closed[0].detail.find("certificate required"), std::string::npos)
      << h.closed[0].detail;
  auto config = trusting_ca();
  config.cert_file = env_->client.cert.string();
  config.key_file = env_->client.key.string();
  EXPECT_TRUE(attempt(c, h, tls_options(env_->mutual, config, "device-1")))
      << h.closed.back().detail;
  EXPECT_TRUE(c.publish("edgegw/mtls", "x", 1));
  ASSERT_TRUE(run_until([&] { return h.pubacks.size() == 1; }));
}

TEST_F(TlsTest, PskConnectsWithRightKeyOnly) {
  RecordingHandler h;
  Connection c(loop_, *resolver_, h);
  TlsConfig config;
  config.psk = true;
  auto o = tls_options(env_->psk, config, "psk-client");
  o.psk_identity = kPskIdentity;
  o.psk_key = std::string("\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff", 16);
  ASSERT_TRUE(attempt(c, h, o)) << h.closed.back().detail;
  EXPECT_TRUE(c.publish("edgegw/psk", "x", 1));
  ASSERT_TRUE(run_until([&] { return h.pubacks.size() == 1; }));
  c.disconnect();
  o.psk_key[0] = 1;
  ASSERT_FALSE(attempt(c, h, o));
  EXPECT_EQ(h.closed[0].reason, CloseReason::tls_failed) << h.closed[0].detail;
}

std::string file_digest(const std::string& path, const EVP_MD* md) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_Digest(bytes.data(), bytes.size(), d, &n, md, nullptr);
  char hex[3];
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    std::snprintf(hex, sizeof hex, "%02X", d[i]);
    if (i) out += ":";
    out += hex;
  }
  return out;
}

TEST_F(TlsTest, CaPinsAreCheckedWhenTheContextIsMade) {
  auto config = trusting_ca();
  config.ca_sha256 = file_digest(config.ca_file, EVP_sha256());
  config.ca_md5 = file_digest(config.ca_file, EVP_md5());
  RecordingHandler h;
  Connection c(loop_, *resolver_, h);
  EXPECT_TRUE(attempt(c, h, tls_options(env_->good, config, "pinned")));

  config.ca_sha256 = file_digest(env_->other_pki.ca_cert().string(), EVP_sha256());
  std::string error;
  EXPECT_FALSE(TlsContext::create(config, &error));
  EXPECT_NE(error.find("does not match its SHA-256 pin"), std::string::npos) << error;
  config.ca_sha256.clear();
  config.ca_md5 = "00";
  EXPECT_FALSE(TlsContext::create(config, &error));
  EXPECT_NE(error.find("MD5 pin"), std::string::npos) << error;
}

TEST_F(TlsTest, MissingClientKeyFileIsAContextError) {
  auto config = trusting_ca();
  config.cert_file = "/nonexistent/client.pem";
  config.key_file = "/nonexistent/client.key";
  std::string error;
  EXPECT_FALSE(TlsContext::create(config, &error));
  EXPECT_NE(error.find("cannot load client certificate"), std::string::npos) << error;
}

}  // namespace
}  // namespace edgegw::mqtt::test
