// Live reload against the real binary and a real mosquitto: the configuration is rewritten and
// SIGHUP sent; everything is judged from the status file and mosquitto's own log.
#include <gtest/gtest.h>

#include <csignal>

#include "ops_fixture.hpp"
#include "support/wait.hpp"

namespace edgegw::test {
namespace {

using namespace std::chrono_literals;

class Reload : public OpsFixture {
 protected:
  void reload_with(const std::vector<std::string>& devices, std::uint64_t reloads) {
    write_config(devices);
    daemon_->signal(SIGHUP);
    ASSERT_TRUE(wait_status([&](const daemon::StatusReport& r) { return r.reloads == reloads; }))
        << daemon_->output();
  }
  bool has_device(const daemon::StatusReport& r, const std::string& name) const {
    return device(r, name) != nullptr;
  }
};

TEST_F(Reload, KeepsUnchangedSessionsStartsAddedAndStopsRemovedKeepingTheirBacklog) {
  blocked_ = {"stuck-1"};  // the broker refuses its session: its readings stay in the outbox
  start({"meter-1", "stuck-1"});
  ASSERT_TRUE(wait_online({"meter-1"})) << daemon_->output();
  for (int i = 0; i < 3; ++i) publish_reading("stuck-1", "{\"t\": " + std::to_string(i) + "}");
  ASSERT_TRUE(wait_status([&](const daemon::StatusReport& r) {
    const auto* stuck = device(r, "stuck-1");
    return stuck && stuck->backlog == 3 && stuck->state != "online";
  })) << daemon_->output();
  const auto before = *status();
  const auto meter_before = *device(before, "meter-1");
  ASSERT_EQ(meter_before.connect_attempts, 1u);
  ASSERT_EQ(broker_connects("edgegw-meter-1"), 1) << broker_->log();

  // meter-1 stays, stuck-1 goes, room-2 comes.
  reload_with({"meter-1", "room-2"}, 1);
  ASSERT_TRUE(wait_online({"meter-1", "room-2"})) << daemon_->output();
  const auto after = *status();
  EXPECT_FALSE(has_device(after, "stuck-1"));
  ASSERT_EQ(after.removed_devices.size(), 1u);
  EXPECT_EQ(after.removed_devices[0].device, "stuck-1");
  EXPECT_EQ(after.removed_devices[0].backlog, 3u);
  EXPECT_TRUE(wait_until([&] {
    return daemon_->output().find(
               "[stuck-1] removed from the configuration: its session stopped; 3 record(s) stay "
               "in the outbox") != std::string::npos;
  })) << daemon_->output();

  // The unchanged session was never reconnected: same connection, still one connect.
  const auto& meter_after = *device(after, "meter-1");
  EXPECT_EQ(meter_after.connect_attempts, 1u);
  EXPECT_EQ(meter_after.online_since_ms, meter_before.online_since_ms);
  EXPECT_EQ(broker_connects("edgegw-meter-1"), 1) << broker_->log();
  EXPECT_EQ(broker_connects("edgegw-room-2"), 1) << broker_->log();

  // Both carry readings after the reload (the local source took the new device list on).
  publish_reading("meter-1", "{\"v\": 1}");
  publish_reading("room-2", "{\"v\": 2}");
  EXPECT_TRUE(wait_status([&](const daemon::StatusReport& r) {
    const auto* meter = device(r, "meter-1");
    const auto* room = device(r, "room-2");
    return meter && room && meter->acknowledged == meter_before.acknowledged + 1 &&
           room->acknowledged == 1;
  })) << daemon_->output();
}

TEST_F(Reload, ABrokenConfigurationIsRefusedAndTheRunningOneKept) {
  start({"meter-1"});
  ASSERT_TRUE(wait_online({"meter-1"})) << daemon_->output();
  dir_.write("edgegw.toml", config_text({"meter-1", "room-2"}) + "[[device]]\nname = 5\n");
  daemon_->signal(SIGHUP);
  ASSERT_TRUE(wait_status([](const daemon::StatusReport& r) { return r.reloads_refused == 1; }))
      << daemon_->output();
  EXPECT_TRUE(wait_until([&] {
    return daemon_->output().find("keeping the running one") != std::string::npos &&
           daemon_->output().find("edgegw.toml:") != std::string::npos;
  })) << daemon_->output();
  const auto r = *status();
  EXPECT_EQ(r.reloads, 0u);
  ASSERT_EQ(r.devices.size(), 1u);
  EXPECT_EQ(r.devices[0].state, "online");
  EXPECT_EQ(r.devices[0].connect_attempts, 1u);
  EXPECT_TRUE(daemon_->running());

  // A good file afterwards is applied as usual.
  reload_with({"meter-1", "room-2"}, 1);
  EXPECT_TRUE(wait_online({"meter-1", "room-2"})) << daemon_->output();
  EXPECT_EQ(broker_connects("edgegw-meter-1"), 1) << broker_->log();
}

TEST_F(Reload, AChangedIdentityRestartsOnlyThatSession) {
  start({"meter-1", "room-2"});
  ASSERT_TRUE(wait_online({"meter-1", "room-2"})) << daemon_->output();
  // room-2's client id changes; meter-1 is untouched.
  std::string text = config_text({"meter-1", "room-2"});
  const std::string old_id = "client_id = \"edgegw-room-2\"";
  text.replace(text.find(old_id), old_id.size(), "client_id = \"edgegw-room-2b\"");
  dir_.write("edgegw.toml", text);
  daemon_->signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return broker_connects("edgegw-room-2b") == 1; }, 20s))
      << broker_->log() << daemon_->output();
  ASSERT_TRUE(wait_online({"meter-1", "room-2"})) << daemon_->output();
  EXPECT_EQ(broker_connects("edgegw-meter-1"), 1) << broker_->log();
  EXPECT_EQ(device(*status(), "meter-1")->connect_attempts, 1u);
}

TEST_F(Reload, ARemovedDeviceThatComesBackSendsItsBacklog) {
  blocked_ = {"stuck-1"};
  start({"meter-1", "stuck-1"});
  ASSERT_TRUE(wait_online({"meter-1"})) << daemon_->output();
  publish_reading("stuck-1", "{\"t\": 1}");
  publish_reading("stuck-1", "{\"t\": 2}");
  ASSERT_TRUE(wait_status([&](const daemon::StatusReport& r) {
    const auto* stuck = device(r, "stuck-1");
    return stuck && stuck->backlog == 2;
  })) << daemon_->output();
  reload_with({"meter-1"}, 1);
  ASSERT_TRUE(wait_status([](const daemon::StatusReport& r) {
    return r.removed_devices.size() == 1 && r.removed_devices[0].backlog == 2;
  })) << daemon_->output();
  // Back, now with an identity the broker admits: the kept records go out.
  blocked_.clear();
  reload_with({"meter-1", "stuck-1"}, 2);
  ASSERT_TRUE(wait_status([&](const daemon::StatusReport& r) {
    const auto* stuck = device(r, "stuck-1");
    return stuck && stuck->state == "online" && stuck->backlog == 0 && stuck->acknowledged == 2 &&
           r.removed_devices.empty();
  })) << daemon_->output();
}

}  // namespace
}  // namespace edgegw::test
