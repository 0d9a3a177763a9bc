// The cloud's calls, end to end, per platform: the real edgegw binary between the cloud emulator
// (which sends each call and checks each answer, tests/cloud/cloud_calls.hpp), a pymodbus slave
// and a local mosquitto with a "door" device played by the test. What a user would check:
//   - a command that writes a Modbus point is answered with success, and the register changed;
//   - a command forwarded to the local MQTT device is answered from the device's reply;
//   - a command the device never answers is answered as failed after its timeout;
//   - an unknown command is answered "not supported", at once;
//   - a property get is answered with the last values (Alibaba, Huawei), or with property_get =
//     "device" with what the device holds now;
//   - Alibaba RRPC is answered on the RRPC response topic.
#include <gtest/gtest.h>
#include <modbus.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cloud/cloud_calls.hpp"
#include "cloud/cloud_emulator.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/net.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

namespace edgegw::test {
namespace {

using namespace std::chrono_literals;
using cloud::Platform;

constexpr const char* kProductKey = "a1CallsPK01";
constexpr const char* kProductId = "CALLSPID01";
constexpr const char* kPsk = "MTIzNDU2Nzg5MGFiY2RlZg==";  // "1234567890abcdef"

Registry calls_registry() {
  Registry r;
  for (const std::string name : {"pump-1", "door-1"}) {
    r.add(AliyunDevice{
        .product_key = kProductKey, .device_name = name, .device_secret = "secret-" + name});
    r.add(HuaweiDevice{.device_id = "calls_" + name, .secret = "secret-" + name});
    r.add(MqttDevice{.device = name, .username = name, .password = "secret-" + name});
    r.add(TencentDevice{.product_id = kProductId, .device_name = name, .psk = kPsk});
  }
  return r;
}

// What each device's [device.cloud] holds on each platform.
std::string device_cloud(Platform platform, const std::string& name, const std::string& secret) {
  switch (platform) {
    case Platform::aliyun:
      return "product_key = \"" + std::string(kProductKey) + "\"\ndevice_name = \"" + name +
             "\"\ndevice_secret_file = \"" + secret + "\"\n";
    case Platform::huawei:
      return "device_id = \"calls_" + name + "\"\ndevice_secret_file = \"" + secret + "\"\n";
    case Platform::tencent:
      return "product_id = \"" + std::string(kProductId) + "\"\ndevice_name = \"" + name +
             "\"\ndevice_psk_file = \"" + secret + "\"\n";
    default:
      return "username = \"" + name + "\"\npassword_file = \"" + secret + "\"\n";
  }
}

class CallsTest : public ::testing::TestWithParam<Platform> {
 protected:
  CallsTest() : cloud_(calls_registry()) {}
  ~CallsTest() override {
    edgegw_.reset();
    door_.reset();
    observer_.reset();
    simulator_.reset();
  }

  void start_all() {
    cloud_.start();
    start_simulator();
    local_ = MosquittoBroker::plain();
    start_observer();
    door_ = std::make_unique<Process>(std::vector<std::string>{"mosquitto_sub", "-h", "127.0.0.1",
                                                               "-p", std::to_string(local_->port()),
                                                               "-q", "1", "-t", "door/cmd"});
    write_config();
    edgegw_ = std::make_unique<Process>(
        std::vector<std::string>{EDGEGW_BINARY, "-c", config_.string(), "run"},
        std::map<std::string, std::string>{}, dir_ / "edgegw.log");
    // Both sessions and the local source are up once a door reading reaches the cloud.
    ASSERT_TRUE(wait_until(
        [&] {
          publish_local("door/data", R"({"open":false})");
          return uplink_seen("door-1") && uplink_seen("pump-1");
        },
        40s, 500ms))
        << edgegw_->output() << observer_->output();
  }

  void start_simulator() {
    modbus_port_ = free_tcp_port();
    simulator_ = std::make_unique<Process>(std::vector<std::string>{
        system_python(), std::string(EDGEGW_SOURCE_DIR) + "/tests/sim/modbus_sim.py", "--port",
        std::to_string(modbus_port_), "--unit", "1"});
    ASSERT_TRUE(
        wait_until([&] { return simulator_->output().find("ready") != std::string::npos; }, 20s));
  }

