// The generic MQTT platform's command protocol (docs/platforms.md "Generic MQTT"). Internal to
// northbound/.
//
//   command_topic:  {"id":"c-17","command":"reboot","params":{"delay":5}}   a named command
//                   {"id":"c-18","relay":true}          set points (every member but "id")
//   reply_topic:    {"id":"c-17","ok":true,"code":0,"message":"done","data":{...}}
// A request without "id" is carried out and answered with "id":"" (the log says "(no id)").
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "northbound/platform.hpp"

namespace edgegw::northbound {

DownlinkResult decode_generic_command(const nlohmann::ordered_json& request,
                                      const std::string& reply_topic);
std::optional<Publication> encode_generic_reply(const std::string& reply_topic, const Command& c,
                                                const CommandResult& r);

}  // namespace edgegw::northbound
