// cloud.mode = "gateway" end to end on each platform with a topology (issue 20): the devices are
// sub-devices of the gateway identity and reach the cloud through its one connection. What a user
// checks: the cloud sees one connection, each sub-device's readings arrive under its own identity
// (Alibaba: its own Alink topics; Tencent: its own {pid}/{dn}/event; IoTDA: its entry in the
// gateway's batched report), a command to one is answered, a refused sub-device is reported for
// that device while the others carry on, and after the gateway's connection is lost everything
// comes back with no reading lost. What differs per platform is one line of kPlatforms below.
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cloud/huawei_topology.hpp"
#include "fleet_fixture.hpp"
#include "support/wait.hpp"

namespace edgegw::test {
namespace {

using namespace std::chrono_literals;
using cloud::Platform;

// What a platform's gateway mode looks like from the cloud's side.
struct TopologyPlatform {
  const char* name;  // cloud.platform
  // A [device.cloud] / [gateway.cloud] table's keys for `device` with its secret in `secret_file`.
  std::string (*keys)(const std::string& device, const std::string& secret_file);
  const char* refusal;  // in the disabled sub-device's last_error
  // Where the cloud sees a sub-device's readings, given its own property topic and the gateway's
  // cloud id, and that sub-device's reports in one payload there.
  std::string (*report_topic)(const std::string& sub_topic, const std::string& gw_id);
  std::vector<std::string> (*reports)(const std::string& payload, const std::string& sub_id);
  // The cloud's command to sub-device `sub`: the call, and the target whose answer it checks.
  cloud::Call (*command)(const cloud::CallTarget& gw, const cloud::CallTarget& sub,
                         const std::string& id, const std::string& name, const std::string& params);
  bool answered_by_gateway;  // the answer is the gateway's (checked against its target)
  bool batches;              // one gateway publication carries several sub-devices' records
  // The member of a reading that holds its record's sequence (a hole can be seen); null: none.
  const char* id_member;
};

std::string aliyun_keys(const std::string& device, const std::string& secret_file) {
  return "product_key = \"" + std::string(FleetTest::kProductKey) + "\"\ndevice_name = \"" +
         device + "\"\ndevice_secret_file = \"" + secret_file + "\"\n";
}
std::string huawei_keys(const std::string& device, const std::string& secret_file) {
  return "device_id = \"fleet_" + device + "\"\ndevice_secret_file = \"" + secret_file + "\"\n";
}
std::string tencent_keys(const std::string& device, const std::string& psk_file) {
  return "product_id = \"" + std::string(FleetTest::kProductId) + "\"\ndevice_name = \"" + device +
         "\"\ndevice_psk_file = \"" + psk_file + "\"\n";
}
std::string own_topic(const std::string& sub_topic, const std::string&) {
  return sub_topic;
}
std::string huawei_batch_topic(const std::string&, const std::string& gw_id) {
  return "$oc/devices/" + gw_id + "/sys/gateway/sub_devices/properties/report";
}
// Tencent readings go to the sub-device's {pid}/{dn}/event, beside its
// $thing/up/property/{pid}/{dn}.
std::string tencent_event_topic(const std::string& sub_topic, const std::string&) {
  constexpr std::string_view kProperty = "$thing/up/property/";
  return sub_topic.substr(kProperty.size()) + "/event";
}
std::vector<std::string> whole(const std::string& payload, const std::string&) {
  return {payload};
}
std::vector<std::string> huawei_reports(const std::string& payload, const std::string& sub_id) {
  return cloud::huawei_sub_device_reports(payload, sub_id);
}
cloud::Call sub_command(const cloud::CallTarget&, const cloud::CallTarget& sub,
                        const std::string& id, const std::string& name, const std::string& params) {
  return cloud::command_call(sub, id, name, params);
}
cloud::Call huawei_command(const cloud::CallTarget& gw, const cloud::CallTarget& sub,
                           const std::string& id, const std::string& name,
                           const std::string& params) {
  return cloud::huawei_sub_device_command(gw.device_id, sub.device_id, id, name, params);
}

const std::map<Platform, TopologyPlatform> kPlatforms = {
    {Platform::aliyun,
     {"aliyun", aliyun_keys, "522", own_topic, whole, sub_command, false, false, "id"}},
    {Platform::huawei,
     {"huawei", huawei_keys, "IOTDA.014001", huawei_batch_topic, huawei_reports, huawei_command,
      true, true, nullptr}},
    {Platform::tencent,
     {"tencent", tencent_keys, "-807", tencent_event_topic, whole, sub_command, false, false,
      "clientToken"}},
};

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

