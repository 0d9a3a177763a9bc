// The housekeeping tick in cloud.mode = "gateway" (StatusPublisher over a real Gateway whose
// devices are sub-devices of the gateway identity, against the cloud emulator): sub-devices mark
// themselves when their status moves, as sessions do, so a tick with nothing changed visits no
// device and rewrites nothing, and one that follows a change visits what changed — and what it
// keeps up is what a rebuild from scratch says.
#include <gtest/gtest.h>
#include <systemd/sd-event.h>

#include "cloud/cloud_emulator.hpp"
#include "config/config.hpp"
#include "daemon/gateway.hpp"
#include "daemon/status_publisher.hpp"
#include "support/loop_runner.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/temp_dir.hpp"

namespace edgegw::daemon {
namespace {

using namespace std::chrono_literals;
constexpr int kSubDevices = 20;

std::string keys(test::TempDir& dir, const std::string& product, const std::string& name) {
  const auto secret = dir.write(name + "-secret", "secret-" + name);
  return "product_key = \"" + product + "\"\ndevice_name = \"" + name +
         "\"\ndevice_secret_file = \"" + secret.string() + "\"\n";
}

std::string config_text(test::TempDir& dir, const test::CloudEmulator& cloud,
                        std::uint16_t local_port) {
  std::string c = "[gateway]\nname = \"gw\"\nstate_dir = \"" + (dir / "state").string() +
                  "\"\nstatus_file = \"" + (dir / "status.json").string() +
                  "\"\nmetrics_file = \"" + (dir / "edgegw.prom").string() +
                  "\"\n[gateway.cloud]\n" + keys(dir, "a1Gw", "gw") +
                  "[cloud]\nplatform = \"aliyun\"\nhost = \"127.0.0.1\"\nport = " +
                  std::to_string(cloud.tls_port()) + "\nca_file = \"" + cloud.ca_file().string() +
                  "\"\nmode = \"gateway\"\nsub_logins_per_second = 1000\n"
                  "backoff_min = \"100ms\"\nbackoff_max = \"200ms\"\n"
                  "[local_mqtt]\nhost = \"127.0.0.1\"\nport = " +
                  std::to_string(local_port) + "\n";
  for (int i = 0; i < kSubDevices; ++i) {
    const auto name = "sub-" + std::to_string(i);
    c += "[[device]]\nname = \"" + name + "\"\n[device.cloud]\n" + keys(dir, "a1Sub", name) +
         "[device.mqtt]\ntopic = \"sensors/" + name + "\"\n";
  }
  return c;
}

test::Registry registry() {
  test::Registry r;
  r.add(
      test::AliyunDevice{.product_key = "a1Gw", .device_name = "gw", .device_secret = "secret-gw"});
  for (int i = 0; i < kSubDevices; ++i) {
    const auto name = "sub-" + std::to_string(i);
    r.add(test::AliyunDevice{
        .product_key = "a1Sub", .device_name = name, .device_secret = "secret-" + name});
  }
  return r;
}

// The report without what a rebuild reads off the clock at another moment, nor the certificates
// (the publisher watches the cloud's CA; rebuilt() is given no watch).
StatusReport comparable(StatusReport r) {
  r.written_at_ms = 0;
  r.certificates.clear();
  for (auto& d : r.devices) d.retry_at_ms.reset();
  return r;
}

class StatusPublisherGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cloud_.start();
    local_ = test::MosquittoBroker::plain();
    dir_.write("edgegw.toml", config_text(dir_, cloud_, local_->port()));
    config_ = config::load_config(dir_ / "edgegw.toml");
    std::filesystem::create_directories(config_.gateway.state_dir);
    outbox_ = store::Outbox::open(config_.store);
    ASSERT_GE(sd_event_new(&loop_), 0);
    gateway_ = std::make_unique<Gateway>(loop_, config_, *outbox_);
    gateway_->start();
    publisher_ = std::make_unique<StatusPublisher>(config_, nullptr);
  }
  void TearDown() override {
    if (gateway_) gateway_->stop();
    gateway_.reset();
    outbox_.reset();
    sd_event_unref(loop_);
  }
  bool run_until(const std::function<bool()>& condition) {
    return test::run_loop_until(loop_, condition, 20s);
  }
  std::size_t online() const {
    std::size_t n = 0;
    for (const auto& s : gateway_->status()) n += s.state == northbound::SessionState::online;
    return n;
  }
  void publish(std::chrono::system_clock::time_point at) {
    publisher_->publish(config_, gateway_.get(), outbox_.get(), facts_, at);
  }
  StatusReport rebuilt() const {
    return collect_status(config_, gateway_.get(), outbox_.get(), CertificateWatch{}, facts_, 0);
  }

