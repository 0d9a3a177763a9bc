// The poll runs through DevicePoller with a recording ReadFn: the requests, splits and decoding
// are those of the daemon, so what `edgegw poll` shows is what the daemon would report.
#include "southbound/poll_once.hpp"

#include <span>

#include "southbound/modbus_link.hpp"
#include "southbound/point_codec.hpp"

namespace edgegw::southbound {
namespace {

// The last answered request that covers `p`, if any.
const PolledRequest* covering(const std::vector<PolledRequest>& requests, const PointSpec& p) {
  const PolledRequest* found = nullptr;
  for (const auto& r : requests) {
    if (r.table != p.table || r.result != "ok") continue;
    if (p.address >= r.start && p.address + point_width(p) <= r.start + r.count) found = &r;
  }
  return found;
}

PolledPoint point_of(const PointSpec& p, const std::vector<PolledRequest>& requests,
                     const std::string& last_refusal) {
  PolledPoint out;
  out.spec = &p;
  const PolledRequest* r = covering(requests, p);
  if (r == nullptr) {
    out.error = last_refusal.empty() ? "not read" : last_refusal;
    return out;
  }
  const std::size_t at = p.address - r->start;
  if (is_bit_table(p.table)) {
    out.value = r->bits[at] != 0;
    out.raw = {r->bits[at]};
  } else {
    const auto regs = std::span(r->registers).subspan(at, point_width(p));
    out.raw.assign(regs.begin(), regs.end());
    out.value = decode_registers(p, regs);
  }
  return out;
}

}  // namespace

PollOnceResult poll_once(const BusOptions& bus, const ModbusDevice& device) {
  PollOnceResult out;
  ModbusLink link(bus);
  out.error = link.connect();
  if (!out.error.empty()) return out;
  DevicePoller poller(device, DevicePoller::Clock::now());
  auto read = [&](const ReadBlock& block, std::vector<std::uint16_t>& regs,
                  std::vector<std::uint8_t>& bits) {
    RequestResult r;
    for (unsigned attempt = 0; attempt <= bus.retries; ++attempt) {
      r = link.read(device.options.unit, block, regs, bits);
      if (r.outcome == Outcome::ok || r.outcome == Outcome::exception) break;
      link.flush();
    }
    PolledRequest req{
        block.table, block.start, block.count, r.outcome == Outcome::ok ? "ok" : r.error, {}, {}};
    if (r.outcome == Outcome::ok) {
      req.registers = is_bit_table(block.table) ? std::vector<std::uint16_t>{} : regs;
      req.bits = is_bit_table(block.table) ? bits : std::vector<std::uint8_t>{};
    }
    out.requests.push_back(std::move(req));
    return r;
  };
  poller.poll(read, DevicePoller::Clock::now(), 0);
  out.online = poller.online();
  link.disconnect();
  std::string last_refusal;
  for (const auto& r : out.requests) {
    if (r.result != "ok") last_refusal = r.result;
  }
  for (const auto& p : device.options.points) {
    out.points.push_back(point_of(p, out.requests, last_refusal));
  }
  return out;
}

}  // namespace edgegw::southbound
