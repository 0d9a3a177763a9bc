// What every end-to-end test needs: the cloud emulator (Alibaba devices, TLS), an observer that
// records everything the cloud receives, the pymodbus simulator, a local mosquitto, and the real
// edgegw binary on a config that uses all of them. Each piece can be stopped, killed and started
// again, on the same ports, so the tests can play outages and crashes.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cloud/cloud_emulator.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace edgegw::test {

// One Alink property post as the cloud received it.
struct CloudMessage {
  std::string device;  // device name in the topic
  std::string topic;
  std::uint64_t id = 0;                  // Alink id = the record's sequence
  std::string params;                    // the params object, as JSON text (to compare duplicates)
  std::map<std::string, double> values;  // numeric/bool values by point
};

class E2eTest : public ::testing::Test {
 public:
  static constexpr const char* kProductKey = "a1E2eTestPK";

 protected:
  E2eTest();
  ~E2eTest() override;

  void start_all();  // cloud, observer, simulator, local broker, edgegw
  void start_observer();
  void stop_observer();
  void start_simulator();
  void start_edgegw();
  void kill_edgegw();  // SIGKILL
  void stop_edgegw();  // SIGTERM, must exit 0

  // Publishes to the local broker with mosquitto_pub; true when the broker acknowledged it.
  bool publish_local(const std::string& topic, const std::string& payload, int qos = 1);
  // Modbus holding register `address` of the simulator, read with libmodbus; -1 on failure.
  int read_register(int address);
  bool write_register(int address, int value);

  // Everything the observer has seen so far: property posts (replies and others in `raw_lines`).
  std::vector<CloudMessage> property_posts(const std::string& device) const;
  std::vector<std::string> raw_lines() const;
  // The device's entry in the running edgegw's status file (what `edgegw status --json` prints);
  // nullopt while there is none.
  std::optional<nlohmann::json> status_of(const std::string& device) const;
  void publish_at_cloud(const std::string& topic, const std::string& payload);

  TempDir dir_;
  CloudEmulator cloud_;
  std::unique_ptr<MosquittoBroker> local_;
  std::uint16_t modbus_port_ = 0;
  std::unique_ptr<Process> simulator_;
  std::unique_ptr<Process> observer_;
  std::unique_ptr<Process> edgegw_;
  std::filesystem::path config_;
  std::filesystem::path observed_;  // the observer's output, appended across its restarts
  int edgegw_runs_ = 0;
  int observer_runs_ = 0;
};

}  // namespace edgegw::test
