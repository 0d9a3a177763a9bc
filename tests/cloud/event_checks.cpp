#include "cloud/event_checks.hpp"

#include <nlohmann/json.hpp>
#include <vector>

#include "cloud/json_members.hpp"

namespace edgegw::cloud {
namespace {

using Json = nlohmann::json;

std::vector<std::string_view> split(std::string_view topic) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= topic.size(); ++i) {
    if (i == topic.size() || topic[i] == '/') {
      out.push_back(topic.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

// The thing model's identifier rule: 1-64 of [A-Za-z0-9_].
bool identifier(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

bool integer(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer();
}
bool object(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_object();
}

std::string aliyun_problem(const Json& j, const std::string& id) {
  const std::string seq = text(j, "id");
  if (seq.empty() || seq.size() > 10 || seq.find_first_not_of("0123456789") != std::string::npos ||
      std::stoull(seq) > 4294967295ull) {
    return "id is not a decimal string 0-4294967295";
  }
  if (text(j, "version") != "1.0") return "version is not \"1.0\"";
  if (text(j, "method") != "thing.event." + id + ".post")
    return "method is not thing.event.{id}.post";
  if (!object(j, "params")) return "params is not an object";
  if (!object(j["params"], "value")) return "params.value is not an object";
  if (!integer(j["params"], "time")) return "params.time is not an integer (ms)";
  return {};
}

std::string tencent_problem(const Json& j, EventCheck& c) {
  if (text(j, "method") != "event_post") return "method is not event_post";
  if (text(j, "clientToken").empty()) return "no clientToken";
  c.identifier = text(j, "eventId");
  if (!identifier(c.identifier)) return "eventId is not an identifier";
  const std::string type = text(j, "type");
  if (type != "info" && type != "alert" && type != "fault") {
    return "type is not info, alert or fault";
  }
  if (j.contains("timestamp") && !integer(j, "timestamp")) return "timestamp is not an integer";
  if (!object(j, "params")) return "params is not an object";
  return {};
}

std::string huawei_message_problem(const Json& j, EventCheck& c) {
  c.identifier = text(j, "name");
  if (!j.contains("content")) return "a device message has no content";
  if (j.contains("id") && !j["id"].is_string()) return "id is not a string";
  return {};
}

std::string huawei_event_problem(const Json& j, EventCheck& c) {
  auto services = j.find("services");
  if (services == j.end() || !services->is_array() || services->empty()) {
    return "services is not a non-empty array";
  }
  for (const auto& s : *services) {
    if (!s.is_object()) return "a service event is not an object";
    const std::string service = text(s, "service_id");
    // sys/events/up carries the platform's own services only ($ota, $sub_device_manager, ...).
    if (service.empty() || service.front() != '$') return "service_id is not a system service";
    c.identifier = text(s, "event_type");
    if (c.identifier.empty()) return "no event_type";
    if (!object(s, "paras")) return "paras is not an object";
  }
  return {};
}

std::string mqtt_problem(const Json& j, std::string_view device, std::string_view event) {
  if (text(j, "device") != device) return "device is not the topic's";
  if (text(j, "event") != event) return "event is not the topic's";
  if (!integer(j, "seq")) return "seq is not an integer";
  if (!integer(j, "time")) return "time is not an integer (ms)";
  if (!object(j, "params")) return "params is not an object";
  return {};
}

}  // namespace

EventCheck check_event(Platform platform, std::string_view topic, std::string_view payload) {
  EventCheck c;
  const auto parts = split(topic);
  bool huawei_event = false;
  switch (platform) {
    case Platform::aliyun:
      c.is_event = parts.size() == 8 && parts[0].empty() && parts[1] == "sys" &&
                   parts[4] == "thing" && parts[5] == "event" && parts[6] != "property" &&
                   parts[7] == "post";
      if (c.is_event) c.identifier = parts[6];
      break;
    case Platform::tencent:
      c.is_event =
          parts.size() == 5 && parts[0] == "$thing" && parts[1] == "up" && parts[2] == "event";
      break;
    case Platform::huawei:
      c.is_event = parts.size() == 6 && parts[0] == "$oc" && parts[1] == "devices" &&
                   parts[3] == "sys" && (parts[4] == "messages" || parts[4] == "events") &&
                   parts[5] == "up";
      huawei_event = c.is_event && parts[4] == "events";
      break;
    case Platform::mqtt:
      c.is_event = parts.size() == 4 && parts[0] == "devices" && parts[2] == "events";
      if (c.is_event) c.identifier = parts[3];
      break;
    default:
      break;
  }
  if (!c.is_event) return c;
  const Json j = Json::parse(payload, nullptr, false);
  if (!j.is_object()) {
    c.problem = "the payload is not a JSON object";
    return c;
  }
  switch (platform) {
    case Platform::aliyun:
      c.problem = identifier(c.identifier) ? aliyun_problem(j, c.identifier)
                                           : "the topic's event is not an identifier";
      break;
    case Platform::tencent:
      c.problem = tencent_problem(j, c);
      break;
    case Platform::huawei:
      c.problem = huawei_event ? huawei_event_problem(j, c) : huawei_message_problem(j, c);
      break;
    default:
      c.problem = mqtt_problem(j, parts[1], parts[3]);
      break;
  }
  return c;
}

}  // namespace edgegw::cloud