  void start_observer() {
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
    const std::string probe = "/sys/" + std::string(kProductKey) + "/pump-1/probe";
    ASSERT_TRUE(wait_until(
        [&] {
          publish_at_cloud(probe, "probe");
          return observer_->output().find(probe) != std::string::npos;
        },
        20s, 200ms));
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
      cloud_table = std::string("platform = \"") +
                    (platform == Platform::aliyun ? "aliyun" : "huawei") +
                    "\"\nhost = \"127.0.0.1\"\nport = " + std::to_string(cloud_.tls_port()) +
                    "\nca_file = \"" + cloud_.ca_file().string() + "\"\n";
    }
    const bool psk = platform == Platform::tencent;
    const auto pump_secret = dir_.write("pump-secret", psk ? kPsk : "secret-pump-1");
    const auto door_secret = dir_.write("door-secret", psk ? kPsk : "secret-door-1");
    const std::string text =
        "[gateway]\nstate_dir = \"" + (dir_ / "state").string() + "\"\n[cloud]\n" + cloud_table +
        "backoff_min = \"100ms\"\nbackoff_max = \"1s\"\n"
        "[local_mqtt]\nhost = \"127.0.0.1\"\nport = " +
        std::to_string(local_->port()) +
        "\nclient_id = \"edgegw-calls\"\n"
        "[[modbus]]\nname = \"sim\"\ntransport = \"tcp\"\nhost = \"127.0.0.1\"\nport = " +
        std::to_string(modbus_port_) +
        "\n"
        "[[device]]\nname = \"pump-1\"\n[device.cloud]\n" +
        device_cloud(platform, "pump-1", pump_secret.string()) +
        "[device.modbus]\nbus = \"sim\"\nunit = 1\n" + pump_modbus_ +
        "[[device.modbus.point]]\nname = \"setpoint\"\naddress = 10\nwritable = true\n"
        "[[device.command]]\nname = \"set_speed\"\nservice_id = \"motor\"\n"
        "write = { rpm = \"setpoint\" }\noutput = [\"setpoint\"]\n"
        "[[device]]\nname = \"door-1\"\n[device.cloud]\n" +
        device_cloud(platform, "door-1", door_secret.string()) +
        "[device.mqtt]\ntopic = \"door/data\"\ncommand_topic = \"door/cmd\"\n"
        "[[device.command]]\nname = \"open\"\nforward = true\ntimeout = \"5s\"\n"
        "[[device.command]]\nname = \"jam\"\nforward = true\ntimeout = \"1s\"\n"
        "[[device.command]]\nname = \"stall\"\nforward = true\ntimeout = \"100ms\"\n";
    config_ = dir_.write("edgegw.toml", text);
  }

  cloud::CallTarget target(const std::string& name) const {
    cloud::CallTarget t;
    t.platform = GetParam();
    t.product_key = GetParam() == Platform::tencent ? kProductId : kProductKey;
    t.device_name = name;
    t.device_id = "calls_" + name;
    t.device = name;
    return t;
  }

  bool uplink_seen(const std::string& name) const {
    const Platform p = GetParam();
    const std::string topic =
        p == Platform::aliyun
            ? "/sys/" + std::string(kProductKey) + "/" + name + "/thing/event/property/post "
        : p == Platform::huawei  ? "$oc/devices/calls_" + name + "/sys/properties/report "
        : p == Platform::tencent ? std::string(kProductId) + "/" + name + "/event "
                                 : "devices/" + name + "/telemetry ";
    return observer_->output().find(topic) != std::string::npos;
  }

  void publish_local(const std::string& topic, const std::string& payload) {
    run_command({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(local_->port()), "-q",
                 "1", "-t", topic, "-m", payload});
  }
  void publish_at_cloud(const std::string& topic, const std::string& payload) {
    run_command({"mosquitto_pub", "-h", "127.0.0.1", "-p", std::to_string(cloud_.tls_port()),
                 "--cafile", cloud_.ca_file().string(), "-u", cloud_.observer_username(), "-P",
                 cloud_.observer_password(), "-q", "1", "-t", topic, "-m", payload});
  }

  // Sends `call` and waits for its answer on the answer topic (the first one carrying its id).
  // `step`: how often the observer's output is looked at (a bound on how late an answer is seen).
  std::optional<cloud::Answer> send(const cloud::CallTarget& t, const cloud::Call& call,
                                    std::chrono::milliseconds within = 15s,
                                    std::chrono::milliseconds step = 50ms) {
    publish_at_cloud(call.topic, call.payload);
    return await(t, call, within, step);
  }
  std::optional<cloud::Answer> await(const cloud::CallTarget& t, const cloud::Call& call,
                                     std::chrono::milliseconds within = 15s,
                                     std::chrono::milliseconds step = 50ms) {
    std::optional<cloud::Answer> answer;
    wait_until(
        [&] {
          std::istringstream in(observer_->output());
          for (std::string line; std::getline(in, line);) {
            if (line.rfind(call.answer_topic + " ", 0) != 0) continue;
            auto a = cloud::check_answer(t, call, call.answer_topic,
                                         line.substr(call.answer_topic.size() + 1));
            if (a.well_formed) {
              answer = a;
              return true;
            }
          }
          return false;
        },
        within, step);
    return answer;
  }

