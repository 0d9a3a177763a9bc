// Events end to end on Tencent, Huawei and generic MQTT (Alibaba's are in e2e_test.cpp): the real
// edgegw between a pymodbus slave / a local mosquitto and the cloud emulator, whose plugin refuses
// an event that is not the platform's shape (tests/cloud/event_checks.hpp). What a user would
// check:
//   - an event raised by a Modbus condition (the limit register crossing 100) and one raised by a
//     local topic, both while the cloud is down and committed before a SIGKILL of edgegw, arrive
//     after the restart on the platform's event topic, in its format, once each;
//   - Tencent: each event carries its configured type; edgegw subscribes to $thing/down/event and
//     takes the cloud's event_reply, logging one whose code is not 0.
#include <gtest/gtest.h>
#include <modbus.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cloud/cloud_emulator.hpp"
#include "cloud/event_checks.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/net.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace edgegw::test {
namespace {

using namespace std::chrono_literals;
using cloud::Platform;

constexpr const char* kProductId = "EVENTSPID1";
constexpr const char* kPsk = "MTIzNDU2Nzg5MGFiY2RlZg==";  // "1234567890abcdef"

Registry events_registry() {
  Registry r;
  for (const std::string name : {"meter-1", "room-1"}) {
    r.add(HuaweiDevice{.device_id = "ev_" + name, .secret = "secret-" + name});
    r.add(MqttDevice{.device = name, .username = name, .password = "secret-" + name});
    r.add(TencentDevice{.product_id = kProductId, .device_name = name, .psk = kPsk});
  }
  return r;
}

std::string device_cloud(Platform platform, const std::string& name, const std::string& secret) {
  switch (platform) {
    case Platform::huawei:
      return "device_id = \"ev_" + name + "\"\ndevice_secret_file = \"" + secret + "\"\n";
    case Platform::tencent:
      return "product_id = \"" + std::string(kProductId) + "\"\ndevice_name = \"" + name +
             "\"\ndevice_psk_file = \"" + secret + "\"\n";
    default:
      return "username = \"" + name + "\"\npassword_file = \"" + secret + "\"\n";
  }
}

// One event as the cloud received it.
struct SeenEvent {
  std::string topic;
  nlohmann::json payload;
  cloud::EventCheck check;
};

class EventsTest : public ::testing::TestWithParam<Platform> {
 protected:
  EventsTest() : cloud_(events_registry()) {}
  ~EventsTest() override {
    edgegw_.reset();
    observer_.reset();
    simulator_.reset();
  }

  void start_observer() {
    if (observer_) seen_ += observer_->output();
    observer_ =
        std::make_unique<Process>(std::vector<std::string>{"mosquitto_sub",
                                                           "-h",
                                                           "127.0.0.1",
                                                           "-p",
                                                           std::to_string(cloud_.tls_port()),
                                                           "--cafile",
                                                           cloud_.ca_file().string(),
                                                           "-u",
                                                           cloud_.observer_username(),
                                                           "-P",
                                                           cloud_.observer_password(),
                                                           "-q",
                                                           "1",
                                                           "-v",
                                                           "-t",
                                                           "#",
                                                           "-t",
                                                           "$oc/#",
                                                           "-t",
                                                           "$thing/#"});
    const std::string probe = "devices/meter-1/probe";
    ASSERT_TRUE(wait_until(
        [&] {
          publish_at_cloud(probe, "probe");
          return observer_->output().find(probe) != std::string::npos;
        },
        20s, 200ms));
  }

  void start_simulator() {
    modbus_port_ = free_tcp_port();
    simulator_ = std::make_unique<Process>(std::vector<std::string>{
        system_python(), std::string(EDGEGW_SOURCE_DIR) + "/tests/sim/modbus_sim.py", "--port",
        std::to_string(modbus_port_), "--unit", "1"});
    ASSERT_TRUE(
        wait_until([&] { return simulator_->output().find("ready") != std::string::npos; }, 20s));
  }

