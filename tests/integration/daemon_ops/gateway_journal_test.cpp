// A real Gateway on its own loop, logging into a fake journal: the lines about a device - from its
// cloud session (northbound) and from its Modbus bus thread (southbound) - carry EDGEGW_DEVICE,
// EDGEGW_PLATFORM and, for a Modbus device, EDGEGW_BUS. Nothing listens on the ports it uses, so
// both sides fail and log (what an operator would look up with journalctl EDGEGW_DEVICE=...).
#include <gtest/gtest.h>
#include <systemd/sd-event.h>

#include "config/config.hpp"
#include "daemon/gateway.hpp"
#include "daemon/logging.hpp"
#include "daemon/status_publisher.hpp"
#include "fakes/journal_capture.hpp"
#include "support/loop_runner.hpp"
#include "support/net.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace edgegw::daemon {
namespace {

using namespace std::chrono_literals;
using test::JournalCapture;

std::string config_text(const test::TempDir& dir) {
  const auto closed = std::to_string(test::free_tcp_port());
  return "[gateway]\nstate_dir = \"" + (dir / "state").string() +
         "\"\n[cloud]\nplatform = \"mqtt\"\nhost = \"127.0.0.1\"\nport = " + closed +
         "\ntls = false\nallow_plaintext = true\nbackoff_min = \"100ms\"\nbackoff_max = \"200ms\"\n"
         "[local_mqtt]\nport = " +
         closed +
         "\n[[modbus]]\nname = \"rs485-1\"\ntransport = \"tcp\"\nhost = \"127.0.0.1\"\nport = " +
         closed +
         "\ntimeout = \"100ms\"\n"
         "[[device]]\nname = \"meter-1\"\n[device.modbus]\nbus = \"rs485-1\"\nunit = 1\n"
         "interval = \"100ms\"\n[[device.modbus.point]]\nname = \"voltage\"\ntable = \"holding\"\n"
         "address = 0\ntype = \"u16\"\n"
         "[[device]]\nname = \"room-1\"\n[device.mqtt]\ntopic = \"sensors/room-1\"\n";
}

class GatewayJournal : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("edgegw.toml", config_text(dir_));
    config_ = config::load_config(dir_ / "edgegw.toml");
    std::filesystem::create_directories(config_.gateway.state_dir);
    outbox_ = store::Outbox::open(config_.store);
    ASSERT_GE(sd_event_new(&loop_), 0);
  }
  void TearDown() override {
    gateway_.reset();
    outbox_.reset();
    sd_event_unref(loop_);
    log::forget_all_devices();
  }
  // Runs the loop until `condition` holds (or the deadline passes).
  bool run_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 15s) {
    return test::run_loop_until(loop_, condition, timeout);
  }

  test::TempDir dir_;
  config::Config config_;
  std::unique_ptr<store::Outbox> outbox_;
  sd_event* loop_ = nullptr;
  std::unique_ptr<Gateway> gateway_;
};

TEST_F(GatewayJournal, DeviceLinesFromBothSidesCarryTheDevicesFields) {
  JournalCapture journal;
  gateway_ = std::make_unique<Gateway>(loop_, config_, *outbox_);
  gateway_->start();
  auto about = [&](const std::string& device) {
    std::vector<JournalCapture::Entry> out;
    for (auto& e : journal.entries()) {
      if (JournalCapture::field(e, "EDGEGW_DEVICE") == device) out.push_back(std::move(e));
    }
    return out;
  };
  // The Modbus device goes offline (its bus thread says so); both sessions fail to connect.
  ASSERT_TRUE(run_until([&] {
    return !journal.with_message("modbus device meter-1").empty() &&
           !journal.with_message("[meter-1]").empty() && !journal.with_message("[room-1]").empty();
  })) << journal.entries().size();
  gateway_->stop();

  for (const auto& e : journal.with_message("modbus device meter-1")) {
    EXPECT_EQ(JournalCapture::field(e, "EDGEGW_DEVICE"), "meter-1");
    EXPECT_EQ(JournalCapture::field(e, "EDGEGW_PLATFORM"), "mqtt");
    EXPECT_EQ(JournalCapture::field(e, "EDGEGW_BUS"), "rs485-1");
  }
  for (const auto& e : journal.with_message("[meter-1]")) {
    EXPECT_EQ(JournalCapture::field(e, "EDGEGW_DEVICE"), "meter-1");
    EXPECT_EQ(JournalCapture::field(e, "EDGEGW_PLATFORM"), "mqtt");
    EXPECT_EQ(JournalCapture::field(e, "EDGEGW_BUS"), "rs485-1");
  }
  for (const auto& e : journal.with_message("[room-1]")) {
    EXPECT_EQ(JournalCapture::field(e, "EDGEGW_DEVICE"), "room-1");
    EXPECT_EQ(JournalCapture::field(e, "EDGEGW_PLATFORM"), "mqtt");
    EXPECT_FALSE(JournalCapture::field(e, "EDGEGW_BUS"));
  }
  // Every line that names a device in its text is tagged with it.
  for (const auto& e : journal.entries()) {
    const std::string message = JournalCapture::field(e, "MESSAGE").value_or("");
    for (const std::string device : {"meter-1", "room-1"}) {
      if (message.find(device) != std::string::npos) {
        EXPECT_EQ(JournalCapture::field(e, "EDGEGW_DEVICE"), device) << message;
      }
    }
  }
  EXPECT_FALSE(about("meter-1").empty());
  EXPECT_FALSE(about("room-1").empty());
}

TEST_F(GatewayJournal, TheStatusSnapshotShowsSessionsSourcesAndBuses) {
  gateway_ = std::make_unique<Gateway>(loop_, config_, *outbox_);
  gateway_->start();
  ASSERT_TRUE(run_until([&] {
    return gateway_->source_online("meter-1") == false &&
           gateway_->northbound().status("room-1")->connect_attempts > 0;
  }));
  CertificateWatch no_certificates;
  DaemonFacts facts;
  facts.pid = 42;
  const StatusReport r =
      collect_status(config_, gateway_.get(), outbox_.get(), no_certificates, facts, 1000);
  gateway_->stop();
  ASSERT_EQ(r.devices.size(), 2u);
  EXPECT_EQ(r.devices[0].name, "meter-1");
  EXPECT_EQ(r.devices[0].source, "modbus");
  EXPECT_EQ(r.devices[0].bus, "rs485-1");
  EXPECT_EQ(r.devices[0].source_online, false);
  // Its own poll errors (nothing listens on the bus's port), counted by its poller.
  EXPECT_GT(r.devices[0].polls, 0u);
  EXPECT_EQ(r.devices[0].poll_errors, r.devices[0].polls);
  EXPECT_NE(r.devices[0].last_poll_error.find("holding 0+1 (voltage)"), std::string::npos)
      << r.devices[0].last_poll_error;
  EXPECT_TRUE(r.devices[0].last_poll_error_ms);
  EXPECT_EQ(r.devices[1].poll_errors, 0u);  // not a Modbus device
  EXPECT_EQ(r.devices[1].name, "room-1");
  EXPECT_EQ(r.devices[1].source, "mqtt");
  EXPECT_FALSE(r.devices[1].source_online);
  EXPECT_GT(r.devices[1].connect_attempts, 0u);
  EXPECT_NE(r.devices[1].state, "online");
  ASSERT_EQ(r.buses.size(), 1u);
  EXPECT_EQ(r.buses[0].name, "rs485-1");
  EXPECT_FALSE(r.local_broker.empty());
  EXPECT_EQ(r.pid, 42);
}

}  // namespace
}  // namespace edgegw::daemon
