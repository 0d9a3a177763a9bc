// Secrets: files that others can read are refused; inline secrets need a private config file;
// credential:NAME needs $CREDENTIALS_DIRECTORY; missing and empty secrets are errors.
#include "config/secrets.hpp"

#include <sys/stat.h>

#include <cstdlib>

#include "config_fixture.hpp"
#include "support/test_pki.hpp"

namespace edgegw::config {
namespace {

// A huawei config with one device: [device.cloud] on line 6, the given secret line(s) from 8.
std::string huawei(const std::string& secret_line) {
  return "[cloud]\nplatform = \"huawei\"\nhost = \"iot.example\"\n"  // 1-3
         "[[device]]\nname = \"m\"\n"                                // 4-5
         "[device.cloud]\ndevice_id = \"id\"\n" +                    // 6-7
         secret_line +
         "\n[device.mqtt]\ntopic = \"t\"\n";
}

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST_F(ConfigTest, SecretFileReadableByOthersIsRefused) {
  const auto s = secret("s", "12345678\n", 0644);
  write(huawei("device_secret_file = \"" + s + "\""));
  const auto p = problems();
  ASSERT_EQ(p.size(), 1u) << dump(p);
  EXPECT_TRUE(has_problem(p, main(), 8, 22, "others can read it (mode 0644)"));
}

TEST_F(ConfigTest, SecretFileReadableByTheGroupIsAccepted) {
  const auto s = secret("s", "12345678\n", 0640);
  write(huawei("device_secret_file = \"" + s + "\""));
  EXPECT_EQ(load().devices.at(0).cloud.device_secret, "12345678");
}

TEST_F(ConfigTest, EmptySecretIsRefused) {
  const auto s = secret("s", "\n");
  write(huawei("device_secret_file = \"" + s + "\""));
  EXPECT_TRUE(has_problem(problems(), main(), 8, 22, "is empty"));
}

TEST_F(ConfigTest, InlineSecretNeedsAPrivateConfigFile) {
  write(huawei("device_secret = \"12345678\""), 0644);
  EXPECT_TRUE(has_problem(problems(), main(), 8, 17, "an inline secret needs a config file that"));
  write(huawei("device_secret = \"12345678\""), 0640);
  EXPECT_EQ(load().devices.at(0).cloud.device_secret, "12345678");
}

TEST_F(ConfigTest, SecretInlineAndFileTogetherIsAnError) {
  const auto s = secret("s");
  write(huawei("device_secret = \"x\"\ndevice_secret_file = \"" + s + "\""));
  EXPECT_TRUE(has_problem(problems(), main(), 8, 17, "not both"));
}

TEST_F(ConfigTest, MissingSecretNamesTheKeys) {
  write(huawei(""));
  EXPECT_TRUE(has_problem(problems(), main(), 6, 1, "missing 'device_secret_file'"));
}

TEST_F(ConfigTest, CredentialWithoutCredentialsDirectory) {
  ScopedEnv env("CREDENTIALS_DIRECTORY", nullptr);
  write(huawei("device_secret_file = \"credential:meter\""));
  EXPECT_TRUE(has_problem(problems(), main(), 8, 22, "needs $CREDENTIALS_DIRECTORY"));
}

TEST_F(ConfigTest, CredentialReadsFromCredentialsDirectory) {
  edgegw::test::TempDir creds;
  creds.write("meter", "s3cret\n", 0400);
  ScopedEnv env("CREDENTIALS_DIRECTORY", creds.path().c_str());
  write(huawei("device_secret_file = \"credential:meter\""));
  EXPECT_EQ(load().devices.at(0).cloud.device_secret, "s3cret");
}

TEST_F(ConfigTest, RelativeSecretPathIsBesideTheConfig) {
  secret("meter.secret", "abc\n");
  write(huawei("device_secret_file = \"meter.secret\""));
  EXPECT_EQ(load().devices.at(0).cloud.device_secret, "abc");
}

TEST_F(ConfigTest, PrivateKeyReadableByOthersIsRefused) {
  edgegw::test::TestPki pki;
  const auto client = pki.issue("client", "meter");
  ::chmod(client.key.c_str(), 0644);
  write(huawei("cert_file = \"" + client.cert.string() + "\"\nkey_file = \"" + client.key.string() +
               "\""));
  const auto p = problems();
  ASSERT_EQ(p.size(), 1u) << dump(p);
  EXPECT_TRUE(has_problem(p, main(), 9, 12, "others can read it"));
}

TEST(ResolveConfigPath, CredentialNameMustBeAFileName) {
  ScopedEnv env("CREDENTIALS_DIRECTORY", "/run/credentials/edgegw.service");
  EXPECT_FALSE(resolve_config_path("credential:../etc/shadow", "/etc").error.empty());
  EXPECT_EQ(resolve_config_path("credential:x", "/etc").path, "/run/credentials/edgegw.service/x");
  EXPECT_EQ(resolve_config_path("s/x", "/etc/edgegw").path, "/etc/edgegw/s/x");
}

}  // namespace
}  // namespace edgegw::config
