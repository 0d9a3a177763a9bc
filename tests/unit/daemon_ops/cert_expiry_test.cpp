#include "daemon/cert_expiry.hpp"

#include <gtest/gtest.h>

#include "daemon/logging.hpp"
#include "fakes/journal_capture.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

namespace edgegw::daemon {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

class CertExpiry : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new test::TestPki();
    client_ = new test::CertPair(pki_->issue("client", "meter-1"));
  }
  static void TearDownTestSuite() {
    delete client_;
    delete pki_;
  }
  static test::TestPki* pki_;
  static test::CertPair* client_;
  test::TempDir dir_;
};
test::TestPki* CertExpiry::pki_ = nullptr;
test::CertPair* CertExpiry::client_ = nullptr;

TEST_F(CertExpiry, ReadsNotAfter) {
  std::string error;
  const auto ca = certificate_not_after(pki_->ca_cert(), &error);
  const auto client = certificate_not_after(client_->cert, &error);
  ASSERT_TRUE(ca) << error;
  ASSERT_TRUE(client) << error;
  // The test PKI makes the CA for 3650 days and client certificates for 825.
  using Days = std::chrono::duration<double, std::ratio<86400>>;
  EXPECT_NEAR(Days(*ca - Clock::now()).count(), 3650, 2);
  EXPECT_NEAR(Days(*client - Clock::now()).count(), 825, 2);
}

TEST_F(CertExpiry, ABundleExpiresWithItsEarliestCertificate) {
  const auto bundle =
      dir_.write("bundle.pem", test::read_file(pki_->ca_cert()) + test::read_file(client_->cert));
  EXPECT_EQ(certificate_not_after(bundle), certificate_not_after(client_->cert));
}

TEST_F(CertExpiry, SaysWhyAFileCannotBeRead) {
  std::string error;
  EXPECT_FALSE(certificate_not_after(dir_ / "missing.pem", &error));
  EXPECT_EQ(error, "cannot open the file");
  EXPECT_FALSE(certificate_not_after(dir_.write("junk.pem", "hello\n"), &error));
  EXPECT_EQ(error, "no PEM certificate in the file");
}

TEST_F(CertExpiry, WarnsThirtyDaysAheadOnceADayPerFile) {
  CertificateWatch watch;
  watch.set_certificates({{pki_->ca_cert(), "ca", ""}, {client_->cert, "client", "meter-1"}});
  const auto client_end = *certificate_not_after(client_->cert);
  EXPECT_TRUE(watch.check(client_end - 31 * 24h).empty());
  const auto first = watch.check(client_end - 29 * 24h);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].certificate.device, "meter-1");
  EXPECT_EQ(first[0].not_after, client_end);
  EXPECT_TRUE(watch.check(client_end - 29 * 24h + 23h).empty());  // the same day
  EXPECT_EQ(watch.check(client_end - 28 * 24h).size(), 1u);       // the next day
  EXPECT_EQ(watch.check(client_end + 24h).size(), 1u);            // expired: still warned, daily
}

TEST_F(CertExpiry, TheWarningSaysWhenAndIsAboutTheDevice) {
  const auto end = *certificate_not_after(client_->cert);
  const ExpiryWarning warning{{client_->cert, "client", "meter-1"}, end};
  test::JournalCapture journal;
  log::describe_device({"meter-1", "tencent", ""});
  log_expiry_warning(warning, end - 10 * 24h - 1h);
  log::forget_all_devices();
  const auto entry = journal.only_entry();
  const auto message = test::JournalCapture::field(entry, "MESSAGE").value_or("");
  EXPECT_NE(message.find("the client certificate " + client_->cert.string() + " expires on "),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("(in 10 day(s)); renew it"), std::string::npos) << message;
  EXPECT_EQ(test::JournalCapture::field(entry, "PRIORITY"), "4");
  EXPECT_EQ(test::JournalCapture::field(entry, "EDGEGW_DEVICE"), "meter-1");
  EXPECT_EQ(test::JournalCapture::field(entry, "EDGEGW_PLATFORM"), "tencent");
  EXPECT_NE(describe_expiry({{pki_->ca_cert(), "ca", ""}, end}, end + 1h).find("expired on"),
            std::string::npos);
}

TEST_F(CertExpiry, ReportsEachFileAndKeepsWarnTimesAcrossAReload) {
  CertificateWatch watch;
  watch.set_certificates({{client_->cert, "client", "meter-1"}});
  const auto end = *certificate_not_after(client_->cert);
  ASSERT_EQ(watch.check(end - 10 * 24h).size(), 1u);
  watch.set_certificates({{client_->cert, "client", "meter-1"}, {dir_ / "gone.pem", "ca", ""}});
  EXPECT_TRUE(watch.check(end - 10 * 24h + 1h).empty()) << "warned an hour ago";
  const auto report = watch.report();
  ASSERT_EQ(report.size(), 2u);
  const auto& gone = report[0].file == (dir_ / "gone.pem").string() ? report[0] : report[1];
  const auto& client = report[0].file == (dir_ / "gone.pem").string() ? report[1] : report[0];
  EXPECT_FALSE(gone.not_after);
  EXPECT_EQ(gone.error, "cannot open the file");
  ASSERT_TRUE(client.not_after);
  EXPECT_EQ(*client.not_after,
            std::chrono::duration_cast<std::chrono::seconds>(end.time_since_epoch()).count());
  EXPECT_EQ(client.device, "meter-1");
}

TEST_F(CertExpiry, CertificatesInUseAreTheCaFileAndEachClientCertificateOnce) {
  config::Config config;
  config.cloud.tls = true;
  config.cloud.ca_file = pki_->ca_cert();
  config::DeviceConfig a, b, c;
  a.name = "a";
  a.cloud.cert_file = client_->cert;
  b.name = "b";
  b.cloud.cert_file = client_->cert;  // shared: listed once, under its first device
  c.name = "c";
  config.devices = {a, b, c};
  const auto in_use = certificates_in_use(config);
  ASSERT_EQ(in_use.size(), 2u);
  EXPECT_EQ(in_use[0], (CertificateInUse{pki_->ca_cert(), "ca", ""}));
  EXPECT_EQ(in_use[1], (CertificateInUse{client_->cert, "client", "a"}));
  config.cloud.tls = false;  // a CA file without TLS is not in use
  EXPECT_EQ(certificates_in_use(config).size(), 1u);
}

}  // namespace
}  // namespace edgegw::daemon