  int read_register(int address) {
    modbus_t* ctx = modbus_new_tcp("127.0.0.1", modbus_port_);
    std::uint16_t reg = 0;
    int value = -1;
    if (ctx && modbus_set_slave(ctx, 1) == 0 && modbus_connect(ctx) == 0 &&
        modbus_read_registers(ctx, address, 1, &reg) == 1) {
      value = reg;
    }
    if (ctx) {
      modbus_close(ctx);
      modbus_free(ctx);
    }
    return value;
  }

  // Writes a holding register on the slave behind edgegw's back (another Modbus master).
  bool write_register(int address, int value) {
    modbus_t* ctx = modbus_new_tcp("127.0.0.1", modbus_port_);
    const bool ok = ctx && modbus_set_slave(ctx, 1) == 0 && modbus_connect(ctx) == 0 &&
                    modbus_write_register(ctx, address, static_cast<std::uint16_t>(value)) == 1;
    if (ctx) {
      modbus_close(ctx);
      modbus_free(ctx);
    }
    return ok;
  }

  // Plays the door: answers every "open" published on door/cmd with its id.
  void answer_door_calls() {
    std::istringstream in(door_->output());
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || j.value("command", "") != "open") continue;
      const std::string id = j.value("id", "");
      if (!answered_.insert(id).second) continue;
      publish_local("door/cmd/reply",
                    R"({"id":")" + id + R"(","ok":true,"message":"opened","data":{"angle":90}})");
    }
  }

  TempDir dir_;
  CloudEmulator cloud_;
  std::unique_ptr<MosquittoBroker> local_;
  std::uint16_t modbus_port_ = 0;
  std::unique_ptr<Process> simulator_, observer_, door_, edgegw_;
  std::filesystem::path config_;
  std::set<std::string> answered_;
  int gets_ = 0;
  std::string pump_modbus_ = "interval = \"200ms\"\n";  // the pump's [device.modbus] options
};

TEST_P(CallsTest, CommandsAreAnsweredFromTheDeviceOrRefused) {
  start_all();
  const auto pump = target("pump-1");
  const auto door = target("door-1");

  // A command writing a Modbus point: success, and the register holds the value.
  auto a = send(pump, cloud::command_call(pump, "101", "set_speed", R"({"rpm":1234})", "motor"));
  ASSERT_TRUE(a) << edgegw_->output();
  EXPECT_TRUE(a->ok) << a->code << " " << a->message;
  EXPECT_EQ(read_register(10), 1234);

  // A command forwarded to the local device, answered from its reply (with its output).
  const auto open = cloud::command_call(door, "102", "open", R"({"seconds":5})");
  publish_at_cloud(open.topic, open.payload);
  ASSERT_TRUE(wait_until(
      [&] {
        answer_door_calls();
        return !answered_.empty();
      },
      15s, 50ms))
      << edgegw_->output();
  a = await(door, open);
  ASSERT_TRUE(a) << edgegw_->output();
  EXPECT_TRUE(a->ok);
  EXPECT_EQ(a->values["angle"], "90");
  // The log names the command and the cloud's request id (it used to say "command : done").
  EXPECT_NE(edgegw_->output().find("command open 102"), std::string::npos) << edgegw_->output();

  // A command the device never answers: a failure after its 1 s timeout, well within 15 s.
  const auto started = std::chrono::steady_clock::now();
  a = send(door, cloud::command_call(door, "103", "jam", "{}"));
  ASSERT_TRUE(a) << edgegw_->output();
  EXPECT_FALSE(a->ok);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 900ms);

  // A short timeout is kept too: each failure comes within 100 ms of it. (The deadline's timer
  // had sd-event's default accuracy, 250 ms: such answers came 100-350 ms after the call, and an
  // Alibaba RRPC caller waiting its Timeout of 1-8 s could give up before a forwarded command's
  // timeout just below it was answered.)
  // Timed from the broker's PUBACK to the caller (mosquitto_pub ends on it; the broker hands the
  // call to edgegw at the same moment): starting a TLS client is not part of what is measured.
  for (int i = 0; i < 5; ++i) {
    const auto stall = cloud::command_call(door, "stall-" + std::to_string(i), "stall", "{}");
    publish_at_cloud(stall.topic, stall.payload);
    const auto sent = std::chrono::steady_clock::now();
    a = await(door, stall, 15s, 5ms);
    const auto took = std::chrono::steady_clock::now() - sent;
    ASSERT_TRUE(a) << edgegw_->output();
    EXPECT_FALSE(a->ok);
    EXPECT_GE(took, 80ms);
    EXPECT_LT(took, 200ms) << "answer " << i << " came "
                           << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                           << " ms after the call";
  }

  // An unknown command: "not supported", at once.
  a = send(pump, cloud::command_call(pump, "104", "self_destruct", "{}", "motor"), 5s);
  ASSERT_TRUE(a) << edgegw_->output();
  EXPECT_FALSE(a->ok);
  if (GetParam() == Platform::mqtt || GetParam() == Platform::tencent) {
    EXPECT_EQ(a->code, 4);
  }
  if (GetParam() == Platform::aliyun) {
    EXPECT_NE(a->message.find("not supported"), std::string::npos) << a->message;
  }

  edgegw_->signal(SIGTERM);
  EXPECT_EQ(edgegw_->wait(20s), std::optional<int>(0)) << edgegw_->output();
}

