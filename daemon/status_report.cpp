#include "daemon/status_report.hpp"

#include <nlohmann/json.hpp>

namespace edgegw::daemon {
namespace {

using nlohmann::json;

template <typename T>
void put_optional(json& j, const char* key, const std::optional<T>& value) {
  j[key] = value ? json(*value) : json(nullptr);
}

template <typename T>
void get(const json& j, const char* key, T& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) out = it->get<T>();
}

template <typename T>
void get_optional(const json& j, const char* key, std::optional<T>& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) out = it->get<T>();
}

json device_json(const DeviceReport& d) {
  json j{{"name", d.name},
         {"platform", d.platform},
         {"source", d.source},
         {"bus", d.bus},
         {"state", d.state},
         {"backlog", d.backlog},
         {"inflight", d.inflight},
         {"published", d.published},
         {"acknowledged", d.acknowledged},
         {"dropped", d.dropped},
         {"commands", d.commands},
         {"connect_attempts", d.connect_attempts},
         {"last_error", d.last_error}};
  put_optional(j, "source_online", d.source_online);
  put_optional(j, "retry_at_ms", d.retry_at_ms);
  put_optional(j, "online_since_ms", d.online_since_ms);
  return j;
}

DeviceReport device_from(const json& j) {
  DeviceReport d;
  get(j, "name", d.name);
  get(j, "platform", d.platform);
  get(j, "source", d.source);
  get(j, "bus", d.bus);
  get(j, "state", d.state);
  get(j, "backlog", d.backlog);
  get(j, "inflight", d.inflight);
  get(j, "published", d.published);
  get(j, "acknowledged", d.acknowledged);
  get(j, "dropped", d.dropped);
  get(j, "commands", d.commands);
  get(j, "connect_attempts", d.connect_attempts);
  get(j, "last_error", d.last_error);
  get_optional(j, "source_online", d.source_online);
  get_optional(j, "retry_at_ms", d.retry_at_ms);
  get_optional(j, "online_since_ms", d.online_since_ms);
  return d;
}

json bus_json(const BusReport& b) {
  return {{"name", b.name},         {"requests", b.requests},
          {"failures", b.failures}, {"exceptions", b.exceptions},
          {"polls", b.polls},       {"connects", b.connects}};
}

BusReport bus_from(const json& j) {
  BusReport b;
  get(j, "name", b.name);
  get(j, "requests", b.requests);
  get(j, "failures", b.failures);
  get(j, "exceptions", b.exceptions);
  get(j, "polls", b.polls);
  get(j, "connects", b.connects);
  return b;
}

json certificate_json(const CertificateReport& c) {
  json j{{"file", c.file}, {"role", c.role}, {"device", c.device}, {"error", c.error}};
  put_optional(j, "not_after", c.not_after);
  return j;
}

CertificateReport certificate_from(const json& j) {
  CertificateReport c;
  get(j, "file", c.file);
  get(j, "role", c.role);
  get(j, "device", c.device);
  get(j, "error", c.error);
  get_optional(j, "not_after", c.not_after);
  return c;
}

}  // namespace

bool StatusReport::same_state(const StatusReport& other) const {
  StatusReport a = *this;
  a.written_at_ms = other.written_at_ms;
  return a == other;
}

std::string to_json(const StatusReport& r) {
  json j{{"pid", r.pid},
         {"written_at_ms", r.written_at_ms},
         {"started_at_ms", r.started_at_ms},
         {"reloaded_at_ms", r.reloaded_at_ms},
         {"reloads", r.reloads},
         {"reloads_refused", r.reloads_refused},
         {"version", r.version},
         {"config_file", r.config_file},
         {"platform", r.platform},
         {"local_broker", r.local_broker},
         {"total_backlog", r.total_backlog}};
  json& devices = j["devices"] = json::array();
  for (const auto& d : r.devices) devices.push_back(device_json(d));
  json& buses = j["buses"] = json::array();
  for (const auto& b : r.buses) buses.push_back(bus_json(b));
  json& certificates = j["certificates"] = json::array();
  for (const auto& c : r.certificates) certificates.push_back(certificate_json(c));
  json& removed = j["removed_devices"] = json::array();
  for (const auto& o : r.removed_devices) {
    removed.push_back({{"device", o.device}, {"backlog", o.backlog}});
  }
  return j.dump(2) + "\n";
}

std::optional<StatusReport> status_from_json(const std::string& text, std::string* error) {
  try {
    const json j = json::parse(text);
    if (!j.is_object() || !j.contains("pid") || !j.contains("written_at_ms")) {
      if (error) *error = "not an edgegw status report";
      return std::nullopt;
    }
    StatusReport r;
    get(j, "pid", r.pid);
    get(j, "written_at_ms", r.written_at_ms);
    get(j, "started_at_ms", r.started_at_ms);
    get(j, "reloaded_at_ms", r.reloaded_at_ms);
    get(j, "reloads", r.reloads);
    get(j, "reloads_refused", r.reloads_refused);
    get(j, "version", r.version);
    get(j, "config_file", r.config_file);
    get(j, "platform", r.platform);
    get(j, "local_broker", r.local_broker);
    get(j, "total_backlog", r.total_backlog);
    if (auto it = j.find("devices"); it != j.end() && it->is_array()) {
      for (const auto& d : *it) r.devices.push_back(device_from(d));
    }
    if (auto it = j.find("buses"); it != j.end() && it->is_array()) {
      for (const auto& b : *it) r.buses.push_back(bus_from(b));
    }
    if (auto it = j.find("certificates"); it != j.end() && it->is_array()) {
      for (const auto& c : *it) r.certificates.push_back(certificate_from(c));
    }
    if (auto it = j.find("removed_devices"); it != j.end() && it->is_array()) {
      for (const auto& o : *it) {
        OrphanBacklog b;
        get(o, "device", b.device);
        get(o, "backlog", b.backlog);
        r.removed_devices.push_back(std::move(b));
      }
    }
    return r;
  } catch (const json::exception& e) {
    if (error) *error = e.what();
    return std::nullopt;
  }
}

}  // namespace edgegw::daemon
