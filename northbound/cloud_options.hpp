// Options of the northbound side: [cloud], [cloud.<platform>] and each device's [device.cloud].
// Plain values; config/ fills them from TOML (with secrets already read from their files).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace edgegw::northbound {

enum class PlatformKind { aliyun, tencent, huawei, mqtt };
enum class OcspMode { off, prefer, require };
enum class SignMethod { hmacmd5, hmacsha1, hmacsha256 };
// device: one session per [[device]] (the default). gateway: the gateway identity
// ([gateway.cloud]) holds the only session and every [[device]] goes online through it as a
// sub-device of the platform's topology, under its own identity (northbound/gateway_topology.hpp).
enum class CloudMode { device, gateway };

struct AliyunOptions {
  std::string region = "cn-shanghai";
  std::string instance_id;
  SignMethod sign_method = SignMethod::hmacsha256;
  bool timestamp = true;
  // securemode in the dynamic-registration client id: -2 (the page) or 2 (legacy public
  // instances and the SDKs). PLATFORMS.md.
  int register_securemode = -2;
  bool operator==(const AliyunOptions&) const = default;
};

struct TencentOptions {
  SignMethod sign_method = SignMethod::hmacsha256;  // hmacsha1 | hmacsha256
  std::string sdkappid = "12010126";
  std::chrono::seconds token_lifetime{3600};
  bool operator==(const TencentOptions&) const = default;
};

struct HuaweiOptions {
  bool check_timestamp = true;  // signType 1 (true) or 0
  bool operator==(const HuaweiOptions&) const = default;
};

struct GenericMqttOptions {
  std::string telemetry_topic = "devices/{device}/telemetry";
  std::string command_topic = "devices/{device}/commands";
  // Where command answers go; empty: command_topic + "/reply" (command_topic must then be a
  // topic name, not a filter).
  std::string reply_topic;
  std::string event_topic = "devices/{device}/events/{event}";  // {event}: the identifier
  // Device online/offline, {"online":bool,"time":ms}; never on telemetry_topic, where it would
  // read as a point named "online".
  std::string status_topic = "devices/{device}/status";
  // The gateway identity's health reports and events ([gateway.cloud]); empty: telemetry_topic
  // and event_topic with {device} = the gateway's name.
  std::string gateway_telemetry_topic;
  std::string gateway_event_topic;
  bool operator==(const GenericMqttOptions&) const = default;
};

struct CloudOptions {
  PlatformKind platform = PlatformKind::aliyun;
  std::string
      host;  // may hold {product_key} {product_id} {region} {instance_id}; default per platform
  std::uint16_t port = 8883;
  bool tls = true;
  bool allow_plaintext = false;
  // transport = "websocket": MQTT over WebSocket (wss:// with tls, ws:// without) at ws_path.
  bool websocket = false;
  std::string ws_path = "/mqtt";
  // An HTTP CONNECT proxy, "http://[user:password@]host:port"; empty: connect directly. Hosts
  // matching no_proxy (comma-separated names, domains, "*") are reached directly.
  std::string proxy;
  std::string no_proxy;
  std::filesystem::path ca_file;  // empty: the system trust store
  std::string ca_md5;             // optional pins of the CA file's digest, lowercase hex
  std::string ca_sha256;
  OcspMode ocsp = OcspMode::off;
  std::chrono::seconds keepalive{300};
  std::chrono::milliseconds backoff_min{1000};
  std::chrono::milliseconds backoff_max{300000};
  double connects_per_second = 20;
  unsigned max_connecting = 64;  // connect attempts in progress at once, gateway-wide; 0: no cap
  unsigned max_inflight = 16;
  double publish_rate = 30;  // messages per second per device
  CloudMode mode = CloudMode::device;
  // Gateway mode: sub-devices added or logged in per second. Alibaba's limits page gives 200 QPS
  // for a gateway bringing sub-devices online; 50 sub-devices (10 requests of 5) stays far below.
  double sub_logins_per_second = 50;

  AliyunOptions aliyun;
  TencentOptions tencent;
  HuaweiOptions huawei;
  GenericMqttOptions mqtt;
  bool operator==(const CloudOptions&) const = default;
};

// How a device proves who it is. Which values apply depends on the platform (CONFIG.md).
enum class AuthMode {
  secret,        // aliyun: device secret; huawei: device secret
  token,         // aliyun: connwl with a device token
  register_,     // aliyun: dynamic registration with the product secret
  register_nwl,  // aliyun: registration without pre-registration (client id + token)
  psk,           // tencent: TLS-PSK
  password,      // tencent: HMAC username/password; mqtt: username/password
  cert,          // tencent, huawei, mqtt: client certificate
  none,          // mqtt: no credentials
};

// Whose identity it is: a device's ([device.cloud]) or the gateway's own ([gateway.cloud]), whose
// health goes where each platform keeps a device's properties (Tencent: the data template's
// $thing/up/property; generic: gateway_telemetry_topic).
enum class IdentityRole { device, gateway };

// [device.cloud]: one device's cloud identity. Secrets hold the secret itself (read from *_file).
struct DeviceIdentity {
  std::string device;  // local device name, for {device} in topics and for logs
  IdentityRole role = IdentityRole::device;
  AuthMode auth = AuthMode::secret;
  // aliyun
  std::string product_key;
  std::string device_name;  // aliyun, tencent
  std::string client_id;    // aliyun: default {product_key}.{device_name}; mqtt: default {device}
  std::string device_secret;
  std::string device_token;
  std::string product_secret;
  // tencent
  std::string product_id;
  std::string device_psk;  // base64, as the console shows it
  // huawei
  std::string device_id;
  std::string service_id = "default";
  // mqtt
  std::string username;
  std::string password;
  // certificate auth (tencent, huawei, mqtt)
  std::filesystem::path cert_file;
  std::filesystem::path key_file;
  // The type of each of the device's events, by identifier (`type` of [[device.modbus.event]] and
  // [[device.mqtt.event]]): Tencent's data template gives every event one of "info", "alert",
  // "fault"; an event not listed is "info". The other platforms have no such field.
  std::map<std::string, std::string> event_types;
  // per-device overrides of [cloud]
  std::optional<std::chrono::seconds> keepalive;
  std::optional<double> publish_rate;
  bool operator==(const DeviceIdentity&) const = default;
};

}  // namespace edgegw::northbound
