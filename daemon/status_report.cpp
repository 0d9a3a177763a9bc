#include "daemon/status_report.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string_view>
#include <type_traits>

#include "daemon/report_fields.hpp"
#include "daemon/status_gateway.hpp"

namespace edgegw::daemon {
namespace {

using nlohmann::json;

// Writes the report's JSON straight into a string: nlohmann::json's DOM costs ~10x more, and the
// daemon writes this on its loop (10,000 devices: ~4 MB). One device per line keeps it readable.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& key(std::string_view name, int indent = 0) {
    out_.append(static_cast<std::size_t>(indent) * 2, ' ');
    string(name);
    out_ += ": ";
    return *this;
  }
  JsonWriter& next() {
    out_ += first_in_line_ ? ", " : ",\n";
    return *this;
  }
  void string(std::string_view text) {
    out_ += '"';
    for (char c : text) {
      switch (c) {
        case '"':
          out_ += "\\\"";
          break;
        case '\\':
          out_ += "\\\\";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\t':
          out_ += "\\t";
          break;
        case '\r':
          out_ += "\\r";
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
            out_ += buf;
          } else {
            out_ += c;
          }
      }
    }
    out_ += '"';
  }
  template <typename Int>
  void number(Int value) {
    out_ += std::to_string(value);
  }
  template <typename T>
  void optional(const std::optional<T>& value) {
    if (!value) {
      out_ += "null";
    } else if constexpr (std::is_same_v<T, bool>) {
      out_ += *value ? "true" : "false";
    } else {
      number(*value);
    }
  }
  // An array of one-line objects, one per line.
  template <typename T, typename F>
  void array(const std::vector<T>& items, F&& write_item) {
    if (items.empty()) {
      out_ += "[]";
      return;
    }
    out_ += "[\n";
    first_in_line_ = true;
    for (std::size_t i = 0; i < items.size(); ++i) {
      out_ += i ? ",\n    {" : "    {";
      write_item(items[i]);
      out_ += '}';
    }
    first_in_line_ = false;
    out_ += "\n  ]";
  }

 private:
  std::string& out_;
  bool first_in_line_ = false;  // inside an array item: fields follow on the same line
};

DeviceReport device_from(const json& j) {
  DeviceReport d;
  read_member(j, "name", d.name);
  read_member(j, "platform", d.platform);
  read_member(j, "source", d.source);
  read_member(j, "bus", d.bus);
  read_member(j, "state", d.state);
  read_member(j, "backlog", d.backlog);
  read_member(j, "inflight", d.inflight);
  read_member(j, "published", d.published);
  read_member(j, "acknowledged", d.acknowledged);
  read_member(j, "dropped", d.dropped);
  read_member(j, "commands", d.commands);
  read_member(j, "connect_attempts", d.connect_attempts);
  read_member(j, "last_error", d.last_error);
  read_member(j, "source_online", d.source_online);
  read_member(j, "retry_at_ms", d.retry_at_ms);
  read_member(j, "online_since_ms", d.online_since_ms);
  read_member(j, "polls", d.polls);
  read_member(j, "poll_errors", d.poll_errors);
  read_member(j, "poll_exceptions", d.poll_exceptions);
  read_member(j, "last_poll_error", d.last_poll_error);
  read_member(j, "last_poll_error_ms", d.last_poll_error_ms);
  return d;
}

BusReport bus_from(const json& j) {
  BusReport b;
  read_member(j, "name", b.name);
  read_member(j, "requests", b.requests);
  read_member(j, "failures", b.failures);
  read_member(j, "exceptions", b.exceptions);
  read_member(j, "polls", b.polls);
  read_member(j, "connects", b.connects);
  return b;
}

CertificateReport certificate_from(const json& j) {
  CertificateReport c;
  read_member(j, "file", c.file);
  read_member(j, "role", c.role);
  read_member(j, "device", c.device);
  read_member(j, "error", c.error);
  read_member(j, "not_after", c.not_after);
  return c;
}

}  // namespace

bool StatusReport::same_state(const StatusReport& other) const {
  StatusReport a = *this;
  a.written_at_ms = other.written_at_ms;
  return a == other;
}

namespace {

void write_store(JsonWriter& w, std::string& out, const StoreReport& s) {
  out += "{\n";
  w.key("lost_on_open", 2).number(s.lost_on_open);
  w.next().key("loss_unchecked", 2).string(s.loss_unchecked);
  w.next().key("quarantined", 2).number(s.quarantined);
  w.next().key("dropped_for_space", 2).number(s.dropped_for_space);
  w.next().key("dropped_queued", 2).number(s.dropped_queued);
  w.next().key("reserve_released", 2).number(s.reserve_released);
  w.next().key("size_limit_bytes", 2).number(s.size_limit_bytes);
  w.next().key("started_on_full_disk", 2).optional(std::optional<bool>(s.started_on_full_disk));
  out += "\n  }";
}

void write_device(JsonWriter& w, const DeviceReport& d) {
  w.key("name").string(d.name);
  w.next().key("platform").string(d.platform);
  w.next().key("source").string(d.source);
  w.next().key("bus").string(d.bus);
  w.next().key("source_online").optional(d.source_online);
  w.next().key("state").string(d.state);
  w.next().key("retry_at_ms").optional(d.retry_at_ms);
  w.next().key("online_since_ms").optional(d.online_since_ms);
  w.next().key("backlog").number(d.backlog);
  w.next().key("inflight").number(d.inflight);
  w.next().key("published").number(d.published);
  w.next().key("acknowledged").number(d.acknowledged);
  w.next().key("dropped").number(d.dropped);
  w.next().key("commands").number(d.commands);
  w.next().key("connect_attempts").number(d.connect_attempts);
  w.next().key("last_error").string(d.last_error);
  w.next().key("polls").number(d.polls);
  w.next().key("poll_errors").number(d.poll_errors);
  w.next().key("poll_exceptions").number(d.poll_exceptions);
  w.next().key("last_poll_error").string(d.last_poll_error);
  w.next().key("last_poll_error_ms").optional(d.last_poll_error_ms);
}

}  // namespace

