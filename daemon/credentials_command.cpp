#include "daemon/credentials_command.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "daemon/cli.hpp"
#include "northbound/platform.hpp"
#include "northbound/platform_defaults.hpp"

namespace edgegw::daemon {
namespace {

std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// The identity named `name`: a device's, or the gateway's own ([gateway.cloud], named as the
// daemon names it: gateway.name, role gateway).
std::optional<northbound::DeviceIdentity> identity_named(const config::Config& config,
                                                         const std::string& name) {
  if (const config::DeviceConfig* device = config.find_device(name)) return device->cloud;
  if (config.gateway.cloud && name == config.gateway.name) {
    auto identity = *config.gateway.cloud;
    identity.device = config.gateway.name;
    identity.role = northbound::IdentityRole::gateway;
    return identity;
  }
  return std::nullopt;
}

}  // namespace

int print_credentials(const config::Config& config, const CredentialsRequest& request) {
  const auto identity = identity_named(config, request.device);
  if (!identity) {
    std::fprintf(stderr, "edgegw: no device named '%s' in %s%s\n", request.device.c_str(),
                 config.main_file.c_str(),
                 config.gateway.cloud ? "" : " (and no [gateway.cloud] for the gateway's own)");
    return kExitFailure;
  }
  const bool gateway = identity->role == northbound::IdentityRole::gateway;
  auto platform = northbound::make_platform(config.cloud, config.gateway.state_dir);
  const auto now = request.time.value_or(std::chrono::system_clock::now());
  const std::string connid = request.connid.value_or(northbound::random_connid());
  const northbound::ConnectParams p = platform->connect_params(*identity, now, connid);
  if (!p.problem.empty()) {
    std::fprintf(stderr, "edgegw: %s: %s\n", request.device.c_str(), p.problem.c_str());
    return kExitConfig;
  }
  nlohmann::ordered_json out;
  out["device"] = request.device;
  if (gateway) out["role"] = "gateway";
  out["platform"] = std::string(northbound::to_string(config.cloud.platform));
  out["host"] = p.host;
  out["port"] = p.port;
  out["tls"] = p.tls;
  out["client_id"] = p.client_id;
  out["username"] = p.username;
  out["password"] = p.password;
  out["keepalive"] = p.keepalive.count();
  // Extras for mosquitto_pub --psk / --cert when the platform uses them.
  if (!p.psk_identity.empty()) out["psk_identity"] = p.psk_identity;
  if (!p.psk_key.empty()) out["psk"] = hex(p.psk_key);
  if (!p.cert_file.empty()) out["cert_file"] = p.cert_file.string();
  if (!p.key_file.empty()) out["key_file"] = p.key_file.string();
  if (p.purpose == northbound::ConnectPurpose::registration) out["purpose"] = "registration";
  std::printf("%s\n", out.dump().c_str());
  return kExitOk;
}

}  // namespace edgegw::daemon
