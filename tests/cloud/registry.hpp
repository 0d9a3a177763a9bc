// The cloud emulator's device registry: which devices exist on which platform, with their secrets
// and the auth modes each may use. The same value type is written by tests (as devices.json) and
// read by the broker plugin, so the two cannot drift apart.
//
// devices.json:
//   {"observer": {"username": "...", "password": "..."},
//    "aliyun":  [{"product_key", "device_name", "device_secret", "product_secret", "device_token",
//                 "client_id", "auth": ["secret", "token", "register", "register_nwl"],
//                 "registered", "disabled"}],
//    "tencent": [{"product_id", "device_name", "psk", "auth": ["password", "psk", "cert"]}],
//    "huawei":  [{"device_id", "secret", "auth": ["secret", "cert"]}],
//    "mqtt":    [{"device", "username", "password", "client_id", "auth": ["password", "cert",
//    "none"]}]}
// `auth` may be one string or a list; left out, every mode the entry has credentials for is
// allowed.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace edgegw::cloud {

struct Observer {
  std::string username = "observer";
  std::string password = "observer-secret";
  bool operator==(const Observer&) const = default;
};

struct AliyunDevice {
  std::string product_key{};
  std::string device_name{};
  std::string device_secret{};   // secret auth; also what /ext/register hands out
  std::string product_secret{};  // dynamic registration (register, register_nwl)
  std::string device_token{};  // connwl; empty: derived from the product secret (see aliyun_checks)
  std::string client_id{};     // connwl; empty: "{product_key}.{device_name}"
  std::set<std::string> auth{};  // secret | token | register | register_nwl; empty: all it can do
  bool registered = false;       // already activated: a registration is refused
  bool disabled = false;         // refused with CONNACK 5
  bool operator==(const AliyunDevice&) const = default;
};

struct TencentDevice {
  std::string product_id{};
  std::string device_name{};
  std::string psk{};             // base64, as the console shows it
  std::set<std::string> auth{};  // password | psk | cert; empty: all
  bool disabled = false;
  std::string client_id() const { return product_id + device_name; }
  bool operator==(const TencentDevice&) const = default;
};

struct HuaweiDevice {
  std::string device_id{};
  std::string secret{};
  std::set<std::string> auth{};  // secret | cert; empty: all
  bool disabled = false;
  bool operator==(const HuaweiDevice&) const = default;
};

struct MqttDevice {
  std::string device{};  // the {device} of devices/{device}/...; also the certificate's CN
  std::string username{};
  std::string password{};
  std::string client_id{};       // empty: any
  std::set<std::string> auth{};  // password | cert | none; empty: all it can do
  bool disabled = false;
  bool operator==(const MqttDevice&) const = default;
};

struct Registry {
  Observer observer;
  std::vector<AliyunDevice> aliyun;
  std::vector<TencentDevice> tencent;
  std::vector<HuaweiDevice> huawei;
  std::vector<MqttDevice> mqtt;

  Registry& add(AliyunDevice d) { return aliyun.push_back(std::move(d)), *this; }
  Registry& add(TencentDevice d) { return tencent.push_back(std::move(d)), *this; }
  Registry& add(HuaweiDevice d) { return huawei.push_back(std::move(d)), *this; }
  Registry& add(MqttDevice d) { return mqtt.push_back(std::move(d)), *this; }

  const AliyunDevice* find_aliyun(std::string_view product_key, std::string_view device_name) const;
  // Any entry of the product that holds its product secret (for regnwl of unlisted devices).
  const AliyunDevice* find_aliyun_product(std::string_view product_key) const;
  const TencentDevice* find_tencent(std::string_view client_id) const;
  const HuaweiDevice* find_huawei(std::string_view device_id) const;
  const MqttDevice* find_mqtt_by_username(std::string_view username) const;
  const MqttDevice* find_mqtt_by_device(std::string_view device) const;
  const MqttDevice* find_mqtt_by_client_id(std::string_view client_id) const;

  std::string to_json() const;
  // Throws std::runtime_error naming what is wrong.
  static Registry from_json(std::string_view text);
  bool operator==(const Registry&) const = default;
};

// Whether `mode` is allowed by an entry's `auth` list (an empty list allows everything).
inline bool allows(const std::set<std::string>& auth, std::string_view mode) {
  return auth.empty() || auth.count(std::string(mode)) > 0;
}

}  // namespace edgegw::cloud
