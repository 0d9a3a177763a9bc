// One sentence per problem, phrased for the person editing the config: what is wrong, what to do.
#include "northbound/platform_check.hpp"

#include "northbound/platform_common.hpp"
#include "northbound/platform_defaults.hpp"
#include "northbound/signing.hpp"

namespace edgegw::northbound {
namespace {

using Problem = std::optional<std::string>;

std::string seconds_text(std::chrono::seconds s) {
  return std::to_string(s.count());
}

Problem require(const std::string& value, std::string_view key, std::string_view why) {
  if (!value.empty()) return std::nullopt;
  return std::string(key) + " is required " + std::string(why);
}

Problem check_aliyun(const CloudOptions& cloud, const DeviceIdentity& id) {
  if (auto p = require(id.product_key, "product_key", "for aliyun")) return p;
  if (auto p = require(id.device_name, "device_name", "for aliyun")) return p;
  std::string client_id =
      id.client_id.empty() ? id.product_key + "." + id.device_name : id.client_id;
  if (client_id.size() > 64) {
    return "aliyun client_id \"" + client_id + "\" is " + std::to_string(client_id.size()) +
           " characters; the platform allows at most 64 (set client_id to something shorter)";
  }
  if (client_id.find('|') != std::string::npos) {
    return "aliyun client_id must not contain '|' (it separates the extension parameters)";
  }
  switch (id.auth) {
    case AuthMode::secret:
      return require(id.device_secret, "device_secret_file", "for aliyun auth = \"secret\"");
    case AuthMode::token:
      return require(id.device_token, "device_token_file", "for aliyun auth = \"token\"");
    case AuthMode::register_:
    case AuthMode::register_nwl:
      if (!cloud.tls) {
        return std::string("aliyun dynamic registration works only over TLS: set tls = true");
      }
      return require(id.product_secret, "product_secret_file",
                     "for aliyun auth = \"register\" / \"register_nwl\"");
    default:
      return std::string(
          "aliyun auth must be \"secret\", \"token\", \"register\" or \"register_nwl\"");
  }
}

Problem check_tencent(const CloudOptions& cloud, const DeviceIdentity& id) {
  if (auto p = require(id.product_id, "product_id", "for tencent")) return p;
  if (auto p = require(id.device_name, "device_name", "for tencent")) return p;
  AuthMode auth = id.auth;
  if (auth == AuthMode::secret) auth = cloud.tls ? AuthMode::psk : AuthMode::password;
  switch (auth) {
    case AuthMode::password:
      if (cloud.tls) {
        return std::string(
            "tencent auth = \"password\" is accepted only over plain TCP (port 1883); over TLS use "
            "auth = \"psk\" (the same device key) or auth = \"cert\"");
      }
      if (cloud.tencent.sign_method == SignMethod::hmacmd5) {
        return std::string("tencent signs with hmacsha1 or hmacsha256, not hmacmd5");
      }
      [[fallthrough]];
    case AuthMode::psk:
      if (auth == AuthMode::psk && !cloud.tls) {
        return std::string("tencent auth = \"psk\" is TLS-PSK: set tls = true (port 8883)");
      }
      if (auto p = require(id.device_psk, "device_psk_file", "for tencent key authentication")) {
        return p;
      }
      if (auto raw = base64_decode(id.device_psk); !raw || raw->empty()) {
        return std::string(
            "tencent device_psk is not base64 (paste the key as the console shows it)");
      }
      return std::nullopt;
    case AuthMode::cert:
      if (!cloud.tls) return std::string("tencent auth = \"cert\" needs tls = true (port 8883)");
      if (id.cert_file.empty() || id.key_file.empty()) {
        return std::string("tencent auth = \"cert\" needs cert_file and key_file");
      }
      return std::nullopt;
    default:
      return std::string("tencent auth must be \"psk\", \"password\" or \"cert\"");
  }
}

Problem check_huawei(const CloudOptions& cloud, const DeviceIdentity& id) {
  if (!cloud.tls) return std::string("huawei accepts only MQTTS: set tls = true (port 8883)");
  if (auto p = require(id.device_id, "device_id", "for huawei")) return p;
  switch (id.auth) {
    case AuthMode::secret:
      return require(id.device_secret, "device_secret_file", "for huawei");
    case AuthMode::cert:
      if (id.cert_file.empty() || id.key_file.empty()) {
        return std::string("huawei auth = \"cert\" needs cert_file and key_file");
      }
      return std::nullopt;
    default:
      return std::string("huawei auth must be \"secret\" or \"cert\"");
  }
}

Problem check_mqtt(const CloudOptions& cloud, const DeviceIdentity& id) {
  if (id.cert_file.empty() != id.key_file.empty()) {
    return std::string("cert_file and key_file go together");
  }
  if (!id.cert_file.empty() && !cloud.tls) {
    return std::string("a client certificate needs tls = true");
  }
  if (id.auth == AuthMode::cert && id.cert_file.empty()) {
    return std::string("auth = \"cert\" needs cert_file and key_file");
  }
  if (!id.password.empty() && id.username.empty()) {
    return std::string("a password without a username is not sent by MQTT 3.1.1: set username");
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_keepalive(const CloudOptions& cloud, const DeviceIdentity& id) {
  auto keepalive = effective_keepalive(cloud, id);
  auto range = platform_defaults(cloud.platform).keepalive_range;
  if (range.contains(keepalive)) return std::nullopt;
  return "keepalive " + seconds_text(keepalive) + " s is outside " +
         std::string(to_string(cloud.platform)) + "'s range " + seconds_text(range.min) + "–" +
         seconds_text(range.max) + " s";
}

std::optional<std::string> check_identity(const CloudOptions& cloud, const DeviceIdentity& id) {
  if (auto p = check_keepalive(cloud, id)) return p;
  switch (cloud.platform) {
    case PlatformKind::aliyun:
      return check_aliyun(cloud, id);
    case PlatformKind::tencent:
      return check_tencent(cloud, id);
    case PlatformKind::huawei:
      return check_huawei(cloud, id);
    case PlatformKind::mqtt:
      return check_mqtt(cloud, id);
  }
  return std::nullopt;
}

}  // namespace edgegw::northbound
