// CloudEmulator: the "cloud" for integration tests, benchmarks and the demo. A real mosquitto
// broker with the edgegw-cloud plugin, which checks every platform's signed credentials, keepalive
// range and topic rules from the vendor specs, on four loopback listeners:
//   tls_port()   TLS, server certificate for localhost/127.0.0.1/::1 signed by ca_file()
//   mtls_port()  mutual TLS: a client certificate from pki() is required; its CN names the device
//                (mqtt: the device, tencent: ${productId}${deviceName}, huawei: the device id)
//   psk_port()   TLS-PSK (TLS 1.2), identity ${productId}${deviceName}, key = base64-decoded psk
//   plain_port() plain TCP (Aliyun securemode=3, Tencent key auth, generic MQTT)
//   wss_port()   MQTT over WebSocket over TLS (any path), server certificate as tls_port()
//   wss_mtls_port() the same with a client certificate required, as mtls_port()
//   ws_port()    MQTT over WebSocket without TLS
// The ports are chosen once, in the constructor: stop()/kill() then start() brings the broker back
// on the same ports, as a cloud coming back after an outage would.
//
// The observer (observer_username()/observer_password()) may subscribe to everything and publish
// to any device's topics; mind that "#" does not match topics that start with '$' ($oc/...,
// $shadow/...): subscribe to "$oc/#" and "$shadow/#" as well.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "cloud/registry.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

namespace edgegw::test {

using Registry = cloud::Registry;
using AliyunDevice = cloud::AliyunDevice;
using TencentDevice = cloud::TencentDevice;
using HuaweiDevice = cloud::HuaweiDevice;
using MqttDevice = cloud::MqttDevice;

// Broker settings a test may change. The defaults are a stock mosquitto's, as a cloud would be.
struct CloudEmulatorOptions {
  // QoS 1 messages the broker queues per client beyond those in flight; past it mosquitto drops
  // for that client. 0: no limit. A bench whose observer counts every message sets 0, so that it
  // measures the gateway and not the observer's queue (tests/bench/pipeline).
  unsigned max_queued_messages = 1000;
};

class CloudEmulator {
 public:
  explicit CloudEmulator(Registry devices = {}, CloudEmulatorOptions options = {});
  ~CloudEmulator();
  CloudEmulator(const CloudEmulator&) = delete;
  CloudEmulator& operator=(const CloudEmulator&) = delete;

  // Writes devices.json and mosquitto.conf and starts the broker; returns once every listener
  // accepts connections. Throws (with the broker's log) if it does not come up.
  void start();
  void stop();    // SIGTERM and wait
  void kill();    // SIGKILL: connections die without a goodbye
  void pause();   // SIGSTOP: connections stay open but nothing answers
  void resume();  // SIGCONT
  bool running() const;

  std::uint16_t tls_port() const { return tls_port_; }
  std::uint16_t mtls_port() const { return mtls_port_; }
  std::uint16_t psk_port() const { return psk_port_; }
  std::uint16_t plain_port() const { return plain_port_; }
  std::uint16_t wss_port() const { return wss_port_; }
  std::uint16_t wss_mtls_port() const { return wss_mtls_port_; }
  std::uint16_t ws_port() const { return ws_port_; }
  std::string host() const { return "127.0.0.1"; }

  const std::filesystem::path& ca_file() const { return pki_.ca_cert(); }
  TestPki& pki() { return pki_; }
  // A client certificate for the mutual-TLS listener whose CN names the device.
  CertPair client_cert(const std::string& common_name);

  const std::string& observer_username() const { return registry_.observer.username; }
  const std::string& observer_password() const { return registry_.observer.password; }

  // The devices. Changes take effect at the next start().
  Registry& registry() { return registry_; }
  std::filesystem::path registry_file() const { return dir_ / "devices.json"; }
  // Aliyun devices activated so far ("pk/dn" per line); kept across restarts.
  std::filesystem::path activations_file() const { return dir_ / "activations.txt"; }
  // Alibaba gateways' topologies ("pk/dn gateway" per line); kept across restarts, as the
  // platform keeps them. Removing it while stopped makes the cloud forget them.
  std::filesystem::path topology_file() const { return dir_ / "topology.txt"; }

  std::string log() const;  // the broker's log, with the plugin's accept/refuse lines

  // The plugin: $EDGEGW_CLOUD_PLUGIN, else the one built with this tree.
  static std::filesystem::path plugin_path();

 private:
  std::string config() const;

  Registry registry_;
  CloudEmulatorOptions options_;
  TestPki pki_;
  TempDir dir_;
  std::uint16_t tls_port_ = 0;
  std::uint16_t mtls_port_ = 0;
  std::uint16_t psk_port_ = 0;
  std::uint16_t plain_port_ = 0;
  std::uint16_t wss_port_ = 0;
  std::uint16_t wss_mtls_port_ = 0;
  std::uint16_t ws_port_ = 0;
  std::unique_ptr<MosquittoBroker> broker_;
  int certs_issued_ = 0;
};

}  // namespace edgegw::test
