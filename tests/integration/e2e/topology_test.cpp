// cloud.mode = "gateway" end to end on Alibaba (issue 20): the devices are sub-devices of the
// gateway identity and reach the cloud through its one connection. What a user checks: the cloud
// sees one connection, each sub-device's readings arrive on its own Alink topics, a command to one
// is answered on its own reply topic, a refused sub-device is reported for that device while the
// others carry on, and after the gateway's connection is lost everything comes back with no
// reading lost.
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "fleet_fixture.hpp"
#include "support/wait.hpp"

namespace edgegw::test {
namespace {

using namespace std::chrono_literals;

class TopologyTest : public FleetTest {
 protected:
  // Cloud, simulator, local broker, observer and edgegw in gateway mode; returns once the gateway
  // is accepted. "off-1" is disabled in the cloud's registry (fleet_registry()).
  void start_gateway_mode() {
    cloud_.start();
    start_simulator();
    local_ = MosquittoBroker::plain();
    start_observer();
    write_gateway_config();
    start_edgegw();
    ASSERT_TRUE(wait_until([&] { return accepted(cloud_identity(kGateway)); }, 40s, 200ms))
        << edgegw_->output() << cloud_.log();
  }

  // pump-1 (Modbus), `listener` (local MQTT, topic "<name before '-'>/data") and off-1.
  void write_gateway_config(const std::string& listener = "door-1") {
    const std::string text =
        "[gateway]\nstate_dir = \"" + (dir_ / "state").string() + "\"\nname = \"" + kGateway +
        "\"\nstatus_file = \"" + (dir_ / "status.json").string() + "\"\nmetrics_file = \"" +
        (dir_ / "metrics.prom").string() + "\"\n[gateway.cloud]\n" + aliyun_keys(kGateway) +
        "[cloud]\nplatform = \"aliyun\"\nhost = \"127.0.0.1\"\nport = " +
        std::to_string(cloud_.tls_port()) + "\nca_file = \"" + cloud_.ca_file().string() +
        "\"\nmode = \"gateway\"\nsub_logins_per_second = 50\n"
        "backoff_min = \"100ms\"\nbackoff_max = \"1s\"\n"
        "[local_mqtt]\nhost = \"127.0.0.1\"\nport = " +
        std::to_string(local_->port()) +
        "\nclient_id = \"edgegw-topology\"\n"
        "[[modbus]]\nname = \"sim\"\ntransport = \"tcp\"\nhost = \"127.0.0.1\"\nport = " +
        std::to_string(modbus_port_) +
        "\ntimeout = \"200ms\"\nretries = 0\n"
        "[[device]]\nname = \"pump-1\"\n[device.cloud]\n" +
        aliyun_keys("pump-1") +
        "[device.modbus]\nbus = \"sim\"\nunit = 1\ninterval = \"200ms\"\n"
        "[[device.modbus.point]]\nname = \"tick\"\naddress = 6\n"
        "[[device.modbus.point]]\nname = \"setpoint\"\naddress = 10\nwritable = true\n"
        "[[device.command]]\nname = \"set_speed\"\nwrite = { rpm = \"setpoint\" }\n"
        "output = [\"setpoint\"]\n"
        "[[device]]\nname = \"" +
        listener + "\"\n[device.cloud]\n" + aliyun_keys(listener) + "[device.mqtt]\ntopic = \"" +
        listener.substr(0, listener.find('-')) + "/data\"\n" +
        "[[device]]\nname = \"off-1\"\n[device.cloud]\n" + aliyun_keys("off-1") +
        "[device.mqtt]\ntopic = \"off/data\"\n";
    config_ = dir_.write("edgegw.toml", text);
  }

  std::string aliyun_keys(const std::string& name) {
    const auto secret = dir_.write(name + "-secret", "secret-" + name);
    return "product_key = \"" + std::string(kProductKey) + "\"\ndevice_name = \"" + name +
           "\"\ndevice_secret_file = \"" + secret.string() + "\"\n";
  }

  // The Alink ids (the records' sequences) of a device's property posts.
  std::set<std::uint64_t> ids(const std::string& device) const {
    std::set<std::uint64_t> out;
    for (const auto& payload : payloads(property_topic(device))) {
      auto j = nlohmann::json::parse(payload, nullptr, false);
      if (j.is_object() && j.contains("id") && j["id"].is_string()) {
        out.insert(std::stoull(j["id"].get<std::string>()));
      }
    }
    return out;
  }

  // The values of property `name` posted for a device.
  std::set<std::string> values(const std::string& device, const std::string& name) const {
    std::set<std::string> out;
    for (const auto& payload : payloads(property_topic(device))) {
      auto props = properties_of(payload);
      if (auto it = props.find(name); it != props.end()) out.insert(it->second);
    }
    return out;
  }

