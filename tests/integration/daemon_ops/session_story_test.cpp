// The story of a device's cloud link at the default level (info), as `journalctl -u edgegw
// EDGEGW_DEVICE=x` shows it: a real Gateway against a real mosquitto that is stopped and started
// again. Each change is told once - never once per retry - and when many sessions change at once
// one line sums them up.
#include <gtest/gtest.h>
#include <syslog.h>
#include <systemd/sd-event.h>

#include "config/config.hpp"
#include "daemon/gateway.hpp"
#include "daemon/logging.hpp"
#include "fakes/journal_capture.hpp"
#include "support/loop_runner.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/temp_dir.hpp"

namespace edgegw::daemon {
namespace {

using namespace std::chrono_literals;
using test::JournalCapture;

std::string config_text(const test::TempDir& dir, std::uint16_t port, int devices) {
  std::string text =
      "[gateway]\nstate_dir = \"" + (dir / "state").string() +
      "\"\n[cloud]\nplatform = \"mqtt\"\nhost = \"127.0.0.1\"\nport = " + std::to_string(port) +
      "\ntls = false\nallow_plaintext = true\nbackoff_min = \"50ms\"\n"
      "backoff_max = \"100ms\"\nconnects_per_second = 2000\n"
      "[local_mqtt]\nport = " +
      std::to_string(port) + "\n";
  for (int i = 1; i <= devices; ++i) {
    const auto name = "meter-" + std::to_string(i);
    text +=
        "[[device]]\nname = \"" + name + "\"\n[device.mqtt]\ntopic = \"sensors/" + name + "\"\n";
  }
  return text;
}

bool at_info_or_above(const JournalCapture::Entry& e) {
  return std::stoi(JournalCapture::field(e, "PRIORITY").value_or("7")) <= LOG_INFO;
}

class SessionStoryJournal : public ::testing::Test {
 protected:
  void start(int devices) {
    broker_ = test::MosquittoBroker::plain();
    broker_->start();
    dir_.write("edgegw.toml", config_text(dir_, broker_->port(), devices));
    config_ = config::load_config(dir_ / "edgegw.toml");
    std::filesystem::create_directories(config_.gateway.state_dir);
    outbox_ = store::Outbox::open(config_.store);
    ASSERT_GE(sd_event_new(&loop_), 0);
    gateway_ = std::make_unique<Gateway>(loop_, config_, *outbox_);
    gateway_->start();
  }
  void TearDown() override {
    if (gateway_) gateway_->stop();
    gateway_.reset();
    outbox_.reset();
    if (loop_) sd_event_unref(loop_);
    log::forget_all_devices();
  }
  bool run_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 30s) {
    return test::run_loop_until(loop_, condition, timeout);
  }
  std::uint64_t attempts(const std::string& device) const {
    return gateway_->northbound().status(device)->connect_attempts;
  }
  bool all_online(int devices) const {
    for (int i = 1; i <= devices; ++i) {
      if (gateway_->northbound().status("meter-" + std::to_string(i))->state !=
          northbound::SessionState::online) {
        return false;
      }
    }
    return true;
  }

