// Issue 18, memory per device: the Gateway runs on the daemon's one copy of the configuration
// (each device's identity and local MQTT options point into it instead of being copied), and a
// reload that keeps every session frees the previous copy instead of keeping it alive through the
// kept sessions. At 10,000 devices each copy is ~10 MB.
#include <gtest/gtest.h>
#include <systemd/sd-event.h>

#include "config/config.hpp"
#include "daemon/gateway.hpp"
#include "daemon/logging.hpp"
#include "support/net.hpp"
#include "support/temp_dir.hpp"

namespace edgegw::daemon {
namespace {

std::string config_text(const test::TempDir& dir, std::uint16_t closed, int devices) {
  std::string text =
      "[gateway]\nstate_dir = \"" + (dir / "state").string() +
      "\"\n[cloud]\nplatform = \"mqtt\"\nhost = \"127.0.0.1\"\nport = " + std::to_string(closed) +
      "\ntls = false\nallow_plaintext = true\nbackoff_min = \"1s\"\n"
      "[local_mqtt]\nport = " +
      std::to_string(closed) + "\n";
  for (int i = 0; i < devices; ++i) {
    const auto name = "room-" + std::to_string(i);
    text +=
        "[[device]]\nname = \"" + name + "\"\n[device.mqtt]\ntopic = \"sensors/" + name + "\"\n";
  }
  return text;
}

class ConfigSharing : public ::testing::Test {
 protected:
  void SetUp() override {
    closed_ = test::free_tcp_port();  // nothing listens: the sessions wait in backoff
    write(3);
    auto first = load();
    std::filesystem::create_directories(first->gateway.state_dir);
    outbox_ = store::Outbox::open(first->store);
    ASSERT_GE(sd_event_new(&loop_), 0);
    gateway_ = std::make_unique<Gateway>(loop_, first, *outbox_);
    gateway_->start();
  }
  void TearDown() override {
    gateway_.reset();
    outbox_.reset();
    sd_event_unref(loop_);
    log::forget_all_devices();
  }
  void write(int devices) { dir_.write("edgegw.toml", config_text(dir_, closed_, devices)); }
  std::shared_ptr<const config::Config> load() {
    return std::make_shared<const config::Config>(config::load_config(dir_ / "edgegw.toml"));
  }

  test::TempDir dir_;
  std::uint16_t closed_ = 0;
  std::unique_ptr<store::Outbox> outbox_;
  sd_event* loop_ = nullptr;
  std::unique_ptr<Gateway> gateway_;
};

TEST_F(ConfigSharing, TheGatewayRunsOnTheCopyItWasGiven) {
  auto config = load();
  Gateway gateway(loop_, config, *outbox_);
  EXPECT_EQ(gateway.config().get(), config.get());
  std::weak_ptr<const config::Config> given = config;
  config.reset();
  EXPECT_FALSE(given.expired()) << "the gateway holds the configuration it was given, no copy";
}

TEST_F(ConfigSharing, AReloadKeepingEverySessionFreesThePreviousCopy) {
  std::weak_ptr<const config::Config> before = gateway_->config();
  auto done = gateway_->apply(load());  // the same file again
  ASSERT_TRUE(done.refused.empty()) << done.refused;
  EXPECT_EQ(done.sessions_kept, 3u);
  EXPECT_FALSE(done.local_source_restarted);
  EXPECT_TRUE(before.expired())
      << "the kept sessions and the local source still point into the previous configuration";
}

TEST_F(ConfigSharing, AReloadAddingADeviceFreesThePreviousCopyToo) {
  std::weak_ptr<const config::Config> before = gateway_->config();
  write(4);
  auto done = gateway_->apply(load());
  ASSERT_TRUE(done.refused.empty()) << done.refused;
  EXPECT_EQ(done.sessions_kept, 3u);
  EXPECT_EQ(done.sessions_started, std::vector<std::string>{"room-3"});
  EXPECT_TRUE(gateway_->local_mqtt()->has_device("room-3"));
  EXPECT_TRUE(before.expired());
}

}  // namespace
}  // namespace edgegw::daemon