  const TopologyPlatform& platform() const { return kPlatforms.at(GetParam()); }

  // pump-1 (Modbus), `listener` (local MQTT, topic "<name before '-'>/data") and off-1.
  void write_gateway_config(const std::string& listener = "door-1") {
    const std::string text =
        "[gateway]\nstate_dir = \"" + (dir_ / "state").string() + "\"\nname = \"" + kGateway +
        "\"\nstatus_file = \"" + (dir_ / "status.json").string() + "\"\nmetrics_file = \"" +
        (dir_ / "metrics.prom").string() + "\"\n[gateway.cloud]\n" + keys(kGateway) + "[cloud]\n" +
        cloud_keys() +
        // A window larger than the outage's backlog: the scenarios' batches must come from the
        // drain itself, not from a full window (door-1's backlog filled a window of 20 alone).
        "mode = \"gateway\"\nsub_logins_per_second = 50\nmax_inflight = 32\n"
        "backoff_min = \"100ms\"\nbackoff_max = \"1s\"\n"
        "[local_mqtt]\nhost = \"127.0.0.1\"\nport = " +
        std::to_string(local_->port()) +
        "\nclient_id = \"edgegw-topology\"\n"
        "[[modbus]]\nname = \"sim\"\ntransport = \"tcp\"\nhost = \"127.0.0.1\"\nport = " +
        std::to_string(modbus_port_) +
        "\ntimeout = \"1s\"\nretries = 1\n"
        "[[device]]\nname = \"pump-1\"\n[device.cloud]\n" +
        keys("pump-1") +
        "[device.modbus]\nbus = \"sim\"\nunit = 1\ninterval = \"200ms\"\n"
        "[[device.modbus.point]]\nname = \"tick\"\naddress = 6\n"
        "[[device.modbus.point]]\nname = \"setpoint\"\naddress = 10\nwritable = true\n"
        "[[device.command]]\nname = \"set_speed\"\nwrite = { rpm = \"setpoint\" }\n"
        "output = [\"setpoint\"]\n"
        "[[device]]\nname = \"" +
        listener + "\"\n[device.cloud]\n" + keys(listener) + "[device.mqtt]\ntopic = \"" +
        listener.substr(0, listener.find('-')) + "/data\"\n" +
        "[[device]]\nname = \"off-1\"\n[device.cloud]\n" + keys("off-1") +
        "[device.mqtt]\ntopic = \"off/data\"\n";
    config_ = dir_.write("edgegw.toml", text);
  }

  // The gateway logs in over TLS (Alibaba, IoTDA) or TLS-PSK (Tencent).
  std::string cloud_keys() const {
    std::string text =
        "platform = \"" + std::string(platform().name) + "\"\nhost = \"127.0.0.1\"\n";
    if (GetParam() == Platform::tencent) {
      return text + "port = " + std::to_string(cloud_.psk_port()) + "\n";
    }
    return text + "port = " + std::to_string(cloud_.tls_port()) + "\nca_file = \"" +
           cloud_.ca_file().string() + "\"\n";
  }

  std::string keys(const std::string& name) {
    if (GetParam() == Platform::tencent) {
      return platform().keys(name, dir_.write(name + "-psk", kPsk).string());
    }
    const auto secret = dir_.write(name + "-secret", "secret-" + name);
    return platform().keys(name, secret.string());
  }

  // The property reports the cloud received for a sub-device, oldest first.
  std::vector<std::string> reports(const std::string& device) const {
    std::vector<std::string> out;
    const auto topic = platform().report_topic(property_topic(device), cloud_identity(kGateway));
    for (const auto& payload : payloads(topic)) {
      for (auto& report : platform().reports(payload, cloud_identity(device))) {
        out.push_back(std::move(report));
      }
    }
    return out;
  }

  std::size_t readings(const std::string& device) const { return reports(device).size(); }

  // Whether one publication the cloud received carried readings of both pump-1 and door-1.
  bool carried_together() const {
    const auto topic = platform().report_topic(property_topic("pump-1"), cloud_identity(kGateway));
    for (const auto& payload : payloads(topic)) {
      if (!platform().reports(payload, cloud_identity("pump-1")).empty() &&
          !platform().reports(payload, cloud_identity("door-1")).empty()) {
        return true;
      }
    }
    return false;
  }

  // The ids (the records' sequences) of a device's readings.
  std::set<std::uint64_t> ids(const std::string& device) const {
    std::set<std::uint64_t> out;
    const std::string member = platform().id_member;
    for (const auto& payload : reports(device)) {
      auto j = nlohmann::json::parse(payload, nullptr, false);
      if (j.is_object() && j.contains(member) && j[member].is_string()) {
        out.insert(std::stoull(j[member].get<std::string>()));
      }
    }
    return out;
  }

