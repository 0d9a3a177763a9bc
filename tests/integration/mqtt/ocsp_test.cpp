// OCSP stapling verdicts. mosquitto 2.0.11 cannot staple, so the TLS server here is
// `openssl s_server -www -status_file resp.der` with responses made by `openssl ocsp` from the test
// CA's index: only the handshake verdict is tested (MQTT cannot run past it on that server).
// `openssl ocsp` dates a response from now on, so the stale one is signed here with OpenSSL's API.
#include <openssl/ocsp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <fstream>

#include "loop_fixture.hpp"
#include "mqtt/tls_context.hpp"
#include "support/net.hpp"
#include "support/process.hpp"
#include "support/test_pki.hpp"
#include "support/wait.hpp"

namespace edgegw::mqtt::test {
namespace {

using namespace std::chrono_literals;
using edgegw::test::CertPair;
using edgegw::test::Process;
using edgegw::test::run_command;
using edgegw::test::TestPki;

std::string openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_command(argv);
  if (r.exit_code != 0) throw std::runtime_error("openssl failed: " + r.output);
  return r.output;
}

std::string serial_of(const CertPair& cert) {
  auto out = openssl({"x509", "-in", cert.cert.string(), "-noout", "-serial"});
  auto start = out.find('=') + 1;
  return out.substr(start, out.find_first_of("\r\n", start) - start);
}

template <typename T>
T* read_pem(const std::filesystem::path& path, T* (*reader)(FILE*, T**, pem_password_cb*, void*)) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) throw std::runtime_error("cannot open " + path.string());
  T* value = reader(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!value) throw std::runtime_error("cannot parse " + path.string());
  return value;
}

// A "good" response for `cert`, signed by the CA, whose validity window ended a day ago.
void write_stale_response(const TestPki& pki, const CertPair& cert,
                          const std::filesystem::path& out) {
  X509* leaf = read_pem<X509>(cert.cert, PEM_read_X509);
  X509* ca = read_pem<X509>(pki.ca_cert(), PEM_read_X509);
  EVP_PKEY* ca_key = read_pem<EVP_PKEY>(pki.ca().key, PEM_read_PrivateKey);
  OCSP_BASICRESP* basic = OCSP_BASICRESP_new();
  ASN1_TIME* this_update = X509_gmtime_adj(nullptr, -2 * 86400);
  ASN1_TIME* next_update = X509_gmtime_adj(nullptr, -86400);
  OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha1(), leaf, ca);
  bool ok = OCSP_basic_add1_status(basic, id, V_OCSP_CERTSTATUS_GOOD, 0, nullptr, this_update,
                                   next_update) != nullptr &&
            OCSP_basic_sign(basic, ca, ca_key, EVP_sha256(), nullptr, 0) == 1;
  OCSP_RESPONSE* response =
      ok ? OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic) : nullptr;
  unsigned char* der = nullptr;
  int length = response ? i2d_OCSP_RESPONSE(response, &der) : -1;
  if (length > 0) {
    std::ofstream(out, std::ios::binary).write(reinterpret_cast<const char*>(der), length);
  }
  OPENSSL_free(der);
  OCSP_RESPONSE_free(response);
  OCSP_CERTID_free(id);
  ASN1_TIME_free(next_update);
  ASN1_TIME_free(this_update);
  OCSP_BASICRESP_free(basic);
  EVP_PKEY_free(ca_key);
  X509_free(ca);
  X509_free(leaf);
  if (length <= 0) throw std::runtime_error("cannot make the stale OCSP response");
}

struct OcspEnv {
  TestPki pki;
  CertPair other;
  std::filesystem::path good, other_cert, revoked, stale;

  OcspEnv() {
    other = pki.issue("ocsp-other", "other.example", "DNS:other.example");
    good = respond(pki.server(), "V");
    other_cert = respond(other, "V");
    revoked = respond(pki.server(), "R");
    stale = pki.dir() / "stale.resp.der";
    write_stale_response(pki, pki.server(), stale);
  }
  // A response about `cert` made from a one-line index that says `status` for it.
  std::filesystem::path respond(const CertPair& cert, const std::string& status) {
    auto tag = cert.cert.stem().string() + "-" + status;
    auto index = pki.dir() / (tag + ".index");
    std::string line = status + "\t301231235959Z\t" + (status == "R" ? "200101000000Z" : "") +
                       "\t" + serial_of(cert) + "\tunknown\t/CN=x\n";
    std::ofstream(index) << line;
    auto request = pki.dir() / (tag + ".req.der");
    auto response = pki.dir() / (tag + ".resp.der");
    auto ca = pki.ca_cert().string();
    openssl({"ocsp", "-issuer", ca, "-cert", cert.cert.string(), "-no_nonce", "-reqout",
             request.string()});
    openssl({"ocsp", "-index", index.string(), "-rsigner", ca, "-rkey", pki.ca().key.string(),
             "-CA", ca, "-reqin", request.string(), "-respout", response.string(), "-ndays", "1"});
    return response;
  }
};

