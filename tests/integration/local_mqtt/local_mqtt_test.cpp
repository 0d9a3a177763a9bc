// The local MQTT source against a real mosquitto, fed with mosquitto_pub: values arrive as
// records, QoS 1 messages are acknowledged to the broker only after they were committed (a source
// that goes away before the commit gets them again), bad payloads are counted and do not come back,
// the source returns after a broker restart, and commands reach the device's command topic.
#include <gtest/gtest.h>
#include <systemd/sd-event.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mqtt/resolver.hpp"
#include "southbound/json_fields.hpp"
#include "southbound/local_mqtt_source.hpp"
#include "support/loop_runner.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace edgegw::southbound {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using test::MosquittoBroker;

// A reading the source handed over, with its commit callback (run by the test when it commits).
struct Handed {
  store::Record record;
  std::function<void()> on_committed;
};

class LocalMqttTest : public ::testing::Test {
 protected:
  LocalMqttTest() {
    sd_event_new(&loop_);
    resolver_ = std::make_unique<mqtt::Resolver>(loop_);
    broker_ = MosquittoBroker::plain();
  }
  ~LocalMqttTest() override {
    source_.reset();
    resolver_.reset();
    sd_event_unref(loop_);
  }

  bool run_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 10s) {
    return test::run_loop_until(loop_, condition, timeout);
  }

  // Destroys the source (closing its connection without DISCONNECT, as a crash would) and waits
  // until the broker has seen the connection end: it has then read everything the source sent,
  // PUBACKs included, so what the next source gets does not depend on which socket the broker
  // happens to read first.
  void drop_source() {
    const auto closed_before = connections_closed();
    source_.reset();
    ASSERT_TRUE(test::wait_until([&] { return connections_closed() > closed_before; }))
        << broker_->log();
  }
  std::size_t connections_closed() const {
    const std::string log = broker_->log();
    const std::string line = "Client edgegw-test closed its connection";
    std::size_t n = 0;
    for (auto at = log.find(line); at != std::string::npos; at = log.find(line, at + 1)) ++n;
    return n;
  }

  // A source for `devices`; with auto_commit every record counts as committed at once.
  void make_source(std::vector<LocalMqttDevice> devices, bool auto_commit = true,
                   std::uint32_t max_payload = 256 * 1024) {
    LocalMqttOptions o;
    o.host = "127.0.0.1";
    o.port = broker_->port();
    o.client_id = "edgegw-test";
    o.max_payload = max_payload;
    source_ = std::make_unique<LocalMqttSource>(
        loop_, *resolver_, o, std::move(devices),
        [this, auto_commit](store::Record r, std::function<void()> on_committed) {
          if (auto_commit && on_committed) on_committed();
          handed_.push_back({std::move(r), auto_commit ? nullptr : std::move(on_committed)});
        },
        [this](loop::LogLevel, std::string_view device, std::string_view line) {
          log_.push_back(device.empty() ? std::string(line)
                                        : std::string(device) + ": " + std::string(line));
        });
    source_->start();
    ASSERT_TRUE(run_until([&] { return source_->subscribed(); })) << source_->last_error();
  }

  void publish(const std::string& topic, const std::string& payload, int qos = 1) {
    auto r = test::run_command({"mosquitto_pub", "-h", "127.0.0.1", "-p",
                                std::to_string(broker_->port()), "-q", std::to_string(qos), "-t",
                                topic, "-m", payload});
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  // mosquitto_pub -f: a payload too long for one command-line argument; -l: one message per line.
  void publish_file(const std::string& topic, const std::filesystem::path& file, bool lines) {
    const std::string command = "mosquitto_pub -h 127.0.0.1 -p " + std::to_string(broker_->port()) +
                                " -q 1 -t '" + topic + "' " + (lines ? "-l < '" : "-f '") +
                                file.string() + "'";
    auto r = test::run_command({"sh", "-c", command});
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  std::size_t log_lines_with(const std::string& text) const {
    return static_cast<std::size_t>(std::count_if(log_.begin(), log_.end(), [&](const auto& l) {
      return l.find(text) != std::string::npos;
    }));
  }

  static MqttDeviceOptions options_of(std::string topic, FieldMap fields = {},
                                      std::string command_topic = "") {
    MqttDeviceOptions options;
    options.topic = std::move(topic);
    options.fields = std::move(fields);
    options.command_topic = std::move(command_topic);
    return options;
  }
  static LocalMqttDevice device(std::string name, std::string topic, FieldMap fields = {},
                                std::string command_topic = "") {
    return {std::move(name),
            options_of(std::move(topic), std::move(fields), std::move(command_topic))};
  }

  std::vector<std::string> payload_names() const {
    std::vector<std::string> out;
    for (const auto& h : handed_) out.push_back(h.record.device);
    return out;
  }

  sd_event* loop_ = nullptr;
  std::unique_ptr<mqtt::Resolver> resolver_;
  std::unique_ptr<MosquittoBroker> broker_;
  std::unique_ptr<LocalMqttSource> source_;
  std::vector<Handed> handed_;
  std::vector<std::string> log_;
};

TEST_F(LocalMqttTest, ValuesArriveAsRecordsOfTheMatchingDevices) {
  make_source({device("room1", "sensors/room1/telemetry"), device("room2", "sensors/room2/+"),
               device("all", "sensors/#", {{"t", "/temp"}})});
  publish("sensors/room1/telemetry", R"({"temp":21.5,"hum":40})");
  publish("sensors/room2/humidity", "55");
  ASSERT_TRUE(run_until([&] { return handed_.size() >= 3; }));
  // The first message matches room1 and "all"; the bare value matches room2 only ("all" maps a
  // pointer that a bare number does not have: refused and counted for "all").
  ASSERT_TRUE(run_until([&] { return source_->counters().malformed == 1; }));
  ASSERT_EQ(handed_.size(), 3u);
  EXPECT_EQ(handed_[0].record.device, "room1");
  EXPECT_EQ(handed_[0].record.fields,
            (std::vector<store::Field>{{"hum", std::int64_t{40}}, {"temp", 21.5}}));
  EXPECT_EQ(handed_[1].record.device, "all");
  EXPECT_EQ(handed_[1].record.fields, (std::vector<store::Field>{{"t", 21.5}}));
  EXPECT_EQ(handed_[2].record.device, "room2");
  EXPECT_EQ(handed_[2].record.fields, (std::vector<store::Field>{{"humidity", std::int64_t{55}}}));
  EXPECT_GT(handed_[0].record.time_ms, 1'600'000'000'000);
  EXPECT_EQ(source_->counters().received, 2u);
  EXPECT_EQ(source_->counters().acked, 2u);
}

// Devices with plain topics are found by hash and those with wildcards by matching: a topic both
// kinds share still yields its records in configuration order, and an event topic is found too.
TEST_F(LocalMqttTest, DevicesSharingATopicGetRecordsInConfigurationOrder) {
  auto door = options_of("site/door/telemetry");
  door.events.push_back({"opened", "site/shared", {}, {}});
  LocalMqttDevice with_event("door", door);
  make_source({device("wild", "site/#"), device("first", "site/shared"), with_event,
               device("second", "site/shared"), device("other", "site/other")});
  publish("site/shared", "1");
  ASSERT_TRUE(run_until([&] { return handed_.size() >= 4; }));
  EXPECT_EQ(payload_names(), (std::vector<std::string>{"wild", "first", "door", "second"}));
  EXPECT_EQ(handed_[2].record.kind, store::RecordKind::event);
}

TEST_F(LocalMqttTest, Qos1IsAcknowledgedOnlyAfterCommit) {
  make_source({device("room1", "sensors/room1")}, /*auto_commit=*/false);
  publish("sensors/room1", R"({"v":1})");
  ASSERT_TRUE(run_until([&] { return handed_.size() == 1; }));
  EXPECT_EQ(source_->counters().acked, 0u);

  // Gone before the commit (as after a crash): the broker sends the message again.
  source_.reset();
  handed_.clear();
  make_source({device("room1", "sensors/room1")}, /*auto_commit=*/false);
  ASSERT_TRUE(run_until([&] { return handed_.size() == 1; }));
  EXPECT_EQ(handed_[0].record.fields, (std::vector<store::Field>{{"v", std::int64_t{1}}}));

  // Committed now: acknowledged, and never seen again.
  handed_[0].on_committed();
  EXPECT_EQ(source_->counters().acked, 1u);
  drop_source();  // the PUBACK reached the broker
  handed_.clear();
  // make_source() waits for the SUBACK; mosquitto resends what is unacknowledged right after
  // CONNACK, before it reads the SUBSCRIBE, so a redelivery would be in handed_ by then.
  make_source({device("room1", "sensors/room1")});
  publish("sensors/room1", R"({"v":2})");
  ASSERT_TRUE(run_until([&] { return !handed_.empty(); }));
  ASSERT_EQ(handed_.size(), 1u);
  EXPECT_EQ(handed_[0].record.fields, (std::vector<store::Field>{{"v", std::int64_t{2}}}));
}

// The broker stops at its window (mosquitto's max_inflight_messages, 20 by default) until edgegw
// acknowledges, i.e. commits: the source says so, and the group commit then does not pace
// (daemon/group_commit.hpp). Below 16 (or the most it ever held at once) it may still send more.
TEST_F(LocalMqttTest, ASourceAtTheBrokersWindowSaysItWaitsOnTheCommit) {
  make_source({device("room1", "sensors/room1")}, /*auto_commit=*/false);
  EXPECT_FALSE(source_->blocked_on_commit());
  test::TempDir dir;
  std::string lines;
  for (int i = 0; i < 30; ++i) lines += R"({"v":)" + std::to_string(i) + "}\n";
  const auto file = dir.write("messages", lines);
  publish_file("sensors/room1", file, /*lines=*/true);
  ASSERT_TRUE(run_until([&] { return handed_.size() == 20; }));
  EXPECT_EQ(source_->awaiting_commit(), 20u);
  EXPECT_TRUE(source_->blocked_on_commit());

  for (int i = 0; i < 5; ++i) handed_[i].on_committed();
  EXPECT_EQ(source_->awaiting_commit(), 15u);
  EXPECT_FALSE(source_->blocked_on_commit());  // the broker has room for 5 more
  // It sends them (mosquitto 2.0.11 sends all 10 queued: more than its window).
  ASSERT_TRUE(run_until([&] { return handed_.size() >= 25; }));
  EXPECT_TRUE(source_->blocked_on_commit());

  std::size_t committed = 5;
  ASSERT_TRUE(run_until([&] {
    for (; committed < handed_.size(); ++committed) handed_[committed].on_committed();
    return committed == 30;
  }));
  EXPECT_EQ(source_->awaiting_commit(), 0u);
  EXPECT_FALSE(source_->blocked_on_commit());
  EXPECT_EQ(source_->counters().acked, 30u);
}

TEST_F(LocalMqttTest, MessagesPublishedWhileAwayAreQueuedByTheBroker) {
  make_source({device("room1", "sensors/room1")});
  source_.reset();
  for (int i = 0; i < 5; ++i) publish("sensors/room1", std::to_string(i));
  make_source({device("room1", "sensors/room1")});
  ASSERT_TRUE(run_until([&] { return handed_.size() == 5; }));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(handed_[i].record.fields, (std::vector<store::Field>{{"value", std::int64_t{i}}}));
  }
}