  void write_config() {
    const Platform platform = GetParam();
    std::string cloud_table;
    if (platform == Platform::mqtt) {
      cloud_table =
          "platform = \"mqtt\"\nhost = \"127.0.0.1\"\ntls = false\n"
          "allow_plaintext = true\nport = " +
          std::to_string(cloud_.plain_port()) + "\n";
    } else if (platform == Platform::tencent) {
      cloud_table = "platform = \"tencent\"\nhost = \"127.0.0.1\"\nport = " +
                    std::to_string(cloud_.psk_port()) + "\n";
    } else {
      cloud_table = "platform = \"huawei\"\nhost = \"127.0.0.1\"\nport = " +
                    std::to_string(cloud_.tls_port()) + "\nca_file = \"" +
                    cloud_.ca_file().string() + "\"\n";
    }
    cloud_table += "backoff_min = \"100ms\"\nbackoff_max = \"1s\"\n";
    if (platform == Platform::mqtt) {
      cloud_table += "[cloud.mqtt]\nevent_topic = \"devices/{device}/events/{event}\"\n";
    }
    const bool psk = platform == Platform::tencent;
    const auto meter_secret = dir_.write("meter-secret", psk ? kPsk : "secret-meter-1");
    const auto room_secret = dir_.write("room-secret", psk ? kPsk : "secret-room-1");
    const std::string text =
        "[gateway]\nstate_dir = \"" + (dir_ / "state").string() + "\"\n[cloud]\n" + cloud_table +
        "[local_mqtt]\nhost = \"127.0.0.1\"\nport = " + std::to_string(local_->port()) +
        "\nclient_id = \"edgegw-events\"\n"
        "[[modbus]]\nname = \"sim\"\ntransport = \"tcp\"\nhost = \"127.0.0.1\"\nport = " +
        std::to_string(modbus_port_) +
        "\ntimeout = \"500ms\"\n"
        "[[device]]\nname = \"meter-1\"\n[device.cloud]\n" +
        device_cloud(platform, "meter-1", meter_secret.string()) +
        "[device.modbus]\nbus = \"sim\"\nunit = 1\ninterval = \"200ms\"\n"
        "[[device.modbus.point]]\nname = \"tick\"\ntable = \"holding\"\naddress = 6\n"
        "type = \"u16\"\n"
        "[[device.modbus.point]]\nname = \"limit\"\ntable = \"holding\"\naddress = 11\n"
        "type = \"u16\"\n"
        "[[device.modbus.event]]\nevent = \"LimitAbove\"\npoint = \"limit\"\nwhen = \"above\"\n"
        "threshold = 100\ntype = \"alert\"\n"
        "[[device]]\nname = \"room-1\"\n[device.cloud]\n" +
        device_cloud(platform, "room-1", room_secret.string()) +
        "[device.mqtt]\ntopic = \"sensors/room1/+\"\n"
        "[[device.mqtt.event]]\nevent = \"DoorAlarm\"\ntopic = \"sensors/room1/alarm\"\n";
    config_ = dir_.write("edgegw.toml", text);
  }

  void start_edgegw() {
    edgegw_ = std::make_unique<Process>(
        std::vector<std::string>{EDGEGW_BINARY, "-c", config_.string(), "run"},
        std::map<std::string, std::string>{},
        dir_ / ("edgegw-" + std::to_string(++edgegw_runs_) + ".log"));
  }

  std::string meter_uplink_topic() const {
    switch (GetParam()) {
      case Platform::huawei:
        return "$oc/devices/ev_meter-1/sys/properties/report ";
      case Platform::tencent:
        return std::string(kProductId) + "/meter-1/event ";
      default:
        return "devices/meter-1/telemetry ";
    }
  }

  // Every event the cloud accepted so far (the plugin drops malformed ones; checked again here
  // so a failure says why). A QoS 1 resend of one record (byte for byte the same: its PUBACK was
  // lost in a restart) counts once: what must not happen is a second event.
  std::vector<SeenEvent> events() const {
    std::vector<SeenEvent> out;
    std::set<std::string> lines;
    std::istringstream in(seen_ + (observer_ ? observer_->output() : std::string()));
    for (std::string line; std::getline(in, line);) {
      const auto space = line.find(' ');
      if (space == std::string::npos) continue;
      SeenEvent e;
      e.topic = line.substr(0, space);
      e.check = cloud::check_event(GetParam(), e.topic, line.substr(space + 1));
      if (!e.check.is_event || !lines.insert(line).second) continue;
      e.payload = nlohmann::json::parse(line.substr(space + 1), nullptr, false);
      out.push_back(std::move(e));
    }
    return out;
  }
  std::vector<SeenEvent> events_named(const std::string& name) const {
    std::vector<SeenEvent> out;
    for (auto& e : events()) {
      if (e.check.identifier == name) out.push_back(std::move(e));
    }
    return out;
  }

