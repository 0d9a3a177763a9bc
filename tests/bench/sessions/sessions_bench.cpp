// Sessions at scale: N device sessions from one process against a local mosquitto, driven the way
// the daemon drives them (one sd-event loop; outbox commit, then drain, every turn). Prints:
//   - cold start: time until all N are online (bounded by connects_per_second)
//   - RSS per session, idle CPU with all online
//   - broker killed and restarted: time until 99% are back, connect attempts per session
//   - drain: messages/s published and acknowledged from a backlog spread over many devices
// Usage: sessions_bench [--devices 1000,5000,10000] [--rate 1000] [--drain-devices 1000]
//                       [--drain-records 1000000] [--idle-seconds 5]
#include <sys/resource.h>
#include <systemd/sd-event.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "northbound/northbound.hpp"
#include "store/outbox.hpp"
#include "support/device_identities.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/net.hpp"
#include "support/process_usage.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace edgegw;
using Clock = std::chrono::steady_clock;
using test::cpu_seconds;
using test::rss_kib;
using test::seconds_since;

void raise_nofile() {
  rlimit r{};
  getrlimit(RLIMIT_NOFILE, &r);
  r.rlim_cur = r.rlim_max;
  setrlimit(RLIMIT_NOFILE, &r);
}

std::unique_ptr<test::MosquittoBroker> start_broker() {
  auto port = test::free_tcp_port();
  auto broker = std::make_unique<test::MosquittoBroker>(
      "listener " + std::to_string(port) +
          " 127.0.0.1\nallow_anonymous true\nmax_connections -1\nmax_inflight_messages 0\n"
          "max_queued_messages 100000\n",
      std::vector<std::uint16_t>{port});
  broker->start();
  return broker;
}

struct Rig {
  test::TempDir dir;
  sd_event* loop = nullptr;
  std::unique_ptr<store::Outbox> outbox;
  std::unique_ptr<northbound::Northbound> northbound;
  std::vector<Clock::time_point> attempts;

  Rig(std::uint16_t port, double rate, double publish_rate) {
    sd_event_new(&loop);
    store::OutboxOptions oo;
    oo.path = dir.path() / "outbox.db";
    oo.max_size_bytes = 8ull << 30;
    outbox = store::Outbox::open(oo);
    northbound::NorthboundOptions o;
    o.cloud.platform = northbound::PlatformKind::mqtt;
    o.cloud.host = "127.0.0.1";
    o.cloud.port = port;
    o.cloud.tls = false;
    o.cloud.allow_plaintext = true;
    o.cloud.keepalive = std::chrono::seconds(300);
    o.cloud.backoff_min = std::chrono::seconds(1);
    o.cloud.backoff_max = std::chrono::seconds(30);
    o.cloud.connects_per_second = rate;
    o.cloud.publish_rate = publish_rate;
    o.cloud.max_inflight = 16;
    o.state_dir = dir.path();
    o.connect_burst = 20;
    northbound::NorthboundHandlers h;
    h.on_connect_attempt = [this](const std::string&) { attempts.push_back(Clock::now()); };
    northbound = std::make_unique<northbound::Northbound>(loop, *outbox, o, std::move(h));
  }
  ~Rig() {
    northbound.reset();
    outbox.reset();
    sd_event_unref(loop);
  }
  void turn() {
    if (outbox->has_pending()) outbox->commit();
    northbound->drain(20000);
    if (outbox->has_pending()) outbox->commit();
    // sd_event_run dispatches one event source per call: handle what is ready, then commit.
    sd_event_run(loop, 10000);
    for (int i = 0; i < 1024 && sd_event_run(loop, 0) > 0; ++i) {
    }
  }
  std::size_t online() const {
    std::size_t n = 0;
    for (const auto& s : northbound->status()) n += s.state == northbound::SessionState::online;
    return n;
  }
  // Runs until `fraction` of `n` sessions are online; returns seconds, or -1 on timeout.
  double until_online(std::size_t n, double fraction, double timeout_s) {
    auto start = Clock::now();
    auto last_check = start;
    while (seconds_since(start) < timeout_s) {
      turn();
      if (Clock::now() - last_check > std::chrono::milliseconds(50)) {
        last_check = Clock::now();
        if (online() >= static_cast<std::size_t>(n * fraction)) return seconds_since(start);
      }
    }
    return -1;
  }
};

