#include "daemon/status_gateway.hpp"

#include <nlohmann/json.hpp>

#include "daemon/gateway.hpp"
#include "daemon/report_fields.hpp"
#include "northbound/platform_defaults.hpp"

namespace edgegw::daemon {
namespace {

using nlohmann::json;

template <typename T>
json or_null(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

}  // namespace

std::optional<GatewayReport> gateway_report(const config::Config& config, const Gateway* gateway,
                                            const store::Outbox* outbox) {
  if (!config.gateway.cloud) return std::nullopt;
  GatewayReport g;
  g.name = config.gateway.name;
  g.platform = northbound::to_string(config.cloud.platform);
  g.mode = config.cloud.mode == northbound::CloudMode::gateway ? "gateway" : "device";
  g.state = "stopped";  // until the gateway runs its session
  if (gateway) {
    if (const auto s = gateway->gateway_status()) {
      g.state = northbound::to_string(s->state);
      g.retry_at_ms = ms_of(s->retry_at);
      g.online_since_ms = ms_of(s->online_since);
      g.published = s->published;
      g.acknowledged = s->acknowledged;
      g.commands = s->commands;
      g.connect_attempts = s->connect_attempts;
      g.last_error = s->last_error;
    }
    if (const auto* topology = gateway->northbound().topology()) {
      g.sub_devices = topology->size();
      g.sub_devices_online = topology->online_count();
    }
  }
  if (outbox) g.backlog = outbox->backlog(g.name);
  return g;
}

std::string gateway_json(const GatewayReport& g) {
  const json j = {{"name", g.name},
                  {"platform", g.platform},
                  {"mode", g.mode},
                  {"state", g.state},
                  {"retry_at_ms", or_null(g.retry_at_ms)},
                  {"online_since_ms", or_null(g.online_since_ms)},
                  {"backlog", g.backlog},
                  {"published", g.published},
                  {"acknowledged", g.acknowledged},
                  {"commands", g.commands},
                  {"connect_attempts", g.connect_attempts},
                  {"last_error", g.last_error},
                  {"sub_devices", or_null(g.sub_devices)},
                  {"sub_devices_online", or_null(g.sub_devices_online)}};
  return j.dump();
}

GatewayReport gateway_from_json(const json& j) {
  GatewayReport g;
  read_member(j, "name", g.name);
  read_member(j, "platform", g.platform);
  read_member(j, "mode", g.mode);
  read_member(j, "state", g.state);
  read_member(j, "retry_at_ms", g.retry_at_ms);
  read_member(j, "online_since_ms", g.online_since_ms);
  read_member(j, "backlog", g.backlog);
  read_member(j, "published", g.published);
  read_member(j, "acknowledged", g.acknowledged);
  read_member(j, "commands", g.commands);
  read_member(j, "connect_attempts", g.connect_attempts);
  read_member(j, "last_error", g.last_error);
  read_member(j, "sub_devices", g.sub_devices);
  read_member(j, "sub_devices_online", g.sub_devices_online);
  return g;
}

}  // namespace edgegw::daemon
