// The status file's housekeeping tick with N sessions online and nothing changing: a real Gateway
// (generic MQTT, plain TCP, against a local mosquitto) and a StatusPublisher in this process, the
// publisher's CPU time per tick measured with the thread's CPU clock. The peer is what every tick
// did before issue 18: collect_status() from scratch and compare it with the last report.
// Ticks are driven with a given time (one per second) and no loop turn between them: nothing can
// change, which is the case the figure is about.
#include "status_ticks.hpp"

#include <systemd/sd-event.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <sstream>
#include <vector>

#include "config/config.hpp"
#include "daemon/gateway.hpp"
#include "daemon/metrics_file.hpp"
#include "daemon/status_file.hpp"
#include "daemon/status_publisher.hpp"
#include "support/loop_runner.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/net.hpp"
#include "support/temp_dir.hpp"

namespace edgegw::bench {
namespace {

using namespace std::chrono_literals;

double thread_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

std::string config_for(std::size_t devices, std::uint16_t port, const test::TempDir& dir) {
  const auto p = std::to_string(port);
  std::string c = "[gateway]\nstate_dir = \"" + (dir / "state").string() + "\"\nstatus_file = \"" +
                  (dir / "status.json").string() + "\"\nmetrics_file = \"" +
                  (dir / "edgegw.prom").string() +
                  "\"\nlog_level = \"warning\"\n[cloud]\nplatform = \"mqtt\"\nhost = "
                  "\"127.0.0.1\"\nport = " +
                  p +
                  "\ntls = false\nallow_plaintext = true\nconnects_per_second = 2000\n"
                  "keepalive = \"300s\"\n[local_mqtt]\nhost = \"127.0.0.1\"\nport = " +
                  p + "\n";
  for (std::size_t i = 0; i < devices; ++i) {
    const auto name = "dev-" + std::to_string(i);
    c += "[[device]]\nname = \"" + name + "\"\n[device.mqtt]\ntopic = \"s/" + name + "\"\n";
  }
  return c;
}

void print_figure(const std::string& figure, double ours, double peer, const char* unit) {
  std::printf("%-48s | %9.1f %-3s | %9.1f %-3s | %6.3f\n", figure.c_str(), ours, unit, peer, unit,
              peer > 0 ? ours / peer : 0.0);
  std::fflush(stdout);
}

bool run(std::size_t devices) {
  auto port = test::free_tcp_port();
  test::MosquittoBroker broker(
      "listener " + std::to_string(port) + " 127.0.0.1\nallow_anonymous true\nmax_connections -1\n",
      {port});
  broker.start();
  test::TempDir dir;
  dir.write("edgegw.toml", config_for(devices, port, dir));
  const config::Config config = config::load_config(dir / "edgegw.toml");
  std::filesystem::create_directories(config.gateway.state_dir);
  auto outbox = store::Outbox::open(config.store);
  sd_event* loop = nullptr;
  sd_event_new(&loop);
  bool ok = false;
  {
    daemon::Gateway gateway(loop, config, *outbox);
    gateway.start();
    ok = test::run_loop_until(
        loop,
        [&] {
          return gateway.northbound().summary() == "online " + std::to_string(devices) &&
                 gateway.local_mqtt()->state() == southbound::LocalMqttState::online;
        },
        120s);
    if (!ok) std::printf("%zu devices: not all online: %s\n", devices, gateway.summary().c_str());
    daemon::StatusPublisher publisher(config, nullptr);
    daemon::DaemonFacts facts;
    auto now = std::chrono::system_clock::now();
    publisher.publish(config, &gateway, outbox.get(), facts, now);  // the first: from scratch
    constexpr int kTicks = 20;
    // Ours: one tick a second; every fifth rewrites the files (kStatusRefresh, kMetricsEvery).
    double quiet_us = 0, all_us = 0;
    int quiet = 0;
    const auto visited = publisher.work().devices_visited;
    for (int i = 1; i <= kTicks; ++i) {
      const auto writes = publisher.status_writes();
      const double t0 = thread_cpu_us();
      publisher.publish(config, &gateway, outbox.get(), facts, now + std::chrono::seconds(i));
      const double us = thread_cpu_us() - t0;
      all_us += us;
      if (publisher.status_writes() == writes) {
        quiet_us += us;
        ++quiet;
      }
    }
    // The peer: the same ticks as before issue 18 — a snapshot from scratch each second, compared
    // with the last; the same writes every fifth tick.
    daemon::CertificateWatch certificates;
    daemon::StatusReport last = publisher.last_report();
    double old_quiet_us = 0, old_all_us = 0;
    for (int i = 1; i <= kTicks; ++i) {
      const double t0 = thread_cpu_us();
      daemon::StatusReport r =
          daemon::collect_status(config, &gateway, outbox.get(), certificates, facts, i);
      const bool changed = !r.same_state(last);
      const double collected = thread_cpu_us() - t0;
      if (changed || i % 5 == 0) {
        (void)daemon::to_json(r).size();
        (void)daemon::to_prometheus(r).size();
      }
      last = std::move(r);
      const double us = thread_cpu_us() - t0;
      old_all_us += us;
      if (!changed && i % 5 != 0) old_quiet_us += collected;
    }
    const std::string at = ", " + std::to_string(devices) + " devices";
    print_figure("status tick, nothing changed, no write" + at, quiet_us / quiet,
                 old_quiet_us / quiet, "us");
    print_figure("status work per second (incl. 5 s rewrite)" + at, all_us / kTicks,
                 old_all_us / kTicks, "us");
    std::printf("  devices visited in %d idle ticks: %llu\n", kTicks,
                static_cast<unsigned long long>(publisher.work().devices_visited - visited));
    // Where a rewrite's time goes (the 5 s refresh writes both files whatever changed).
    double t = thread_cpu_us();
    const std::string json = daemon::to_json(publisher.last_report());
    const double json_us = thread_cpu_us() - t;
    t = thread_cpu_us();
    const std::string prom = daemon::to_prometheus(publisher.last_report());
    const double prom_us = thread_cpu_us() - t;
    t = thread_cpu_us();
    (void)daemon::write_file_atomically(dir / "probe.json", json, 0644);
    (void)daemon::write_file_atomically(dir / "probe.prom", prom, 0644);
    std::printf(
        "  one rewrite: status JSON %zu bytes %.0f us, metrics %zu bytes %.0f us, writing both "
        "%.0f us\n",
        json.size(), json_us, prom.size(), prom_us, thread_cpu_us() - t);
    gateway.stop();
  }
  outbox.reset();
  sd_event_unref(loop);
  broker.stop();
  return ok;
}

}  // namespace

int status_ticks(const std::string& counts) {
  std::printf("%-48s | %13s | %13s | %6s\n", "figure", "ours", "peer (before)", "ratio");
  std::stringstream in(counts);
  std::string item;
  bool ok = true;
  while (std::getline(in, item, ',')) ok = run(std::stoul(item)) && ok;
  return ok ? 0 : 1;
}

}  // namespace edgegw::bench
