#include "southbound/local_command.hpp"

#include <nlohmann/json.hpp>

namespace edgegw::southbound {
namespace {

std::optional<store::FieldValue> scalar(const nlohmann::json& v) {
  if (v.is_boolean()) return store::FieldValue(v.get<bool>());
  if (v.is_number_integer()) {
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > INT64_MAX) {
      return store::FieldValue(v.get<double>());
    }
    return store::FieldValue(v.get<std::int64_t>());
  }
  if (v.is_number()) return store::FieldValue(v.get<double>());
  if (v.is_string()) return store::FieldValue(v.get<std::string>());
  return std::nullopt;
}

std::string id_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return v.dump();
  return {};
}

}  // namespace

std::string command_call_payload(std::string_view id, std::string_view command,
                                 const std::vector<store::Field>& params) {
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  object["id"] = std::string(id);
  object["command"] = std::string(command);
  nlohmann::ordered_json p = nlohmann::ordered_json::object();
  for (const auto& field : params) {
    std::visit([&](const auto& v) { p[field.name] = v; }, field.value);
  }
  object["params"] = std::move(p);
  return object.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

DeviceReplyParse parse_device_reply(std::string_view payload, std::string_view id_field) {
  auto j = nlohmann::json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return {std::nullopt, "the reply is not a JSON object"};
  DeviceReply reply;
  if (auto it = j.find(std::string(id_field)); it != j.end()) reply.id = id_text(*it);
  if (reply.id.empty()) {
    return {std::nullopt, "the reply has no \"" + std::string(id_field) + "\""};
  }
  if (auto ok = j.find("ok"); ok != j.end() && ok->is_boolean()) {
    reply.ok = ok->get<bool>();
  } else if (auto code = j.find("code"); code != j.end() && code->is_number_integer()) {
    reply.ok = code->get<std::int64_t>() == 0;
  } else {
    return {std::nullopt, "the reply has neither \"ok\" nor \"code\""};
  }
  if (auto m = j.find("message"); m != j.end() && m->is_string()) reply.message = *m;
  if (auto data = j.find("data"); data != j.end() && data->is_object()) {
    for (const auto& [name, value] : data->items()) {
      if (auto v = scalar(value)) reply.values.push_back({name, *v});
    }
  }
  return {std::move(reply), {}};
}

}  // namespace edgegw::southbound