TEST_F(LocalMqttTest, BadPayloadsAreCountedAcknowledgedAndNotRedelivered) {
  make_source({device("room1", "sensors/room1")}, true, /*max_payload=*/100);
  publish("sensors/room1", "not json at all");
  publish("sensors/room1", std::string(200, '1'));
  publish("sensors/room1", "[1,2,3]");
  publish("sensors/room1", R"({"ok":true})");
  ASSERT_TRUE(run_until([&] { return handed_.size() == 1; }));
  EXPECT_EQ(source_->counters().malformed, 2u);
  EXPECT_EQ(source_->counters().oversized, 1u);
  EXPECT_EQ(source_->counters().acked, 4u);
  // One warning for the device, then debug lines.
  ASSERT_FALSE(log_.empty());

  drop_source();  // its PUBACKs reached the broker
  handed_.clear();
  make_source({device("room1", "sensors/room1")});  // a redelivery would come before the SUBACK
  publish("sensors/room1", "7");
  ASSERT_TRUE(run_until([&] { return !handed_.empty(); }));
  EXPECT_EQ(handed_.size(), 1u);
  EXPECT_EQ(source_->counters().malformed, 0u);
}

// Issue 16: one 400 KB QoS 1 message (max_payload 256 KiB) used to close the link and reconnect
// every 0.5 s while the broker redelivered it; no other local device got through.
TEST_F(LocalMqttTest, AnOversizedMessageIsReadPastAcknowledgedAndLoggedOnce) {
  make_source({device("big", "sensors/big"), device("room2", "sensors/room2")});
  test::TempDir dir;
  const auto file = dir.write("big.json", "{\"v\":\"" + std::string(400 * 1024, 'x') + "\"}");
  publish_file("sensors/big", file, false);
  for (int i = 0; i < 10; ++i) publish("sensors/room2", std::to_string(i));
  ASSERT_TRUE(run_until([&] { return handed_.size() == 10; })) << source_->last_error();
  EXPECT_EQ(source_->counters().oversized, 1u);
  EXPECT_EQ(source_->counters().connects, 1u) << source_->last_error();
  EXPECT_EQ(source_->counters().acked, 11u);
  EXPECT_EQ(log_lines_with("over max_payload"), 1u);
  publish_file("sensors/big", file, false);  // a second one: counted, no second line this minute
  ASSERT_TRUE(run_until([&] { return source_->counters().oversized == 2; }));
  EXPECT_EQ(log_lines_with("over max_payload"), 1u);

  drop_source();  // acknowledged: the broker does not send it again
  handed_.clear();
  make_source({device("big", "sensors/big"), device("room2", "sensors/room2")});
  publish("sensors/room2", "7");
  ASSERT_TRUE(run_until([&] { return !handed_.empty(); }));
  EXPECT_EQ(source_->counters().oversized, 0u);
}