std::string to_json(const StatusReport& r) {
  std::string out;
  out.reserve(1024 + r.devices.size() * 520);
  JsonWriter w(out);
  out += "{\n";
  w.key("pid", 1).number(r.pid);
  w.next().key("written_at_ms", 1).number(r.written_at_ms);
  w.next().key("started_at_ms", 1).number(r.started_at_ms);
  w.next().key("reloaded_at_ms", 1).number(r.reloaded_at_ms);
  w.next().key("reloads", 1).number(r.reloads);
  w.next().key("reloads_refused", 1).number(r.reloads_refused);
  w.next().key("version", 1).string(r.version);
  w.next().key("config_file", 1).string(r.config_file);
  w.next().key("platform", 1).string(r.platform);
  w.next().key("local_broker", 1).string(r.local_broker);
  w.next().key("total_backlog", 1).number(r.total_backlog);
  w.next().key("store", 1);
  write_store(w, out, r.store);
  w.next().key("devices", 1);
  w.array(r.devices, [&](const DeviceReport& d) { write_device(w, d); });
  w.next().key("buses", 1);
  w.array(r.buses, [&](const BusReport& b) {
    w.key("name").string(b.name);
    w.next().key("requests").number(b.requests);
    w.next().key("failures").number(b.failures);
    w.next().key("exceptions").number(b.exceptions);
    w.next().key("polls").number(b.polls);
    w.next().key("connects").number(b.connects);
  });
  w.next().key("certificates", 1);
  w.array(r.certificates, [&](const CertificateReport& c) {
    w.key("file").string(c.file);
    w.next().key("role").string(c.role);
    w.next().key("device").string(c.device);
    w.next().key("not_after").optional(c.not_after);
    w.next().key("error").string(c.error);
  });
  w.next().key("removed_devices", 1);
  w.array(r.removed_devices, [&](const OrphanBacklog& o) {
    w.key("device").string(o.device);
    w.next().key("backlog").number(o.backlog);
  });
  w.next().key("gateway", 1);
  out += r.gateway ? gateway_json(*r.gateway) : std::string("null");
  out += "\n}\n";
  return out;
}

std::optional<StatusReport> status_from_json(const std::string& text, std::string* error) {
  try {
    const json j = json::parse(text);
    if (!j.is_object() || !j.contains("pid") || !j.contains("written_at_ms")) {
      if (error) *error = "not an edgegw status report";
      return std::nullopt;
    }
    StatusReport r;
    read_member(j, "pid", r.pid);
    read_member(j, "written_at_ms", r.written_at_ms);
    read_member(j, "started_at_ms", r.started_at_ms);
    read_member(j, "reloaded_at_ms", r.reloaded_at_ms);
    read_member(j, "reloads", r.reloads);
    read_member(j, "reloads_refused", r.reloads_refused);
    read_member(j, "version", r.version);
    read_member(j, "config_file", r.config_file);
    read_member(j, "platform", r.platform);
    read_member(j, "local_broker", r.local_broker);
    read_member(j, "total_backlog", r.total_backlog);
    if (auto it = j.find("store"); it != j.end() && it->is_object()) {
      read_member(*it, "lost_on_open", r.store.lost_on_open);
      read_member(*it, "loss_unchecked", r.store.loss_unchecked);
      read_member(*it, "quarantined", r.store.quarantined);
      read_member(*it, "dropped_for_space", r.store.dropped_for_space);
      read_member(*it, "dropped_queued", r.store.dropped_queued);
      read_member(*it, "reserve_released", r.store.reserve_released);
      read_member(*it, "size_limit_bytes", r.store.size_limit_bytes);
      read_member(*it, "started_on_full_disk", r.store.started_on_full_disk);
    }
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
        read_member(o, "device", b.device);
        read_member(o, "backlog", b.backlog);
        r.removed_devices.push_back(std::move(b));
      }
    }
    if (auto it = j.find("gateway"); it != j.end() && it->is_object()) {
      r.gateway = gateway_from_json(*it);
    }
    return r;
  } catch (const json::exception& e) {
    if (error) *error = e.what();
    return std::nullopt;
  }
}

}  // namespace edgegw::daemon
