// Named commands ([[device.command]]) through the CommandRouter, without a loop or a socket: a
// command that writes Modbus points from its parameters, one forwarded to a local MQTT device and
// answered from its reply, one whose device never answers (the deadline answers it, with the time
// passed in), and an unknown one answered "not supported" at once. Exactly one answer each.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "daemon/command_router.hpp"
#include "northbound/result_codes.hpp"

namespace edgegw::daemon {
namespace {

namespace result_code = northbound::result_code;
using namespace std::chrono_literals;
using northbound::Command;
using northbound::CommandResult;

class FakeDevices final : public DeviceSide {
 public:
  Kind kind_of(const std::string& device) const override {
    if (device == "pump-1") return Kind::modbus;
    if (device == "door-1") return Kind::local_mqtt;
    return Kind::none;
  }
  void write_points(southbound::WriteRequest request) override {
    writes.push_back(std::move(request));
  }
  std::optional<std::string> publish_command(const std::string&, const std::vector<store::Field>&,
                                             southbound::CommandDone) override {
    return std::string("not used");
  }
  std::optional<std::string> publish_call(const std::string& device, const std::string& payload,
                                          southbound::CommandDone done) override {
    calls.push_back({device, payload});
    call_done.push_back(std::move(done));
    return std::nullopt;
  }
  std::vector<southbound::WriteRequest> writes;
  std::vector<std::pair<std::string, std::string>> calls;
  std::vector<southbound::CommandDone> call_done;
};

Command call(std::string id, std::string name, std::vector<store::Field> params,
             std::string service = "") {
  Command c;
  c.kind = Command::Kind::run_command;
  c.request_id = std::move(id);
  c.name = std::move(name);
  c.values = std::move(params);
  c.service_id = std::move(service);
  return c;
}

CommandCatalog catalog() {
  config::DeviceCommand speed;
  speed.name = "set_speed";
  speed.service_id = "motor";
  speed.write = {{"rpm", "speed_setpoint"}};
  speed.output = {"speed"};
  config::DeviceCommand open;
  open.name = "open";
  open.forward = true;
  open.timeout = 3s;
  return {{"pump-1", {speed}}, {"door-1", {open}}};
}

class CommandCallsTest : public ::testing::Test {
 protected:
  struct Answer {
    std::string device;
    Command command;
    CommandResult result;
  };
  FakeDevices devices_;
  LastValues last_values_;
  std::vector<Answer> answers_;
  CommandRouter router_{
      devices_, last_values_,
      [this](const std::string& device, const Command& c, const CommandResult& r) {
        answers_.push_back({device, c, r});
        return true;
      },
      catalog()};
  const CommandRouter::Clock::time_point t0_{std::chrono::hours(1)};
};

TEST_F(CommandCallsTest, ACommandWritesItsPointFromTheParameterAndAnswersWithTheOutputs) {
  store::Record reading;
  reading.device = "pump-1";
  reading.kind = store::RecordKind::telemetry;
  reading.fields = {{"speed", std::int64_t{1450}}};
  last_values_.remember(reading);

  router_.on_command("pump-1", call("r1", "set_speed", {{"rpm", std::int64_t{1500}}}, "motor"),
                     t0_);
  ASSERT_EQ(devices_.writes.size(), 1u);
  EXPECT_EQ(devices_.writes[0].values,
            (std::vector<store::Field>{{"speed_setpoint", std::int64_t{1500}}}));
  EXPECT_TRUE(answers_.empty());
  router_.on_write_result({"pump-1", devices_.writes[0].request_id, true, "ok", {}});
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_TRUE(answers_[0].result.ok);
  EXPECT_EQ(answers_[0].result.values, (std::vector<store::Field>{{"speed", std::int64_t{1450}}}));
  EXPECT_EQ(router_.in_flight(), 0u);
}

TEST_F(CommandCallsTest, AnUnknownParameterIsRefusedAndNothingIsWritten) {
  router_.on_command("pump-1", call("r2", "set_speed", {{"volts", 3.0}}), t0_);
  EXPECT_TRUE(devices_.writes.empty());
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_[0].result.code, result_code::bad_parameter);
  EXPECT_NE(answers_[0].result.message.find("volts"), std::string::npos);
}

TEST_F(CommandCallsTest, AnotherServicesCommandOfTheSameNameIsNotSupported) {
  router_.on_command("pump-1", call("r3", "set_speed", {{"rpm", 1.0}}, "valve"), t0_);
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_[0].result.code, result_code::not_supported);
}