  bool publish_local(const std::string& topic, const std::string& payload) {
    return run_command({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(local_->port()),
                        "-q", "1", "-t", topic, "-m", payload})
               .exit_code == 0;
  }
  void publish_at_cloud(const std::string& topic, const std::string& payload) {
    run_command({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(cloud_.tls_port()),
                 "--cafile", cloud_.ca_file().string(), "-u", cloud_.observer_username(), "-P",
                 cloud_.observer_password(), "-q", "1", "-t", topic, "-m", payload});
  }
  bool write_register(int address, int value) {
    modbus_t* ctx = modbus_new_tcp("127.0.0.1", modbus_port_);
    if (!ctx) return false;
    const bool ok = modbus_set_slave(ctx, 1) == 0 && modbus_connect(ctx) == 0 &&
                    modbus_write_register(ctx, address, static_cast<std::uint16_t>(value)) == 1;
    modbus_close(ctx);
    modbus_free(ctx);
    return ok;
  }
  int committed_events() {
    auto r = run_command({"sqlite3", "-cmd", ".timeout 2000",
                          "file:" + (dir_ / "state" / "outbox.db").string() + "?mode=ro",
                          "SELECT count(*) FROM records WHERE kind = 1"});
    last_count_ = r.output;
    return r.exit_code == 0 ? std::atoi(r.output.c_str()) : -1;
  }

