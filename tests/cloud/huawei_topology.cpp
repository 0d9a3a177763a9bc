#include "cloud/huawei_topology.hpp"

#include <nlohmann/json.hpp>

#include "cloud/json_members.hpp"

namespace edgegw::cloud {
namespace {

using nlohmann::json;
constexpr std::size_t kMaxPerMessage = 100;

// The $sub_device_manager status update in a sys/events/up payload; null when there is none.
const json* status_update(const json& doc) {
  if (!doc.is_object() || !doc.contains("services") || !doc["services"].is_array()) return nullptr;
  for (const auto& s : doc["services"]) {
    if (s.is_object() && text(s, "service_id") == "$sub_device_manager" &&
        text(s, "event_type") == "sub_device_update_status") {
      return &s;
    }
  }
  return nullptr;
}

void answer_status(const Registry& registry, const std::string& gw, const json& event,
                   HuaweiGatewayState& state, HuaweiTopologyAnswer& a) {
  const auto paras = event.value("paras", json::object());
  const auto statuses = paras.is_object() ? paras.value("device_statuses", json()) : json();
  if (!statuses.is_array() || statuses.empty() || statuses.size() > kMaxPerMessage) {
    a.problem = "device_statuses must list 1..100 sub-devices";
    return;
  }
  json ok = json::array(), failed = json::array();
  for (const auto& s : statuses) {
    const auto id = s.is_object() ? text(s, "device_id") : std::string();
    const auto status = s.is_object() ? text(s, "status") : std::string();
    const auto* device = registry.find_huawei(id);
    std::string code, why;
    if (status != "ONLINE" && status != "OFFLINE") {
      code = "IOTDA.014002", why = "status must be ONLINE or OFFLINE";
    } else if (!device || id == gw) {
      code = "IOTDA.014000", why = "the sub-device does not exist";
    } else if (device->disabled) {
      code = "IOTDA.014001", why = "the sub-device is disabled";
    }
    if (!code.empty()) {
      failed.push_back({{"device_id", id}, {"error_code", code}, {"error_msg", why}});
      continue;
    }
    ok.push_back({{"device_id", id}, {"status", status}});
    if (status == "ONLINE" && state.online.insert(id).second) a.now_online.push_back(id);
    if (status == "OFFLINE" && state.online.erase(id)) a.now_offline.push_back(id);
  }
  a.reply_topic = "$oc/devices/" + gw + "/sys/events/down";
  a.reply_payload =
      json{{"object_device_id", gw},
           {"services",
            json::array({{{"service_id", "$sub_device_manager"},
                          {"event_type", "sub_device_update_status_response"},
                          {"event_id", text(event, "event_id")},
                          {"paras", {{"successful_devices", ok}, {"failed_devices", failed}}}}})}}
          .dump();
}

void check_report(const json& doc, const HuaweiGatewayState& state, HuaweiTopologyAnswer& a) {
  const auto devices = doc.is_object() ? doc.value("devices", json()) : json();
  if (!devices.is_array() || devices.empty() || devices.size() > kMaxPerMessage) {
    a.problem = "\"devices\" must list 1..100 sub-devices";
    return;
  }
  for (const auto& d : devices) {
    const auto id = d.is_object() ? text(d, "device_id") : std::string();
    if (!state.online.count(id)) {
      a.problem = "sub-device '" + id + "' is not online through this gateway";
      return;
    }
    const auto services = d.value("services", json());
    if (!services.is_array() || services.empty()) {
      a.problem = "sub-device '" + id + "' has no services";
      return;
    }
    a.reports.emplace_back(id, json{{"services", services}}.dump());
  }
}

}  // namespace

HuaweiTopologyAnswer answer_huawei_topology(const Registry& registry, std::string_view gw_id,
                                            std::string_view topic, std::string_view payload,
                                            HuaweiGatewayState& state) {
  HuaweiTopologyAnswer a;
  const std::string gw(gw_id);
  const std::string sys = "$oc/devices/" + gw + "/sys/";
  const auto doc = json::parse(payload, nullptr, false);
  if (topic == sys + "events/up") {
    const json* event = status_update(doc);
    if (!event) return a;  // another event of the gateway's own
    a.handled = true;
    answer_status(registry, gw, *event, state, a);
  } else if (topic == sys + "gateway/sub_devices/properties/report") {
    a.handled = true;
    check_report(doc, state, a);
  }
  return a;
}

Call huawei_sub_device_command(const std::string& gw_id, const std::string& sub_id,
                               const std::string& request_id, const std::string& name,
                               const std::string& params_json) {
  const std::string sys = "$oc/devices/" + gw_id + "/sys/";
  json payload = {{"object_device_id", sub_id},
                  {"command_name", name},
                  {"service_id", ""},
                  {"paras", json::parse(params_json, nullptr, false)}};
  return {sys + "commands/request_id=" + request_id, payload.dump(),
          sys + "commands/response/request_id=" + request_id, request_id};
}

std::vector<std::string> huawei_sub_device_reports(std::string_view payload,
                                                   const std::string& sub_id) {
  std::vector<std::string> out;
  auto doc = json::parse(payload, nullptr, false);
  if (!doc.is_object() || !doc.contains("devices") || !doc["devices"].is_array()) return out;
  for (const auto& d : doc["devices"]) {
    if (d.is_object() && text(d, "device_id") == sub_id && d.contains("services")) {
      out.push_back(json{{"services", d["services"]}}.dump());
    }
  }
  return out;
}

}  // namespace edgegw::cloud