  // The values of property `name` posted for a device.
  std::set<std::string> values(const std::string& device, const std::string& name) const {
    std::set<std::string> out;
    for (const auto& payload : reports(device)) {
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

  // `edgegw status --json`'s "gateway" entry.
  nlohmann::json status_gateway() const {
    const auto r = run_command({EDGEGW_BINARY, "-c", config_.string(), "status", "--json"});
    auto j = nlohmann::json::parse(r.output, nullptr, false);
    return j.is_object() && j.contains("gateway") ? j["gateway"] : nlohmann::json();
  }

  // The metrics file's sample whose line starts with `prefix` ("" when there is none).
  std::string metric_line(const std::string& prefix) const {
    std::ifstream in(dir_ / "metrics.prom");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(prefix, 0) == 0) return line.substr(line.rfind(' ') + 1);
    }
    return "";
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
    const std::string needle = "sub-device " + what + " " + cloud_identity(name);
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
  // Without record ids in the posts (IoTDA) the hole check is door-1's counted values instead.
  bool no_hole(const std::string& device) const {
    return !platform().id_member || contiguous(ids(device));
  }
};

TEST_P(TopologyTest, SubDevicesReportThroughTheGatewaysOneConnection) {
  start_gateway_mode();
  ASSERT_TRUE(wait_until([&] { return readings("pump-1") >= 3; }, 30s))
      << edgegw_->output() << cloud_.log();
  ASSERT_TRUE(door_reaches_cloud("warm")) << edgegw_->output();
  // One connection: only the gateway logged in; the sub-devices went online through it.
  EXPECT_EQ(logins(cloud_identity(kGateway)), 1u) << cloud_.log();
  EXPECT_EQ(logins(cloud_identity("pump-1")), 0u);
  EXPECT_EQ(logins(cloud_identity("door-1")), 0u);
  EXPECT_TRUE(no_hole("pump-1"));
  // The cloud took every sub-device message (IoTDA: each batched report named online sub-devices).
  EXPECT_EQ(cloud_.log().find("refused sub-device message"), std::string::npos) << cloud_.log();
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
  ASSERT_TRUE(wait_until([&] { return readings("pump-1") > 0; }, 30s)) << edgegw_->output();
  const auto pump = target("pump-1"), gateway = target(kGateway);
  const auto call = platform().command(gateway, pump, "101", "set_speed", R"({"rpm":1234})");
  auto answer = send(platform().answered_by_gateway ? gateway : pump, call);
  ASSERT_TRUE(answer) << edgegw_->output() << observer_->output();
  EXPECT_TRUE(answer->ok) << answer->code << " " << answer->message;
  EXPECT_TRUE(wait_until([&] { return values("pump-1", "setpoint").count("1234") > 0; }, 15s))
      << edgegw_->output();
}

TEST_P(TopologyTest, ARefusedSubDeviceIsReportedWhileTheOthersCarryOn) {
  start_gateway_mode();
  ASSERT_TRUE(wait_until([&] { return readings("pump-1") >= 3; }, 30s)) << edgegw_->output();
  ASSERT_TRUE(door_reaches_cloud("warm")) << edgegw_->output();
  // off-1 is disabled in the cloud: refused, and said so for that device.
  ASSERT_TRUE(wait_until(
      [&] {
        auto devices = status_devices();
        return devices.count("off-1") && devices["off-1"].value("state", "") != "online" &&
               devices["off-1"].value("last_error", "").find(platform().refusal) !=
                   std::string::npos;
      },
      20s))
      << edgegw_->output();
  EXPECT_EQ(state_of("pump-1"), "online");
  EXPECT_EQ(state_of("door-1"), "online");
  // The gateway's own entry counts what it carries: 3 sub-devices, 2 of them online.
  nlohmann::json gw;
  EXPECT_TRUE(wait_until(
      [&] {
        gw = status_gateway();
        return gw.value("sub_devices_online", -1) == 2;
      },
      10s))
      << gw.dump();
  EXPECT_EQ(gw.value("state", ""), "online");
  EXPECT_EQ(gw.value("mode", ""), "gateway");
  EXPECT_EQ(gw.value("sub_devices", 0), 3);
  const std::string online_subs = "edgegw_gateway_sub_devices_online{device=\"" +
                                  std::string(kGateway) + "\",role=\"gateway\"}";
  EXPECT_TRUE(wait_until([&] { return metric_line(online_subs) == "2"; }, 10s))
      << metric_line(online_subs);
  const auto text = run_command({EDGEGW_BINARY, "-c", config_.string(), "status"}).output;
  EXPECT_NE(text.find("sub-devices online 2/3"), std::string::npos) << text;
  // Retried with backoff, and said once: not a warning per retry. (Tencent's 5 s reconnect floor
  // paces these retries too: the third try comes after about 10 s.)
  ASSERT_TRUE(
      wait_until([&] { return status_devices()["off-1"].value("connect_attempts", 0) >= 3; }, 40s))
      << edgegw_->output();
  const auto log = edgegw_->output();
  std::size_t warnings = 0;
  for (auto at = log.find("[off-1] the platform refused"); at != std::string::npos;
       at = log.find("[off-1] the platform refused", at + 1)) {
    ++warnings;
  }
  EXPECT_EQ(warnings, 1u) << log;
  // Its retries do not disturb the others: readings keep arriving.
  const auto seen = readings("pump-1");
  EXPECT_TRUE(wait_until([&] { return readings("pump-1") >= seen + 5; }, 20s));
  EXPECT_TRUE(values("off-1", "warm").empty());
}

TEST_P(TopologyTest, AfterTheGatewaysConnectionIsLostNothingIsLost) {
  start_gateway_mode();
  ASSERT_TRUE(wait_until([&] { return readings("pump-1") >= 3; }, 30s)) << edgegw_->output();
  ASSERT_TRUE(door_reaches_cloud("warm")) << edgegw_->output();
  const auto before = readings("pump-1");
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
        return no_hole("pump-1") && readings("pump-1") >= before + 10 &&
               values("door-1", "n").size() == static_cast<std::size_t>(n);
      },
      60s))
      << edgegw_->output() << cloud_.log();
  EXPECT_EQ(logins(cloud_identity("pump-1")), 0u);
  EXPECT_EQ(logins(cloud_identity(kGateway)), 2u);
  // Both backlogs drained together: in batches where the platform has them, each acknowledged
  // by the batch's one PUBACK (else the drain above would have stalled).
  EXPECT_TRUE(!platform().batches || carried_together());
  EXPECT_TRUE(wait_until([&] { return state_of("pump-1") == "online"; }, 10s));
  // Every record sent was acknowledged in the outbox, also those that shared a batch: door-1's
  // backlog is gone and nothing stays in flight for it. pump-1 keeps reading every 200 ms: the
  // status file is written on a 1 s grid and the polls run on a 200 ms grid from about the same
  // start, so when the two fall within a record's round trip every write shows pump-1's newest
  // record in flight. What it had sent by now must come to be acknowledged instead.
  const auto pump_sent = status_devices()["pump-1"].value("published", std::int64_t{-1});
  EXPECT_TRUE(wait_until(
      [&] {
        auto devices = status_devices();
        auto& door = devices["door-1"];
        auto& pump = devices["pump-1"];
        return door.value("backlog", -1) == 0 && door.value("inflight", -1) == 0 &&
               pump.value("acknowledged", std::int64_t{-1}) >= pump_sent;
      },
      15s, 100ms))
      << "pump-1 had published " << pump_sent << "\n"
      << status_devices()["door-1"].dump() << status_devices()["pump-1"].dump() << edgegw_->output()
      << cloud_.log();
}