class OcspTest : public LoopFixture {
 protected:
  static void SetUpTestSuite() { env_ = new OcspEnv(); }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }
  static OcspEnv* env_;

  // Starts s_server stapling `response` (none if empty) with the good server certificate, on a
  // free port. The port is only free when it was picked: a server of a test running beside this
  // one may take it first, and then s_server exits and the port answers for that other server.
  // So a port counts once s_server still runs with it open; else another port is tried.
  std::unique_ptr<Process> server(const std::filesystem::path& response, std::uint16_t& port) {
    std::string last_output;
    for (int attempt = 0; attempt < 5; ++attempt) {
      port = edgegw::test::free_tcp_port();
      std::vector<std::string> argv{"openssl", "s_server",
                                    "-www",    "-quiet",
                                    "-accept", "127.0.0.1:" + std::to_string(port),
                                    "-cert",   env_->pki.server().cert.string(),
                                    "-key",    env_->pki.server().key.string()};
      if (!response.empty()) {
        argv.push_back("-status_file");
        argv.push_back(response.string());
      }
      auto p = std::make_unique<Process>(argv);
      const bool open = edgegw::test::wait_until(
          [&] { return edgegw::test::tcp_port_open(port) || !p->running(); });
      if (open && p->running()) return p;
      last_output = p->output();
    }
    ADD_FAILURE() << "openssl s_server did not start on a free port: " << last_output;
    return nullptr;
  }

  // The handshake verdict: empty when TLS (with its OCSP check) passed, else the failure detail.
  std::string verdict(const std::filesystem::path& response, OcspMode mode) {
    std::uint16_t port = 0;
    auto s = server(response, port);
    if (!s) return "no server";
    TlsConfig config;
    config.ca_file = env_->pki.ca_cert().string();
    config.ocsp = mode;
    std::string error;
    auto ctx = cache_.get(config, &error);
    EXPECT_TRUE(ctx) << error;
    RecordingHandler h;
    Connection c(loop_, *resolver_, h);
    auto o = plain_options(port, "ocsp");
    o.tls = ctx;
    c.connect(o);
    EXPECT_TRUE(run_until(
        [&] { return c.phase() == Connection::Phase::awaiting_connack || !h.closed.empty(); }));
    if (c.phase() == Connection::Phase::awaiting_connack) return "";
    if (h.closed.empty()) return "no verdict";
    if (h.closed[0].reason != CloseReason::tls_failed) return "";  // past the handshake
    return h.closed[0].detail;
  }

  TlsContextCache cache_;
};
OcspEnv* OcspTest::env_ = nullptr;

TEST_F(OcspTest, RequireAcceptsOnlyAGoodStapleForThisCertificate) {
  EXPECT_EQ(verdict(env_->good, OcspMode::require), "");
  EXPECT_EQ(verdict("", OcspMode::require), "OCSP: the server stapled no response");
  EXPECT_EQ(verdict(env_->other_cert, OcspMode::require),
            "OCSP: stapled response is for a different certificate");
  EXPECT_EQ(verdict(env_->revoked, OcspMode::require), "OCSP: certificate status revoked");
  EXPECT_EQ(verdict(env_->stale, OcspMode::require), "OCSP: stapled response is not fresh");
}

TEST_F(OcspTest, PreferAcceptsNoStapleButNotABadOne) {
  EXPECT_EQ(verdict(env_->good, OcspMode::prefer), "");
  EXPECT_EQ(verdict("", OcspMode::prefer), "");
  EXPECT_EQ(verdict(env_->other_cert, OcspMode::prefer),
            "OCSP: stapled response is for a different certificate");
  EXPECT_EQ(verdict(env_->stale, OcspMode::prefer), "OCSP: stapled response is not fresh");
}

TEST_F(OcspTest, OffIgnoresStaples) {
  EXPECT_EQ(verdict(env_->other_cert, OcspMode::off), "");
  EXPECT_EQ(verdict("", OcspMode::off), "");
}

}  // namespace
}  // namespace edgegw::mqtt::test
