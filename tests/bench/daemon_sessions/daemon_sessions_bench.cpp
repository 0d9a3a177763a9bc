// Issue 6's "10,000 device sessions stay online from one daemon": the real edgegw binary, one TLS
// session per device signed with its own Alibaba device secret, against the cloud emulator (which
// checks every signature), each device fed from its own topic on a local mosquitto. Prints:
//   - cold start: time until every session is online (status.json), connects_per_second as set
//   - the daemon's RSS per device and its idle CPU with all online
//   - one reading per device published locally: time until the cloud acknowledged all of them
//   - the cloud killed and restarted: time until 99% / 100% are back, connect attempts per device
//   - `figure | ours | peer | ratio` lines: the daemon's RSS per device and idle CPU against the
//     engine alone (N bare TLS sessions, signed the same way, on the same emulator, after the
//     daemon stopped), measured in the same run
//   - --status-ticks 1000,5000,10000: the CPU of one idle housekeeping tick of the status file
//     (StatusPublisher over a real Gateway with N sessions online, in this process) against a
//     rebuild from scratch (what every tick did before issue 18), at each count
// Usage: daemon_sessions_bench [--devices 10000] [--rate 1000] [--idle-seconds 20] [--quick 1]
//                              [--status-ticks 1000,5000,10000]
//        --quick 1 skips the delivery and cloud-restart phases.
//        (EDGEGW_BIN=path runs another build of the daemon, e.g. the sanitizer one or an older
//        one for a before/after comparison)
#include <sys/resource.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "bench/common/daemon_bench.hpp"
#include "cloud/cloud_emulator.hpp"
#include "mqtt/connection.hpp"
#include "mqtt/resolver.hpp"
#include "mqtt/tls_context.hpp"
#include "northbound/platform.hpp"
#include "status_ticks.hpp"
#include "support/engine_sessions.hpp"
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

using test::process_cpu_seconds;
using test::rss_kib;
using test::seconds_since;

std::string config_for(std::size_t devices, double rate, const test::CloudEmulator& cloud,
                       std::uint16_t local_port, const std::filesystem::path& dir) {
  std::string c = "[gateway]\nstate_dir = \"" + (dir / "state").string() + "\"\nstatus_file = \"" +
                  (dir / "status.json").string() +
                  "\"\nlog_level = \"warning\"\n[store]\nsync = \"normal\"\n"
                  "[cloud]\nplatform = \"aliyun\"\nhost = \"127.0.0.1\"\nport = " +
                  std::to_string(cloud.tls_port()) + "\nca_file = \"" + cloud.ca_file().string() +
                  "\"\nconnects_per_second = " + std::to_string(rate) +
                  "\nbackoff_min = \"1s\"\nbackoff_max = \"30s\"\n"
                  "[local_mqtt]\nhost = \"127.0.0.1\"\nport = " +
                  std::to_string(local_port) + "\nclient_id = \"edgegw-bench\"\n";
  for (std::size_t i = 0; i < devices; ++i) {
    auto name = "dev-" + std::to_string(i);
    c += "[[device]]\nname = \"" + name + "\"\n[device.cloud]\nproduct_key = \"a1Bench\"\n" +
         "device_name = \"" + name + "\"\ndevice_secret = \"secret-" + name +
         "\"\n[device.mqtt]\ntopic = \"sensors/" + name + "\"\n";
  }
  return c;
}

void print_figure(const std::string& figure, double ours, double peer, const char* unit) {
  std::printf("%-40s | %8.2f %-4s | %8.2f %-4s | %5.2f\n", figure.c_str(), ours, unit, peer, unit,
              peer > 0 ? ours / peer : 0.0);
  std::fflush(stdout);
}

struct EngineFloor {
  double rss_kib = 0, heap_kib = 0, idle_cpu = 0;
  std::size_t online = 0;
};

