// [cloud] transport = "websocket", ws_path, proxy and no_proxy (issue 19: out through port 443):
// the defaults they bring (port 443 for wss, 80 for ws), and each malformed value reported at its
// key in words.
#include <gtest/gtest.h>

#include "config_fixture.hpp"

namespace edgegw::config {
namespace {

TEST_F(ConfigTest, WebSocketOverTlsDefaultsToPort443AndPathMqtt) {
  write(
      "[cloud]\nplatform = \"mqtt\"\nhost = \"iot.example\"\ntransport = \"websocket\"\n"
      "proxy = \"http://gw:p%40ss@proxy.corp:3128\"\nno_proxy = \"localhost,.corp\"\n" +
      mqtt_device());
  const auto c = load();
  EXPECT_TRUE(c.cloud.websocket);
  EXPECT_TRUE(c.cloud.tls);
  EXPECT_EQ(c.cloud.port, 443);
  EXPECT_EQ(c.cloud.ws_path, "/mqtt");
  EXPECT_EQ(c.cloud.proxy, "http://gw:p%40ss@proxy.corp:3128");
  EXPECT_EQ(c.cloud.no_proxy, "localhost,.corp");
}

TEST_F(ConfigTest, PlainWebSocketDefaultsToPort80AndTakesAPathAndPort) {
  write(mqtt_head() + "transport = \"websocket\"\nws_path = \"/ws/mqtt\"\n" + mqtt_device());
  auto c = load();
  EXPECT_EQ(c.cloud.port, 80);
  EXPECT_EQ(c.cloud.ws_path, "/ws/mqtt");
  write(mqtt_head() + "transport = \"websocket\"\nport = 8080\n" + mqtt_device());
  EXPECT_EQ(load().cloud.port, 8080);
  write(mqtt_head() + mqtt_device());
  c = load();
  EXPECT_FALSE(c.cloud.websocket);
  EXPECT_EQ(c.cloud.port, 1883);
  EXPECT_EQ(c.cloud.proxy, "");
}

TEST_F(ConfigTest, MalformedTransportKeysAreReportedAtTheirKeys) {
  // Lines: 1 [gateway] 2 state_dir 3 [cloud] 4 platform 5 host 6 tls 7 allow_plaintext, then ours.
  write(mqtt_head() + "transport = \"quic\"\nws_path = \"mqtt\"\nproxy = \"proxy.corp:3128\"\n" +
        mqtt_device());
  auto p = problems();
  EXPECT_TRUE(has_problem(p, main(), 8, 13, "quic")) << dump(p);
  EXPECT_TRUE(has_problem(p, main(), 9, 11, "must start with /")) << dump(p);
  EXPECT_TRUE(has_problem(p, main(), 10, 9, "must start with http://")) << dump(p);
  write(mqtt_head() + "proxy = \"http://proxy.corp\"\n" + mqtt_device());
  EXPECT_TRUE(has_problem(problems(), main(), 8, 9, "needs a port")) << dump(problems());
  write(mqtt_head() + "no_proxy = \"localhost\"\n" + mqtt_device());
  EXPECT_TRUE(has_problem(problems(), main(), 8, 12, "applies only with proxy"))
      << dump(problems());
}

}  // namespace
}  // namespace edgegw::config
