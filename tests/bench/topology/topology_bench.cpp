// Issue 20's bench: N devices as sub-devices of one gateway connection (cloud.mode = "gateway")
// against the same N devices with a TLS session each (cloud.mode = "device"), in the same run, from
// the real edgegw binary against the cloud emulator (which checks every signature, topology add
// and sub-device login). Each device is fed from its own topic on a local mosquitto. Per mode:
//   - cold start: time until every device is online (status.json) after the daemon started
//   - the daemon's RSS per device with all online
//   - the cloud killed; K readings per device published locally and committed to the outbox while
//     it is down; the cloud started again on the same port: time until every device is back
//     online, and until the whole backlog is acknowledged: messages/s drained (over the whole
//     window, logins included) and the best 1 s of it
// Prints `figure | gateway | per-device | ratio` lines.
// Usage: topology_bench [--devices 2000] [--per-device 10] [--rate 50] [--quick 1]
//        --rate: sub_logins_per_second in gateway mode (default 50, the config's default) and
//        connects_per_second in device mode (default 20 there; the same rate is given to both)
//        --quick 1: 200 devices, 5 readings each
//        TOPOLOGY_BENCH_TRACE=1 prints what status.json said at each look after the restart
//        (the daemon rewrites it once a second: the times here are good to about 1 s)
#include <sys/resource.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/common/daemon_bench.hpp"
#include "cloud/cloud_emulator.hpp"
#include "mqtt/connection.hpp"
#include "mqtt/resolver.hpp"
#include "support/net.hpp"
#include "support/process.hpp"
#include "support/process_usage.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace edgegw;
using bench::census;
using bench::Census;
using bench::LocalPublisher;
using bench::wait_for;
using Clock = std::chrono::steady_clock;
using test::seconds_since;

constexpr const char* kProduct = "a1Bench";
constexpr const char* kGatewayProduct = "a1BenchGw";
constexpr const char* kGatewayName = "bench-gw";
// The benched devices in status.json (not the gateway's own entry).
constexpr std::string_view kDevicePrefix = "dev-";

enum class Mode { gateway, device };

struct Setup {
  std::size_t devices = 2000;
  std::size_t per_device = 10;
  double rate = 50;
  const test::CloudEmulator* cloud = nullptr;
  std::uint16_t local_port = 0;
};

std::string identity(const std::string& pk, const std::string& dn) {
  return "product_key = \"" + pk + "\"\ndevice_name = \"" + dn + "\"\ndevice_secret = \"secret-" +
         dn + "\"\n";
}

std::string config_for(Mode mode, const Setup& s, const std::filesystem::path& dir) {
  const bool gw = mode == Mode::gateway;
  std::string c = "[gateway]\nname = \"" + std::string(kGatewayName) + "\"\nstate_dir = \"" +
                  (dir / "state").string() + "\"\nstatus_file = \"" +
                  (dir / "status.json").string() +
                  "\"\nlog_level = \"warning\"\n[store]\nsync = \"normal\"\n";
  if (gw) c += "[gateway.cloud]\n" + identity(kGatewayProduct, kGatewayName);
  c += "[cloud]\nplatform = \"aliyun\"\nhost = \"127.0.0.1\"\nport = " +
       std::to_string(s.cloud->tls_port()) + "\nca_file = \"" + s.cloud->ca_file().string() +
       "\"\nbackoff_min = \"1s\"\nbackoff_max = \"30s\"\n";
  c += gw ? "mode = \"gateway\"\nsub_logins_per_second = " + std::to_string(s.rate) + "\n"
          : "connects_per_second = " + std::to_string(s.rate) + "\n";
  c += "[local_mqtt]\nhost = \"127.0.0.1\"\nport = " + std::to_string(s.local_port) +
       "\nclient_id = \"edgegw-bench\"\n";
  for (std::size_t i = 0; i < s.devices; ++i) {
    auto name = "dev-" + std::to_string(i);
    c += "[[device]]\nname = \"" + name + "\"\n[device.cloud]\n" + identity(kProduct, name) +
         "[device.mqtt]\ntopic = \"sensors/" + name + "\"\n";
  }
  return c;
}