// The peer: the same N devices as bare engine sessions (TLS, Aliyun-signed by the same platform
// code, same keepalive) from this process, idle on a loop that sleeps until something is due.
EngineFloor engine_floor(const test::CloudEmulator& cloud, std::size_t devices, double idle_s,
                         const std::filesystem::path& state_dir) {
  northbound::CloudOptions options;
  options.platform = northbound::PlatformKind::aliyun;
  options.host = "127.0.0.1";
  options.port = cloud.tls_port();
  options.ca_file = cloud.ca_file();
  auto platform = northbound::make_platform(options, state_dir);
  mqtt::TlsContextCache tls;
  mqtt::TlsConfig tls_config;
  tls_config.ca_file = cloud.ca_file().string();
  std::string error;
  auto context = tls.get(tls_config, &error);
  EngineFloor f;
  const long rss0 = rss_kib();
  const auto heap0 = test::heap_in_use();
  test::EngineSessions engine;
  f.online = engine.connect(devices, [&](std::size_t i) {
    northbound::DeviceIdentity id;
    id.device = "dev-" + std::to_string(i);
    id.product_key = "a1Bench";
    id.device_name = id.device;
    id.device_secret = "secret-" + id.device;
    const auto p = platform->connect_params(id, std::chrono::system_clock::now(), "00000");
    mqtt::ConnectOptions o;
    o.host = p.host;
    o.port = p.port;
    o.tls = context;
    o.client_id = p.client_id;
    o.username = p.username;
    o.password = p.password;
    o.keepalive = p.keepalive;
    o.clean_session = p.clean_session;
    return o;
  });
  f.rss_kib = static_cast<double>(rss_kib() - rss0) / devices;
  f.heap_kib = static_cast<double>(test::heap_in_use() - heap0) / 1024.0 / devices;
  const double cpu0 = test::cpu_seconds();
  const auto start = Clock::now();
  engine.idle(idle_s);
  f.idle_cpu = (test::cpu_seconds() - cpu0) / seconds_since(start) * 100;
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t devices = 10000;
  double rate = 1000, idle_seconds = 20;
  bool quick = false;
  std::string status_ticks;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--quick") quick = v != "0";
    if (a == "--status-ticks") status_ticks = v;
    if (a == "--devices") devices = std::stoul(v);
    if (a == "--rate") rate = std::stod(v);
    if (a == "--idle-seconds") idle_seconds = std::stod(v);
  }
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;  // the brokers inherit it; edgegw raises its own
  setrlimit(RLIMIT_NOFILE, &limit);
  if (!status_ticks.empty()) return bench::status_ticks(status_ticks);

  test::Registry registry;
  for (std::size_t i = 0; i < devices; ++i) {
    auto name = "dev-" + std::to_string(i);
    registry.add(test::AliyunDevice{
        .product_key = "a1Bench", .device_name = name, .device_secret = "secret-" + name});
  }
  test::CloudEmulator cloud(registry);
  cloud.start();
  // The devices' broker. Its default queue (max_queued_messages 1000 per client) would drop most
  // of a 10,000-message burst for edgegw before edgegw has committed and acknowledged them.
  auto local_port = test::free_tcp_port();
  auto local = std::make_unique<test::MosquittoBroker>(
      "listener " + std::to_string(local_port) +
          " 127.0.0.1\nallow_anonymous true\nmax_queued_messages 1000000\n",
      std::vector<std::uint16_t>{local_port});
  local->start();
  test::TempDir dir;
  auto config =
      dir.write("edgegw.toml", config_for(devices, rate, cloud, local->port(), dir.path()));
  std::filesystem::permissions(
      config, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto status_file = dir.path() / "status.json";

  auto start = Clock::now();
  const char* binary = std::getenv("EDGEGW_BIN");  // e.g. a sanitizer build of the daemon
  test::Process edgegw({binary ? binary : EDGEGW_BINARY, "-c", config.string(), "run"}, {},
                       dir.path() / "edgegw.log");
  Census seen;
  double cold = wait_for(
      status_file, [&](const Census& c) { return c.online == devices; }, 900, &seen);
  std::printf("devices %zu, TLS, aliyun signing, connects_per_second %.0f\n", devices, rate);
  if (cold < 0) {
    std::printf("NOT all online after 900 s: %zu online\n%s\n", seen.online,
                edgegw.output().substr(0, 4000).c_str());
    return 1;
  }
  cold = seconds_since(start);
  long rss = rss_kib(edgegw.pid());
  std::printf("cold start: all %zu online %.1f s after the daemon started\n", devices, cold);
  std::printf("edgegw RSS %.1f MiB = %.1f KiB per device (outbox, config and all)\n", rss / 1024.0,
              static_cast<double>(rss) / devices);

  double cpu0 = test::process_cpu_seconds_fine(edgegw.pid());
  auto idle_start = Clock::now();
  while (seconds_since(idle_start) < idle_seconds) usleep(200000);
  const double idle_cpu =
      (test::process_cpu_seconds_fine(edgegw.pid()) - cpu0) / seconds_since(idle_start) * 100;
  std::printf("idle %.0f s with all online: edgegw CPU %.2f %% of one core; %zu still online\n",
              idle_seconds, idle_cpu, census(status_file).online);
  auto compare_with_engine = [&] {
    const EngineFloor engine = engine_floor(cloud, devices, idle_seconds, dir.path() / "engine");
    std::printf("engine alone: %zu of %zu online, heap %.2f KiB/session\n", engine.online, devices,
                engine.heap_kib);
    std::printf("%-40s | %13s | %13s | %5s\n", "figure", "edgegw", "peer (engine)", "ratio");
    const std::string at = ", " + std::to_string(devices) + " TLS devices";
    print_figure("memory per device (RSS)" + at, static_cast<double>(rss) / devices, engine.rss_kib,
                 "KiB");
    print_figure("idle CPU, % of a core" + at, idle_cpu, engine.idle_cpu, "%");
  };
  if (quick) {
    auto stopped = edgegw.stop(std::chrono::seconds(30));
    std::printf("edgegw stopped with exit code %d\n", stopped ? *stopped : -1);
    compare_with_engine();
    return 0;
  }

  auto acked_before = census(status_file).acknowledged;
  auto publish_start = Clock::now();
  LocalPublisher publisher(local->port());
  publisher.publish(devices, 1);
  double delivered = wait_for(
      status_file, [&](const Census& c) { return c.acknowledged >= acked_before + devices; }, 300,
      &seen);
  std::printf("one reading per device through the local broker: %s %.1f s (%llu of %zu acked)\n",
              delivered < 0 ? "NOT all acknowledged by the cloud after" : "all acknowledged in",
              seconds_since(publish_start),
              static_cast<unsigned long long>(seen.acknowledged - acked_before), devices);

  if (delivered < 0) {  // say what the daemon thinks of a device whose reading did not arrive
    std::ifstream in(status_file);
    auto j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_discarded()) {
      for (const auto& d : j["devices"]) {
        if (d.value("acknowledged", 0ull) == 0) {
          std::printf("e.g. %s\n", d.dump().c_str());
          break;
        }
      }
      std::printf("local broker: %s\n", j.value("local_broker", "").c_str());
    }
    auto log = edgegw.output();
    std::printf("edgegw log ends:\n%s\n",
                log.substr(log.size() > 3000 ? log.size() - 3000 : 0).c_str());
  }
  auto attempts_before = census(status_file).attempts;
  cloud.kill();
  auto restart = Clock::now();
  // The daemon notices at once (the connections are reset); count from the kill.
  wait_for(
      status_file, [&](const Census& c) { return c.online < devices * 99 / 100; }, 60);
  cloud.start();
  double back99 = wait_for(
      status_file, [&](const Census& c) { return c.online >= devices * 99 / 100; }, 900, &seen);
  double back100 = wait_for(
      status_file, [&](const Census& c) { return c.online == devices; }, 900, &seen);
  (void)back100;
  std::printf(
      "cloud killed and restarted: 99%% back %.1f s, 100%% %.1f s, %.2f connect attempts per "
      "device\n",
      back99, seen.online == devices ? seconds_since(restart) : -1.0,
      static_cast<double>(seen.attempts - attempts_before) / devices);
  auto stopped = edgegw.stop(std::chrono::seconds(30));
  std::printf("edgegw stopped with exit code %d\n", stopped ? *stopped : -1);
  if (!stopped || *stopped != 0) {
    auto log = edgegw.output();
    std::printf("its log ends:\n%s\n",
                log.substr(log.size() > 3000 ? log.size() - 3000 : 0).c_str());
  }
  compare_with_engine();
  return 0;
}
