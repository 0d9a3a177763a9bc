// [metrics] listen: off by default, a port alone is loopback, IPv4 and [IPv6] literals, no names;
// `check` warns about an address other hosts can reach; a change is a change of [metrics].
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/config_changes.hpp"
#include "config/config_warnings.hpp"
#include "support/temp_dir.hpp"

namespace edgegw::config {
namespace {

class MetricsConfig : public ::testing::Test {
 protected:
  Config load(const std::string& metrics) {
    dir_.write("edgegw.toml", "[gateway]\nstate_dir = \"" + (dir_ / "state").string() + "\"\n" +
                                  metrics +
                                  "[cloud]\nplatform = \"mqtt\"\nhost = \"127.0.0.1\"\n"
                                  "tls = false\nallow_plaintext = true\n"
                                  "[[device]]\nname = \"d\"\n[device.mqtt]\ntopic = \"t\"\n");
    return load_config(dir_ / "edgegw.toml");
  }
  // The one problem loading `metrics` reports.
  std::string problem(const std::string& metrics) {
    try {
      load(metrics);
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.problems().size(), 1u);
      return to_string(e.problems().front());
    }
    ADD_FAILURE() << "no problem reported for " << metrics;
    return {};
  }
  test::TempDir dir_;
};

TEST_F(MetricsConfig, OffByDefault) {
  EXPECT_FALSE(load("").metrics.listen);
  EXPECT_FALSE(load("[metrics]\nlisten = \"\"\n").metrics.listen);
}

TEST_F(MetricsConfig, APortAloneListensOnLoopback) {
  const Config c = load("[metrics]\nlisten = \"9464\"\n");
  ASSERT_TRUE(c.metrics.listen);
  EXPECT_EQ(c.metrics.listen->text(), "127.0.0.1:9464");
  EXPECT_TRUE(c.metrics.listen->loopback);
  EXPECT_TRUE(configuration_warnings(c).empty());
}

TEST_F(MetricsConfig, ReadsIpv4AndIpv6Literals) {
  std::string why;
  const auto v4 = parse_listen_address("127.0.0.2:9464", why);
  ASSERT_TRUE(v4) << why;
  EXPECT_FALSE(v4->ipv6);
  EXPECT_TRUE(v4->loopback);
  const auto v6 = parse_listen_address("[::1]:9100", why);
  ASSERT_TRUE(v6) << why;
  EXPECT_TRUE(v6->ipv6);
  EXPECT_TRUE(v6->loopback);
  EXPECT_EQ(v6->ip, "::1");
  EXPECT_EQ(v6->port, 9100);
  EXPECT_EQ(v6->text(), "[::1]:9100");
  const auto any6 = parse_listen_address("[::]:9464", why);
  ASSERT_TRUE(any6) << why;
  EXPECT_FALSE(any6->loopback);
}

TEST_F(MetricsConfig, RefusesNamesBadPortsAndBareIpv6) {
  for (const char* text :
       {"localhost:9464", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:94x",
        "::1:9464", "[::1]9464", "[127.0.0.1]:9464", ":9464", "[::1]:"}) {
    std::string why;
    EXPECT_FALSE(parse_listen_address(text, why)) << text;
    EXPECT_FALSE(why.empty()) << text;
  }
  const std::string p = problem("[metrics]\nlisten = \"localhost:9464\"\n");
  EXPECT_NE(p.find("edgegw.toml:"), std::string::npos) << p;
  EXPECT_NE(p.find("metrics.listen"), std::string::npos) << p;
  EXPECT_NE(p.find("not an IPv4 address"), std::string::npos) << p;
  EXPECT_NE(problem("[metrics]\nlisten = \"127.0.0.1\"\n").find("the port must be"),
            std::string::npos);
}

TEST_F(MetricsConfig, CheckWarnsAboutAnAddressOtherHostsReach) {
  const Config c = load("[metrics]\nlisten = \"0.0.0.0:9464\"\n");
  ASSERT_TRUE(c.metrics.listen);
  EXPECT_FALSE(c.metrics.listen->loopback);
  const auto warnings = configuration_warnings(c);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("0.0.0.0:9464\" is reachable from other hosts"), std::string::npos)
      << warnings[0];
}

TEST_F(MetricsConfig, AChangeIsAChangeOfTheMetricsSection) {
  const Config a = load("[metrics]\nlisten = \"127.0.0.1:9464\"\n");
  const Config b = load("[metrics]\nlisten = \"127.0.0.1:9465\"\n");
  EXPECT_EQ(compare(a, b).sections_changed, std::vector<std::string>{"metrics"});
}

}  // namespace
}  // namespace edgegw::config
