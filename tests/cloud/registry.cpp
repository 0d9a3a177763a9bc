#include "cloud/registry.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace edgegw::cloud {

namespace {

using nlohmann::json;

std::string text(const json& entry, const char* key) {
  auto it = entry.find(key);
  if (it == entry.end() || it->is_null()) return {};
  if (!it->is_string()) throw std::runtime_error(std::string("\"") + key + "\" must be a string");
  return it->get<std::string>();
}

bool flag(const json& entry, const char* key) {
  auto it = entry.find(key);
  return it != entry.end() && it->is_boolean() && it->get<bool>();
}

std::set<std::string> auth_modes(const json& entry) {
  auto it = entry.find("auth");
  if (it == entry.end() || it->is_null()) return {};
  if (it->is_string()) return {it->get<std::string>()};
  if (!it->is_array()) throw std::runtime_error("\"auth\" must be a string or a list");
  std::set<std::string> out;
  for (const auto& m : *it) out.insert(m.get<std::string>());
  return out;
}

void put_common(json& out, const std::set<std::string>& auth, bool disabled) {
  if (!auth.empty()) out["auth"] = std::vector<std::string>(auth.begin(), auth.end());
  if (disabled) out["disabled"] = true;
}

const json& list(const json& root, const char* key) {
  static const json kEmpty = json::array();
  auto it = root.find(key);
  if (it == root.end()) return kEmpty;
  if (!it->is_array()) throw std::runtime_error(std::string("\"") + key + "\" must be a list");
  return *it;
}

// The first of `devices` that `matches`, or nullptr: every find_* below is one such lookup.
template <typename Device, typename Match>
const Device* first_match(const std::vector<Device>& devices, Match matches) {
  auto it = std::find_if(devices.begin(), devices.end(), matches);
  return it == devices.end() ? nullptr : &*it;
}

}  // namespace

const AliyunDevice* Registry::find_aliyun(std::string_view product_key,
                                          std::string_view device_name) const {
  return first_match(aliyun, [&](const AliyunDevice& d) {
    return d.product_key == product_key && d.device_name == device_name;
  });
}

const AliyunDevice* Registry::find_aliyun_product(std::string_view product_key) const {
  return first_match(aliyun, [&](const AliyunDevice& d) {
    return d.product_key == product_key && !d.product_secret.empty();
  });
}

const TencentDevice* Registry::find_tencent(std::string_view client_id) const {
  return first_match(tencent, [&](const TencentDevice& d) { return d.client_id() == client_id; });
}

const HuaweiDevice* Registry::find_huawei(std::string_view device_id) const {
  return first_match(huawei, [&](const HuaweiDevice& d) { return d.device_id == device_id; });
}

const MqttDevice* Registry::find_mqtt_by_username(std::string_view username) const {
  return first_match(
      mqtt, [&](const MqttDevice& d) { return !d.username.empty() && d.username == username; });
}

const MqttDevice* Registry::find_mqtt_by_device(std::string_view device) const {
  return first_match(mqtt, [&](const MqttDevice& d) { return d.device == device; });
}

const MqttDevice* Registry::find_mqtt_by_client_id(std::string_view client_id) const {
  return first_match(mqtt, [&](const MqttDevice& d) {
    return (d.client_id.empty() ? d.device : d.client_id) == client_id;
  });
}

std::string Registry::to_json() const {
  json root;
  root["observer"] = {{"username", observer.username}, {"password", observer.password}};
  root["aliyun"] = json::array();
  for (const auto& d : aliyun) {
    json e{{"product_key", d.product_key},     {"device_name", d.device_name},
           {"device_secret", d.device_secret}, {"product_secret", d.product_secret},
           {"device_token", d.device_token},   {"client_id", d.client_id}};
    if (d.registered) e["registered"] = true;
    put_common(e, d.auth, d.disabled);
    root["aliyun"].push_back(e);
  }
  root["tencent"] = json::array();
  for (const auto& d : tencent) {
    json e{{"product_id", d.product_id}, {"device_name", d.device_name}, {"psk", d.psk}};
    put_common(e, d.auth, d.disabled);
    root["tencent"].push_back(e);
  }
  root["huawei"] = json::array();
  for (const auto& d : huawei) {
    json e{{"device_id", d.device_id}, {"secret", d.secret}};
    put_common(e, d.auth, d.disabled);
    root["huawei"].push_back(e);
  }
  root["mqtt"] = json::array();
  for (const auto& d : mqtt) {
    json e{{"device", d.device},
           {"username", d.username},
           {"password", d.password},
           {"client_id", d.client_id}};
    put_common(e, d.auth, d.disabled);
    root["mqtt"].push_back(e);
  }
  return root.dump(2) + "\n";
}

Registry Registry::from_json(std::string_view text_in) {
  json root;
  try {
    root = json::parse(text_in);
  } catch (const json::exception& e) {
    throw std::runtime_error(std::string("devices.json is not JSON: ") + e.what());
  }
  if (!root.is_object()) throw std::runtime_error("devices.json must hold an object");
  Registry r;
  try {
    if (auto it = root.find("observer"); it != root.end()) {
      r.observer = {text(*it, "username"), text(*it, "password")};
    }
    for (const auto& e : list(root, "aliyun")) {
      r.aliyun.push_back({text(e, "product_key"), text(e, "device_name"), text(e, "device_secret"),
                          text(e, "product_secret"), text(e, "device_token"), text(e, "client_id"),
                          auth_modes(e), flag(e, "registered"), flag(e, "disabled")});
    }
    for (const auto& e : list(root, "tencent")) {
      r.tencent.push_back({text(e, "product_id"), text(e, "device_name"), text(e, "psk"),
                           auth_modes(e), flag(e, "disabled")});
    }
    for (const auto& e : list(root, "huawei")) {
      r.huawei.push_back(
          {text(e, "device_id"), text(e, "secret"), auth_modes(e), flag(e, "disabled")});
    }
    for (const auto& e : list(root, "mqtt")) {
      MqttDevice d{text(e, "device"),    text(e, "username"), text(e, "password"),
                   text(e, "client_id"), auth_modes(e),       flag(e, "disabled")};
      if (d.device.empty()) d.device = d.username;
      r.mqtt.push_back(std::move(d));
    }
  } catch (const json::exception& e) {
    throw std::runtime_error(std::string("devices.json: ") + e.what());
  }
  return r;
}

}  // namespace edgegw::cloud
