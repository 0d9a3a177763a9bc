// SourceOnline: whether each Modbus device answers its polls, from the device_status records its
// bus thread writes into the outbox ("online" = true/false). Read by the status file and metrics.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "store/record.hpp"

namespace edgegw::daemon {

class SourceOnline {
 public:
  // Takes the "online" field of a device_status record; other records are ignored.
  void remember(const store::Record& record) {
    if (record.kind != store::RecordKind::device_status) return;
    for (const auto& field : record.fields) {
      const bool* online = std::get_if<bool>(&field.value);
      if (field.name == "online" && online) online_[record.device] = *online;
    }
  }
  void forget(const std::string& device) { online_.erase(device); }
  // nullopt before the device's first status record (and for devices without one).
  std::optional<bool> of(const std::string& device) const {
    if (auto it = online_.find(device); it != online_.end()) return it->second;
    return std::nullopt;
  }

 private:
  std::map<std::string, bool> online_;
};

}  // namespace edgegw::daemon
