// One read of one Modbus device with its configured map, outside the daemon: what `edgegw poll
// DEVICE` prints so an integrator can check a new register map on site. It plans and splits like
// the running poller (the same DevicePoller), and keeps what the daemon does not: every request
// made with its outcome and raw contents, and each point's raw registers beside its value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "southbound/device_poller.hpp"
#include "southbound/southbound_options.hpp"
#include "store/record.hpp"

namespace edgegw::southbound {

struct PolledRequest {
  Table table = Table::holding;
  std::uint16_t start = 0;
  std::uint16_t count = 0;
  std::string result;                    // "ok", or the error / exception
  std::vector<std::uint16_t> registers;  // register tables, when ok
  std::vector<std::uint8_t> bits;        // bit tables, when ok
};

struct PolledPoint {
  const PointSpec* spec = nullptr;         // into the device's options
  std::optional<store::FieldValue> value;  // empty: not read (see error)
  std::vector<std::uint16_t> raw;          // the point's registers as they came off the wire
  std::string error;
};

struct PollOnceResult {
  std::string error;  // non-empty: no connection (nothing was asked)
  bool online = false;
  std::vector<PolledRequest> requests;
  std::vector<PolledPoint> points;  // in the map's order
};

// Connects (bounded by bus.connect_timeout), polls `device` once with the bus's timeout and
// retries, and disconnects. Blocks for at most about one timeout per request. The result's points
// refer to `device`'s point specs: `device` must outlive it.
PollOnceResult poll_once(const BusOptions& bus, const ModbusDevice& device);

}  // namespace edgegw::southbound