TEST_P(CallsTest, PropertyGetAndRrpcAreAnswered) {
  if (GetParam() == Platform::tencent || GetParam() == Platform::mqtt) {
    GTEST_SKIP() << "no property get or RRPC on this platform";
  }
  start_all();
  const auto pump = target("pump-1");
  if (GetParam() == Platform::aliyun) {
    // RRPC: a synchronous service call answered on rrpc/response/{messageId}.
    auto a =
        send(pump, cloud::rrpc_call(pump, "900100", "105", "set_speed", R"({"rpm":1234})"), 8s);
    ASSERT_TRUE(a) << edgegw_->output();
    EXPECT_TRUE(a->ok);
  } else {
    auto a = send(pump, cloud::command_call(pump, "105", "set_speed", R"({"rpm":1234})", "motor"));
    ASSERT_TRUE(a && a->ok) << edgegw_->output();
  }
  EXPECT_EQ(read_register(10), 1234);
  // Property get: the last value the pump reported (its register after the write).
  ASSERT_TRUE(wait_until(
      [&] {
        auto got = send(
            pump, cloud::property_get_call(pump, "1" + std::to_string(++gets_), R"(["setpoint"])"));
        return got && got->ok && got->values["setpoint"] == "1234";
      },
      20s, 200ms))
      << edgegw_->output();
}

// property_get = "device": a property get reads the slave now, so a value changed on the device
// since the last poll (an hour apart here: the last value is stale) is answered fresh.
TEST_P(CallsTest, PropertyGetFromTheDeviceAnswersTheValueReadNow) {
  if (GetParam() == Platform::tencent || GetParam() == Platform::mqtt) {
    GTEST_SKIP() << "no property get on this platform";
  }
  pump_modbus_ = "interval = \"1h\"\nproperty_get = \"device\"\n";
  start_all();  // the pump's first poll (setpoint 0) reached the cloud
  const auto pump = target("pump-1");
  // Someone else sets the setpoint on the device; edgegw's next poll is an hour away.
  ASSERT_TRUE(write_register(10, 4321));
  ASSERT_EQ(read_register(10), 4321);
  auto got = send(pump, cloud::property_get_call(pump, "501", R"(["setpoint"])"));
  ASSERT_TRUE(got) << edgegw_->output() << observer_->output();
  EXPECT_TRUE(got->ok) << got->code << " " << got->message;
  EXPECT_EQ(got->values["setpoint"], "4321") << edgegw_->output();
  // Again after another change: read anew each time, not cached from the first get.
  ASSERT_TRUE(write_register(10, 77));
  got = send(pump, cloud::property_get_call(pump, "502", R"(["setpoint"])"));
  ASSERT_TRUE(got) << edgegw_->output();
  EXPECT_EQ(got->values["setpoint"], "77");
  edgegw_->signal(SIGTERM);
  EXPECT_EQ(edgegw_->wait(20s), std::optional<int>(0)) << edgegw_->output();
}

INSTANTIATE_TEST_SUITE_P(Platforms, CallsTest,
                         ::testing::Values(Platform::aliyun, Platform::huawei, Platform::tencent,
                                           Platform::mqtt),
                         [](const auto& info) {
                           switch (info.param) {
                             case Platform::aliyun:
                               return std::string("aliyun");
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
