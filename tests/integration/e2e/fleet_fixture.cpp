#include "fleet_fixture.hpp"

#include <nlohmann/json.hpp>
#include <sstream>

#include "support/net.hpp"
#include "support/wait.hpp"

namespace edgegw::test {
namespace {

using namespace std::chrono_literals;
using cloud::Platform;

Registry fleet_registry() {
  Registry r;
  // new-1: the sub-device the gateway-mode reload test adds.
  for (const std::string name : {"pump-1", "door-1", "new-1", FleetTest::kGateway}) {
    r.add(AliyunDevice{.product_key = FleetTest::kProductKey,
                       .device_name = name,
                       .device_secret = "secret-" + name});
    r.add(HuaweiDevice{.device_id = "fleet_" + name, .secret = "secret-" + name});
    r.add(MqttDevice{.device = name, .username = name, .password = "secret-" + name});
    r.add(TencentDevice{
        .product_id = FleetTest::kProductId, .device_name = name, .psk = FleetTest::kPsk});
  }
  // Disabled in the console: the gateway-mode tests' refused sub-device.
  r.add(AliyunDevice{.product_key = FleetTest::kProductKey,
                     .device_name = "off-1",
                     .device_secret = "secret-off-1",
                     .disabled = true});
  r.add(HuaweiDevice{.device_id = "fleet_off-1", .secret = "secret-off-1", .disabled = true});
  r.add(TencentDevice{.product_id = FleetTest::kProductId,
                      .device_name = "off-1",
                      .psk = FleetTest::kPsk,
                      .disabled = true});
  return r;
}

// What a [device.cloud] (or [gateway.cloud]) holds on each platform.
std::string identity_keys(Platform platform, const std::string& name, const std::string& secret) {
  switch (platform) {
    case Platform::aliyun:
      return "product_key = \"" + std::string(FleetTest::kProductKey) + "\"\ndevice_name = \"" +
             name + "\"\ndevice_secret_file = \"" + secret + "\"\n";
    case Platform::huawei:
      return "device_id = \"fleet_" + name + "\"\ndevice_secret_file = \"" + secret + "\"\n";
    case Platform::tencent:
      return "product_id = \"" + std::string(FleetTest::kProductId) + "\"\ndevice_name = \"" +
             name + "\"\ndevice_psk_file = \"" + secret + "\"\n";
    default:
      return "username = \"" + name + "\"\npassword_file = \"" + secret + "\"\n";
  }
}

std::string cloud_table(Platform platform, const CloudEmulator& cloud) {
  switch (platform) {
    case Platform::mqtt:
      return "platform = \"mqtt\"\nhost = \"127.0.0.1\"\ntls = false\nallow_plaintext = true\n"
             "port = " +
             std::to_string(cloud.plain_port()) + "\n";
    case Platform::tencent:
      return "platform = \"tencent\"\nhost = \"127.0.0.1\"\nport = " +
             std::to_string(cloud.psk_port()) + "\n";
    default:
      return std::string("platform = \"") + (platform == Platform::aliyun ? "aliyun" : "huawei") +
             "\"\nhost = \"127.0.0.1\"\nport = " + std::to_string(cloud.tls_port()) +
             "\nca_file = \"" + cloud.ca_file().string() + "\"\n";
  }
}

}  // namespace

std::string platform_name(const ::testing::TestParamInfo<cloud::Platform>& info) {
  switch (info.param) {
    case Platform::aliyun:
      return "aliyun";
    case Platform::huawei:
      return "huawei";
    case Platform::tencent:
      return "tencent";
    default:
      return "mqtt";
  }
}

FleetTest::FleetTest() : cloud_(fleet_registry()) {}

FleetTest::~FleetTest() {
  edgegw_.reset();
  observer_.reset();
  simulator_.reset();
}

void FleetTest::start_all(const std::string& gateway_extra) {
  cloud_.start();
  start_simulator();
  local_ = MosquittoBroker::plain();
  start_observer();
  write_config(gateway_extra);
  start_edgegw();
  ASSERT_TRUE(wait_until(
      [&] {
        return accepted(cloud_identity(kGateway)) && accepted(cloud_identity("pump-1")) &&
               accepted(cloud_identity("door-1"));
      },
      40s, 200ms))
      << edgegw_->output() << cloud_.log();
}

void FleetTest::start_edgegw() {
  edgegw_ = std::make_unique<Process>(
      std::vector<std::string>{EDGEGW_BINARY, "-c", config_.string(), "run"},
      std::map<std::string, std::string>{}, dir_ / "edgegw.log");
}

void FleetTest::start_simulator() {
  modbus_port_ = free_tcp_port();
  simulator_ = std::make_unique<Process>(std::vector<std::string>{
      system_python(), std::string(EDGEGW_SOURCE_DIR) + "/tests/sim/modbus_sim.py", "--port",
      std::to_string(modbus_port_), "--unit", "1"});
  ASSERT_TRUE(
      wait_until([&] { return simulator_->output().find("ready") != std::string::npos; }, 20s));
}

void FleetTest::start_observer() {
  observer_ = std::make_unique<Process>(std::vector<std::string>{"mosquitto_sub",
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
  const std::string probe = "/sys/" + std::string(kProductKey) + "/pump-1/probe";
  ASSERT_TRUE(wait_until(
      [&] {
        publish_at_cloud(probe, "probe");
        return observer_->output().find(probe) != std::string::npos;
      },
      20s, 200ms));
}

void FleetTest::stop_observer() {
  if (!observer_) return;
  observer_->stop();
  observed_ += observer_->output();
  observer_.reset();
}

void FleetTest::write_config(const std::string& gateway_extra) {
  gateway_extra_ = gateway_extra;
  const Platform platform = GetParam();
  const bool psk = platform == Platform::tencent;
  auto secret = [&](const std::string& name) {
    return dir_.write(name + "-secret", psk ? std::string(kPsk) : "secret-" + name).string();
  };
  const std::string text =
      "[gateway]\nstate_dir = \"" + (dir_ / "state").string() + "\"\nname = \"" + kGateway +
      "\"\n" + gateway_extra + "[gateway.cloud]\n" +
      identity_keys(platform, kGateway, secret(kGateway)) + "[cloud]\n" +
      cloud_table(platform, cloud_) +
      "backoff_min = \"100ms\"\nbackoff_max = \"1s\"\n"
      "[local_mqtt]\nhost = \"127.0.0.1\"\nport = " +
      std::to_string(local_->port()) +
      "\nclient_id = \"edgegw-fleet\"\n"
      "[[modbus]]\nname = \"sim\"\ntransport = \"tcp\"\nhost = \"127.0.0.1\"\nport = " +
      std::to_string(modbus_port_) +
      "\ntimeout = \"1s\"\nretries = 1\n"
      "[[device]]\nname = \"pump-1\"\n[device.cloud]\n" +
      identity_keys(platform, "pump-1", secret("pump-1")) +
      "[device.modbus]\nbus = \"sim\"\nunit = 1\ninterval = \"200ms\"\n"
      "[[device.modbus.point]]\nname = \"setpoint\"\naddress = 10\nwritable = true\n"
      "[[device]]\nname = \"door-1\"\n[device.cloud]\n" +
      identity_keys(platform, "door-1", secret("door-1")) +
      "[device.mqtt]\ntopic = \"door/data\"\ncommand_topic = \"door/cmd\"\n";
  config_ = dir_.write("edgegw.toml", text);
}

std::string FleetTest::cloud_identity(const std::string& name) const {
  switch (GetParam()) {
    case Platform::aliyun:
      return std::string(kProductKey) + "/" + name;
    case Platform::huawei:
      return "fleet_" + name;
    case Platform::tencent:
      return std::string(kProductId) + "/" + name;
    default:
      return name;
  }
}

std::size_t FleetTest::logins(const std::string& name) const {
  std::size_t n = 0;
  std::istringstream in(cloud_.log());
  for (std::string line; std::getline(in, line);) {
    if (line.find("edgegw-cloud: accepted") == std::string::npos) continue;
    const auto as = line.rfind(" as ");
    if (as != std::string::npos && line.find(name, as) != std::string::npos) ++n;
  }
  return n;
}

std::string FleetTest::property_topic(const std::string& name) const {
  switch (GetParam()) {
    case Platform::aliyun:
      return "/sys/" + std::string(kProductKey) + "/" + name + "/thing/event/property/post";
    case Platform::huawei:
      return "$oc/devices/fleet_" + name + "/sys/properties/report";
    case Platform::tencent:
      return "$thing/up/property/" + std::string(kProductId) + "/" + name;
    default:
      return "devices/" + name + "/telemetry";
  }
}

std::string FleetTest::event_topic_prefix(const std::string& name) const {
  switch (GetParam()) {
    case Platform::aliyun:
      return "/sys/" + std::string(kProductKey) + "/" + name + "/thing/event/";
    case Platform::huawei:
      return "$oc/devices/fleet_" + name + "/sys/messages/up";
    case Platform::tencent:
      return "$thing/up/event/" + std::string(kProductId) + "/" + name;
    default:
      return "devices/" + name + "/events/";
  }
}

std::vector<std::string> FleetTest::payloads_starting(const std::string& prefix) const {
  std::vector<std::string> out;
  std::istringstream in(observed_ + (observer_ ? observer_->output() : std::string()));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) != 0) continue;
    const auto space = line.find(' ');  // mosquitto_sub -v: "topic payload"; topics have none
    if (space != std::string::npos) out.push_back(line.substr(space + 1));
  }
  return out;
}

