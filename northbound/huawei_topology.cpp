#include "northbound/huawei_topology.hpp"

#include <nlohmann/json.hpp>

#include "northbound/huawei_platform.hpp"

namespace edgegw::northbound {
namespace {

using nlohmann::json;
constexpr std::string_view kManager = "$sub_device_manager";
constexpr std::string_view kStatusResponse = "sub_device_update_status_response";
constexpr std::string_view kPropertyReport = "sys/properties/report";
constexpr std::string_view kMessageUp = "sys/messages/up";

std::string devices_prefix(const std::string& device_id) {
  return "$oc/devices/" + device_id + "/";
}

std::string text_of(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return {};
  return it->is_string() ? it->get<std::string>() : it->dump();
}

class HuaweiTopology final : public TopologyProtocol {
 public:
  std::size_t max_batch() const override { return kHuaweiMaxSubDevicesPerMessage; }
  bool needs_add() const override { return false; }
  bool subscribes_sub_topics() const override { return false; }
  std::size_t max_carried() const override { return kHuaweiMaxSubDevicesPerMessage; }

  std::string key(const DeviceIdentity& sub) const override { return sub.device_id; }

  std::optional<TopologyRoute> route(const DeviceIdentity& gw, std::string_view topic,
                                     std::string_view payload) const override {
    const auto own = devices_prefix(gw.device_id) + "sys/";
    if (!topic.starts_with(own)) return std::nullopt;
    auto doc = json::parse(payload, nullptr, false);
    if (!doc.is_object()) return std::nullopt;
    const auto target = text_of(doc, "object_device_id");
    if (target.empty() || target == gw.device_id) return std::nullopt;  // the gateway's own
    return TopologyRoute{
        target,
        devices_prefix(target) + std::string(topic.substr(devices_prefix(gw.device_id).size()))};
  }

  std::vector<std::string> subscriptions(const DeviceIdentity& gw) const override {
    return {devices_prefix(gw.device_id) + "sys/events/down"};
  }

  Publication request(TopologyStep step, const DeviceIdentity& gw,
                      const std::vector<const DeviceIdentity*>& subs, std::string_view id,
                      std::chrono::system_clock::time_point now) const override {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
    json statuses = json::array();
    for (const auto* sub : subs) {
      statuses.push_back({{"device_id", sub->device_id},
                          {"status", step == TopologyStep::logout ? "OFFLINE" : "ONLINE"}});
    }
    json doc = {{"services", json::array({{{"service_id", kManager},
                                           {"event_type", "sub_device_update_status"},
                                           {"event_time", huawei_event_time(ms.count())},
                                           {"event_id", std::string(id)},
                                           {"paras", {{"device_statuses", statuses}}}}})}};
    return {devices_prefix(gw.device_id) + "sys/events/up", doc.dump(), 1};
  }

  std::optional<TopologyReply> decode_reply(const DeviceIdentity& gw, std::string_view topic,
                                            std::string_view payload) const override {
    if (topic != devices_prefix(gw.device_id) + "sys/events/down") return std::nullopt;
    auto doc = json::parse(payload, nullptr, false);
    if (!doc.is_object() || !doc.contains("services") || !doc["services"].is_array()) {
      return std::nullopt;
    }
    for (const auto& service : doc["services"]) {
      if (!service.is_object() || text_of(service, "service_id") != kManager ||
          text_of(service, "event_type") != kStatusResponse) {
        continue;
      }
      return decode_status_response(service);
    }
    return std::nullopt;  // another event of the gateway's: not ours
  }

  std::vector<CarriedPublication> carry(const DeviceIdentity& gw,
                                        const std::vector<SubPublication>& parts) const override {
    std::vector<CarriedPublication> out;
    json batch = json::array();
    CarriedPublication report;
    std::size_t batch_bytes = 0;
    auto flush = [&] {
      if (report.parts.empty()) return;
      report.publication = {
          devices_prefix(gw.device_id) + "sys/gateway/sub_devices/properties/report",
          json{{"devices", batch}}.dump(), 1};
      out.push_back(std::move(report));
      report = {};
      batch = json::array();
      batch_bytes = 0;
    };
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const auto& sub = *parts[i].sub;
      const auto& p = *parts[i].publication;
      const auto own = devices_prefix(sub.device_id);
      const auto rest = p.topic.starts_with(own) ? p.topic.substr(own.size()) : p.topic;
      auto doc = json::parse(p.payload, nullptr, false);
      if (rest == kPropertyReport && doc.is_object() && doc.contains("services")) {
        if (report.parts.size() >= kHuaweiMaxSubDevicesPerMessage ||
            batch_bytes + p.payload.size() + sub.device_id.size() + 32 > kHuaweiMaxPayload) {
          flush();
        }
        batch.push_back({{"device_id", sub.device_id}, {"services", doc["services"]}});
        batch_bytes += p.payload.size() + sub.device_id.size() + 32;
        report.parts.push_back(i);
        continue;
      }
      // Messages name their sub-device; answers are matched by the request_id in their topic.
      Publication single{devices_prefix(gw.device_id) + rest, p.payload, p.qos};
      if (rest == kMessageUp && doc.is_object()) {
        doc["object_device_id"] = sub.device_id;
        single.payload = doc.dump();
      }
      out.push_back({std::move(single), {i}});
    }
    flush();
    return out;
  }

 private:
  static TopologyReply decode_status_response(const json& service) {
    TopologyReply reply;
    reply.step = TopologyStep::login;
    reply.id = text_of(service, "event_id");
    const auto paras = service.value("paras", json::object());
    const auto failed = paras.value("failed_devices", json::array());
    for (const auto& f : failed) {
      if (!f.is_object()) continue;
      reply.refused.push_back(
          {text_of(f, "device_id"), text_of(f, "error_code"), text_of(f, "error_msg")});
    }
    // Every device is either in successful_devices or refused here, so the answer is "ok" for
    // the request as a whole.
    reply.ok = paras.is_object();
    if (!reply.ok) reply.message = "malformed sub_device_update_status_response";
    return reply;
  }
};

}  // namespace

std::unique_ptr<TopologyProtocol> make_huawei_topology(const CloudOptions&) {
  return std::make_unique<HuaweiTopology>();
}

}  // namespace edgegw::northbound
