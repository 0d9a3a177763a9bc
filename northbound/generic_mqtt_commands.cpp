#include "northbound/generic_mqtt_commands.hpp"

#include "northbound/platform_common.hpp"
#include "northbound/platform_payload.hpp"

namespace edgegw::northbound {

DownlinkResult decode_generic_command(const Json& request, const std::string& reply_topic) {
  Command c;
  c.request_id = json_member_text(request, "id");
  // A refused request is answered only when it named itself: an anonymous malformed message may
  // as well be noise on the topic.
  auto refuse = [&](std::string reason) {
    std::optional<Publication> reply;
    if (!c.request_id.empty()) {
      reply = encode_generic_reply(reply_topic, c, {false, result_code::bad_parameter, reason, {}});
    }
    return downlink_error(DownlinkProblem::malformed, reason, std::move(reply));
  };
  std::string bad;
  auto name = request.find("command");
  if (name != request.end()) {
    if (!name->is_string() || name->get<std::string>().empty()) {
      return refuse("\"command\" is not a command name");
    }
    c.kind = Command::Kind::run_command;
    c.name = name->get<std::string>();
    auto params = request.find("params");
    if (params != request.end()) {
      if (!params->is_object()) return refuse("\"params\" is not an object");
      auto values = fields_from_json_object(*params, &bad);
      if (!values) return refuse("parameter \"" + bad + "\" is null");
      c.values = std::move(*values);
    }
  } else {
    Json points = request;
    points.erase("id");
    auto values = fields_from_json_object(points, &bad);
    if (!values) return refuse("point \"" + bad + "\" is null");
    c.kind = Command::Kind::set_points;
    c.values = std::move(*values);
  }
  DownlinkResult out;
  out.command = std::move(c);
  return out;
}

std::optional<Publication> encode_generic_reply(const std::string& reply_topic, const Command& c,
                                                const CommandResult& r) {
  if (reply_topic.empty()) return std::nullopt;  // no topic to answer on (see reply_topic())
  Json reply = Json::object();
  reply["id"] = c.request_id;
  if (!c.name.empty()) reply["command"] = c.name;
  const bool ok = r.ok && r.code == result_code::ok;
  reply["ok"] = ok;
  reply["code"] = ok ? 0 : r.code;
  reply["message"] = r.message.empty() ? (ok ? "done" : "failed") : r.message;
  reply["data"] = Json::parse(json_fields_object(r.values), nullptr, false);
  return Publication{reply_topic, reply.dump(-1, ' ', false, Json::error_handler_t::replace), 1};
}

}  // namespace edgegw::northbound