// A reload (SIGHUP) that removes door-1 and adds new-1: new-1 is added to the topology and logged
// in, door-1 logged out, and the others stay online without logging in again (the cloud's record
// of sub-device logins says so), the gateway's one connection included.
TEST_P(TopologyTest, AReloadLogsTheAddedInAndTheRemovedOutAndLeavesTheOthersOnline) {
  start_gateway_mode();
  ASSERT_TRUE(wait_until([&] { return readings("pump-1") >= 3; }, 30s)) << edgegw_->output();
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
  const auto seen = readings("pump-1");
  EXPECT_TRUE(wait_until([&] { return readings("pump-1") >= seen + 3; }, 20s));
  EXPECT_EQ(sub_device_events("online", "pump-1"), 1u) << cloud_.log();
  EXPECT_EQ(sub_device_events("offline", "pump-1"), 0u) << cloud_.log();
  EXPECT_EQ(logins(cloud_identity(kGateway)), 1u) << cloud_.log();
  EXPECT_TRUE(!platform().id_member || contiguous(ids("pump-1")));
}

INSTANTIATE_TEST_SUITE_P(Platforms, TopologyTest,
                         ::testing::Values(Platform::aliyun, Platform::huawei, Platform::tencent),
                         platform_name);

}  // namespace
}  // namespace edgegw::test
