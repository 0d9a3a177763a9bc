// The per-tick cost of the status snapshot for a large gateway: building the JSON and the
// Prometheus text for N devices, parsing the JSON back (what `edgegw status` does), and writing a
// file atomically. Prints figures; asserts nothing.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "daemon/metrics_file.hpp"
#include "daemon/status_file.hpp"
#include "daemon/status_report.hpp"

namespace {

using namespace edgegw::daemon;
using Clock = std::chrono::steady_clock;

StatusReport report_of(std::size_t devices) {
  StatusReport r;
  r.pid = 1;
  r.version = "0.1.0";
  r.platform = "aliyun";
  for (std::size_t i = 0; i < devices; ++i) {
    DeviceReport d;
    d.name = "meter-" + std::to_string(i);
    d.platform = "aliyun";
    d.source = "modbus";
    d.bus = "rs485-" + std::to_string(i % 16);
    d.source_online = true;
    d.state = "online";
    d.online_since_ms = 1'700'000'000'000;
    d.backlog = i % 7;
    d.published = 100000 + i;
    d.acknowledged = 100000 + i;
    d.connect_attempts = 1;
    r.devices.push_back(std::move(d));
  }
  for (int b = 0; b < 16; ++b) r.buses.push_back({"rs485-" + std::to_string(b), 1, 2, 3, 4, 5});
  return r;
}

template <typename F>
double ms_per_run(int runs, F&& f) {
  const auto start = Clock::now();
  for (int i = 0; i < runs; ++i) f();
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count() / runs;
}

}  // namespace

int main() {
  const auto dir = std::filesystem::temp_directory_path() / "edgegw-ops-bench";
  std::filesystem::create_directories(dir);
  for (std::size_t devices : {100u, 1000u, 10000u}) {
    const StatusReport r = report_of(devices);
    std::string json, prom;
    const int runs = devices >= 10000 ? 5 : 50;
    const double to_json_ms = ms_per_run(runs, [&] { json = to_json(r); });
    const double prom_ms = ms_per_run(runs, [&] { prom = to_prometheus(r); });
    const double parse_ms = ms_per_run(runs, [&] { (void)status_from_json(json); });
    const double same_ms = ms_per_run(runs, [&] { (void)r.same_state(r); });
    const double write_ms =
        ms_per_run(runs, [&] { (void)write_file_atomically(dir / "status.json", json); });
    std::printf(
        "%6zu devices: JSON %7.2f ms (%5.2f MB), Prometheus %7.2f ms (%5.2f MB), parse %7.2f ms, "
        "compare %6.2f ms, atomic write %6.2f ms\n",
        devices, to_json_ms, json.size() / 1e6, prom_ms, prom.size() / 1e6, parse_ms, same_ms,
        write_ms);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