  TempDir dir_;
  CloudEmulator cloud_;
  std::unique_ptr<MosquittoBroker> local_;
  std::uint16_t modbus_port_ = 0;
  std::unique_ptr<Process> simulator_, observer_, edgegw_;
  std::filesystem::path config_;
  std::string seen_;        // what earlier observers received
  std::string last_count_;  // what sqlite3 said last
  int edgegw_runs_ = 0;
};

TEST_P(EventsTest, ModbusConditionAndLocalTopicEventsArriveInThePlatformsFormatAfterASigkill) {
  cloud_.start();
  start_simulator();
  local_ = MosquittoBroker::plain();
  start_observer();
  write_config();
  // edgegw's persistent session exists at the local broker from now on (as after a first run).
  auto r = run_command({"mosquitto_sub", "-h", "127.0.0.1", "-p", std::to_string(local_->port()),
                        "-i", "edgegw-events", "-c", "-q", "1", "-t", "sensors/room1/+", "-E"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  start_edgegw();
  // Polled: the limit's baseline (0) is known.
  ASSERT_TRUE(wait_until(
      [&] { return observer_->output().find(meter_uplink_topic()) != std::string::npos; }, 40s))
      << edgegw_->output() << observer_->output();

  cloud_.kill();
  ASSERT_TRUE(write_register(11, 150));
  ASSERT_TRUE(publish_local("sensors/room1/alarm", R"({"level":3})"));
  ASSERT_TRUE(wait_until([&] { return committed_events() == 2; }, 20s))
      << last_count_ << edgegw_->output();
  // The crossing's baseline is written right after its commit; a kill between the two sends the
  // event twice (at least once, by design), which is not what this test is about.
  const auto baselines = dir_ / "state" / "event-baselines.json";
  ASSERT_TRUE(
      wait_until([&] { return read_file(baselines).find("150") != std::string::npos; }, 10s))
      << read_file(baselines);
  edgegw_->signal(SIGKILL);
  ASSERT_TRUE(edgegw_->wait(10s).has_value());

  cloud_.start();
  start_observer();
  start_edgegw();
  ASSERT_TRUE(wait_until(
      [&] { return !events_named("LimitAbove").empty() && !events_named("DoorAlarm").empty(); },
      40s))
      << edgegw_->output() << seen_ << observer_->output();
  // The limit goes on being polled at 150 after the restart (the tick point's readings show the
  // polls): no second LimitAbove.
  const auto uplinks = [&] {
    const std::string out = observer_->output();
    std::size_t n = 0;
    for (auto at = out.find(meter_uplink_topic()); at != std::string::npos;
         at = out.find(meter_uplink_topic(), at + 1)) {
      ++n;
    }
    return n;
  };
  const auto after_events = uplinks();
  ASSERT_TRUE(wait_until([&] { return uplinks() >= after_events + 3; }, 20s)) << edgegw_->output();
  const auto limit = events_named("LimitAbove");
  ASSERT_EQ(limit.size(), 1u) << seen_ << observer_->output();
  EXPECT_TRUE(limit[0].check.ok()) << limit[0].check.problem;
  const auto door = events_named("DoorAlarm");
  ASSERT_EQ(door.size(), 1u);
  EXPECT_TRUE(door[0].check.ok()) << door[0].check.problem;
  switch (GetParam()) {
    case Platform::tencent:
      EXPECT_EQ(limit[0].topic, std::string("$thing/up/event/") + kProductId + "/meter-1");
      EXPECT_EQ(limit[0].payload["type"], "alert");
      EXPECT_EQ(limit[0].payload["params"]["limit"], 150);
      EXPECT_EQ(door[0].payload["type"], "info");
      EXPECT_EQ(door[0].payload["params"]["level"], 3);
      break;
    case Platform::huawei:
      EXPECT_EQ(limit[0].topic, "$oc/devices/ev_meter-1/sys/messages/up");
      EXPECT_EQ(limit[0].payload["content"]["limit"], 150);
      EXPECT_EQ(door[0].payload["content"]["level"], 3);
      break;
    default:
      EXPECT_EQ(limit[0].topic, "devices/meter-1/events/LimitAbove");
      EXPECT_EQ(limit[0].payload["params"]["limit"], 150);
      EXPECT_EQ(door[0].topic, "devices/room-1/events/DoorAlarm");
      EXPECT_EQ(door[0].payload["params"]["level"], 3);
      break;
  }

  if (GetParam() == Platform::tencent) {
    // The emulator's event_reply (code 0) is taken quietly; one refusing an event is logged.
    const std::string reply_topic = std::string("$thing/down/event/") + kProductId + "/meter-1";
    ASSERT_TRUE(wait_until(
        [&] { return observer_->output().find(reply_topic + " ") != std::string::npos; }, 10s));
    publish_at_cloud(
        reply_topic,
        R"({"method":"event_reply","clientToken":"77","code":406,"status":"no such event"})");
    EXPECT_TRUE(wait_until(
        [&] {
          return edgegw_->output().find("refused message 77 (code 406: no such event)") !=
                 std::string::npos;
        },
        10s))
        << edgegw_->output();
    EXPECT_EQ(edgegw_->output().find("ignoring a downlink message on $thing/down/event"),
              std::string::npos)
        << edgegw_->output();
  }
  edgegw_->signal(SIGTERM);
  EXPECT_EQ(edgegw_->wait(20s), std::optional<int>(0)) << edgegw_->output();
}

// A condition's baseline outlives a restart (issue 15: an event arrives once, across restarts):
// the limit crossing 100 while edgegw is stopped raises LimitAbove on the first poll after the
// start (it used to take that poll as a fresh baseline and say nothing), and a limit that was
// already above 100 before a restart raises nothing after it.
TEST_P(EventsTest, AConditionsBaselineSurvivesARestart) {
  if (GetParam() != Platform::mqtt) GTEST_SKIP() << "platform independent; run on one";
  cloud_.start();
  start_simulator();
  local_ = MosquittoBroker::plain();
  start_observer();
  write_config();
  auto polls_seen = [&] {
    const std::string out = observer_->output();
    std::size_t n = 0;
    for (auto at = out.find(meter_uplink_topic()); at != std::string::npos;
         at = out.find(meter_uplink_topic(), at + 1)) {
      ++n;
    }
    return n;
  };
  auto restart = [&](auto while_stopped) {
    edgegw_->signal(SIGTERM);
    ASSERT_EQ(edgegw_->wait(20s), std::optional<int>(0)) << edgegw_->output();
    while_stopped();
    const auto before = polls_seen();
    start_edgegw();
    // Polled since the start.
    ASSERT_TRUE(wait_until([&] { return polls_seen() > before; }, 30s)) << edgegw_->output();
  };
  start_edgegw();
  ASSERT_TRUE(wait_until([&] { return polls_seen() > 0; }, 40s)) << edgegw_->output();
  ASSERT_TRUE(wait_until(
      [&] { return std::filesystem::exists(dir_ / "state" / "event-baselines.json"); }, 10s))
      << edgegw_->output();

  restart([&] { ASSERT_TRUE(write_register(11, 150)); });
  ASSERT_TRUE(wait_until([&] { return events_named("LimitAbove").size() == 1; }, 20s))
      << edgegw_->output() << observer_->output();
  EXPECT_TRUE(events_named("LimitAbove")[0].check.ok());

  // Already above before this restart: nothing new, however long it polls.
  restart([] {});
  const auto polls = polls_seen();
  // The tick point moves: readings keep coming, each a poll that read the limit too.
  ASSERT_TRUE(wait_until([&] { return polls_seen() >= polls + 5; }, 20s)) << edgegw_->output();
  EXPECT_EQ(events_named("LimitAbove").size(), 1u) << observer_->output();
  edgegw_->signal(SIGTERM);
  EXPECT_EQ(edgegw_->wait(20s), std::optional<int>(0)) << edgegw_->output();
}

INSTANTIATE_TEST_SUITE_P(Platforms, EventsTest,
                         ::testing::Values(Platform::huawei, Platform::tencent, Platform::mqtt),
                         [](const auto& info) {
                           switch (info.param) {
                             case Platform::huawei:
                               return std::string("huawei");
                             case Platform::tencent:
                               return std::string("tencent");
                             default:
                               return std::string("mqtt");
                           }
                         });

}  // namespace
}  // namespace edgegw::test