TEST_F(CommandCallsTest, AnUnknownCommandIsAnsweredNotSupportedAtOnce) {
  router_.on_command("pump-1", call("r4", "self_destruct", {}), t0_);
  router_.on_command("door-1", call("r5", "close", {}), t0_);
  ASSERT_EQ(answers_.size(), 2u);
  for (const auto& a : answers_) {
    EXPECT_FALSE(a.result.ok);
    EXPECT_EQ(a.result.code, result_code::not_supported);
  }
  EXPECT_EQ(router_.in_flight(), 0u);
}

TEST_F(CommandCallsTest, AForwardedCallIsAnsweredFromTheDevicesReplyWithItsOutputs) {
  router_.on_command("door-1", call("r6", "open", {{"seconds", std::int64_t{5}}}), t0_);
  ASSERT_EQ(devices_.calls.size(), 1u);
  const auto& [device, payload] = devices_.calls[0];
  EXPECT_EQ(device, "door-1");
  EXPECT_NE(payload.find("\"command\":\"open\""), std::string::npos);
  EXPECT_NE(payload.find("\"params\":{\"seconds\":5}"), std::string::npos);
  devices_.call_done[0](true, "published");  // the broker took it: still waiting for the device
  EXPECT_TRUE(answers_.empty());

  const std::string id = nlohmann::json::parse(payload).at("id");  // the request carries it
  router_.on_device_reply("door-1", {"not-ours", true, "", {}});
  router_.on_device_reply("room-9", {id, true, "", {}});  // another device: ignored
  EXPECT_TRUE(answers_.empty());
  router_.on_device_reply("door-1", {id, true, "opened", {{"angle", 90.0}}});
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_TRUE(answers_[0].result.ok);
  EXPECT_EQ(answers_[0].result.message, "opened");
  EXPECT_EQ(answers_[0].result.values, (std::vector<store::Field>{{"angle", 90.0}}));
  EXPECT_EQ(answers_[0].command.request_id, "r6");
  router_.on_device_reply("door-1", {id, false, "late copy", {}});  // answered once only
  EXPECT_EQ(answers_.size(), 1u);
}

TEST_F(CommandCallsTest, ACallTheDeviceNeverAnswersFailsAtItsDeadline) {
  router_.on_command("door-1", call("r7", "open", {}), t0_);
  ASSERT_EQ(router_.next_deadline(), t0_ + 3s);
  router_.expire(t0_ + 2999ms);
  EXPECT_TRUE(answers_.empty());
  router_.expire(t0_ + 3s);
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_FALSE(answers_[0].result.ok);
  EXPECT_EQ(answers_[0].result.code, result_code::device_error);
  EXPECT_NE(answers_[0].result.message.find("did not answer"), std::string::npos);
  EXPECT_FALSE(router_.next_deadline().has_value());
}

TEST_F(CommandCallsTest, ACallTheBrokerDidNotTakeFailsAtOnce) {
  router_.on_command("door-1", call("r8", "open", {}), t0_);
  devices_.call_done[0](false, "local broker connection lost");
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_EQ(answers_[0].result.message, "local broker connection lost");
  EXPECT_EQ(router_.in_flight(), 0u);
}

TEST_F(CommandCallsTest, APropertySetWhoseBusNeverAnswersFailsAfterTheWriteTimeout) {
  Command set;
  set.kind = Command::Kind::set_points;
  set.request_id = "r9";
  set.values = {{"speed_setpoint", 1.0}};
  router_.on_command("pump-1", set, t0_);
  router_.expire(t0_ + CommandRouter::kWriteTimeout);
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_FALSE(answers_[0].result.ok);
  router_.on_write_result({"pump-1", devices_.writes[0].request_id, true, "ok", {}});  // too late
  EXPECT_EQ(answers_.size(), 1u);
}

}  // namespace
}  // namespace edgegw::daemon
