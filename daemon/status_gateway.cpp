#include "daemon/status_gateway.hpp"

#include <nlohmann/json.hpp>

#include "daemon/gateway.hpp"
#include "northbound/platform_defaults.hpp"

namespace edgegw::daemon {
namespace {

using nlohmann::json;

std::optional<std::int64_t> ms_of(const std::optional<std::chrono::system_clock::time_point>& t) {
  if (!t) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
}

template <typename T>
void get(const json& j, const char* key, T& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) out = it->get<T>();
}

template <typename T>
void get(const json& j, const char* key, std::optional<T>& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) out = it->get<T>();
}

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
  get(j, "name", g.name);
  get(j, "platform", g.platform);
  get(j, "mode", g.mode);
  get(j, "state", g.state);
  get(j, "retry_at_ms", g.retry_at_ms);
  get(j, "online_since_ms", g.online_since_ms);
  get(j, "backlog", g.backlog);
  get(j, "published", g.published);
  get(j, "acknowledged", g.acknowledged);
  get(j, "commands", g.commands);
  get(j, "connect_attempts", g.connect_attempts);
  get(j, "last_error", g.last_error);
  get(j, "sub_devices", g.sub_devices);
  get(j, "sub_devices_online", g.sub_devices_online);
  return g;
}

}  // namespace edgegw::daemon
