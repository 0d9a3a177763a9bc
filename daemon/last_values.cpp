#include "daemon/last_values.hpp"

namespace edgegw::daemon {

void LastValues::remember(const store::Record& record) {
  if (record.kind != store::RecordKind::telemetry) return;
  auto& values = values_[record.device];
  for (const auto& field : record.fields) values[field.name] = {field.value, record.time_ms};
}

void LastValues::forget(const std::string& device) {
  values_.erase(device);
}

LastValues::Lookup LastValues::lookup(const std::string& device,
                                      const std::vector<std::string>& names) const {
  Lookup out;
  const auto it = values_.find(device);
  auto take = [&out](const std::string& name, const Value& v) {
    out.found.push_back({name, v.value});
    if (out.oldest_ms == 0 || v.time_ms < out.oldest_ms) out.oldest_ms = v.time_ms;
  };
  if (names.empty()) {
    if (it != values_.end()) {
      for (const auto& [name, value] : it->second) take(name, value);
    }
    return out;
  }
  for (const auto& name : names) {
    if (it != values_.end()) {
      if (auto v = it->second.find(name); v != it->second.end()) {
        take(name, v->second);
        continue;
      }
    }
    out.missing.push_back(name);
  }
  return out;
}

}  // namespace edgegw::daemon
