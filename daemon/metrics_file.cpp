#include "daemon/metrics_file.hpp"

#include <cstdint>
#include <optional>

namespace edgegw::daemon {
namespace {

// One metric family: its HELP and TYPE lines, then the samples appended to it.
class Family {
 public:
  Family(std::string& out, const char* name, const char* type, const char* help)
      : out_(out), name_(name) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  // `labels`: pairs of name and (unescaped) value.
  void sample(std::initializer_list<std::pair<const char*, const std::string*>> labels,
              std::uint64_t value) {
    sample_text(labels, std::to_string(value));
  }
  void sample_signed(std::initializer_list<std::pair<const char*, const std::string*>> labels,
                     std::int64_t value) {
    sample_text(labels, std::to_string(value));
  }

 private:
  void sample_text(std::initializer_list<std::pair<const char*, const std::string*>> labels,
                   const std::string& value) {
    out_ += name_;
    if (labels.size() > 0) {
      out_ += '{';
      bool first = true;
      for (const auto& [label, text] : labels) {
        if (!first) out_ += ',';
        first = false;
        out_ += label;
        out_ += "=\"";
        out_ += prometheus_label(*text);
        out_ += '"';
      }
      out_ += '}';
    }
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }

  std::string& out_;
  const char* name_;
};

// The gateway identity's session as a device entry: the same families carry it, told apart by
// role="gateway" (devices have no role label, so their series are as before).
const std::string kGatewayRole = "gateway";

std::optional<DeviceReport> gateway_as_device(const StatusReport& r) {
  if (!r.gateway) return std::nullopt;
  DeviceReport d;
  d.name = r.gateway->name;
  d.platform = r.gateway->platform;
  d.state = r.gateway->state;
  d.backlog = r.gateway->backlog;
  d.published = r.gateway->published;
  d.acknowledged = r.gateway->acknowledged;
  d.connect_attempts = r.gateway->connect_attempts;
  return d;
}

// The sessions' state families: each device's, then the gateway identity's.
void session_metrics(std::string& out, const StatusReport& r,
                     const std::optional<DeviceReport>& gw) {
  {
    Family f(out, "edgegw_session_state", "gauge",
             "The cloud session's state: 1 for the state it is in.");
    for (const auto& d : r.devices) {
      f.sample({{"device", &d.name}, {"platform", &d.platform}, {"state", &d.state}}, 1);
    }
    if (gw) {
      f.sample({{"device", &gw->name},
                {"platform", &gw->platform},
                {"state", &gw->state},
                {"role", &kGatewayRole}},
               1);
    }
  }
  {
    Family f(out, "edgegw_session_online", "gauge", "1 when the device's cloud session is online.");
    for (const auto& d : r.devices) {
      f.sample({{"device", &d.name}, {"platform", &d.platform}}, d.state == "online" ? 1 : 0);
    }
    if (gw) {
      f.sample({{"device", &gw->name}, {"platform", &gw->platform}, {"role", &kGatewayRole}},
               gw->state == "online" ? 1 : 0);
    }
  }
}

void device_metrics(std::string& out, const StatusReport& r) {
  const std::optional<DeviceReport> gw = gateway_as_device(r);
  session_metrics(out, r, gw);
  struct Counter {
    const char* name;
    const char* type;
    const char* help;
    std::uint64_t DeviceReport::*field;
    bool gateway;  // the gateway identity has one too
  };
  static constexpr Counter kCounters[] = {
      {"edgegw_backlog_records", "gauge",
       "Records in the outbox that the cloud has not acknowledged yet.", &DeviceReport::backlog,
       true},
      {"edgegw_published_total", "counter",
       "Publishes sent since start (resends and answers to the cloud's calls included).",
       &DeviceReport::published, true},
      {"edgegw_acknowledged_total", "counter", "PUBACKs received since start.",
       &DeviceReport::acknowledged, true},
      {"edgegw_dropped_total", "counter",
       "Records the outbox dropped over store.max_size or store.max_age.", &DeviceReport::dropped,
       false},
      {"edgegw_connect_attempts_total", "counter", "Connection attempts since start.",
       &DeviceReport::connect_attempts, true},
  };
  for (const auto& c : kCounters) {
    Family f(out, c.name, c.type, c.help);
    for (const auto& d : r.devices) f.sample({{"device", &d.name}}, d.*(c.field));
    if (gw && c.gateway)
      f.sample({{"device", &gw->name}, {"role", &kGatewayRole}}, (*gw).*(c.field));
  }
  Family f(out, "edgegw_modbus_source_online", "gauge",
           "1 when the Modbus device answers its polls, 0 when it does not.");
  for (const auto& d : r.devices) {
    if (d.source_online) f.sample({{"device", &d.name}, {"bus", &d.bus}}, *d.source_online ? 1 : 0);
  }
  struct PollCounter {
    const char* name;
    const char* help;
    std::uint64_t DeviceReport::*field;
  };
  static constexpr PollCounter kPollCounters[] = {
      {"edgegw_modbus_device_poll_errors_total",
       "Reads of this Modbus device without a usable answer (after the bus's retries).",
       &DeviceReport::poll_errors},
      {"edgegw_modbus_device_exceptions_total",
       "Reads of this Modbus device refused with a Modbus exception.",
       &DeviceReport::poll_exceptions},
  };
  for (const auto& c : kPollCounters) {
    Family counter(out, c.name, "counter", c.help);
    for (const auto& d : r.devices) {
      if (d.source == "modbus")
        counter.sample({{"device", &d.name}, {"bus", &d.bus}}, d.*(c.field));
    }
  }
}

// What only the gateway identity has: its last error, and the sub-devices it carries.
void gateway_metrics(std::string& out, const StatusReport& r) {
  if (!r.gateway) return;
  const GatewayReport& g = *r.gateway;
  if (!g.last_error.empty()) {
    Family f(out, "edgegw_gateway_last_error_info", "gauge",
             "1, with the gateway session's last error as the error label.");
    f.sample({{"device", &g.name}, {"role", &kGatewayRole}, {"error", &g.last_error}}, 1);
  }
  if (!g.sub_devices) return;
  {
    Family f(out, "edgegw_gateway_sub_devices", "gauge",
             "Devices carried as sub-devices of the gateway session (cloud.mode = \"gateway\").");
    f.sample({{"device", &g.name}, {"role", &kGatewayRole}}, *g.sub_devices);
  }
  Family f(out, "edgegw_gateway_sub_devices_online", "gauge",
           "Sub-devices online through the gateway session.");
  f.sample({{"device", &g.name}, {"role", &kGatewayRole}}, g.sub_devices_online.value_or(0));
}

void bus_metrics(std::string& out, const StatusReport& r) {
  struct Counter {
    const char* name;
    const char* help;
    std::uint64_t BusReport::*field;
  };
  static constexpr Counter kCounters[] = {
      {"edgegw_modbus_requests_total", "Modbus requests sent (retries included).",
       &BusReport::requests},
      {"edgegw_modbus_poll_errors_total",
       "Modbus requests on this bus without a usable answer (each retry counts).",
       &BusReport::failures},
      {"edgegw_modbus_exceptions_total", "Modbus exception answers.", &BusReport::exceptions},
  };
  for (const auto& c : kCounters) {
    Family f(out, c.name, "counter", c.help);
    for (const auto& b : r.buses) f.sample({{"bus", &b.name}}, b.*(c.field));
  }
}

void store_metrics(std::string& out, const StoreReport& s) {
  struct Value {
    const char* name;
    const char* type;
    const char* help;
    std::uint64_t value;
  };
  const Value values[] = {
      {"edgegw_outbox_lost_on_open_records", "gauge",
       "Records committed before the last start but missing from the outbox at start.",
       s.lost_on_open},
      {"edgegw_outbox_loss_unchecked", "gauge",
       "1 when the start could not check the outbox for lost records.",
       s.loss_unchecked.empty() ? 0u : 1u},
      {"edgegw_outbox_quarantined_total", "counter",
       "Records moved to quarantine because their checksum or fields failed.", s.quarantined},
      {"edgegw_outbox_dropped_for_space_total", "counter",
       "Oldest records dropped because the file system was full.", s.dropped_for_space},
      {"edgegw_outbox_dropped_queued_total", "counter",
       "Oldest readings dropped from memory while commits failed, past store.max_queued.",
       s.dropped_queued},
      {"edgegw_outbox_reserve_released_total", "counter",
       "Times the outbox gave up its space reserve to keep working on a full file system.",
       s.reserve_released},
      {"edgegw_outbox_size_limit_bytes", "gauge",
       "The outbox's size limit in force (store.max_size, or less on a small file system).",
       s.size_limit_bytes},
      {"edgegw_outbox_started_on_full_disk", "gauge",
       "1 when the outbox started on a full file system.", s.started_on_full_disk ? 1u : 0u},
  };
  for (const auto& v : values) {
    Family f(out, v.name, v.type, v.help);
    f.sample({}, v.value);
  }
}

}  // namespace

std::string prometheus_label(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string to_prometheus(const StatusReport& r) {
  std::string out;
  out.reserve(512 + r.devices.size() * 400);
  device_metrics(out, r);
  gateway_metrics(out, r);
  bus_metrics(out, r);
  if (!r.local_broker.empty()) {
    Family f(out, "edgegw_local_broker_online", "gauge",
             "1 when the connection to the local MQTT broker is up.");
    f.sample({}, r.local_broker == "online" ? 1 : 0);
  }
  store_metrics(out, r.store);
  {
    Family f(out, "edgegw_removed_device_backlog_records", "gauge",
             "Records kept in the outbox for devices no longer in the configuration.");
    for (const auto& o : r.removed_devices) f.sample({{"device", &o.device}}, o.backlog);
  }
  {
    Family f(out, "edgegw_certificate_expiry_timestamp_seconds", "gauge",
             "notAfter of the certificate file (the earliest in a CA file), Unix seconds.");
    for (const auto& c : r.certificates) {
      if (c.not_after) f.sample_signed({{"file", &c.file}, {"role", &c.role}}, *c.not_after);
    }
  }
  {
    Family f(out, "edgegw_status_timestamp_seconds", "gauge", "When this file was written.");
    f.sample_signed({}, r.written_at_ms / 1000);
  }
  {
    Family f(out, "edgegw_reloads_total", "counter", "Configurations applied by SIGHUP.");
    f.sample({}, r.reloads);
  }
  {
    Family f(out, "edgegw_reloads_refused_total", "counter",
             "New configurations refused on SIGHUP (errors; the running one was kept).");
    f.sample({}, r.reloads_refused);
  }
  return out;
}

}  // namespace edgegw::daemon
