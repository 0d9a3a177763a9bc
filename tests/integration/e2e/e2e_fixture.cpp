#include "e2e_fixture.hpp"

#include <modbus.h>
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/net.hpp"
#include "support/wait.hpp"

namespace edgegw::test {
namespace {

using namespace std::chrono_literals;

Registry devices() {
  Registry r;
  r.add(AliyunDevice{.product_key = E2eTest::kProductKey,
                     .device_name = "meter-1",
                     .device_secret = "secret-meter-1"});
  r.add(AliyunDevice{.product_key = E2eTest::kProductKey,
                     .device_name = "room-1",
                     .device_secret = "secret-room-1"});
  return r;
}

}  // namespace

E2eTest::E2eTest() : cloud_(devices()) {
  observed_ = dir_ / "observed.log";
}

E2eTest::~E2eTest() {
  edgegw_.reset();
  observer_.reset();
  simulator_.reset();
}

void E2eTest::start_all() {
  cloud_.start();
  start_observer();
  start_simulator();
  local_ = MosquittoBroker::plain();
  dir_.write("secret-meter-1", "secret-meter-1");
  dir_.write("secret-room-1", "secret-room-1");
  const std::string text =
      "[gateway]\nstate_dir = \"" + (dir_ / "state").string() + "\"\nstatus_file = \"" +
      (dir_ / "status.json").string() +
      "\"\n"
      "[cloud]\nplatform = \"aliyun\"\nhost = \"127.0.0.1\"\nport = " +
      std::to_string(cloud_.tls_port()) + "\nca_file = \"" + cloud_.ca_file().string() +
      "\"\nbackoff_min = \"100ms\"\nbackoff_max = \"1s\"\n"
      "[local_mqtt]\nhost = \"127.0.0.1\"\nport = " +
      std::to_string(local_->port()) +
      "\nclient_id = \"edgegw-e2e\"\n"
      "[[modbus]]\nname = \"sim\"\ntransport = \"tcp\"\nhost = \"127.0.0.1\"\nport = " +
      std::to_string(modbus_port_) +
      "\ntimeout = \"500ms\"\n"
      "[[device]]\nname = \"meter-1\"\n[device.cloud]\nproduct_key = \"" +
      kProductKey + "\"\ndevice_name = \"meter-1\"\ndevice_secret_file = \"" +
      (dir_ / "secret-meter-1").string() +
      "\"\n[device.modbus]\nbus = \"sim\"\nunit = 1\ninterval = \"200ms\"\n"
      "[[device.modbus.point]]\nname = \"tick\"\ntable = \"holding\"\naddress = 6\ntype = "
      "\"u16\"\n"
      "[[device.modbus.point]]\nname = \"setpoint\"\ntable = \"holding\"\naddress = 10\n"
      "type = \"u16\"\nwritable = true\n"
      "[[device.modbus.point]]\nname = \"limit\"\ntable = \"holding\"\naddress = 11\n"
      "type = \"u16\"\n"
      "[[device.modbus.event]]\nevent = \"LimitAbove\"\npoint = \"limit\"\nwhen = \"above\"\n"
      "threshold = 100\n"
      "[[device]]\nname = \"room-1\"\n[device.cloud]\nproduct_key = \"" +
      kProductKey + "\"\ndevice_name = \"room-1\"\ndevice_secret_file = \"" +
      (dir_ / "secret-room-1").string() +
      "\"\n[device.mqtt]\ntopic = \"sensors/room1/+\"\ncommand_topic = \"sensors/room1/set\"\n"
      "[[device.mqtt.event]]\nevent = \"DoorAlarm\"\ntopic = \"sensors/room1/alarm\"\n";
  config_ = dir_.write("edgegw.toml", text);
  // edgegw's persistent session exists at the broker from now on, as after its first run: what
  // devices publish before edgegw has subscribed is queued for it, not dropped.
  auto r = run_command({"mosquitto_sub", "-h", "127.0.0.1", "-p", std::to_string(local_->port()),
                        "-i", "edgegw-e2e", "-c", "-q", "1", "-t", "sensors/room1/+", "-E"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  start_edgegw();
}

void E2eTest::start_observer() {
  observer_ = std::make_unique<Process>(
      std::vector<std::string>{"mosquitto_sub", "-h", "127.0.0.1", "-p",
                               std::to_string(cloud_.tls_port()), "--cafile",
                               cloud_.ca_file().string(), "-u", cloud_.observer_username(), "-P",
                               cloud_.observer_password(), "-q", "1", "-v", "-t", "/sys/#"},
      std::map<std::string, std::string>{},
      dir_ / ("observer-" + std::to_string(++observer_runs_) + ".log"));
  // Subscribed once a probe published at the cloud comes back to it.
  const std::string probe_topic = std::string("/sys/") + kProductKey + "/meter-1/e2e/probe";
  ASSERT_TRUE(wait_until(
      [&] {
        publish_at_cloud(probe_topic, "probe");
        return observer_->output().find(probe_topic) != std::string::npos;
      },
      20s, 100ms))
      << observer_->output();
}

void E2eTest::stop_observer() {
  if (!observer_) return;
  observer_->stop();
  std::ofstream(observed_, std::ios::app) << observer_->output();
  observer_.reset();
}

void E2eTest::start_simulator() {
  if (!modbus_port_) modbus_port_ = free_tcp_port();
  simulator_ = std::make_unique<Process>(std::vector<std::string>{
      system_python(), std::string(EDGEGW_SOURCE_DIR) + "/tests/sim/modbus_sim.py", "--port",
      std::to_string(modbus_port_), "--unit", "1"});
  ASSERT_TRUE(
      wait_until([&] { return simulator_->output().find("ready") != std::string::npos; }, 20s))
      << simulator_->output();
}

void E2eTest::start_edgegw() {
  edgegw_ = std::make_unique<Process>(
      std::vector<std::string>{EDGEGW_BINARY, "-c", config_.string(), "run"},
      std::map<std::string, std::string>{},
      dir_ / ("edgegw-" + std::to_string(++edgegw_runs_) + ".log"));
}

void E2eTest::kill_edgegw() {
  edgegw_->signal(SIGKILL);
  ASSERT_TRUE(edgegw_->wait(10s).has_value());
}

void E2eTest::stop_edgegw() {
  edgegw_->signal(SIGTERM);
  auto code = edgegw_->wait(20s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << edgegw_->output();
}

bool E2eTest::publish_local(const std::string& topic, const std::string& payload, int qos) {
  auto r = run_command({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(local_->port()),
                        "-q", std::to_string(qos), "-t", topic, "-m", payload});
  return r.exit_code == 0;
}

void E2eTest::publish_at_cloud(const std::string& topic, const std::string& payload) {
  run_command({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(cloud_.tls_port()),
               "--cafile", cloud_.ca_file().string(), "-u", cloud_.observer_username(), "-P",
               cloud_.observer_password(), "-q", "1", "-t", topic, "-m", payload});
}

bool E2eTest::write_register(int address, int value) {
  modbus_t* ctx = modbus_new_tcp("127.0.0.1", modbus_port_);
  if (!ctx) return false;
  const bool ok = modbus_set_slave(ctx, 1) == 0 && modbus_connect(ctx) == 0 &&
                  modbus_write_register(ctx, address, static_cast<std::uint16_t>(value)) == 1;
  modbus_close(ctx);
  modbus_free(ctx);
  return ok;
}

int E2eTest::read_register(int address) {
  modbus_t* ctx = modbus_new_tcp("127.0.0.1", modbus_port_);
  if (!ctx) return -1;
  int value = -1;
  std::uint16_t reg = 0;
  if (modbus_set_slave(ctx, 1) == 0 && modbus_connect(ctx) == 0 &&
      modbus_read_registers(ctx, address, 1, &reg) == 1) {
    value = reg;
  }
  modbus_close(ctx);
  modbus_free(ctx);
  return value;
}

std::vector<std::string> E2eTest::raw_lines() const {
  std::string text = std::filesystem::exists(observed_) ? read_file(observed_) : std::string();
  if (observer_) text += observer_->output();
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::optional<nlohmann::json> E2eTest::status_of(const std::string& device) const {
  const auto file = dir_ / "status.json";
  if (!std::filesystem::exists(file)) return std::nullopt;
  auto json = nlohmann::json::parse(read_file(file), nullptr, false);  // may be mid-replace
  if (json.is_discarded() || !json.contains("devices")) return std::nullopt;
  for (const auto& d : json["devices"]) {
    if (d.value("name", "") == device) return d;
  }
  return std::nullopt;
}

std::vector<CloudMessage> E2eTest::property_posts(const std::string& device) const {
  const std::string topic =
      std::string("/sys/") + kProductKey + "/" + device + "/thing/event/property/post";
  std::vector<CloudMessage> out;
  for (const auto& line : raw_lines()) {
    if (line.rfind(topic + " ", 0) != 0) continue;
    auto json = nlohmann::json::parse(line.substr(topic.size() + 1), nullptr, false);
    if (json.is_discarded() || !json.contains("id") || !json.contains("params")) continue;
    CloudMessage m;
    m.device = device;
    m.topic = topic;
    m.id = std::stoull(json["id"].get<std::string>());
    m.params = json["params"].dump();
    for (const auto& [name, v] : json["params"].items()) {
      const auto& value = v.contains("value") ? v["value"] : v;
      if (value.is_number()) m.values[name] = value.get<double>();
      if (value.is_boolean()) m.values[name] = value.get<bool>() ? 1 : 0;
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace edgegw::test
