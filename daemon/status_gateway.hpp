// The gateway's own cloud session in the status snapshot (status.json "gateway", `edgegw status`,
// the metrics with role="gateway"): what an admin needs to see why the gateway identity is not
// online, and in cloud.mode = "gateway" how many sub-devices it carries online. Kept apart from
// the device entries (status_collect.cpp) so that the per-device change tracking is not touched:
// one session and one count, read afresh every tick.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "daemon/status_report.hpp"
#include "store/outbox.hpp"

namespace edgegw::daemon {

class Gateway;

// nullopt without [gateway.cloud]; state "stopped" while no gateway runs its session.
std::optional<GatewayReport> gateway_report(const config::Config& config, const Gateway* gateway,
                                            const store::Outbox* outbox);

// status.json's "gateway" object (one line) and back.
std::string gateway_json(const GatewayReport& g);
GatewayReport gateway_from_json(const nlohmann::json& j);

}  // namespace edgegw::daemon
