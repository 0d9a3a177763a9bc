#include "northbound/tencent_topology.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "northbound/json_members.hpp"
#include "northbound/signing.hpp"

namespace edgegw::northbound {
namespace {

using nlohmann::json;
// The pages show a devices array with no limit; the SDKs send one device per message. Ten keeps
// a request well under the SDKs' 1 KiB payload buffer while still batching a cold start.
constexpr std::size_t kTencentMaxBatch = 10;
constexpr int kResultOk = 0;
// The SDKs' QCLOUD_ERR_BIND_REPEATED_REQ: "repeated bind request, has been binded" (to us).
constexpr int kAlreadyBound = 809;
// The SDKs publish the operations at QoS 0; the result (or its absence: reply_timeout) tells.
constexpr int kOperationQos = 0;

std::string_view operation_type(TopologyStep step) {
  switch (step) {
    case TopologyStep::add:
      return "bind";
    case TopologyStep::login:
      return "online";
    case TopologyStep::logout:
      return "offline";
    case TopologyStep::registration:  // not asked of Tencent (no auth = "register" sub-devices)
      break;
  }
  return "online";
}

std::optional<TopologyStep> step_of(std::string_view type) {
  if (type == "bind") return TopologyStep::add;
  if (type == "online") return TopologyStep::login;
  if (type == "offline") return TopologyStep::logout;
  return std::nullopt;
}

// FNV-1a: the bind's random number, reproducible from the request (the interface is pure).
std::uint32_t request_random(std::string_view id, std::string_view key, std::int64_t timestamp) {
  std::uint32_t h = 2166136261u;
  auto mix = [&](std::string_view bytes) {
    for (unsigned char c : bytes) h = (h ^ c) * 16777619u;
  };
  mix(id);
  mix(key);
  mix(std::to_string(timestamp));
  return h & 0x7fffffffu;  // the SDKs send a C int from rand()
}

class TencentTopology final : public TopologyProtocol {
 public:
  explicit TencentTopology(const CloudOptions& cloud)
      : method_(cloud.tencent.sign_method == SignMethod::hmacsha1 ? SignMethod::hmacsha1
                                                                  : SignMethod::hmacsha256) {}

  std::size_t max_batch() const override { return kTencentMaxBatch; }

  std::string key(const DeviceIdentity& sub) const override {
    return sub.product_id + "/" + sub.device_name;
  }

  // {pid}/{dn}/… and $thing/down/{kind}/{pid}/{dn}; the $gateway, $shadow, $ota topics are the
  // gateway's own.
  std::optional<TopologyRoute> route(const DeviceIdentity&, std::string_view topic,
                                     std::string_view) const override {
    auto key = route_key(topic);
    if (!key) return std::nullopt;
    return TopologyRoute{std::move(*key), std::string(topic)};
  }

  static std::optional<std::string> route_key(std::string_view topic) {
    constexpr std::string_view kThingDown = "$thing/down/";
    std::string_view rest;
    if (topic.starts_with(kThingDown)) {
      rest = topic.substr(kThingDown.size());
      const auto kind_end = rest.find('/');
      if (kind_end == std::string_view::npos) return std::nullopt;
      rest = rest.substr(kind_end + 1);
      const auto slash = rest.find('/');
      if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size() ||
          rest.find('/', slash + 1) != std::string_view::npos) {
        return std::nullopt;
      }
      return std::string(rest);
    }
    if (topic.starts_with("$")) return std::nullopt;
    const auto slash = topic.find('/');
    if (slash == std::string_view::npos || slash == 0) return std::nullopt;
    const auto end = topic.find('/', slash + 1);
    if (end == std::string_view::npos || end == slash + 1) return std::nullopt;
    return std::string(topic.substr(0, end));
  }

  std::vector<std::string> subscriptions(const DeviceIdentity& gw) const override {
    return {result_topic(gw)};
  }

  Publication request(TopologyStep step, const DeviceIdentity& gw,
                      const std::vector<const DeviceIdentity*>& subs, std::string_view id,
                      std::chrono::system_clock::time_point now) const override {
    const auto timestamp =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    json devices = json::array();
    for (const auto* sub : subs) {
      json entry = {{"product_id", sub->product_id}, {"device_name", sub->device_name}};
      if (step == TopologyStep::add) {
        const auto random = request_random(id, key(*sub), timestamp);
        entry["signature"] = tencent_bind_signature(sub->product_id, sub->device_name,
                                                    sub->device_psk, random, timestamp, method_);
        entry["random"] = random;
        entry["timestamp"] = timestamp;
        entry["signmethod"] = to_string(method_);
        entry["authtype"] = "psk";
      }
      devices.push_back(std::move(entry));
    }
    json doc = {{"type", operation_type(step)}, {"payload", {{"devices", devices}}}};
    return {"$gateway/operation/" + gw.product_id + "/" + gw.device_name, doc.dump(),
            kOperationQos};
  }

  std::optional<TopologyReply> decode_reply(const DeviceIdentity& gw, std::string_view topic,
                                            std::string_view payload) const override {
    if (topic != result_topic(gw)) return std::nullopt;
    TopologyReply reply;  // no id: an answer we cannot use is ignored (no request matches)
    auto doc = json::parse(payload, nullptr, false);
    if (!doc.is_object()) {
      reply.message = "malformed result";
      return reply;
    }
    auto step = step_of(string_member(doc, "type"));
    if (!step) {
      reply.message = "result of an operation we do not send: " + string_member(doc, "type");
      return reply;
    }
    reply.step = *step;
    auto body = doc.find("payload");
    if (body == doc.end() || !body->is_object()) return reply;
    auto devices = body->find("devices");
    if (devices == body->end() || !devices->is_array()) return reply;
    for (const auto& d : *devices) {
      if (!d.is_object()) continue;
      TopologyDeviceResult result;
      result.key = string_member(d, "product_id") + "/" + string_member(d, "device_name");
      auto code = d.find("result");
      result.code = code != d.end() && code->is_number_integer() ? code->get<int>() : -1;
      result.ok = result.code == kResultOk ||
                  (*step == TopologyStep::add &&
                   (result.code == kAlreadyBound || result.code == -kAlreadyBound));
      reply.devices.push_back(std::move(result));
    }
    reply.ok =
        !reply.devices.empty() && std::all_of(reply.devices.begin(), reply.devices.end(),
                                              [](const TopologyDeviceResult& r) { return r.ok; });
    return reply;
  }

 private:
  static std::string result_topic(const DeviceIdentity& gw) {
    return "$gateway/operation/result/" + gw.product_id + "/" + gw.device_name;
  }

  SignMethod method_;
};

}  // namespace

std::string tencent_bind_signature(std::string_view product_id, std::string_view device_name,
                                   std::string_view device_psk, std::uint32_t random,
                                   std::int64_t timestamp, SignMethod method) {
  const auto content = std::string(product_id) + std::string(device_name) + ";" +
                       std::to_string(random) + ";" + std::to_string(timestamp);
  return base64_encode(hmac(method, device_psk, content));
}

std::unique_ptr<TopologyProtocol> make_tencent_topology(const CloudOptions& cloud) {
  return std::make_unique<TencentTopology>(cloud);
}

}  // namespace edgegw::northbound
