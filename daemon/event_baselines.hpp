// The Modbus event conditions' baselines across restarts (southbound/event_conditions.hpp):
// state_dir/event-baselines.json, {"<device>":{"<condition key>":<value>}}, replaced atomically
// (temp file, rename; no fsync, see save_event_baselines). Rewritten only when a condition's side
// flips, right after the commit of that poll's records, so a crash can at worst send an event
// twice (killed in the microseconds between the two), never lose one. A missing or damaged file
// means no baselines: the first values read are.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "southbound/modbus_bus.hpp"

namespace edgegw::daemon {

using EventBaselines = southbound::ModbusBus::Baselines;

// What the file holds; empty when it is missing or damaged (`problem` says which, if damaged).
EventBaselines load_event_baselines(const std::filesystem::path& file, std::string* problem);
// Replaces the file; the reason when it could not.
std::optional<std::string> save_event_baselines(const std::filesystem::path& file,
                                                const EventBaselines& baselines);

}  // namespace edgegw::daemon