struct Figures {
  bool ok = false;
  double cold_s = -1, rss_kib_per_device = 0, restart_s = -1, drained_s = -1;
  double drain_rate = 0, drain_peak = 0;
  std::size_t records = 0;
};

std::string log_tail(test::Process& p) {
  auto log = p.output();
  return log.substr(log.size() > 3000 ? log.size() - 3000 : 0);
}

// After the cloud is back: polls until every device is online and the backlog is acknowledged,
// noting when each happened and the best acknowledgements per second over 1 s windows.
void measure_restart(const std::filesystem::path& status_file, const Setup& s, std::uint64_t acked0,
                     Figures& f) {
  const auto start = Clock::now();
  std::vector<std::pair<double, std::uint64_t>> samples;
  while (seconds_since(start) < 600) {
    auto c = census(status_file, kDevicePrefix);
    if (!c.read) {
      usleep(50000);
      continue;
    }
    const double t = seconds_since(start);
    samples.emplace_back(t, c.acknowledged - acked0);
    if (std::getenv("TOPOLOGY_BENCH_TRACE"))
      std::fprintf(stderr, "%.2f online %zu acked %llu\n", t, c.online,
                   static_cast<unsigned long long>(c.acknowledged - acked0));
    if (f.restart_s < 0 && c.online == s.devices) f.restart_s = t;
    if (f.drained_s < 0 && c.acknowledged - acked0 >= f.records) f.drained_s = t;
    if (f.restart_s >= 0 && f.drained_s >= 0) break;
    usleep(100000);
  }
  for (std::size_t i = 0, j = 0; j < samples.size(); ++j) {
    while (samples[j].first - samples[i].first > 1.0) ++i;
    const double span = samples[j].first - samples[i].first;
    if (span >= 0.9) {
      f.drain_peak = std::max(f.drain_peak, (samples[j].second - samples[i].second) / span);
    }
  }
  if (f.drained_s > 0) f.drain_rate = static_cast<double>(f.records) / f.drained_s;
}