std::vector<std::string> FleetTest::payloads(const std::string& topic) const {
  return payloads_starting(topic + " ");
}

std::map<std::string, std::string> FleetTest::properties_of(const std::string& payload) const {
  std::map<std::string, std::string> out;
  auto j = nlohmann::json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return out;
  nlohmann::json props;
  switch (GetParam()) {
    case Platform::aliyun:
      props = j.value("params", nlohmann::json::object());
      for (auto& [k, v] : props.items()) {
        out[k] = (v.is_object() && v.contains("value") ? v["value"] : v).dump();
      }
      return out;
    case Platform::huawei:
      if (j.contains("services") && !j["services"].empty()) {
        props = j["services"][0].value("properties", nlohmann::json::object());
      }
      break;
    case Platform::tencent:
      props = j.value("params", nlohmann::json::object());
      break;
    default:
      props = j.value("values", nlohmann::json::object());
  }
  for (auto& [k, v] : props.items()) out[k] = v.dump();
  return out;
}

std::map<std::string, std::string> FleetTest::latest_health() const {
  const auto all = payloads(property_topic(kGateway));
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    auto props = properties_of(*it);
    if (props.count("uptime_s")) return props;
  }
  return {};
}

cloud::CallTarget FleetTest::target(const std::string& name) const {
  cloud::CallTarget t;
  t.platform = GetParam();
  t.product_key = GetParam() == Platform::tencent ? kProductId : kProductKey;
  t.device_name = name;
  t.device_id = "fleet_" + name;
  t.device = name;
  return t;
}

void FleetTest::publish_at_cloud(const std::string& topic, const std::string& payload) {
  run_command({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(cloud_.tls_port()),
               "--cafile", cloud_.ca_file().string(), "-u", cloud_.observer_username(), "-P",
               cloud_.observer_password(), "-q", "1", "-t", topic, "-m", payload});
}

void FleetTest::publish_local(const std::string& topic, const std::string& payload) {
  run_command({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(local_->port()), "-q", "1",
               "-t", topic, "-m", payload});
}

std::optional<cloud::Answer> FleetTest::send(const cloud::CallTarget& t, const cloud::Call& call,
                                             std::chrono::milliseconds within) {
  publish_at_cloud(call.topic, call.payload);
  std::optional<cloud::Answer> answer;
  wait_until(
      [&] {
        for (const auto& payload : payloads(call.answer_topic)) {
          auto a = cloud::check_answer(t, call, call.answer_topic, payload);
          if (a.well_formed) {
            answer = a;
            return true;
          }
        }
        return false;
      },
      within, 50ms);
  return answer;
}

}  // namespace edgegw::test
