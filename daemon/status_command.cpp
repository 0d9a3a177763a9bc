#include "daemon/status_command.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <sstream>
#include <vector>

#include "daemon/status_file.hpp"

namespace edgegw::daemon {
namespace {

bool process_alive(int pid) {
  if (pid <= 0) return false;
  return ::kill(pid, 0) == 0 || errno == EPERM;
}

std::string duration_text(std::int64_t seconds) {
  if (seconds < 0) seconds = 0;
  if (seconds < 60) return std::to_string(seconds) + "s";
  if (seconds < 3600)
    return std::to_string(seconds / 60) + "m" + std::to_string(seconds % 60) + "s";
  if (seconds < 86400) {
    return std::to_string(seconds / 3600) + "h" + std::to_string(seconds / 60 % 60) + "m";
  }
  return std::to_string(seconds / 86400) + "d" + std::to_string(seconds / 3600 % 24) + "h";
}

std::string date_text(std::int64_t unix_seconds) {
  const std::time_t t = unix_seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d", &tm);
  return text;
}

// Left-aligned columns, each as wide as its widest cell.
std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string source_text(const DeviceReport& d) {
  if (d.source != "modbus") return d.source;
  std::string text = "modbus " + d.bus;
  if (d.source_online) text += *d.source_online ? " (answers)" : " (offline)";
  return text;
}

std::string when_text(const DeviceReport& d, std::int64_t now_ms) {
  if (d.state == "online" && d.online_since_ms) {
    return "for " + duration_text((now_ms - *d.online_since_ms) / 1000);
  }
  if (d.retry_at_ms) return "retry in " + duration_text((*d.retry_at_ms - now_ms + 999) / 1000);
  // Waiting with no time: in line behind cloud.max_connecting attempts in progress.
  if (d.state == "backoff") return "in line to connect";
  return "";
}

// The gateway's own session on one line: what an admin checks first when nothing arrives.
std::string gateway_text(const GatewayReport& g, std::int64_t now_ms) {
  DeviceReport as_device;  // when_text() reads the same fields
  as_device.state = g.state;
  as_device.online_since_ms = g.online_since_ms;
  as_device.retry_at_ms = g.retry_at_ms;
  std::string out = "Gateway " + g.name + " (" + g.platform + ", " + g.mode + " mode): " + g.state;
  if (const std::string when = when_text(as_device, now_ms); !when.empty()) out += " " + when;
  out += ", connects " + std::to_string(g.connect_attempts);
  if (g.sub_devices) {
    out += ", sub-devices online " + std::to_string(g.sub_devices_online.value_or(0)) + "/" +
           std::to_string(*g.sub_devices);
  }
  out += ", backlog " + std::to_string(g.backlog) + ", operations " + std::to_string(g.commands);
  if (!g.last_error.empty()) out += ", last error: " + g.last_error;
  return out + "\n";
}

// Each Modbus device's own poll errors, so the one failing on a shared line is named.
std::string modbus_devices_table(const StatusReport& r) {
  std::vector<std::vector<std::string>> rows = {
      {"  MODBUS DEVICE", "BUS", "POLLS", "ERRORS", "EXCEPTIONS", "LAST POLL ERROR"}};
  for (const auto& d : r.devices) {
    if (d.source != "modbus") continue;
    rows.push_back({"  " + d.name, d.bus, std::to_string(d.polls), std::to_string(d.poll_errors),
                    std::to_string(d.poll_exceptions), d.last_poll_error});
  }
  return rows.size() > 1 ? "\n" + table(rows) : std::string{};
}

}  // namespace

std::string unreadable_status_text(const std::filesystem::path& file, int error) {
  if (error == EACCES || error == EPERM) {
    // Not "not running": the file (or /run/edgegw, mode 0750) is there for the daemon's group.
    return "cannot read " + file.string() + ": permission denied; the status is readable by " +
           "root and the members of the '" + std::string(kStatusGroup) +
           "' group (sudo usermod -aG " + std::string(kStatusGroup) +
           " $USER, then log in again), or run edgegw status with sudo";
  }
  if (error == ENOENT || error == ENOTDIR || error == 0) {
    return "the daemon is not running (no status file " + file.string() + ")";
  }
  return "cannot read " + file.string() + ": " + std::strerror(error);
}

std::optional<StatusReport> read_current_status(const std::filesystem::path& file,
                                                std::chrono::system_clock::time_point now,
                                                std::string& problem) {
  // open(2) rather than an ifstream: why it failed decides what to tell the user.
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    problem = unreadable_status_text(file, errno);
    return std::nullopt;
  }
  std::stringstream text;
  char buffer[8192];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.write(buffer, n);
  }
  ::close(fd);
  std::string error;
  auto report = status_from_json(text.str(), &error);
  if (!report) {
    problem = file.string() + " is not a status file: " + error;
    return std::nullopt;
  }
  if (!process_alive(report->pid)) {
    problem = "the daemon is not running (pid " + std::to_string(report->pid) + " of " +
              file.string() + " is gone)";
    return std::nullopt;
  }
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const auto age_ms = now_ms - report->written_at_ms;
  if (age_ms > std::chrono::duration_cast<std::chrono::milliseconds>(kStaleAfter).count()) {
    problem = file.string() + " is stale: pid " + std::to_string(report->pid) + " last wrote it " +
              duration_text(age_ms / 1000) +
              " ago (is the daemon stuck, or is this another instance's file?)";
    return std::nullopt;
  }
  return report;
}

