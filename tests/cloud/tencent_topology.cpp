#include "cloud/tencent_topology.hpp"

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "cloud/json_members.hpp"
#include "cloud/signing.hpp"

namespace edgegw::cloud {
namespace {

using nlohmann::json;
constexpr std::int64_t kTimestampWindowSeconds = 600;

// Numbers may come as JSON numbers or digit strings; nullopt for anything else.
std::optional<std::int64_t> integer(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (!it->is_string()) return std::nullopt;
  const auto s = it->get<std::string>();
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0') return std::nullopt;
  return v;
}

int check_bind(const Registry& registry, const json& e, const TencentGatewayState& state,
               std::int64_t now) {
  const auto pid = text(e, "product_id"), dn = text(e, "device_name");
  const auto random = integer(e, "random"), timestamp = integer(e, "timestamp");
  if (pid.empty() || dn.empty() || !random || !timestamp || text(e, "authtype") != "psk") {
    return -801;
  }
  const TencentDevice* device = registry.find_tencent(pid + dn);
  if (!device || device->psk.empty()) return -802;
  if (device->disabled) return -807;
  const auto method = text(e, "signmethod");
  if (method != "hmacsha1" && method != "hmacsha256") return -804;
  if (std::llabs(*timestamp - now) > kTimestampWindowSeconds) return -805;
  const auto content = pid + dn + ";" + std::to_string(*random) + ";" + std::to_string(*timestamp);
  const auto expected = hmac(*parse_hmac_method(method), device->psk, content);
  if (base64_decode(text(e, "signature")) != expected) return -803;
  if (state.bound.count(pid + "/" + dn)) return -809;
  return 0;
}

}  // namespace

TopologyAnswer answer_tencent_topology(const Registry& registry, std::string_view gw_pid,
                                       std::string_view gw_dn, std::string_view topic,
                                       std::string_view payload, TencentGatewayState& state,
                                       std::int64_t now_unix_seconds) {
  TopologyAnswer a;
  const std::string gw = std::string(gw_pid) + "/" + std::string(gw_dn);
  if (topic != "$gateway/operation/" + gw) return a;
  a.handled = true;
  a.reply_topic = "$gateway/operation/result/" + gw;
  auto doc = json::parse(payload, nullptr, false);
  const std::string type = doc.is_object() ? text(doc, "type") : std::string();
  json results = json::array();
  const json* devices = nullptr;
  if (doc.is_object() && doc.contains("payload") && doc["payload"].is_object() &&
      doc["payload"].contains("devices") && doc["payload"]["devices"].is_array()) {
    devices = &doc["payload"]["devices"];
  }
  for (const auto& e : devices ? *devices : json::array()) {
    if (!e.is_object()) continue;
    const auto pid = text(e, "product_id"), dn = text(e, "device_name");
    const auto key = pid + "/" + dn;
    const TencentDevice* device = registry.find_tencent(pid + dn);
    int result = -1;
    if (type == "bind") {
      result = check_bind(registry, e, state, now_unix_seconds);
      if (result == 0) state.bound.insert(key);
    } else if (type == "unbind") {
      result = state.bound.erase(key) ? 0 : -1;
      if (state.online.erase(key)) a.now_offline.push_back(key);
    } else if (type == "online") {
      result = !state.bound.count(key) ? -1 : (!device || device->disabled) ? -2 : 0;
      if (result == 0 && state.online.insert(key).second) a.now_online.push_back(key);
    } else if (type == "offline") {
      result = state.online.erase(key) ? 0 : -1;
      if (result == 0) a.now_offline.push_back(key);
    }
    results.push_back({{"product_id", pid}, {"device_name", dn}, {"result", result}});
  }
  a.reply_payload = json{{"type", type}, {"payload", {{"devices", results}}}}.dump();
  return a;
}

}  // namespace edgegw::cloud
