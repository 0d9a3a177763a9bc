#include "config/config_changes.hpp"

#include <map>

namespace edgegw::config {
namespace {

// Added / removed / changed by name, in the order of `after` (then `before` for the removed).
template <typename T, typename NameOf>
void compare_named(const std::vector<T>& before, const std::vector<T>& after, NameOf name_of,
                   std::vector<std::string>& added, std::vector<std::string>& removed,
                   std::vector<std::string>& changed) {
  std::map<std::string, const T*> old_by_name;
  for (const auto& item : before) old_by_name.emplace(name_of(item), &item);
  std::map<std::string, const T*> new_by_name;
  for (const auto& item : after) {
    const std::string name = name_of(item);
    new_by_name.emplace(name, &item);
    auto it = old_by_name.find(name);
    if (it == old_by_name.end()) {
      added.push_back(name);
    } else if (!(*it->second == item)) {
      changed.push_back(name);
    }
  }
  for (const auto& item : before) {
    if (new_by_name.count(name_of(item)) == 0) removed.push_back(name_of(item));
  }
}

void append(std::string& text, const char* label, const std::vector<std::string>& names) {
  if (names.empty()) return;
  if (!text.empty()) text += "; ";
  text += label;
  text += ": ";
  for (std::size_t i = 0; i < names.size(); ++i) text += (i ? ", " : "") + names[i];
}

}  // namespace

bool ConfigChanges::empty() const {
  return *this == ConfigChanges{};
}

ConfigChanges compare(const Config& before, const Config& after) {
  ConfigChanges c;
  compare_named(
      before.devices, after.devices, [](const DeviceConfig& d) { return d.name; }, c.devices_added,
      c.devices_removed, c.devices_changed);
  compare_named(
      before.buses, after.buses, [](const southbound::BusOptions& b) { return b.name; },
      c.buses_added, c.buses_removed, c.buses_changed);
  if (!(before.gateway == after.gateway)) c.sections_changed.push_back("gateway");
  if (!(before.store == after.store)) c.sections_changed.push_back("store");
  if (!(before.metrics == after.metrics)) c.sections_changed.push_back("metrics");
  if (!(before.cloud == after.cloud)) c.sections_changed.push_back("cloud");
  if (!(before.local_mqtt == after.local_mqtt)) c.sections_changed.push_back("local_mqtt");
  return c;
}

std::string describe(const ConfigChanges& c) {
  std::string text;
  append(text, "devices added", c.devices_added);
  append(text, "devices removed", c.devices_removed);
  append(text, "devices changed", c.devices_changed);
  append(text, "buses added", c.buses_added);
  append(text, "buses removed", c.buses_removed);
  append(text, "buses changed", c.buses_changed);
  append(text, "sections changed", c.sections_changed);
  return text.empty() ? "no changes" : text;
}

}  // namespace edgegw::config
