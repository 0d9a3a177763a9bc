// The real edgegw binary against a real mosquitto that plays both the cloud (generic mqtt
// platform, plain listener with allow_plaintext) and the local broker of the devices, with the
// status and metrics files in a temporary directory. Tests wait on the status file, never on
// sleeps.
//
// The broker admits only client ids starting with "edgegw-" (clientid_prefixes): every device's
// cloud client id is "edgegw-<name>" except for devices in blocked_, whose sessions the broker
// refuses - a device that cannot get online, so that its readings pile up as backlog.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/status_report.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace edgegw::test {

class OpsFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // edgegw.toml with one [[device]] per name, each reading sensors/<name> on the local broker.
  std::string config_text(const std::vector<std::string>& devices) const;
  void write_config(const std::vector<std::string>& devices);
  void start(const std::vector<std::string>& devices);

  // The status file as the daemon last wrote it (nullopt: none yet).
  std::optional<daemon::StatusReport> status() const;
  const daemon::DeviceReport* device(const daemon::StatusReport& r, const std::string& name) const;
  // Waits until the status file satisfies `condition`; false on the deadline.
  bool wait_status(const std::function<bool(const daemon::StatusReport&)>& condition,
                   std::chrono::milliseconds timeout = std::chrono::seconds(20)) const;
  bool wait_online(const std::vector<std::string>& devices) const;

  // `edgegw -c edgegw.toml <args>`.
  CommandResult edgegw(const std::vector<std::string>& args) const;
  // Publishes `payload` (QoS 1) to the local broker as device `name`'s reading.
  void publish_reading(const std::string& name, const std::string& payload) const;
  // Each line of `lines` as one message to sensors/<name>, at `qos`, in one client's connection.
  void publish_lines(const std::string& name, const std::string& lines, int qos) const;
  // How many times mosquitto saw a client connect with this id.
  int broker_connects(const std::string& client_id) const;

  std::filesystem::path config_file() const { return dir_ / "edgegw.toml"; }
  std::filesystem::path status_file() const { return dir_ / "run" / "status.json"; }
  std::filesystem::path metrics_file() const { return dir_ / "metrics" / "edgegw.prom"; }

  TempDir dir_;
  std::set<std::string> blocked_;
  std::unique_ptr<MosquittoBroker> broker_;
  std::unique_ptr<Process> daemon_;
};

}  // namespace edgegw::test
