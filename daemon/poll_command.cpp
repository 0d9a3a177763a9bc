#include "daemon/poll_command.hpp"

#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "daemon/cli.hpp"
#include "southbound/point_codec.hpp"

namespace edgegw::daemon {
namespace {

using Json = nlohmann::json;
namespace sb = southbound;

std::string hex_words(const std::vector<std::uint16_t>& words) {
  std::string out;
  char buf[8];
  for (auto w : words) {
    std::snprintf(buf, sizeof buf, "%s%04X", out.empty() ? "" : " ", w);
    out += buf;
  }
  return out;
}

std::string value_text(const store::FieldValue& v) {
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) return Json(*d).dump();
  return Json(std::get<std::string>(v)).dump();
}

Json value_json(const store::FieldValue& v) {
  return std::visit([](const auto& x) { return Json(x); }, v);
}

std::string where(sb::Table table, std::uint16_t start, std::uint16_t count) {
  return std::string(sb::to_string(table)) + " " + std::to_string(start) + "+" +
         std::to_string(count);
}

}  // namespace

std::string format_poll_text(const std::string& device, const sb::BusOptions& bus, unsigned unit,
                             const sb::PollOnceResult& result) {
  std::string out = device + " (unit " + std::to_string(unit) + " on bus " + bus.name + "): ";
  if (!result.error.empty()) return out + "no connection: " + result.error + "\n";
  out += std::string(result.online ? "answered" : "no answer") + ", " +
         std::to_string(result.requests.size()) + " request(s)\n";
  for (const auto& r : result.requests) {
    out += "  request " + where(r.table, r.start, r.count) + ": " + r.result + "\n";
  }
  for (const auto& p : result.points) {
    const sb::PointSpec& s = *p.spec;
    out += "  " + s.name + " (" + sb::to_string(s.table) + " " + std::to_string(s.address) + " " +
           sb::to_string(s.type) +
           (sb::is_bit_table(s.table) ? "" : std::string(" ") + sb::to_string(s.order)) + ") = ";
    if (p.value) {
      out += value_text(*p.value) + "  raw " + hex_words(p.raw) + "\n";
    } else {
      out += "(" + p.error + ")\n";
    }
  }
  return out;
}

std::string format_poll_json(const std::string& device, const sb::BusOptions& bus, unsigned unit,
                             const sb::PollOnceResult& result) {
  Json j{{"device", device}, {"bus", bus.name}, {"unit", unit}, {"online", result.online}};
  if (!result.error.empty()) j["error"] = result.error;
  j["requests"] = Json::array();
  for (const auto& r : result.requests) {
    Json q{{"table", sb::to_string(r.table)},
           {"start", r.start},
           {"count", r.count},
           {"result", r.result}};
    if (!r.registers.empty()) q["registers"] = r.registers;
    if (!r.bits.empty()) q["bits"] = r.bits;
    j["requests"].push_back(std::move(q));
  }
  j["points"] = Json::array();
  for (const auto& p : result.points) {
    const sb::PointSpec& s = *p.spec;
    Json q{{"name", s.name},
           {"table", sb::to_string(s.table)},
           {"address", s.address},
           {"type", sb::to_string(s.type)},
           {"order", sb::to_string(s.order)},
           {"raw", p.raw}};
    if (p.value) {
      q["value"] = value_json(*p.value);
    } else {
      q["value"] = nullptr;
      q["error"] = p.error;
    }
    j["points"].push_back(std::move(q));
  }
  return j.dump(2) + "\n";
}

int print_poll(const config::Config& config, const std::string& device, bool json) {
  const config::DeviceConfig* d = config.find_device(device);
  if (d == nullptr || !d->modbus) {
    std::fprintf(stderr, "edgegw: no Modbus device named '%s' in the configuration\n",
                 device.c_str());
    return kExitConfig;
  }
  const sb::BusOptions* bus = config.find_bus(d->modbus->bus);
  if (bus == nullptr) return kExitConfig;              // load_config refuses this already
  const sb::ModbusDevice polled{d->name, *d->modbus};  // the result points into it
  const sb::PollOnceResult result = sb::poll_once(*bus, polled);
  const std::string text = json ? format_poll_json(d->name, *bus, d->modbus->unit, result)
                                : format_poll_text(d->name, *bus, d->modbus->unit, result);
  std::fputs(text.c_str(), stdout);
  return result.error.empty() && result.online ? kExitOk : kExitFailure;
}

}  // namespace edgegw::daemon
