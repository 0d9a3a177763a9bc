#include "northbound/aliyun_topology.hpp"

#include <nlohmann/json.hpp>

#include "northbound/json_members.hpp"
#include "northbound/signing.hpp"

namespace edgegw::northbound {

namespace {

using nlohmann::json;
// Alibaba's per-call limits: thing/topo/add takes "up to 30 sub-devices at a time" (Manage topology
// relationships), batch_login / batch_logout "no more than 50" (Sub-device online and offline
// status). One batch size serves every step, so the smaller of the two.
constexpr std::size_t kAliyunMaxBatch = 30;
constexpr int kAlinkOk = 200;
// combine/login's "6401 topo relation not exist" (Alibaba's "Connect sub-devices" error table;
// the Link SDK's ERROR_TOPO_RELATION_NOT_EXIST): the topology lost the sub-device, add it again.
constexpr int kTopoRelationNotExist = 6401;
// "Messages for bringing sub-devices online or offline support only QoS 0" (Alibaba's page); the
// reply (or its absence: reply_timeout) says whether it arrived.
constexpr int kSessionQos = 0;

// topo/add spells the methods in camel case.
std::string_view topo_method_name(SignMethod method) {
  switch (method) {
    case SignMethod::hmacmd5:
      return "hmacMd5";
    case SignMethod::hmacsha1:
      return "hmacSha1";
    case SignMethod::hmacsha256:
      return "hmacSha256";
  }
  return "hmacSha256";
}

class AliyunTopology final : public TopologyProtocol {
 public:
  explicit AliyunTopology(const CloudOptions& cloud) : method_(cloud.aliyun.sign_method) {}

  std::size_t max_batch() const override { return kAliyunMaxBatch; }

  std::optional<int> not_in_topology_code() const override { return kTopoRelationNotExist; }

  std::string key(const DeviceIdentity& sub) const override {
    return sub.product_key + "/" + sub.device_name;
  }

  std::optional<TopologyRoute> route(const DeviceIdentity&, std::string_view topic,
                                     std::string_view) const override {
    constexpr std::string_view kSys = "/sys/";
    if (!topic.starts_with(kSys)) return std::nullopt;
    auto rest = topic.substr(kSys.size());
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto end = rest.find('/', slash + 1);
    if (end == std::string_view::npos) return std::nullopt;
    return TopologyRoute{std::string(rest.substr(0, end)), std::string(topic)};
  }

  std::vector<std::string> subscriptions(const DeviceIdentity& gw) const override {
    const auto session = session_prefix(gw);
    return {"/sys/" + gw.product_key + "/" + gw.device_name + "/thing/topo/add_reply",
            "/sys/" + gw.product_key + "/" + gw.device_name + "/thing/sub/register_reply",
            session + "login_reply",
            session + "batch_login_reply",
            session + "logout_reply",
            session + "batch_logout_reply"};
  }

  Publication request(TopologyStep step, const DeviceIdentity& gw,
                      const std::vector<const DeviceIdentity*>& subs, std::string_view id,
                      std::chrono::system_clock::time_point now) const override {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
    const auto ts = std::to_string(ms.count());
    switch (step) {
      case TopologyStep::add:
        return add(gw, subs, id, ts);
      case TopologyStep::login:
        return login(gw, subs, id, ts);
      case TopologyStep::logout:
        return logout(gw, subs, id);
      case TopologyStep::registration:
        return registration(gw, subs, id);
    }
    return {};
  }

  std::optional<TopologyReply> decode_reply(const DeviceIdentity& gw, std::string_view topic,
                                            std::string_view payload) const override {
    TopologyReply reply;
    const auto session = session_prefix(gw);
    if (topic == "/sys/" + gw.product_key + "/" + gw.device_name + "/thing/topo/add_reply") {
      reply.step = TopologyStep::add;
    } else if (topic ==
               "/sys/" + gw.product_key + "/" + gw.device_name + "/thing/sub/register_reply") {
      reply.step = TopologyStep::registration;
    } else if (topic == session + "login_reply" || topic == session + "batch_login_reply") {
      reply.step = TopologyStep::login;
    } else if (topic == session + "logout_reply" || topic == session + "batch_logout_reply") {
      reply.step = TopologyStep::logout;
    } else {
      return std::nullopt;
    }
    auto doc = json::parse(payload, nullptr, false);
    if (!doc.is_object()) {
      reply.message = "malformed reply";
      return reply;
    }
    if (auto it = doc.find("id"); it != doc.end()) {
      reply.id = it->is_string() ? it->get<std::string>() : it->dump();
    }
    if (auto it = doc.find("code"); it != doc.end() && it->is_number_integer()) {
      reply.code = it->get<int>();
    }
    if (auto it = doc.find("message"); it != doc.end() && it->is_string()) {
      reply.message = it->get<std::string>();
    }
    reply.ok = reply.code == kAlinkOk;
    if (reply.step == TopologyStep::registration) reply.registrations = registrations(doc);
    return reply;
  }