  test::CloudEmulator cloud_{registry()};
  std::unique_ptr<test::MosquittoBroker> local_;
  test::TempDir dir_;
  config::Config config_;
  std::unique_ptr<store::Outbox> outbox_;
  sd_event* loop_ = nullptr;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<StatusPublisher> publisher_;
  DaemonFacts facts_;
};

TEST_F(StatusPublisherGatewayTest, ATickWithNothingChangedRebuildsAndRewritesNothing) {
  ASSERT_TRUE(run_until([&] {
    return online() == kSubDevices &&
           gateway_->local_mqtt()->state() == southbound::LocalMqttState::online;
  })) << gateway_->summary();
  const auto t0 = std::chrono::system_clock::now();
  publish(t0);  // the first: built from scratch
  publish(t0 + 1s);
  const StatusWork settled = publisher_->work();
  const auto writes = publisher_->status_writes();

  for (int tick = 2; tick < 5; ++tick) publish(t0 + std::chrono::seconds(tick));

  EXPECT_EQ(publisher_->work().updates, settled.updates + 3);
  EXPECT_EQ(publisher_->work().rebuilds, settled.rebuilds);
  // Every sub-device copied at every tick would visit 3 × 20 here.
  EXPECT_EQ(publisher_->work().devices_visited, settled.devices_visited);
  EXPECT_EQ(publisher_->status_writes(), writes);
  EXPECT_EQ(comparable(publisher_->last_report()), comparable(rebuilt()))
      << to_json(publisher_->last_report()) << "\n---\n"
      << to_json(rebuilt());
}

TEST_F(StatusPublisherGatewayTest, OneSubDevicesReadingIsWhatTheTickVisits) {
  ASSERT_TRUE(run_until([&] { return online() == kSubDevices; })) << gateway_->summary();
  const auto t0 = std::chrono::system_clock::now();
  publish(t0);
  publish(t0 + 1s);
  const StatusWork settled = publisher_->work();
  store::Record r;
  r.device = "sub-3";
  r.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(t0.time_since_epoch()).count();
  r.fields.push_back({"value", 3.0});
  outbox_->append(std::move(r));
  gateway_->flush();
  ASSERT_TRUE(run_until([&] { return outbox_->total_backlog() == 0; }));
  publish(t0 + 2s);
  EXPECT_EQ(publisher_->work().rebuilds, settled.rebuilds);
  EXPECT_GE(publisher_->work().devices_visited, settled.devices_visited + 1);
  // The commit refreshes every device's backlog (as in device mode); the sessions' part visits
  // the one sub-device that moved, not all of them.
  EXPECT_LE(publisher_->work().devices_visited, settled.devices_visited + kSubDevices + 2);
  EXPECT_EQ(comparable(publisher_->last_report()), comparable(rebuilt()))
      << to_json(publisher_->last_report()) << "\n---\n"
      << to_json(rebuilt());
  for (const auto& d : publisher_->last_report().devices) {
    if (d.name == "sub-3") {
      EXPECT_EQ(d.acknowledged, 1u);
    }
  }
  // The gateway's link lost: every sub-device's change is followed from the marks.
  cloud_.kill();
  ASSERT_TRUE(run_until([&] { return online() == 0; }));
  publish(t0 + 3s);
  EXPECT_EQ(publisher_->work().rebuilds, settled.rebuilds);
  EXPECT_EQ(comparable(publisher_->last_report()), comparable(rebuilt()))
      << to_json(publisher_->last_report()) << "\n---\n"
      << to_json(rebuilt());
  EXPECT_NE(publisher_->last_report().devices[0].state, "online");
}

}  // namespace
}  // namespace edgegw::daemon