  // `edgegw status --json`: device name → its entry.
  std::map<std::string, nlohmann::json> status_devices() const {
    const auto r = run_command({EDGEGW_BINARY, "-c", config_.string(), "status", "--json"});
    std::map<std::string, nlohmann::json> out;
    auto j = nlohmann::json::parse(r.output, nullptr, false);
    if (!j.is_object() || !j.contains("devices")) return out;
    for (const auto& d : j["devices"]) out[d.value("name", "")] = d;
    return out;
  }

  std::string state_of(const std::string& device) const {
    auto devices = status_devices();
    auto it = devices.find(device);
    return it == devices.end() ? "" : it->second.value("state", "");
  }

  // The metrics file's edgegw_session_online sample for a device ("" before the first).
  std::string online_metric(const std::string& device) const {
    std::ifstream in(dir_ / "metrics.prom");
    const std::string prefix = "edgegw_session_online{device=\"" + device + "\"";
    std::string found;
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(prefix, 0) == 0) found = line.substr(line.rfind(' ') + 1);
    }
    return found;
  }

  // Publishes {"key":n} for door-1 until a post carrying `key` reaches the cloud.
  bool door_reaches_cloud(const std::string& key) {
    return wait_until(
        [&] {
          publish_local("door/data", "{\"" + key + "\":1}");
          return !values("door-1", key).empty();
        },
        30s, 500ms);
  }

  // How many times the cloud logged sub-device `name` in ("online") or out ("offline").
  std::size_t sub_device_events(const std::string& what, const std::string& name) const {
    const std::string needle = "sub-device " + what + " " + std::string(kProductKey) + "/" + name;
    std::size_t n = 0;
    const auto log = cloud_.log();
    for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) {
      const auto end = at + needle.size();
      n += end == log.size() || log[end] == '\n' || log[end] == '\r';
    }
    return n;
  }

  // Id 1 is the Modbus device's first status record, which a vendor cloud is not sent (its
  // online state is the sub-device's login): the readings follow it without a hole.
  static bool contiguous(const std::set<std::uint64_t>& s) {
    return !s.empty() && *s.begin() <= 2 && *s.rbegin() - *s.begin() + 1 == s.size();
  }
};

TEST_P(TopologyTest, SubDevicesReportThroughTheGatewaysOneConnection) {
  start_gateway_mode();
  ASSERT_TRUE(wait_until([&] { return ids("pump-1").size() >= 3; }, 30s))
      << edgegw_->output() << cloud_.log();
  ASSERT_TRUE(door_reaches_cloud("warm")) << edgegw_->output();
  // One connection: only the gateway logged in; the sub-devices went online through it.
  EXPECT_EQ(logins(cloud_identity(kGateway)), 1u) << cloud_.log();
  EXPECT_EQ(logins(cloud_identity("pump-1")), 0u);
  EXPECT_EQ(logins(cloud_identity("door-1")), 0u);
  EXPECT_TRUE(contiguous(ids("pump-1")));
  // `edgegw status` shows each sub-device's own state.
  EXPECT_TRUE(wait_until([&] { return state_of("pump-1") == "online"; }, 10s))
      << state_of("pump-1");
  EXPECT_EQ(state_of("door-1"), "online");
  EXPECT_TRUE(wait_until([&] { return online_metric("pump-1") == "1"; }, 10s))
      << online_metric("pump-1");
  EXPECT_EQ(online_metric("off-1"), "0");
  edgegw_->signal(SIGTERM);
  EXPECT_EQ(edgegw_->wait(20s), std::optional<int>(0)) << edgegw_->output();
}

TEST_P(TopologyTest, ACommandToOneSubDeviceIsAnsweredOnItsReplyTopic) {
  start_gateway_mode();
  ASSERT_TRUE(wait_until([&] { return !ids("pump-1").empty(); }, 30s)) << edgegw_->output();
  const auto pump = target("pump-1");
  auto answer = send(pump, cloud::command_call(pump, "101", "set_speed", R"({"rpm":1234})"));
  ASSERT_TRUE(answer) << edgegw_->output() << observer_->output();
  EXPECT_TRUE(answer->ok) << answer->code << " " << answer->message;
  EXPECT_TRUE(wait_until([&] { return values("pump-1", "setpoint").count("1234") > 0; }, 15s))
      << edgegw_->output();
}