void bench_sessions(std::size_t n, double rate, double idle_seconds) {
  auto broker = start_broker();
  long rss_before = rss_kib();
  auto rig = std::make_unique<Rig>(broker->port(), rate, 30);
  for (std::size_t i = 0; i < n; ++i) {
    rig->northbound->add_device(test::anonymous_identity("dev-" + std::to_string(i)));
  }
  double cold = rig->until_online(n, 1.0, 600);
  long rss_after = rss_kib();

  double cpu0 = cpu_seconds();
  auto idle_start = Clock::now();
  while (seconds_since(idle_start) < idle_seconds) rig->turn();
  double idle_cpu = (cpu_seconds() - cpu0) / seconds_since(idle_start) * 100;

  auto before = rig->attempts.size();
  broker->kill();
  broker->start();
  double back99 = rig->until_online(n, 0.99, 600);
  double back100 = rig->until_online(n, 1.0, 600);
  double per_session = static_cast<double>(rig->attempts.size() - before) / n;

  std::printf(
      "sessions %6zu | cold start all online %7.2f s (%.0f connects/s limit) | RSS %.1f KiB/session"
      " | idle CPU %.2f %% | after broker restart: 99%% back %.2f s, 100%% %.2f s, "
      "%.2f connect attempts/session\n",
      n, cold, rate, static_cast<double>(rss_after - rss_before) / n, idle_cpu, back99,
      back99 < 0 ? -1 : back99 + back100, per_session);
  std::fflush(stdout);
  broker->stop();  // the server closes first: TIME_WAIT stays on its side, not on our ports
  rig.reset();
}

void bench_drain(std::size_t devices, std::size_t records, double rate) {
  auto broker = start_broker();
  Rig rig(broker->port(), rate, 1e9);
  auto t_append = Clock::now();
  const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  for (std::size_t i = 0; i < records; ++i) {
    store::Record r;
    r.device = "dev-" + std::to_string(i % devices);
    r.time_ms = now_ms + static_cast<std::int64_t>(i);
    r.fields.push_back({"value", static_cast<double>(i)});
    rig.outbox->append(std::move(r));
    if (i % 10000 == 9999) rig.outbox->commit();
  }
  rig.outbox->commit();
  double append_s = seconds_since(t_append);
  for (std::size_t i = 0; i < devices; ++i) {
    rig.northbound->add_device(test::anonymous_identity("dev-" + std::to_string(i)));
  }
  auto start = Clock::now();
  double cpu0 = cpu_seconds();
  while (rig.outbox->total_backlog() > 0 && seconds_since(start) < 900) rig.turn();
  double s = seconds_since(start);
  double cpu = cpu_seconds() - cpu0;
  std::printf(
      "drain %zu records over %zu devices: %.2f s, %.0f msgs/s published and acked "
      "(edgegw CPU %.0f %% of one core; appending took %.2f s), backlog left %llu\n",
      records, devices, s, records / s, cpu / s * 100, append_s,
      static_cast<unsigned long long>(rig.outbox->total_backlog()));
  std::fflush(stdout);
  broker->stop();
}

std::vector<std::size_t> parse_list(const std::string& s) {
  std::vector<std::size_t> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::stoul(item));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> counts{1000, 5000, 10000};
  double rate = 1000;
  std::size_t drain_devices = 1000, drain_records = 1000000;
  double idle_seconds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--devices") counts = parse_list(v);
    if (a == "--rate") rate = std::stod(v);
    if (a == "--drain-devices") drain_devices = std::stoul(v);
    if (a == "--drain-records") drain_records = std::stoul(v);
    if (a == "--idle-seconds") idle_seconds = std::stod(v);
  }
  raise_nofile();
  for (auto n : counts) {
    if (n > 0) bench_sessions(n, rate, idle_seconds);
  }
  if (drain_records > 0) bench_drain(drain_devices, drain_records, rate);
  return 0;
}
