#include "northbound/event_payloads.hpp"

#include "northbound/aliyun_platform.hpp"
#include "northbound/huawei_platform.hpp"
#include "northbound/platform_payload.hpp"
#include "northbound/tencent_platform.hpp"

namespace edgegw::northbound {
namespace {

// One publication, or why not: events are never split.
UplinkResult one_publication(const store::Record& r, std::string topic, std::string payload,
                             std::size_t limit) {
  UplinkResult result;
  if (r.kind != store::RecordKind::event || !valid_event_identifier(r.event)) {
    result.error =
        UplinkError{UplinkProblem::unsupported_kind,
                    "record " + std::to_string(r.seq) + " is not an event with a valid identifier"};
    return result;
  }
  if (payload.size() > limit) {
    result.error =
        UplinkError{UplinkProblem::too_large,
                    "event " + r.event + " (record " + std::to_string(r.seq) + ") needs " +
                        std::to_string(payload.size()) + " bytes, limit " + std::to_string(limit)};
    return result;
  }
  result.publications.push_back(Publication{std::move(topic), std::move(payload), 1});
  return result;
}

}  // namespace

bool valid_tencent_event_type(std::string_view type) {
  return type == "info" || type == "alert" || type == "fault";
}

bool valid_event_identifier(std::string_view identifier) {
  if (identifier.empty() || identifier.size() > 64) return false;
  for (char c : identifier) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

UplinkResult encode_aliyun_event(const DeviceIdentity& id, const store::Record& r) {
  std::string payload = "{\"id\":";
  append_json_string(payload, std::to_string(r.seq % 4294967296ull));
  payload += ",\"version\":\"1.0\",\"params\":{\"value\":" + json_fields_object(r.fields) +
             ",\"time\":" + std::to_string(r.time_ms) + "},\"method\":";
  append_json_string(payload, "thing.event." + r.event + ".post");
  payload += '}';
  return one_publication(
      r, "/sys/" + id.product_key + "/" + id.device_name + "/thing/event/" + r.event + "/post",
      std::move(payload), kAliyunMaxPayload);
}

UplinkResult encode_tencent_event(const DeviceIdentity& id, const store::Record& r) {
  std::string payload = "{\"method\":\"event_post\",\"clientToken\":";
  append_json_string(payload, std::to_string(r.seq));
  payload += ",\"version\":\"1.0\",\"eventId\":";
  append_json_string(payload, r.event);
  const auto type = id.event_types.find(r.event);
  payload += ",\"type\":";
  append_json_string(payload, type == id.event_types.end() ? "info" : type->second);
  payload += ",\"timestamp\":" + std::to_string(r.time_ms) +
             ",\"params\":" + json_fields_object(r.fields) + "}";
  return one_publication(r, "$thing/up/event/" + id.product_id + "/" + id.device_name,
                         std::move(payload), kTencentMaxPayload);
}

UplinkResult encode_huawei_event(const DeviceIdentity& id, const store::Record& r) {
  std::string payload = "{\"name\":";
  append_json_string(payload, r.event);
  payload += ",\"id\":";
  append_json_string(payload, std::to_string(r.seq));
  payload += ",\"content\":" + json_fields_object(r.fields) + "}";
  return one_publication(r, "$oc/devices/" + id.device_id + "/sys/messages/up", std::move(payload),
                         kHuaweiMaxPayload);
}

UplinkResult encode_mqtt_event(const DeviceIdentity& id, const store::Record& r,
                               const std::string& topic_template) {
  std::string payload = "{\"device\":";
  append_json_string(payload, id.device);
  payload += ",\"event\":";
  append_json_string(payload, r.event);
  payload += ",\"seq\":" + std::to_string(r.seq) + ",\"time\":" + std::to_string(r.time_ms) +
             ",\"params\":" + json_fields_object(r.fields) + "}";
  return one_publication(
      r, expand_template(topic_template, {{"device", id.device}, {"event", r.event}}),
      std::move(payload), kMqttMaxPayload);
}

}  // namespace edgegw::northbound
