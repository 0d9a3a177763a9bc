#include "cloud/cloud_emulator.hpp"

#include <cstdlib>
#include <set>

#include "support/net.hpp"

namespace edgegw::test {

namespace {

std::uint16_t distinct_free_port(std::set<std::uint16_t>& taken) {
  while (true) {
    auto port = free_tcp_port();
    if (taken.insert(port).second) return port;
  }
}

}  // namespace

CloudEmulator::CloudEmulator(Registry devices, CloudEmulatorOptions options)
    : registry_(std::move(devices)), options_(options) {
  std::set<std::uint16_t> taken;
  tls_port_ = distinct_free_port(taken);
  mtls_port_ = distinct_free_port(taken);
  psk_port_ = distinct_free_port(taken);
  plain_port_ = distinct_free_port(taken);
  wss_port_ = distinct_free_port(taken);
  wss_mtls_port_ = distinct_free_port(taken);
  ws_port_ = distinct_free_port(taken);
  // One broker object for the emulator's life: restarts reuse its ports and append to one log.
  broker_ = std::make_unique<MosquittoBroker>(
      config(), std::vector<std::uint16_t>{plain_port_, tls_port_, mtls_port_, psk_port_, wss_port_,
                                           wss_mtls_port_, ws_port_});
}

CloudEmulator::~CloudEmulator() {
  stop();
}

std::filesystem::path CloudEmulator::plugin_path() {
  const char* env = std::getenv("EDGEGW_CLOUD_PLUGIN");
  return env && *env ? env : EDGEGW_CLOUD_PLUGIN;
}

std::string CloudEmulator::config() const {
  const std::string plugin = "plugin " + plugin_path().string() + "\nplugin_opt_registry " +
                             registry_file().string() + "\nplugin_opt_state " +
                             activations_file().string() + "\nplugin_opt_topology " +
                             topology_file().string() + "\n";
  auto listener = [&](std::uint16_t port, const char* kind) {
    return "\nlistener " + std::to_string(port) + " 127.0.0.1\n" + plugin + "plugin_opt_listener " +
           kind + "\n";
  };
  const std::string server_cert =
      "certfile " + pki_.server().cert.string() + "\nkeyfile " + pki_.server().key.string() + "\n";
  // The log goes to the support broker's own log file (flushed per line; mosquitto allows only
  // one log_dest file).
  std::string c = "per_listener_settings true\nmax_queued_messages " +
                  std::to_string(options_.max_queued_messages) + "\n";
  c += listener(plain_port_, "plain");
  c += listener(tls_port_, "tls") + server_cert;
  c += listener(mtls_port_, "mtls") + server_cert + "cafile " + pki_.ca_cert().string() +
       "\nrequire_certificate true\n";
  // TLS-PSK as Tencent offers it: TLS 1.2, no certificate. The keys come from the plugin.
  c += listener(psk_port_, "psk") + "psk_hint edgegw-cloud\ntls_version tlsv1.2\n";
  // MQTT over WebSocket (mosquitto's libwebsockets listener serves every path). The plugin sees
  // the same CONNECT as on the TCP listeners, so each checks the same rules.
  const std::string websockets = "protocol websockets\n";
  c += listener(wss_port_, "tls") + websockets + server_cert;
  c += listener(wss_mtls_port_, "mtls") + websockets + server_cert + "cafile " +
       pki_.ca_cert().string() + "\nrequire_certificate true\n";
  c += listener(ws_port_, "plain") + websockets;
  return c;
}

void CloudEmulator::start() {
  if (running()) return;
  dir_.write("devices.json", registry_.to_json(), 0600);
  broker_->start();
}

void CloudEmulator::stop() {
  if (broker_) broker_->stop();
}

void CloudEmulator::kill() {
  if (broker_) broker_->kill();
}

void CloudEmulator::pause() {
  if (broker_) broker_->pause();
}

void CloudEmulator::resume() {
  if (broker_) broker_->resume();
}

bool CloudEmulator::running() const {
  return broker_ && broker_->running();
}

CertPair CloudEmulator::client_cert(const std::string& common_name) {
  return pki_.issue("client-" + std::to_string(++certs_issued_), common_name);
}

std::string CloudEmulator::log() const {
  return broker_ ? broker_->log() : std::string();
}

}  // namespace edgegw::test
