// What the fleet tests need (issue 19): the real edgegw binary with a gateway identity
// ([gateway.cloud]) beside two devices — "pump-1" on a pymodbus slave and "door-1" on a local
// mosquitto — against the cloud emulator on one platform (the test's parameter), and an observer
// that records everything the cloud receives. The tests then look for the gateway's own messages
// (health properties, events, answers to remote operations) on the gateway identity's topics.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "cloud/cloud_calls.hpp"
#include "cloud/cloud_emulator.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace edgegw::test {

class FleetTest : public ::testing::TestWithParam<cloud::Platform> {
 public:
  static constexpr const char* kProductKey = "a1FleetPK01";
  static constexpr const char* kProductId = "FLEETPID01";
  static constexpr const char* kPsk = "MTIzNDU2Nzg5MGFiY2RlZg==";  // "1234567890abcdef"
  static constexpr const char* kGateway = "edge-gw";               // local and cloud name

 protected:
  FleetTest();
  ~FleetTest() override;

  // Cloud, simulator, local broker, observer and edgegw; returns once the gateway's session and
  // both devices' sessions are accepted by the cloud.
  void start_all(const std::string& gateway_extra = "");
  void write_config(const std::string& gateway_extra);
  void start_edgegw();

  // The identity's login seen in the cloud's log ("accepted ... as NAME").
  bool accepted(const std::string& name) const { return logins(name) > 0; }
  // How many times the cloud accepted the identity so far (its log survives restarts).
  std::size_t logins(const std::string& name) const;
  // The uplink topic of a device's (or the gateway's) property reports on this platform.
  std::string property_topic(const std::string& name) const;
  std::string event_topic_prefix(const std::string& name) const;
  // Every payload the observer saw on `topic`, oldest first.
  std::vector<std::string> payloads(const std::string& topic) const;
  std::vector<std::string> payloads_starting(const std::string& topic_prefix) const;
  // The properties of a health report as name → JSON text (the platform's envelope removed).
  std::map<std::string, std::string> properties_of(const std::string& payload) const;
  // The newest health report of the gateway; empty before the first.
  std::map<std::string, std::string> latest_health() const;

  cloud::CallTarget target(const std::string& name) const;
  void publish_at_cloud(const std::string& topic, const std::string& payload);
  void publish_local(const std::string& topic, const std::string& payload);
  // Sends `call` and waits for its answer (the first one on its answer topic with its id).
  std::optional<cloud::Answer> send(const cloud::CallTarget& t, const cloud::Call& call,
                                    std::chrono::milliseconds within = std::chrono::seconds(15));
  std::string cloud_identity(const std::string& name) const;  // what the emulator's log names

  TempDir dir_;
  CloudEmulator cloud_;
  std::unique_ptr<MosquittoBroker> local_;
  std::uint16_t modbus_port_ = 0;
  std::unique_ptr<Process> simulator_, observer_, edgegw_;
  std::filesystem::path config_;
  std::string gateway_extra_;

  void start_simulator();
  void start_observer();
  // Stops the observer, keeping what it saw for payloads() (a cloud outage's restart).
  void stop_observer();
  std::string observed_;  // what stopped observers saw
};

std::string platform_name(const ::testing::TestParamInfo<cloud::Platform>& info);

}  // namespace edgegw::test
