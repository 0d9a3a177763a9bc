// [device.cloud]: one device's identity on its platform. Which keys exist depends on the platform
// and the auth mode (CONFIG.md's table); a key that the chosen combination does not use is
// reported as unknown, so a half-switched configuration cannot pass unnoticed.
#include <algorithm>
#include <cctype>

#include "daemon/certificate_check.hpp"
#include "daemon/config_sections.hpp"
#include "daemon/secrets.hpp"
#include "northbound/platform_defaults.hpp"

namespace edgegw::daemon {
namespace {

using namespace std::chrono_literals;
using northbound::AuthMode;
using northbound::PlatformKind;

bool is_base64(std::string_view s) {
  if (s.empty() || s.size() % 4 != 0) return false;
  const auto body = s.substr(0, s.find_last_not_of('=') + 1);
  if (s.size() - body.size() > 2) return false;
  return std::all_of(body.begin(), body.end(),
                     [](unsigned char c) { return std::isalnum(c) != 0 || c == '+' || c == '/'; });
}

void read_cert_pair(TableReader& t, northbound::DeviceIdentity& out) {
  t.require("cert_file");
  t.require("key_file");
  if (read_file_path(t, "cert_file", out.cert_file, false)) {
    if (auto problem = check_certificate_file(out.cert_file, CertificateRole::client,
                                              std::chrono::system_clock::now())) {
      t.problem("cert_file", *problem);
    }
  }
  read_file_path(t, "key_file", out.key_file, true);
}

void read_aliyun_identity(TableReader& t, northbound::DeviceIdentity& out) {
  if (t.require("product_key")) t.read_nonempty("product_key", out.product_key);
  if (t.require("device_name")) t.read_nonempty("device_name", out.device_name);
  out.client_id = out.product_key + "." + out.device_name;
  t.read_nonempty("client_id", out.client_id);
  if (out.client_id.size() > 64) t.problem("client_id", "must be at most 64 characters");
  out.auth = AuthMode::secret;
  t.read_choice("auth", out.auth,
                {{"secret", AuthMode::secret},
                 {"token", AuthMode::token},
                 {"register", AuthMode::register_},
                 {"register_nwl", AuthMode::register_nwl}});
  switch (out.auth) {
    case AuthMode::secret:
      read_secret(t, "device_secret", out.device_secret, true);
      break;
    case AuthMode::token:
      read_secret(t, "device_token", out.device_token, true);
      break;
    default:
      read_secret(t, "product_secret", out.product_secret, true);
      break;
  }
}

void read_tencent_identity(TableReader& t, bool tls, northbound::DeviceIdentity& out) {
  if (t.require("product_id")) t.read_nonempty("product_id", out.product_id);
  if (t.require("device_name")) t.read_nonempty("device_name", out.device_name);
  out.auth = tls ? AuthMode::psk : AuthMode::password;
  t.read_choice(
      "auth", out.auth,
      {{"psk", AuthMode::psk}, {"password", AuthMode::password}, {"cert", AuthMode::cert}});
  if (out.auth == AuthMode::password && tls) {
    t.problem("auth",
              "tencent auth = \"password\" works only without TLS (port 1883, tls = false "
              "with allow_plaintext = true); over TLS use auth = \"psk\" or \"cert\"");
  }
  if (out.auth != AuthMode::password && !tls) {
    t.problem(t.has("auth") ? "auth" : "product_id",
              "tencent auth = \"psk\" and \"cert\" need tls = true; without TLS use auth = "
              "\"password\"");
  }
  if (out.auth == AuthMode::cert) {
    read_cert_pair(t, out);
  } else if (read_secret(t, "device_psk", out.device_psk, true) && !is_base64(out.device_psk)) {
    t.problem(t.has("device_psk") ? "device_psk" : "device_psk_file",
              "the device PSK must be base64, as the console shows it");
  }
}

void read_huawei_identity(TableReader& t, northbound::DeviceIdentity& out) {
  if (t.require("device_id")) t.read_nonempty("device_id", out.device_id);
  t.read_nonempty("service_id", out.service_id);
  out.auth = t.has("cert_file") || t.has("key_file") ? AuthMode::cert : AuthMode::secret;
  t.read_choice("auth", out.auth, {{"secret", AuthMode::secret}, {"cert", AuthMode::cert}});
  if (out.auth == AuthMode::cert) {
    read_cert_pair(t, out);
  } else {
    read_secret(t, "device_secret", out.device_secret, true);
  }
}

void read_mqtt_identity(TableReader& t, northbound::DeviceIdentity& out) {
  out.client_id = out.device;
  t.read_nonempty("client_id", out.client_id);
  t.read("username", out.username);
  read_secret(t, "password", out.password, false);
  if (!out.password.empty() && out.username.empty()) {
    t.problem(t.has("password") ? "password" : "password_file",
              "MQTT sends a password only with a username; set username");
  }
  out.auth = out.username.empty() ? AuthMode::none : AuthMode::password;
  if (t.has("cert_file") || t.has("key_file")) {
    read_cert_pair(t, out);
    out.auth = AuthMode::cert;
  }
}

}  // namespace

void read_device_cloud(TableReader& t, const northbound::CloudOptions& cloud,
                       northbound::DeviceIdentity& out) {
  switch (cloud.platform) {
    case PlatformKind::aliyun:
      read_aliyun_identity(t, out);
      break;
    case PlatformKind::tencent:
      read_tencent_identity(t, cloud.tls, out);
      break;
    case PlatformKind::huawei:
      read_huawei_identity(t, out);
      break;
    case PlatformKind::mqtt:
      read_mqtt_identity(t, out);
      break;
  }
  std::chrono::seconds keepalive{0};
  if (t.read_seconds("keepalive", keepalive, 0s, 65535s)) {
    check_keepalive_range(t, "keepalive", cloud.platform, keepalive);
    out.keepalive = keepalive;
  }
  double rate = 0;
  if (t.read_number("publish_rate", rate, 0, 100000, true)) out.publish_rate = rate;
  t.report_unknown_keys(" for platform " + std::string(northbound::to_string(cloud.platform)) +
                        " (see docs/configuration.md)");
}

}  // namespace edgegw::daemon