// Issue 14: a flood of malformed payloads gives a few warnings, not one per message. (900: the
// broker queues at most 1,000 messages for a session and drops the rest.)
TEST_F(LocalMqttTest, AFloodOfMalformedPayloadsIsRateLimited) {
  make_source({device("room1", "sensors/room1")});
  test::TempDir dir;
  std::string lines;
  for (int i = 0; i < 900; ++i) lines += "not json " + std::to_string(i) + "\n";
  publish_file("sensors/room1", dir.write("bad.txt", lines), true);
  publish("sensors/room1", "1");
  ASSERT_TRUE(run_until([&] { return handed_.size() == 1; }))
      << source_->counters().received << " received, " << source_->counters().malformed
      << " malformed, " << source_->last_error();
  EXPECT_EQ(source_->counters().malformed, 900u);
  EXPECT_LE(log_lines_with("refused"), 3u);
}

TEST_F(LocalMqttTest, ReconnectsAfterTheBrokerRestarts) {
  make_source({device("room1", "sensors/room1")});
  broker_->kill();
  ASSERT_TRUE(run_until([&] { return !source_->connected(); }));
  broker_->start();
  ASSERT_TRUE(run_until([&] { return source_->subscribed(); }, 30s)) << source_->last_error();
  publish("sensors/room1", "1");
  ASSERT_TRUE(run_until([&] { return handed_.size() == 1; }));
  EXPECT_EQ(source_->counters().connects, 2u);
}