Figures run_mode(Mode mode, const Setup& s, test::CloudEmulator& cloud) {
  const char* name = mode == Mode::gateway ? "gateway" : "per-device";
  Figures f;
  test::TempDir dir;
  auto config = dir.write("edgegw.toml", config_for(mode, s, dir.path()));
  std::filesystem::permissions(
      config, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const auto status_file = dir.path() / "status.json";
  const auto start = Clock::now();
  const char* binary = std::getenv("EDGEGW_BIN");
  test::Process edgegw({binary ? binary : EDGEGW_BINARY, "-c", config.string(), "run"}, {},
                       dir.path() / "edgegw.log");
  if (wait_for(
          status_file, [&](const Census& c) { return c.online == s.devices; }, 900, nullptr,
          kDevicePrefix) < 0) {
    std::printf("%s: NOT all online after 900 s (%zu)\n%s\n", name,
                census(status_file, kDevicePrefix).online, log_tail(edgegw).c_str());
    return f;
  }
  f.cold_s = seconds_since(start);
  f.rss_kib_per_device = static_cast<double>(test::rss_kib(edgegw.pid())) / s.devices;
  std::printf("%s: cold start, all %zu online in %.1f s\n", name, s.devices, f.cold_s);
  std::fflush(stdout);

  cloud.kill();
  wait_for(
      status_file, [&](const Census& c) { return c.online == 0; }, 60, nullptr, kDevicePrefix);
  const auto before = census(status_file, kDevicePrefix);
  f.records = s.devices * s.per_device;
  {
    LocalPublisher publisher(s.local_port);
    publisher.publish(s.devices, s.per_device);
  }
  if (wait_for(
          status_file, [&](const Census& c) { return c.backlog >= before.backlog + f.records; },
          120, nullptr, kDevicePrefix) < 0) {
    std::printf("%s: the backlog did not reach %zu records while the cloud was down\n%s\n", name,
                f.records, log_tail(edgegw).c_str());
    return f;
  }
  cloud.start();
  measure_restart(status_file, s, before.acknowledged, f);
  std::printf("%s: cloud restarted, all online in %.1f s, %zu records acknowledged in %.1f s\n",
              name, f.restart_s, f.records, f.drained_s);
  auto stopped = edgegw.stop(std::chrono::seconds(30));
  if (!stopped || *stopped != 0) {
    std::printf("%s: edgegw stopped with %d; its log ends:\n%s\n", name, stopped ? *stopped : -1,
                log_tail(edgegw).c_str());
  }
  f.ok = f.restart_s >= 0 && f.drained_s >= 0;
  return f;
}

void print_figure(const std::string& figure, double gateway, double device, const char* unit) {
  std::printf("%-44s | %9.2f %-5s | %9.2f %-5s | %6.2f\n", figure.c_str(), gateway, unit, device,
              unit, device > 0 ? gateway / device : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  Setup s;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--quick" && v != "0") {
      s.devices = 200;
      s.per_device = 5;
    }
    if (a == "--devices") s.devices = std::stoul(v);
    if (a == "--per-device") s.per_device = std::stoul(v);
    if (a == "--rate") s.rate = std::stod(v);
  }
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);

  test::Registry registry;
  registry.add(test::AliyunDevice{.product_key = kGatewayProduct,
                                  .device_name = kGatewayName,
                                  .device_secret = std::string("secret-") + kGatewayName});
  for (std::size_t i = 0; i < s.devices; ++i) {
    auto name = "dev-" + std::to_string(i);
    registry.add(test::AliyunDevice{
        .product_key = kProduct, .device_name = name, .device_secret = "secret-" + name});
  }
  test::CloudEmulator cloud(registry);
  cloud.start();
  s.cloud = &cloud;
  auto local_port = test::free_tcp_port();
  test::MosquittoBroker local("listener " + std::to_string(local_port) +
                                  " 127.0.0.1\nallow_anonymous true\nmax_queued_messages 1000000\n",
                              std::vector<std::uint16_t>{local_port});
  local.start();
  s.local_port = local.port();
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf(
      "devices %zu, %zu readings each while the cloud is down, TLS, aliyun signing; "
      "rate %.0f/s (gateway: sub_logins_per_second, per-device: connects_per_second); "
      "load average %.2f %.2f %.2f\n",
      s.devices, s.per_device, s.rate, load[0], load[1], load[2]);
  std::fflush(stdout);
  const Figures gw = run_mode(Mode::gateway, s, cloud);
  if (!cloud.running()) cloud.start();
  const Figures dev = run_mode(Mode::device, s, cloud);
  getloadavg(load, 3);
  std::printf("load average after: %.2f %.2f %.2f\n", load[0], load[1], load[2]);
  const std::string at = ", " + std::to_string(s.devices) + " devices";
  std::printf("%-44s | %15s | %15s | %6s\n", "figure", "gateway", "per-device", "ratio");
  print_figure("time to all online, cold start" + at, gw.cold_s, dev.cold_s, "s");
  print_figure("time to all online, cloud restart" + at, gw.restart_s, dev.restart_s, "s");
  print_figure("backlog of " + std::to_string(gw.records) + " drained in", gw.drained_s,
               dev.drained_s, "s");
  print_figure("drain rate, whole window (logins incl.)", gw.drain_rate, dev.drain_rate, "msg/s");
  print_figure("drain rate, best 1 s", gw.drain_peak, dev.drain_peak, "msg/s");
  print_figure("memory per device (daemon RSS / N)", gw.rss_kib_per_device, dev.rss_kib_per_device,
               "KiB");
  std::fflush(stdout);
  return gw.ok && dev.ok ? 0 : 1;
}
