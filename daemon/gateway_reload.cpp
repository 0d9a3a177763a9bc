// Gateway::apply(): a reloaded configuration applied to the running gateway, touching only what
// changed, so that a SIGHUP that adds one device out of ten thousand costs one new session, not ten
// thousand reconnects. What each part keeps:
//
//   sessions    kept when the device's cloud identity is unchanged (same connection, same place in
//               its backlog); removed ones stop first (DISCONNECT), so a renamed device never
//               competes with itself for a client id; then changed ones restart and new ones start.
//               A changed [cloud] (platform, endpoint, TLS, limits) restarts them all on a new
//               Northbound, built before the old one stops: one the platform refuses changes
//               nothing.
//   buses       a bus thread restarts when its options or its devices changed (its readings so far
//               are taken first); others keep polling.
//   local MQTT  the connection restarts when [local_mqtt] or its devices changed; QoS 1 messages
//               not yet committed are redelivered by the broker (at-least-once, as always).
//
// Removed devices' records stay in the outbox: the daemon reports them, and they are sent if the
// device comes back.
#include <algorithm>
#include <set>

#include "daemon/device_log_fields.hpp"
#include "daemon/gateway.hpp"
#include "daemon/logging.hpp"

namespace edgegw::daemon {
namespace {

std::vector<std::pair<std::string, southbound::MqttDeviceOptions>> local_devices_of(
    const config::Config& config) {
  std::vector<std::pair<std::string, southbound::MqttDeviceOptions>> out;
  for (const auto& device : config.devices) {
    if (device.mqtt) out.emplace_back(device.name, *device.mqtt);
  }
  return out;
}

}  // namespace

GatewayReload Gateway::apply(std::shared_ptr<const config::Config> shared) {
  GatewayReload done;
  const config::Config& next = *shared;
  const bool cloud_changed =
      !(config_->cloud == next.cloud) || config_->gateway.state_dir != next.gateway.state_dir;
  if (cloud_changed) {
    if (!apply_cloud(shared, done)) return done;
  } else {
    apply_sessions(shared, done);
  }
  apply_gateway_identity(next, cloud_changed, done);
  apply_buses(next, done);
  apply_local_mqtt(shared, done);
  for (const auto& name : done.sessions_stopped) {
    last_values_.forget(name);
    source_online_.forget(name);
  }
  describe_devices(next);
  router_.set_commands(command_catalog(next));
  config_ = std::move(shared);  // the last pointer into the old one goes with it
  return done;
}

bool Gateway::apply_cloud(const std::shared_ptr<const config::Config>& next, GatewayReload& done) {
  auto old = std::move(northbound_);
  auto old_identities = std::move(identities_);
  identities_.clear();
  try {
    build_northbound(next);
  } catch (const std::exception& e) {
    northbound_ = std::move(old);
    identities_ = std::move(old_identities);
    done.refused = e.what();
    return false;
  }
  old->stop();  // DISCONNECT before the same identities connect again
  old.reset();
  std::set<std::string> before;
  for (const auto& id : old_identities) before.insert(id->device);
  for (const auto& id : identities_) {
    (before.erase(id->device) ? done.sessions_restarted : done.sessions_started)
        .push_back(id->device);
    if (started_) northbound_->add_device(id);
  }
  done.sessions_stopped.assign(before.begin(), before.end());
  return true;
}

// The gateway's own session: on a new Northbound it starts again; otherwise only when its
// identity or name changed.
void Gateway::apply_gateway_identity(const config::Config& next, bool cloud_rebuilt,
                                     GatewayReload& done) {
  const auto before = gateway_identity(*config_);
  const auto after = gateway_identity(next);
  if (!cloud_rebuilt && before == after) return;
  if (before && (!after || before->device != after->device)) {
    northbound_->stop_gateway();
    done.sessions_stopped.push_back(before->device);
  }
  if (!after) return;
  (before && before->device == after->device ? done.sessions_restarted : done.sessions_started)
      .push_back(after->device);
  if (started_) northbound_->start_gateway(*after);
}

void Gateway::apply_sessions(const std::shared_ptr<const config::Config>& next,
                             GatewayReload& done) {
  auto wanted = identities_of(next);
  std::set<std::string> wanted_names;
  for (const auto& id : wanted) wanted_names.insert(id->device);
  std::map<std::string, std::shared_ptr<const northbound::DeviceIdentity>> running;
  for (const auto& id : identities_) {
    if (wanted_names.count(id->device)) {
      running.emplace(id->device, id);
    } else {
      northbound_->remove_device(id->device);
      done.sessions_stopped.push_back(id->device);
    }
  }
  for (auto& id : wanted) {
    auto it = running.find(id->device);
    if (it != running.end() && *it->second == *id) {
      ++done.sessions_kept;
      // The session reads the same identity from the new configuration from now on, so the old
      // one is freed: one copy of the configuration, not one per reload.
      northbound_->share_identity(id);
      continue;
    }
    if (it != running.end()) {
      northbound_->remove_device(id->device);
      done.sessions_restarted.push_back(id->device);
    } else {
      done.sessions_started.push_back(id->device);
    }
    if (started_) northbound_->add_device(id);
  }
  identities_ = std::move(wanted);
}

void Gateway::stop_bus(Bus& slot) {
  slot.bus->stop();
  on_bus_ready(slot);  // the last readings the thread produced
  slot.io.reset();
  for (const auto& device : slot.devices) {
    bus_of_device_.erase(device.name);
    read_on_get_.erase(device.name);
  }
}

void Gateway::apply_buses(const config::Config& next, GatewayReload& done) {
  std::vector<std::unique_ptr<Bus>> kept;
  std::set<std::string> running;
  for (auto& slot : buses_) {
    const std::string name = slot->bus->options().name;
    const southbound::BusOptions* options = next.find_bus(name);
    if (options && *options == slot->bus->options() &&
        modbus_devices_of(next, name) == slot->devices) {
      running.insert(name);
      kept.push_back(std::move(slot));
      continue;
    }
    stop_bus(*slot);
    done.buses_restarted.push_back(name);
  }
  buses_ = std::move(kept);  // the stopped ones go here
  for (const auto& options : next.buses) {
    if (running.count(options.name)) continue;
    auto devices = modbus_devices_of(next, options.name);
    if (devices.empty()) continue;
    auto slot = make_bus(options, std::move(devices));
    if (started_) slot->bus->start();
    buses_.push_back(std::move(slot));
    const auto& restarted = done.buses_restarted;
    if (std::find(restarted.begin(), restarted.end(), options.name) == restarted.end()) {
      done.buses_restarted.push_back(options.name);
    }
  }
}

void Gateway::apply_local_mqtt(const std::shared_ptr<const config::Config>& shared,
                               GatewayReload& done) {
  const config::Config& next = *shared;
  if (config_->local_mqtt == next.local_mqtt &&
      local_devices_of(*config_) == local_devices_of(next)) {
    // Kept: its devices read their options from the new configuration from now on.
    if (local_mqtt_) local_mqtt_->share_options(local_devices(shared));
    return;
  }
  if (local_mqtt_) local_mqtt_->stop();
  local_mqtt_.reset();
  local_resolver_.reset();
  build_local_mqtt(shared);
  if (started_ && local_mqtt_) local_mqtt_->start();
  done.local_source_restarted = true;
}

}  // namespace edgegw::daemon
