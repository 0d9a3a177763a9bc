#include "cloud/aliyun_topology.hpp"

#include <nlohmann/json.hpp>

#include "cloud/json_members.hpp"
#include "cloud/signing.hpp"

namespace edgegw::cloud {
namespace {

using nlohmann::json;
// The platform's per-call limits: thing/topo/add up to 30 sub-devices, batch login/logout up to 50.
constexpr std::size_t kMaxPerAdd = 30;
constexpr std::size_t kMaxPerSessionCall = 50;

// 200 or the refusal code of one sub-device's signed entry.
int check_entry(const Registry& registry, const json& e, const char* method_key,
                bool must_be_in_topology, const AliyunGatewayState& state) {
  if (!e.is_object()) return 460;
  const auto pk = text(e, "productKey"), dn = text(e, "deviceName");
  const auto* device = registry.find_aliyun(pk, dn);
  if (!device) return 6100;
  if (device->disabled) return 522;
  if (must_be_in_topology && !state.topology.count(pk + "/" + dn)) return 6401;
  auto method = parse_hmac_method(text(e, method_key));
  if (!method) return 460;
  const auto content = "clientId" + text(e, "clientId") + "deviceName" + dn + "productKey" + pk +
                       "timestamp" + text(e, "timestamp");
  if (!hex_equal_ignore_case(to_hex(hmac(*method, device->device_secret, content)),
                             text(e, "sign"))) {
    return 6287;
  }
  return 200;
}

std::string reply(const json& request, int code) {
  json r = {{"id", request.is_object() ? request.value("id", "") : ""},
            {"code", code},
            {"message", code == 200 ? "success" : "refused"},
            {"data", json::object()}};
  return r.dump();
}

// Checks every entry; all of them pass or none is taken (the first refusal is the answer).
int check_all(const Registry& registry, const json& list, const char* method_key, bool in_topology,
              const AliyunGatewayState& state, std::size_t max_per_call) {
  if (!list.is_array() || list.empty() || list.size() > max_per_call) return 460;
  for (const auto& e : list) {
    if (int code = check_entry(registry, e, method_key, in_topology, state); code != 200) {
      return code;
    }
  }
  return 200;
}

// thing/sub/register: all named sub-devices registered (their secrets in `data`) or none.
std::string answer_register(const Registry& registry, const json& doc, AliyunGatewayState& state) {
  const json list = doc.is_object() && doc.contains("params") ? doc["params"] : json();
  int code = list.is_array() && !list.empty() && list.size() <= kMaxPerAdd ? 200 : 460;
  json data = json::array();
  for (std::size_t i = 0; code == 200 && i < list.size(); ++i) {
    const auto& e = list[i];
    const auto pk = text(e, "productKey"), dn = text(e, "deviceName");
    const auto* device = e.is_object() ? registry.find_aliyun(pk, dn) : nullptr;
    if (!device) {
      code = 6100;
    } else if (device->disabled) {
      code = 522;
    } else if (!allows(device->auth, "register") || device->registered ||
               state.activated.count(pk + "/" + dn)) {
      code = 401;
    } else {
      data.push_back({{"iotId", "iot-" + pk + "-" + dn},
                      {"productKey", pk},
                      {"deviceName", dn},
                      {"deviceSecret", device->device_secret}});
    }
  }
  if (code != 200) return reply(doc, code);
  state.registrations += data.size();
  json r = {{"id", doc.value("id", "")}, {"code", 200}, {"message", "success"}, {"data", data}};
  return r.dump();
}

}  // namespace

TopologyAnswer answer_aliyun_topology(const Registry& registry, std::string_view gw_pk,
                                      std::string_view gw_dn, std::string_view topic,
                                      std::string_view payload, AliyunGatewayState& state,
                                      int qos) {
  TopologyAnswer a;
  const std::string gw = std::string(gw_pk) + "/" + std::string(gw_dn);
  const std::string session = "/ext/session/" + gw + "/combine/";
  const bool add = topic == "/sys/" + gw + "/thing/topo/add";
  const bool login = topic == session + "login" || topic == session + "batch_login";
  const bool logout = topic == session + "logout" || topic == session + "batch_logout";
  if (topic == "/sys/" + gw + "/thing/sub/register") {
    a.handled = true;
    a.reply_topic = std::string(topic) + "_reply";
    a.reply_payload = answer_register(registry, json::parse(payload, nullptr, false), state);
    return a;
  }
  if (!add && !login && !logout) return a;
  a.handled = true;
  a.reply_topic = std::string(topic) + "_reply";
  auto doc = json::parse(payload, nullptr, false);
  json list;
  if (doc.is_object() && doc.contains("params")) {
    const auto& p = doc["params"];
    list = p.is_array() ? p : p.contains("deviceList") ? p["deviceList"] : json::array({p});
  }
  int code = 460;
  if (add) code = check_all(registry, list, "signmethod", false, state, kMaxPerAdd);
  if (login) code = check_all(registry, list, "signMethod", true, state, kMaxPerSessionCall);
  if (logout) {
    code = list.is_array() && !list.empty() && list.size() <= kMaxPerSessionCall ? 200 : 460;
  }
  if ((login || logout) && qos != 0) code = 460;
  a.reply_payload = reply(doc, code);
  if (code != 200) return a;
  for (const auto& e : list) {
    const auto key = text(e, "productKey") + "/" + text(e, "deviceName");
    if (add && state.topology.insert(key).second) a.now_in_topology.push_back(key);
    if (login) state.activated.insert(key);
    if (login && state.online.insert(key).second) a.now_online.push_back(key);
    if (logout && state.online.erase(key)) a.now_offline.push_back(key);
  }
  return a;
}

}  // namespace edgegw::cloud
