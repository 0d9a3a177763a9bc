#include "daemon/gateway_health.hpp"

#include <sys/statvfs.h>

#include <algorithm>
#include <map>

namespace edgegw::daemon {
namespace {

using store::Field;

std::int64_t as_int(std::uint64_t v) {
  return static_cast<std::int64_t>(std::min<std::uint64_t>(v, INT64_MAX));
}

// The discrete properties: those a change of which is reported at once.
constexpr std::string_view kSignatureFields[] = {"devices_total",
                                                 "devices_online",
                                                 "devices_backoff",
                                                 "devices_auth_failed",
                                                 "devices_identity_conflict",
                                                 "devices_clock_wait",
                                                 "devices_not_answering",
                                                 "modbus_buses",
                                                 "local_broker",
                                                 "cert_days_left"};

std::optional<std::int64_t> nearest_expiry(const StatusReport& report) {
  std::optional<std::int64_t> nearest;
  for (const auto& c : report.certificates) {
    if (c.not_after) nearest = nearest ? std::min(*nearest, *c.not_after) : *c.not_after;
  }
  return nearest;
}

void add_devices(const StatusReport& report, std::vector<Field>& out) {
  std::map<std::string, std::int64_t> by_state;
  std::uint64_t dropped = 0;
  std::int64_t source_offline = 0;
  for (const auto& d : report.devices) {
    ++by_state[d.state];
    dropped += d.dropped;
    if (d.source_online == false) ++source_offline;
  }
  out.push_back({"devices_total", static_cast<std::int64_t>(report.devices.size())});
  for (const char* state :
       {"online", "backoff", "connecting", "auth_failed", "identity_conflict", "clock_wait"}) {
    std::int64_t n = by_state[state];
    if (std::string_view(state) == "connecting") n += by_state["registering"];
    out.push_back({std::string("devices_") + state, n});
  }
  out.push_back({"devices_not_answering", source_offline});
  out.push_back({"records_dropped", as_int(dropped + report.store.dropped_for_space)});
}

}  // namespace

std::vector<Field> health_fields(const StatusReport& report, const HealthExtras& extras) {
  std::vector<Field> out;
  out.push_back({"version", report.version});
  out.push_back(
      {"uptime_s", std::max<std::int64_t>(0, (extras.now_ms - report.started_at_ms) / 1000)});
  add_devices(report, out);
  out.push_back({"records_quarantined", as_int(report.store.quarantined)});
  out.push_back({"backlog_records", as_int(report.total_backlog)});
  out.push_back({"backlog_bytes", as_int(extras.backlog_bytes.value_or(0))});
  const std::int64_t oldest =
      extras.oldest_record_ms ? std::max<std::int64_t>(0, extras.now_ms - *extras.oldest_record_ms)
                              : 0;
  out.push_back({"oldest_record_age_s", oldest / 1000});
  if (extras.disk_free_bytes) out.push_back({"disk_free_bytes", as_int(*extras.disk_free_bytes)});
  std::uint64_t bus_errors = 0;
  std::string per_bus;
  for (const auto& bus : report.buses) {
    bus_errors += bus.failures + bus.exceptions;
    if (!per_bus.empty()) per_bus += ",";
    per_bus += bus.name + ":" + std::to_string(bus.failures + bus.exceptions);
  }
  out.push_back({"modbus_buses", static_cast<std::int64_t>(report.buses.size())});
  out.push_back({"modbus_errors", as_int(bus_errors)});
  out.push_back({"modbus_bus_errors", per_bus});
  out.push_back({"local_broker", report.local_broker.empty() ? "none" : report.local_broker});
  if (auto expiry = nearest_expiry(report)) {
    // Whole days left, rounded down; negative once expired.
    const std::int64_t seconds = *expiry - extras.now_ms / 1000;
    out.push_back(
        {"cert_days_left", seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400)});
  }
  return out;
}

std::string health_signature(const std::vector<Field>& fields) {
  std::string out;
  for (const auto& f : fields) {
    if (std::find(std::begin(kSignatureFields), std::end(kSignatureFields), f.name) ==
        std::end(kSignatureFields)) {
      continue;
    }
    out += f.name + "=";
    std::visit(
        [&](const auto& v) {
          if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string>) {
            out += v;
          } else {
            out += std::to_string(v);
          }
        },
        f.value);
    out += ";";
  }
  return out;
}

std::optional<std::uint64_t> disk_free(const std::string& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

bool HealthSchedule::due(Clock::time_point now, const std::string& signature) const {
  if (!last_ || forced_) return true;
  const auto since = now - *last_;
  if (interval_.count() > 0 && since >= interval_) return true;
  return signature != last_signature_ && since >= min_gap_;
}

void HealthSchedule::sent(Clock::time_point now, const std::string& signature) {
  last_ = now;
  last_signature_ = signature;
  forced_ = false;
}

}  // namespace edgegw::daemon