 private:
  static std::string session_prefix(const DeviceIdentity& gw) {
    return "/ext/session/" + gw.product_key + "/" + gw.device_name + "/combine/";
  }

  std::string sign(const DeviceIdentity& sub, const std::string& ts) const {
    const auto content = "clientId" + sub.client_id + "deviceName" + sub.device_name +
                         "productKey" + sub.product_key + "timestamp" + ts;
    return hmac_hex(method_, sub.device_secret, content, HexCase::upper);
  }

  Publication add(const DeviceIdentity& gw, const std::vector<const DeviceIdentity*>& subs,
                  std::string_view id, const std::string& ts) const {
    json params = json::array();
    for (const auto* sub : subs) {
      params.push_back({{"productKey", sub->product_key},
                        {"deviceName", sub->device_name},
                        {"clientId", sub->client_id},
                        {"timestamp", ts},
                        {"signmethod", topo_method_name(method_)},
                        {"sign", sign(*sub, ts)}});
    }
    json doc = {{"id", std::string(id)},
                {"version", "1.0"},
                {"params", params},
                {"method", "thing.topo.add"}};
    return {"/sys/" + gw.product_key + "/" + gw.device_name + "/thing/topo/add", doc.dump(), 1};
  }

  json login_entry(const DeviceIdentity& sub, const std::string& ts) const {
    return {{"productKey", sub.product_key},
            {"deviceName", sub.device_name},
            {"clientId", sub.client_id},
            {"timestamp", ts},
            {"signMethod", to_string(method_)},
            {"sign", sign(sub, ts)},
            {"cleanSession", "true"}};
  }

  Publication login(const DeviceIdentity& gw, const std::vector<const DeviceIdentity*>& subs,
                    std::string_view id, const std::string& ts) const {
    json doc = {{"id", std::string(id)}};
    if (subs.size() == 1) {
      doc["params"] = login_entry(*subs.front(), ts);
      return {session_prefix(gw) + "login", doc.dump(), kSessionQos};
    }
    json list = json::array();
    for (const auto* sub : subs) list.push_back(login_entry(*sub, ts));
    doc["params"] = {{"deviceList", list}};
    return {session_prefix(gw) + "batch_login", doc.dump(), kSessionQos};
  }

  Publication logout(const DeviceIdentity& gw, const std::vector<const DeviceIdentity*>& subs,
                     std::string_view id) const {
    json doc = {{"id", std::string(id)}};
    if (subs.size() == 1) {
      doc["params"] = {{"productKey", subs.front()->product_key},
                       {"deviceName", subs.front()->device_name}};
      return {session_prefix(gw) + "logout", doc.dump(), kSessionQos};
    }
    json list = json::array();
    for (const auto* sub : subs) {
      list.push_back({{"productKey", sub->product_key}, {"deviceName", sub->device_name}});
    }
    doc["params"] = list;
    return {session_prefix(gw) + "batch_logout", doc.dump(), kSessionQos};
  }

  // thing/sub/register names each sub-device only: the gateway's authenticated connection vouches
  // for it, and the sub-device's product must allow dynamic registration (Alibaba's "Dynamic
  // registration of sub-devices"; the C SDK sends the same two keys).
  static Publication registration(const DeviceIdentity& gw,
                                  const std::vector<const DeviceIdentity*>& subs,
                                  std::string_view id) {
    json params = json::array();
    for (const auto* sub : subs) {
      params.push_back({{"productKey", sub->product_key}, {"deviceName", sub->device_name}});
    }
    json doc = {{"id", std::string(id)},
                {"version", "1.0"},
                {"params", params},
                {"method", "thing.sub.register"}};
    return {"/sys/" + gw.product_key + "/" + gw.device_name + "/thing/sub/register", doc.dump(), 1};
  }

  static std::vector<Registration> registrations(const json& doc) {
    std::vector<Registration> out;
    auto data = doc.find("data");
    if (data == doc.end() || !data->is_array()) return out;
    for (const auto& e : *data) {
      if (!e.is_object()) continue;
      Registration r;
      r.product_key = string_member(e, "productKey");
      r.device_name = string_member(e, "deviceName");
      r.device_secret = string_member(e, "deviceSecret");
      if (!r.device_secret.empty()) out.push_back(std::move(r));
    }
    return out;
  }

  SignMethod method_;
};

}  // namespace

std::unique_ptr<TopologyProtocol> make_aliyun_topology(const CloudOptions& cloud) {
  return std::make_unique<AliyunTopology>(cloud);
}

}  // namespace edgegw::northbound
