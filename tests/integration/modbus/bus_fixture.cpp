#include "bus_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "support/wait.hpp"

namespace edgegw::test {

using namespace std::chrono_literals;

void Collected::pump() {
  for (auto& r : bus_.take_readings()) records_.push_back(std::move(r));
  for (auto& r : bus_.take_write_results()) results_.push_back(std::move(r));
}

std::vector<store::Record> Collected::telemetry(const std::string& device) {
  pump();
  std::vector<store::Record> out;
  for (const auto& r : records_) {
    if (r.device == device && r.kind == store::RecordKind::telemetry) out.push_back(r);
  }
  return out;
}

std::vector<store::Record> Collected::status(const std::string& device) {
  pump();
  std::vector<store::Record> out;
  for (const auto& r : records_) {
    if (r.device == device && r.kind == store::RecordKind::device_status) out.push_back(r);
  }
  return out;
}

std::vector<southbound::WriteResult> Collected::results() {
  pump();
  return results_;
}

std::optional<store::FieldValue> Collected::last(const std::string& device,
                                                 const std::string& name) {
  const auto records = telemetry(device);
  for (auto r = records.rbegin(); r != records.rend(); ++r) {
    for (const auto& f : r->fields) {
      if (f.name == name) return f.value;
    }
  }
  return std::nullopt;
}

loop::LogSink LogLines::sink() const {
  return [mutex = mutex, lines = lines](loop::LogLevel, std::string_view device,
                                        std::string_view message) {
    std::lock_guard lock(*mutex);
    lines->push_back(device.empty() ? std::string(message)
                                    : std::string(device) + " " + std::string(message));
  };
}

std::size_t LogLines::count_containing(const std::string& text) const {
  std::lock_guard lock(*mutex);
  return static_cast<std::size_t>(std::count_if(lines->begin(), lines->end(), [&](const auto& l) {
    return l.find(text) != std::string::npos;
  }));
}

southbound::PointSpec point(const std::string& name, southbound::Table table, std::uint16_t address,
                            southbound::PointType type, southbound::WordOrder order) {
  southbound::PointSpec p;
  p.name = name;
  p.table = table;
  p.address = address;
  p.type = type;
  p.order = order;
  return p;
}

southbound::BusOptions tcp_bus(std::uint16_t port) {
  southbound::BusOptions bus;
  bus.name = "tcp-test";
  bus.transport = southbound::Transport::tcp;
  bus.host = "127.0.0.1";
  bus.port = port;
  bus.timeout = 300ms;
  bus.retries = 1;
  bus.reconnect_min = 50ms;
  bus.reconnect_max = 400ms;
  return bus;
}

southbound::BusOptions rtu_bus(const std::string& device, unsigned baud) {
  southbound::BusOptions bus;
  bus.name = "rs485-test";
  bus.transport = southbound::Transport::rtu;
  bus.device = device;
  bus.baud = baud;
  bus.timeout = 300ms;
  bus.retries = 1;
  bus.reconnect_min = 50ms;
  bus.reconnect_max = 400ms;
  return bus;
}

std::unique_ptr<Process> start_simulator(const std::vector<std::string>& args) {
  // Appended in place: GCC 12 at -O1 takes a temporary string built with operator+ (or a
  // two-string initializer list) here for an out-of-bounds copy (-Warray-bounds, a false
  // positive).
  std::vector<std::string> argv{system_python(), EDGEGW_SOURCE_DIR};
  argv.back().append("/tests/sim/modbus_sim.py");
  argv.insert(argv.end(), args.begin(), args.end());
  auto sim = std::make_unique<Process>(argv);
  if (!wait_until([&] { return sim->output().find("ready") != std::string::npos; }, 20s)) {
    throw std::runtime_error("modbus_sim.py did not get ready: " + sim->output());
  }
  return sim;
}

PtyPair::PtyPair() {
  socat_ = std::make_unique<Process>(std::vector<std::string>{
      "socat", "-d", "-d", "pty,raw,echo=0,link=" + a(), "pty,raw,echo=0,link=" + b()});
  if (!wait_until([&] { return std::filesystem::exists(a()) && std::filesystem::exists(b()); })) {
    throw std::runtime_error("socat did not make its ptys: " + socat_->output());
  }
}

}  // namespace edgegw::test
