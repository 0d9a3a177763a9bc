// CommandRouter without a loop or a socket: the device side is an in-memory fake that records what
// it was asked to do and answers when the test says so; the reply sink records the answers. What
// the tests check is what the cloud would see: exactly one answer per command, with the outcome
// and the neutral code the platform turns into its own.
#include "daemon/command_router.hpp"

#include <gtest/gtest.h>

#include <map>

#include "northbound/platform.hpp"
#include "northbound/result_codes.hpp"

namespace edgegw::daemon {
namespace {

namespace result_code = northbound::result_code;
using northbound::Command;
using northbound::CommandResult;

class FakeDevices final : public DeviceSide {
 public:
  Kind kind_of(const std::string& device) const override {
    auto it = kinds.find(device);
    return it == kinds.end() ? Kind::none : it->second;
  }
  void write_points(southbound::WriteRequest request) override {
    writes.push_back(std::move(request));
  }
  std::optional<std::string> publish_command(const std::string& device,
                                             const std::vector<store::Field>& values,
                                             southbound::CommandDone done) override {
    if (refuse) return refuse;
    published.push_back({device, values});
    publish_done.push_back(std::move(done));
    return std::nullopt;
  }
  std::optional<std::string> publish_call(const std::string&, const std::string&,
                                          southbound::CommandDone) override {
    return std::string("no calls here");
  }
  bool read_points(southbound::ReadRequest request) override {
    if (!read_on_get) return false;
    reads.push_back(std::move(request));
    return true;
  }