TEST_P(TopologyTest, ARefusedSubDeviceIsReportedWhileTheOthersCarryOn) {
  start_gateway_mode();
  ASSERT_TRUE(wait_until([&] { return ids("pump-1").size() >= 3; }, 30s)) << edgegw_->output();
  ASSERT_TRUE(door_reaches_cloud("warm")) << edgegw_->output();
  // off-1 is disabled in the cloud: refused, and said so for that device.
  ASSERT_TRUE(wait_until(
      [&] {
        auto devices = status_devices();
        return devices.count("off-1") && devices["off-1"].value("state", "") != "online" &&
               devices["off-1"].value("last_error", "").find("522") != std::string::npos;
      },
      20s))
      << edgegw_->output();
  EXPECT_EQ(state_of("pump-1"), "online");
  EXPECT_EQ(state_of("door-1"), "online");
  // Retried with backoff, and said once: not a warning per retry.
  ASSERT_TRUE(
      wait_until([&] { return status_devices()["off-1"].value("connect_attempts", 0) >= 3; }, 20s))
      << edgegw_->output();
  const auto log = edgegw_->output();
  std::size_t warnings = 0;
  for (auto at = log.find("[off-1] the platform refused"); at != std::string::npos;
       at = log.find("[off-1] the platform refused", at + 1)) {
    ++warnings;
  }
  EXPECT_EQ(warnings, 1u) << log;
  // Its retries do not disturb the others: readings keep arriving.
  const auto seen = ids("pump-1").size();
  EXPECT_TRUE(wait_until([&] { return ids("pump-1").size() >= seen + 5; }, 20s));
  EXPECT_TRUE(values("off-1", "warm").empty());
}

TEST_P(TopologyTest, AfterTheGatewaysConnectionIsLostNothingIsLost) {
  start_gateway_mode();
  ASSERT_TRUE(wait_until([&] { return ids("pump-1").size() >= 3; }, 30s)) << edgegw_->output();
  ASSERT_TRUE(door_reaches_cloud("warm")) << edgegw_->output();
  const auto before = ids("pump-1").size();
  cloud_.kill();
  stop_observer();
  int n = 0;
  const auto outage_end = std::chrono::steady_clock::now() + 4s;
  while (std::chrono::steady_clock::now() < outage_end) {
    publish_local("door/data", "{\"n\":" + std::to_string(++n) + "}");
    std::this_thread::sleep_for(200ms);  // the scenario's pace, not a wait for a condition
  }
  // Back, with the observer subscribed before edgegw can reconnect.
  edgegw_->signal(SIGSTOP);
  cloud_.start();
  start_observer();
  edgegw_->signal(SIGCONT);
  ASSERT_TRUE(wait_until(
      [&] {
        return contiguous(ids("pump-1")) && ids("pump-1").size() >= before + 10 &&
               values("door-1", "n").size() == static_cast<std::size_t>(n);
      },
      60s))
      << edgegw_->output() << cloud_.log();
  EXPECT_EQ(logins(cloud_identity("pump-1")), 0u);
  EXPECT_EQ(logins(cloud_identity(kGateway)), 2u);
  EXPECT_TRUE(wait_until([&] { return state_of("pump-1") == "online"; }, 10s));
}

// A reload (SIGHUP) that removes door-1 and adds new-1: new-1 is added to the topology and logged
// in, door-1 logged out, and the others stay online without logging in again (the cloud's record
// of sub-device logins says so), the gateway's one connection included.
TEST_P(TopologyTest, AReloadLogsTheAddedInAndTheRemovedOutAndLeavesTheOthersOnline) {
  start_gateway_mode();
  ASSERT_TRUE(wait_until([&] { return ids("pump-1").size() >= 3; }, 30s)) << edgegw_->output();
  ASSERT_TRUE(door_reaches_cloud("warm")) << edgegw_->output();
  ASSERT_EQ(sub_device_events("online", "pump-1"), 1u) << cloud_.log();
  write_gateway_config("new-1");
  edgegw_->signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return sub_device_events("online", "new-1") == 1; }, 20s))
      << edgegw_->output() << cloud_.log();
  EXPECT_TRUE(wait_until([&] { return sub_device_events("offline", "door-1") == 1; }, 20s))
      << edgegw_->output() << cloud_.log();
  EXPECT_TRUE(wait_until(
      [&] {
        publish_local("new/data", "{\"fresh\":1}");
        return !values("new-1", "fresh").empty();
      },
      20s, 500ms))
      << edgegw_->output();
  EXPECT_TRUE(wait_until([&] { return state_of("new-1") == "online"; }, 10s));
  EXPECT_EQ(status_devices().count("door-1"), 0u);
  // The others: not logged in again, still reporting.
  const auto seen = ids("pump-1").size();
  EXPECT_TRUE(wait_until([&] { return ids("pump-1").size() >= seen + 3; }, 20s));
  EXPECT_EQ(sub_device_events("online", "pump-1"), 1u) << cloud_.log();
  EXPECT_EQ(sub_device_events("offline", "pump-1"), 0u) << cloud_.log();
  EXPECT_EQ(logins(cloud_identity(kGateway)), 1u) << cloud_.log();
  EXPECT_TRUE(contiguous(ids("pump-1")));
}

INSTANTIATE_TEST_SUITE_P(Platforms, TopologyTest, ::testing::Values(cloud::Platform::aliyun),
                         platform_name);

}  // namespace
}  // namespace edgegw::test