// A broker that was not up yet when edgegw started is reached for the first time: the journal said
// "connected again after" a link that had never been up.
TEST_F(LocalMqttTest, ABrokerFirstReachedLateIsNotSaidToBeBackAgain) {
  broker_->kill();
  LocalMqttOptions o;
  o.host = "127.0.0.1";
  o.port = broker_->port();
  o.client_id = "edgegw-test";
  source_ = std::make_unique<LocalMqttSource>(
      loop_, *resolver_, o, std::vector<LocalMqttDevice>{device("room1", "sensors/room1")},
      [](store::Record, std::function<void()> on_committed) {
        if (on_committed) on_committed();
      },
      [this](loop::LogLevel, std::string_view, std::string_view line) { log_.emplace_back(line); });
  source_->start();
  ASSERT_TRUE(run_until([&] { return log_lines_with("(backing off)") == 1; }));
  broker_->start();
  ASSERT_TRUE(run_until([&] { return source_->subscribed(); }, 30s)) << source_->last_error();
  const std::string reached = "local broker 127.0.0.1:" + std::to_string(broker_->port());
  EXPECT_EQ(log_lines_with(reached + " connected after "), 1u) << ::testing::PrintToString(log_);
  EXPECT_EQ(log_lines_with("again"), 0u) << ::testing::PrintToString(log_);
  // Lost and back: that one is "again".
  broker_->kill();
  ASSERT_TRUE(run_until([&] { return !source_->connected(); }));
  broker_->start();
  ASSERT_TRUE(run_until([&] { return source_->subscribed(); }, 30s)) << source_->last_error();
  EXPECT_EQ(log_lines_with(reached + " connected again after "), 1u)
      << ::testing::PrintToString(log_);
}

