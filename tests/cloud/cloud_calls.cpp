#include "cloud/cloud_calls.hpp"

#include <nlohmann/json.hpp>

#include "cloud/json_members.hpp"

namespace edgegw::cloud {
namespace {

using Json = nlohmann::json;

std::string aliyun_sys(const CallTarget& t) {
  return "/sys/" + t.product_key + "/" + t.device_name + "/";
}
std::string huawei_sys(const CallTarget& t) {
  return "$oc/devices/" + t.device_id + "/sys/";
}
std::string tencent_tail(const CallTarget& t) {
  return t.product_key + "/" + t.device_name;
}

std::string alink_request(const std::string& id, const std::string& method,
                          const std::string& params_json) {
  return R"({"id":")" + id + R"(","version":"1.0","params":)" + params_json + R"(,"method":")" +
         method + R"("})";
}

std::string text_of(const Json& v) {
  return v.dump();
}

void take_values(const Json& object, Answer& a) {
  if (!object.is_object()) return;
  for (const auto& [k, v] : object.items()) a.values[k] = text_of(v);
}

}  // namespace

Call command_call(const CallTarget& t, const std::string& id, const std::string& name,
                  const std::string& params, const std::string& service) {
  switch (t.platform) {
    case Platform::aliyun: {
      const std::string base = aliyun_sys(t) + "thing/service/" + name;
      return {base, alink_request(id, "thing.service." + name, params), base + "_reply", id};
    }
    case Platform::huawei:
      return {huawei_sys(t) + "commands/request_id=" + id,
              R"({"object_device_id":")" + t.device_id + R"(","service_id":")" + service +
                  R"(","command_name":")" + name + R"(","paras":)" + params + "}",
              huawei_sys(t) + "commands/response/request_id=" + id, id};
    case Platform::tencent:
      return {"$thing/down/action/" + tencent_tail(t),
              R"({"method":"action","clientToken":")" + id + R"(","actionId":")" + name +
                  R"(","timestamp":1700000000,"params":)" + params + "}",
              "$thing/up/action/" + tencent_tail(t), id};
    default:
      return {"devices/" + t.device + "/commands",
              R"({"id":")" + id + R"(","command":")" + name + R"(","params":)" + params + "}",
              "devices/" + t.device + "/commands/reply", id};
  }
}

Call property_get_call(const CallTarget& t, const std::string& id, const std::string& names) {
  if (t.platform == Platform::huawei) {
    return {huawei_sys(t) + "properties/get/request_id=" + id,
            R"({"object_device_id":")" + t.device_id + R"("})",
            huawei_sys(t) + "properties/get/response/request_id=" + id, id};
  }
  const std::string base = aliyun_sys(t) + "thing/service/property/get";
  return {base, alink_request(id, "thing.service.property.get", names), base + "_reply", id};
}

Call rrpc_call(const CallTarget& t, const std::string& message_id, const std::string& id,
               const std::string& name, const std::string& params) {
  return {aliyun_sys(t) + "rrpc/request/" + message_id,
          alink_request(id, "thing.service." + name, params),
          aliyun_sys(t) + "rrpc/response/" + message_id, id};
}

namespace {

std::optional<int> number(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int>();
}

// {"code":200,"data":{},"id":"..","message":"..","version":"1.0"}
std::optional<int> read_alink(const Json& j, const Call& call, Answer& a) {
  auto code = number(j, "code");
  if (text(j, "id") != call.request_id) a.problem = "the Alink reply's id is not the request's";
  a.ok = code == 200;
  a.message = text(j, "message");
  if (j.contains("data")) take_values(j["data"], a);
  return code;
}

// {"result_code":0,"response_name":"..","paras":{}} or a property get's {"services":[...]}
std::optional<int> read_iotda(const Json& j, Answer& a) {
  if (j.contains("services")) {
    a.ok = true;
    for (const auto& s : j["services"]) take_values(s.value("properties", Json()), a);
    return 0;
  }
  auto code = number(j, "result_code");
  a.ok = code == 0;
  if (j.contains("paras")) take_values(j["paras"], a);
  return code;
}

// {"method":"action_reply","clientToken":"..","code":0,"status":"..","response":{}}
std::optional<int> read_tencent(const Json& j, const Call& call, Answer& a) {
  auto code = number(j, "code");
  if (text(j, "method") != "action_reply") a.problem = "method is not action_reply";
  if (text(j, "clientToken") != call.request_id) a.problem = "clientToken is not the request's";
  a.ok = code == 0;
  a.message = text(j, "status");
  if (j.contains("response")) take_values(j["response"], a);
  return code;
}

// {"id":"..","ok":true,"code":0,"message":"..","data":{}}
std::optional<int> read_generic(const Json& j, const Call& call, Answer& a) {
  auto code = number(j, "code");
  if (text(j, "id") != call.request_id) a.problem = "the reply's id is not the request's";
  a.ok = j.value("ok", false) && code == 0;
  a.message = text(j, "message");
  if (j.contains("data")) take_values(j["data"], a);
  return code;
}

}  // namespace

Answer check_answer(const CallTarget& t, const Call& call, const std::string& topic,
                    const std::string& payload) {
  Answer a;
  if (topic != call.answer_topic) {
    a.problem = "answered on " + topic + ", expected " + call.answer_topic;
    return a;
  }
  const Json j = Json::parse(payload, nullptr, false);
  if (!j.is_object()) {
    a.problem = "the answer is not a JSON object";
    return a;
  }
  std::optional<int> code;
  switch (t.platform) {
    case Platform::aliyun:
      code = read_alink(j, call, a);
      break;
    case Platform::huawei:
      code = read_iotda(j, a);
      break;
    case Platform::tencent:
      code = read_tencent(j, call, a);
      break;
    default:
      code = read_generic(j, call, a);
      break;
  }
  if (!code && a.problem.empty()) a.problem = "the answer has no code";
  a.code = code.value_or(-1);
  a.well_formed = a.problem.empty();
  return a;
}

}  // namespace edgegw::cloud
