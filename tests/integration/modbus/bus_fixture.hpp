// Shared pieces of the Modbus integration tests: collecting what a bus hands up, building device
// options, and starting the pymodbus simulator or a socat pty pair as child processes.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "southbound/modbus_bus.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace edgegw::test {

// Everything a bus handed up so far. pump() drains the bus (as the event loop would); the
// accessors pump first, so they can be used directly in wait_until conditions.
class Collected {
 public:
  explicit Collected(southbound::ModbusBus& bus) : bus_(bus) {}
  void pump();
  std::vector<store::Record> telemetry(const std::string& device);
  std::vector<store::Record> status(const std::string& device);
  std::vector<southbound::WriteResult> results();
  // The last telemetry value of `point` of `device`, if any arrived.
  std::optional<store::FieldValue> last(const std::string& device, const std::string& point);

 private:
  southbound::ModbusBus& bus_;
  std::vector<store::Record> records_;
  std::vector<southbound::WriteResult> results_;
};

// A log sink that keeps lines (made before the bus, handed to its constructor).
struct LogLines {
  std::shared_ptr<std::mutex> mutex = std::make_shared<std::mutex>();
  std::shared_ptr<std::vector<std::string>> lines = std::make_shared<std::vector<std::string>>();
  loop::LogSink sink() const;  // keeps "DEVICE MESSAGE" for a device's lines
  std::size_t count_containing(const std::string& text) const;
};

southbound::PointSpec point(const std::string& name, southbound::Table table, std::uint16_t address,
                            southbound::PointType type = southbound::PointType::u16,
                            southbound::WordOrder order = southbound::WordOrder::abcd);

southbound::BusOptions tcp_bus(std::uint16_t port);
// An RTU line on `device` (a pty from PtyPair) at `baud`, 8N1, with the tests' short timeouts.
southbound::BusOptions rtu_bus(const std::string& device, unsigned baud = 38400);

// tests/sim/modbus_sim.py on a TCP port (or an RTU device), started and waited for ("ready").
std::unique_ptr<Process> start_simulator(const std::vector<std::string>& args);

// A socat pseudo-terminal pair; a() and b() are the two ends' paths.
class PtyPair {
 public:
  PtyPair();
  std::string a() const { return (dir_ / "a").string(); }
  std::string b() const { return (dir_ / "b").string(); }

 private:
  TempDir dir_;
  std::unique_ptr<Process> socat_;
};

}  // namespace edgegw::test