TEST_F(LocalMqttTest, CommandsArePublishedToTheCommandTopic) {
  // "echo" listens on the relay's command topic, so what the source publishes comes back to it.
  make_source({device("relay", "relays/1/state", {}, "relays/1/set"), device("plain", "p/1"),
               device("echo", "relays/1/set")});
  std::optional<bool> ok;
  auto refused =
      source_->publish_command("relay", {{"on", true}, {"level", std::int64_t{3}}, {"name", "x"s}},
                               [&](bool result, const std::string&) { ok = result; });
  ASSERT_FALSE(refused) << *refused;
  ASSERT_TRUE(run_until([&] { return ok.has_value() && handed_.size() == 1; }));
  EXPECT_TRUE(*ok);
  EXPECT_EQ(handed_[0].record.device, "echo");
  EXPECT_EQ(handed_[0].record.fields,
            (std::vector<store::Field>{{"level", std::int64_t{3}}, {"name", "x"s}, {"on", true}}));
  EXPECT_EQ(source_->counters().commands, 1u);

  EXPECT_EQ(source_->publish_command("plain", {{"on", true}}, nullptr),
            "the device has no command_topic");
  EXPECT_EQ(source_->publish_command("nobody", {{"on", true}}, nullptr), "not a local MQTT device");
  EXPECT_EQ(source_->publish_command("relay", {}, nullptr), "no values to set");
}

// A device's reply is found by its reply topic, plain ones by search and wildcard ones by
// matching, and a topic several devices' reply topics cover goes to the first of them in the
// configuration; a reply is acted on, never stored as a reading.
TEST_F(LocalMqttTest, AReplyGoesToTheFirstDeviceWhoseReplyTopicMatches) {
  const auto with_reply = [](std::string name, std::string topic, std::string reply) {
    auto options = options_of(std::move(topic), {}, "cmd/" + name);
    options.reply_topic = std::move(reply);
    return LocalMqttDevice{std::move(name), std::move(options)};
  };
  make_source({with_reply("a", "t/a", "r/a"), with_reply("wild", "t/wild", "r/+"),
               with_reply("b", "t/b", "r/b"), device("plain", "t/plain")});
  std::vector<std::pair<std::string, std::string>> replies;  // device, id
  source_->on_reply([&](const std::string& device, DeviceReply reply) {
    replies.emplace_back(device, reply.id);
  });
  publish("r/a", R"({"id":"1","ok":true})");
  publish("r/b", R"({"id":"2","ok":true})");
  publish("r/c", R"({"id":"3","ok":true})");
  publish("t/plain", "5");
  ASSERT_TRUE(run_until([&] { return replies.size() == 3 && handed_.size() == 1; }));
  EXPECT_EQ(replies, (std::vector<std::pair<std::string, std::string>>{
                         {"a", "1"}, {"wild", "2"}, {"wild", "3"}}));
  EXPECT_EQ(payload_names(), (std::vector<std::string>{"plain"}));
}

}  // namespace
}  // namespace edgegw::southbound