  std::map<std::string, Kind> kinds{{"meter-1", Kind::modbus}, {"room-1", Kind::local_mqtt}};
  std::vector<southbound::WriteRequest> writes;
  std::vector<std::pair<std::string, std::vector<store::Field>>> published;
  std::vector<southbound::CommandDone> publish_done;
  std::optional<std::string> refuse;
  bool read_on_get = false;  // property_get = "device"
  std::vector<southbound::ReadRequest> reads;
};

struct Reply {
  std::string device;
  Command command;
  CommandResult result;
};

Command set(std::string id, std::vector<store::Field> values) {
  Command c;
  c.kind = Command::Kind::set_points;
  c.request_id = std::move(id);
  c.values = std::move(values);
  return c;
}

class CommandRouterTest : public ::testing::Test {
 protected:
  FakeDevices devices_;
  LastValues last_values_;
  std::vector<Reply> replies_;
  bool reply_queue_full_ = false;
  CommandRouter router_{
      devices_, last_values_,
      [this](const std::string& device, const Command& command, const CommandResult& result) {
        replies_.push_back({device, command, result});
        return !reply_queue_full_;
      }};
};

TEST_F(CommandRouterTest, APropertySetOnAModbusDeviceBecomesThatDevicesWriteAndIsAnsweredWhenDone) {
  const Command command = set("17", {{"setpoint", 21.5}, {"enabled", true}});
  router_.on_command("meter-1", command);
  ASSERT_EQ(devices_.writes.size(), 1u);
  EXPECT_EQ(devices_.writes[0].device, "meter-1");
  EXPECT_EQ(devices_.writes[0].values, command.values);
  EXPECT_TRUE(replies_.empty());  // not before the bus has written
  EXPECT_EQ(router_.in_flight(), 1u);

  router_.on_write_result({"meter-1", devices_.writes[0].request_id, true, "ok", {}});
  ASSERT_EQ(replies_.size(), 1u);
  EXPECT_EQ(replies_[0].device, "meter-1");
  EXPECT_EQ(replies_[0].command, command);
  EXPECT_EQ(replies_[0].result, (CommandResult{true, result_code::ok, "ok", {}}));
  EXPECT_EQ(router_.in_flight(), 0u);

  // A late duplicate of the same result answers nothing twice.
  router_.on_write_result({"meter-1", devices_.writes[0].request_id, true, "ok", {}});
  EXPECT_EQ(replies_.size(), 1u);
}

TEST_F(CommandRouterTest, AFailedModbusWriteIsAnsweredAsAFailureWithTheRightCode) {
  router_.on_command("meter-1", set("1", {{"setpoint", 99.0}}));
  router_.on_command("meter-1", set("2", {{"nonsense", 1.0}}));
  ASSERT_EQ(devices_.writes.size(), 2u);
  EXPECT_NE(devices_.writes[0].request_id, devices_.writes[1].request_id);
  // Answers in the order the bus finishes, each to its own command.
  router_.on_write_result({"meter-1",
                           devices_.writes[1].request_id,
                           false,
                           "point nonsense: unknown",
                           {{"nonsense", "unknown"}}});
  router_.on_write_result(
      {"meter-1", devices_.writes[0].request_id, false, "the device did not answer", {}});
  ASSERT_EQ(replies_.size(), 2u);
  EXPECT_EQ(replies_[0].command.request_id, "2");
  EXPECT_EQ(replies_[0].result,
            (CommandResult{false, result_code::bad_parameter, "point nonsense: unknown", {}}));
  EXPECT_EQ(replies_[1].command.request_id, "1");
  EXPECT_EQ(replies_[1].result,
            (CommandResult{false, result_code::device_error, "the device did not answer", {}}));
  EXPECT_EQ(router_.counters().commands, 2u);
  EXPECT_EQ(router_.counters().failures, 2u);
}

TEST_F(CommandRouterTest, APropertySetOnALocalMqttDeviceIsPublishedAndAnsweredFromTheBroker) {
  router_.on_command("room-1", set("5", {{"fan", true}}));
  ASSERT_EQ(devices_.published.size(), 1u);
  EXPECT_EQ(devices_.published[0].first, "room-1");
  EXPECT_TRUE(devices_.writes.empty());
  EXPECT_TRUE(replies_.empty());
  devices_.publish_done[0](true, "published");
  ASSERT_EQ(replies_.size(), 1u);
  EXPECT_EQ(replies_[0].result, (CommandResult{true, result_code::ok, "published", {}}));

  router_.on_command("room-1", set("6", {{"fan", false}}));
  devices_.publish_done[1](false, "the local broker went away");
  ASSERT_EQ(replies_.size(), 2u);
  EXPECT_EQ(replies_[1].result,
            (CommandResult{false, result_code::device_error, "the local broker went away", {}}));
}

TEST_F(CommandRouterTest, APublishThatCannotBeSentIsAnsweredAtOnce) {
  devices_.refuse = "not connected to the local broker";
  router_.on_command("room-1", set("7", {{"fan", true}}));
  ASSERT_EQ(replies_.size(), 1u);
  EXPECT_EQ(
      replies_[0].result,
      (CommandResult{false, result_code::device_error, "not connected to the local broker", {}}));
}

TEST_F(CommandRouterTest, AnUnknownDeviceOrCommandGetsNotSupported) {
  router_.on_command("no-such-device", set("8", {{"x", 1.0}}));
  Command run;
  run.kind = Command::Kind::run_command;
  run.request_id = "9";
  run.name = "reboot";
  router_.on_command("meter-1", run);
  ASSERT_EQ(replies_.size(), 2u);
  EXPECT_FALSE(replies_[0].result.ok);
  EXPECT_EQ(replies_[0].result.code, result_code::not_supported);
  EXPECT_EQ(replies_[1].command, run);
  EXPECT_FALSE(replies_[1].result.ok);
  EXPECT_EQ(replies_[1].result.code, result_code::not_supported);
  EXPECT_NE(replies_[1].result.message.find("reboot"), std::string::npos);
  EXPECT_TRUE(devices_.writes.empty());
  EXPECT_TRUE(devices_.published.empty());
}

TEST_F(CommandRouterTest, APropertyGetIsAnsweredFromTheLastReportedValues) {
  last_values_.remember(
      {"meter-1", 1, 1000, store::RecordKind::telemetry, {{"volts", 230.5}, {"amps", 1.5}}});
  last_values_.remember({"meter-1", 2, 2000, store::RecordKind::telemetry, {{"volts", 231.0}}});
  Command get;
  get.kind = Command::Kind::get_points;
  get.request_id = "10";
  get.values = {{"volts", false}};
  router_.on_command("meter-1", get);
  get.request_id = "11";
  get.values = {{"volts", false}, {"hz", false}};
  router_.on_command("meter-1", get);
  get.request_id = "12";
  get.values = {{"hz", false}};
  router_.on_command("meter-1", get);

  ASSERT_EQ(replies_.size(), 3u);
  EXPECT_EQ(replies_[0].result, (CommandResult{true, result_code::ok, "ok", {{"volts", 231.0}}}));
  // Partly known: what is known, and which names are not.
  EXPECT_EQ(
      replies_[1].result,
      (CommandResult{true, result_code::ok, "no value reported yet for: hz", {{"volts", 231.0}}}));
  EXPECT_EQ(
      replies_[2].result,
      (CommandResult{false, result_code::bad_parameter, "no value reported yet for: hz", {}}));
  EXPECT_TRUE(devices_.writes.empty());
}

// property_get = "device": the get becomes a read of the asked points and is answered with what
// the device says; a failed or late read is answered from the last values, with their age.
TEST_F(CommandRouterTest, APropertyGetReadsTheDeviceAndFallsBackToAgedLastValues) {
  devices_.read_on_get = true;
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  last_values_.remember(
      {"meter-1", 1, now_ms - 42000, store::RecordKind::telemetry, {{"volts", 230.5}}});
  Command get;
  get.kind = Command::Kind::get_points;
  get.values = {{"volts", false}};
  const auto t0 = CommandRouter::Clock::now();
  for (const char* id : {"20", "21", "22"}) {
    get.request_id = id;
    router_.on_command("meter-1", get, t0);
  }
  ASSERT_EQ(devices_.reads.size(), 3u);
  EXPECT_EQ(devices_.reads[0].points, std::vector<std::string>{"volts"});
  EXPECT_TRUE(replies_.empty());  // nothing answered before the device

  router_.on_read_result({"meter-1", devices_.reads[0].request_id, true, "ok", {{"volts", 229.0}}});
  router_.on_read_result(
      {"meter-1", devices_.reads[1].request_id, false, "not read: volts (timeout)", {}});
  router_.expire(t0 + CommandRouter::kReadTimeout);
  ASSERT_EQ(replies_.size(), 3u);
  EXPECT_EQ(replies_[0].result, (CommandResult{true, result_code::ok, "ok", {{"volts", 229.0}}}));
  EXPECT_TRUE(replies_[1].result.ok);
  EXPECT_EQ(replies_[1].result.values, (std::vector<store::Field>{{"volts", 230.5}}));
  EXPECT_EQ(replies_[1].result.message,
            "the device read failed (not read: volts (timeout)); answered from the last values, "
            "42 s old");
  EXPECT_EQ(replies_[2].command.request_id, "22");
  EXPECT_EQ(replies_[2].result.message,
            "the device did not answer the read in time; answered from the last values, 42 s old");
  EXPECT_EQ(router_.in_flight(), 0u);
}

TEST_F(CommandRouterTest, AReplyThatCannotBeQueuedIsCountedNotRetried) {
  reply_queue_full_ = true;
  router_.on_command("no-such-device", set("13", {{"x", 1.0}}));
  EXPECT_EQ(replies_.size(), 1u);
  EXPECT_EQ(router_.counters().failures, 1u);
}

}  // namespace
}  // namespace edgegw::daemon