// The outbox as a whole: its limit always, and whatever went wrong with it, loudly.
std::string store_text(const StoreReport& s) {
  std::string out = "\nOutbox: size limit ";
  out += s.size_limit_bytes ? std::to_string(s.size_limit_bytes / (1024 * 1024)) + " MiB"
                            : std::string("not computed yet");
  out += ", quarantined " + std::to_string(s.quarantined) + ", dropped for space " +
         std::to_string(s.dropped_for_space) + ", reserve released " +
         std::to_string(s.reserve_released) + "x\n";
  if (s.dropped_queued > 0) {
    out += "  DROPPED while commits failed: " + std::to_string(s.dropped_queued) +
           " reading(s) waiting in memory, past store.max_queued (the journal says why)\n";
  }
  if (s.lost_on_open > 0) {
    out += "  LOST at start: " + std::to_string(s.lost_on_open) +
           " committed record(s) were not in the store (the journal names the ranges)\n";
  }
  if (!s.loss_unchecked.empty())
    out += "  not checked for loss at start: " + s.loss_unchecked + "\n";
  if (s.started_on_full_disk) out += "  started on a full file system\n";
  return out;
}

std::string format_status_table(const StatusReport& r, std::chrono::system_clock::time_point now) {
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::string out = "edgegw " + r.version + ", pid " + std::to_string(r.pid) + ", up " +
                    duration_text((now_ms - r.started_at_ms) / 1000) + ", platform " + r.platform +
                    ", " + r.config_file + "\n";
  out += std::to_string(r.devices.size()) + " device(s), backlog " +
         std::to_string(r.total_backlog) + " record(s)";
  if (!r.local_broker.empty()) out += ", local broker " + r.local_broker;
  if (r.reloads || r.reloads_refused) {
    out += ", reloaded " + std::to_string(r.reloads) + "x";
    if (r.reloads_refused) out += " (" + std::to_string(r.reloads_refused) + " refused)";
  }
  out += "\n";
  if (r.gateway) out += gateway_text(*r.gateway, now_ms);
  out += "\n";
  std::vector<std::vector<std::string>> rows = {{"DEVICE", "SOURCE", "STATE", "", "BACKLOG",
                                                 "PUBLISHED", "ACKED", "DROPPED", "CONNECTS",
                                                 "LAST ERROR"}};
  for (const auto& d : r.devices) {
    rows.push_back({d.name, source_text(d), d.state, when_text(d, now_ms),
                    std::to_string(d.backlog), std::to_string(d.published),
                    std::to_string(d.acknowledged), std::to_string(d.dropped),
                    std::to_string(d.connect_attempts), d.last_error});
  }
  out += table(rows);
  if (!r.removed_devices.empty()) {
    out += "\nRemoved from the configuration, records kept in the outbox:\n";
    for (const auto& o : r.removed_devices) {
      out += "  " + o.device + ": " + std::to_string(o.backlog) + " record(s)\n";
    }
  }
  out += store_text(r.store);
  out += modbus_devices_table(r);
  if (!r.buses.empty()) {
    std::vector<std::vector<std::string>> buses = {
        {"  BUS", "REQUESTS", "FAILED", "EXCEPTIONS", "CONNECTS"}};
    for (const auto& b : r.buses) {
      buses.push_back({"  " + b.name, std::to_string(b.requests), std::to_string(b.failures),
                       std::to_string(b.exceptions), std::to_string(b.connects)});
    }
    out += "\n" + table(buses);
  }
  if (!r.certificates.empty()) {
    out += "\nCertificates:\n";
    for (const auto& c : r.certificates) {
      out += "  " + c.file + " (" + c.role + (c.device.empty() ? "" : ", " + c.device) + "): ";
      if (!c.not_after) {
        out += "unreadable: " + c.error + "\n";
        continue;
      }
      const std::int64_t days = (*c.not_after - now_ms / 1000) / 86400;
      out +=
          (*c.not_after * 1000 <= now_ms ? "expired on " : "expires on ") + date_text(*c.not_after);
      if (*c.not_after * 1000 > now_ms) out += " (in " + std::to_string(days) + " day(s))";
      out += "\n";
    }
  }
  return out;
}

int print_status(const std::filesystem::path& file, bool json, FILE* out, FILE* err) {
  const auto now = std::chrono::system_clock::now();
  std::string problem;
  const auto report = read_current_status(file, now, problem);
  if (!report) {
    std::fprintf(err, "edgegw status: %s\n", problem.c_str());
    return 1;
  }
  const std::string text = json ? to_json(*report) : format_status_table(*report, now);
  std::fputs(text.c_str(), out);
  return 0;
}

}  // namespace edgegw::daemon
