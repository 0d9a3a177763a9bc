// [gateway] status_file and metrics_file: parsed, relative paths taken from the main file's
// directory, and a change of them is a change of the gateway section (applied on reload).
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/config_changes.hpp"
#include "support/temp_dir.hpp"

namespace edgegw::config {
namespace {

class OpsConfig : public ::testing::Test {
 protected:
  Config load(const std::string& gateway_extra) {
    dir_.write("edgegw.toml", "[gateway]\nstate_dir = \"" + (dir_ / "state").string() + "\"\n" +
                                  gateway_extra +
                                  "[cloud]\nplatform = \"mqtt\"\nhost = \"127.0.0.1\"\n"
                                  "tls = false\nallow_plaintext = true\n"
                                  "[[device]]\nname = \"d\"\n[device.mqtt]\ntopic = \"t\"\n");
    return load_config(dir_ / "edgegw.toml");
  }
  test::TempDir dir_;
};

TEST_F(OpsConfig, DefaultsAreTheRuntimeDirectoryAndNoMetrics) {
  const Config c = load("");
  EXPECT_TRUE(c.gateway.status_file.empty());
  EXPECT_TRUE(c.gateway.metrics_file.empty());
}

TEST_F(OpsConfig, AbsolutePathsAreKept) {
  const Config c =
      load("status_file = \"/run/x/status.json\"\nmetrics_file = \"/var/lib/node/edgegw.prom\"\n");
  EXPECT_EQ(c.gateway.status_file, "/run/x/status.json");
  EXPECT_EQ(c.gateway.metrics_file, "/var/lib/node/edgegw.prom");
}

TEST_F(OpsConfig, RelativePathsAreBesideTheMainFile) {
  const Config c = load("status_file = \"run/status.json\"\nmetrics_file = \"edgegw.prom\"\n");
  EXPECT_EQ(c.gateway.status_file, dir_ / "run/status.json");
  EXPECT_EQ(c.gateway.metrics_file, dir_ / "edgegw.prom");
}

TEST_F(OpsConfig, WrongTypesAreReportedAtTheirPlace) {
  try {
    load("status_file = 3\nmetrics_file = true\n");
    FAIL() << "loaded";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 2u);
    EXPECT_EQ(e.problems()[0].pos.line, 3u);
    EXPECT_EQ(e.problems()[1].pos.line, 4u);
  }
}

TEST_F(OpsConfig, AChangedMetricsFileIsAGatewayChange) {
  const Config a = load("");
  const Config b = load("metrics_file = \"m.prom\"\n");
  EXPECT_EQ(compare(a, b).sections_changed, std::vector<std::string>{"gateway"});
}

}  // namespace
}  // namespace edgegw::config