  JournalCapture journal_;  // before the gateway: it sees every line
  test::TempDir dir_;
  std::unique_ptr<test::MosquittoBroker> broker_;
  config::Config config_;
  std::unique_ptr<store::Outbox> outbox_;
  sd_event* loop_ = nullptr;
  std::unique_ptr<Gateway> gateway_;
};

TEST_F(SessionStoryJournal, EachChangeOnceNeverOncePerRetry) {
  start(1);
  // The local broker's link (the same mosquitto) must be up too: stopped mid-handshake it never
  // had a "connected" line to tell.
  ASSERT_TRUE(run_until([&] { return all_online(1) && gateway_->local_mqtt()->connected(); }));
  broker_->stop();
  const auto before = attempts("meter-1");
  ASSERT_TRUE(run_until([&] { return attempts("meter-1") >= before + 20; }));
  broker_->start();
  ASSERT_TRUE(run_until([&] { return all_online(1); }));

  std::vector<std::string> story;
  for (const auto& e : journal_.entries()) {
    if (JournalCapture::field(e, "EDGEGW_DEVICE") == "meter-1" && at_info_or_above(e)) {
      story.push_back(JournalCapture::field(e, "MESSAGE").value_or(""));
    }
  }
  const std::vector<std::string> expected = {
      "[meter-1] connecting to 127.0.0.1:" + std::to_string(broker_->port()),
      "[meter-1] online after", "[meter-1] connection lost (",
      "[meter-1] backing off: connect failed (", "[meter-1] online after"};
  ASSERT_EQ(story.size(), expected.size()) << ::testing::PrintToString(story);
  for (std::size_t i = 0; i < story.size(); ++i) {
    EXPECT_TRUE(story[i].starts_with(expected[i])) << story[i];
  }
  EXPECT_NE(story[2].find("next attempt in"), std::string::npos) << story[2];
  EXPECT_NE(story[3].find("next attempt in"), std::string::npos) << story[3];
  // The way back names the attempt that made it.
  EXPECT_NE(story[4].find(", attempt " + std::to_string(attempts("meter-1") - before)),
            std::string::npos)
      << story[4];
  // The local broker (the same mosquitto) tells its outage the same way.
  ASSERT_TRUE(run_until([&] { return !journal_.with_message("connected again after").empty(); }));
  std::vector<std::string> broker_story;
  for (const auto& e : journal_.entries()) {
    const auto message = JournalCapture::field(e, "MESSAGE").value_or("");
    if (!JournalCapture::field(e, "EDGEGW_DEVICE") && at_info_or_above(e) &&
        message.starts_with("local broker")) {
      broker_story.push_back(message);
    }
  }
  ASSERT_EQ(broker_story.size(), 3u) << ::testing::PrintToString(broker_story);
  EXPECT_NE(broker_story[0].find(" connected"), std::string::npos) << broker_story[0];
  EXPECT_NE(broker_story[1].find("(backing off)"), std::string::npos) << broker_story[1];
  EXPECT_NE(broker_story[2].find("connected again after"), std::string::npos) << broker_story[2];
  // The retries are there for whoever turns on debug.
  std::size_t retries = 0;
  for (const auto& e : journal_.with_message("[meter-1] connect failed ("))
    retries += !at_info_or_above(e);
  EXPECT_GE(retries, 18u);  // 20 attempts: one "backing off", one may be the way back
}

TEST_F(SessionStoryJournal, AnOutageOfManySessionsIsSummedUp) {
  constexpr int kDevices = 200;
  start(kDevices);
  ASSERT_TRUE(run_until([&] { return all_online(kDevices); }, 60s));
  ASSERT_TRUE(run_until([&] { return !journal_.with_message("sessions came online").empty(); }));
  const auto before = journal_.entries().size();
  broker_->stop();
  const bool summed =
      run_until([&] { return !journal_.with_message("sessions lost in the last").empty(); });

  const auto entries = journal_.entries();
  std::vector<std::string> info;
  for (std::size_t i = before; i < entries.size(); ++i) {
    if (at_info_or_above(entries[i])) info.push_back(*JournalCapture::field(entries[i], "MESSAGE"));
  }
  ASSERT_TRUE(summed) << ::testing::PrintToString(info);
  EXPECT_LE(info.size(), 15u) << ::testing::PrintToString(info);
  const auto summary = journal_.with_message("sessions lost in the last");
  ASSERT_EQ(summary.size(), 1u);
  const auto text = *JournalCapture::field(summary[0], "MESSAGE");
  EXPECT_TRUE(text.starts_with("cloud: 200 sessions lost in the last 2 s (peer_closed")) << text;
  EXPECT_NE(text.find(": 200)"), std::string::npos) << text;
  // Every session's own line is still there, at debug.
  EXPECT_EQ(journal_.with_message("connection lost (").size(), static_cast<std::size_t>(kDevices));
}

}  // namespace
}  // namespace edgegw::daemon
