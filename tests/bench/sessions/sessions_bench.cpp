// Sessions at scale: N device sessions from one process against a local mosquitto, driven the way
// the daemon drives them (one sd-event loop; outbox commit, then drain, every turn). Prints:
//   - cold start: time until all N are online (bounded by connects_per_second)
//   - RSS per session, idle CPU with all online
//   - broker killed and restarted: time until 99% are back, connect attempts per session
//   - drain: messages/s published and acknowledged from a backlog spread over many devices
//   - `figure | ours | peer | ratio` lines: heap per session and idle CPU of the session layer
//     against bare engine sessions (mqtt::Connection alone) at the same count, in the same run
//   - --engine 50000: the engine's own heap and idle CPU per session at that count, split over
//     forked workers with a broker each when the fd limit (or ~28,000 loopback ports per
//     listener) cannot hold them in one process
// Usage: sessions_bench [--devices 1000,5000,10000] [--rate 1000] [--drain-devices 1000]
//                       [--drain-records 1000000] [--idle-seconds 5] [--engine 50000]
#include <sys/resource.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "northbound/northbound.hpp"
#include "store/outbox.hpp"
#include "support/device_identities.hpp"
#include "support/engine_sessions.hpp"
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

// One fd per session here and one per session in the broker (which inherits this limit), plus a
// margin. The soft limit goes to the hard one; the hard one is raised too when that is allowed
// (root, or CAP_SYS_RESOURCE). --engine 50000 used to run into a hard limit of 20,000: sockets
// failed with EMFILE, the sessions never came online and the bench waited for them for minutes.
// Returns the limit now in force.
rlim_t raise_nofile(std::size_t sessions) {
  const rlim_t wanted = static_cast<rlim_t>(sessions) + 1024;
  rlimit r{};
  getrlimit(RLIMIT_NOFILE, &r);
  if (r.rlim_max < wanted) {
    rlimit raised{wanted, wanted};
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) return wanted;
  }
  r.rlim_cur = r.rlim_max;
  setrlimit(RLIMIT_NOFILE, &r);
  return r.rlim_cur;
}

std::unique_ptr<test::MosquittoBroker> start_broker(std::size_t listeners = 1) {
  std::vector<std::uint16_t> ports;
  std::string config;
  for (std::size_t i = 0; i < listeners; ++i) {
    ports.push_back(test::free_tcp_port());
    config += "listener " + std::to_string(ports.back()) + " 127.0.0.1\n";
  }
  config +=
      "allow_anonymous true\nmax_connections -1\nmax_inflight_messages 0\n"
      "max_queued_messages 100000\n";
  auto broker = std::make_unique<test::MosquittoBroker>(config, ports);
  broker->start();
  return broker;
}

void print_figure(const std::string& figure, double ours, double peer, const char* unit) {
  std::printf("%-44s | %8.2f %-4s | %8.2f %-4s | %5.2f\n", figure.c_str(), ours, unit, peer, unit,
              peer > 0 ? ours / peer : 0.0);
  std::fflush(stdout);
}

struct EngineFigures {
  double heap_kib = 0, rss_kib = 0, idle_cpu = 0, connect_s = 0;
  std::size_t online = 0, failed = 0;
};

// The peer: `n` bare engine sessions (plain TCP, keepalive 300 s like the rig), spread over the
// broker's ports, then idle as a daemon's loop is.
EngineFigures engine_floor(const test::MosquittoBroker& broker, std::size_t n, double idle_s) {
  EngineFigures f;
  const auto heap0 = test::heap_in_use();
  const long rss0 = rss_kib();
  {
    test::EngineSessions engine;
    const auto connect_start = Clock::now();
    f.online = engine.connect(n, [&](std::size_t i) {
      mqtt::ConnectOptions o;
      o.host = "127.0.0.1";
      o.port = broker.ports()[i % broker.ports().size()];
      o.client_id = "engine-" + std::to_string(i);
      o.keepalive = std::chrono::seconds(300);
      return o;
    });
    f.connect_s = seconds_since(connect_start);
    f.failed = engine.failed();
    f.heap_kib = static_cast<double>(test::heap_in_use() - heap0) / 1024.0 / n;
    f.rss_kib = static_cast<double>(rss_kib() - rss0) / n;
    const double cpu0 = cpu_seconds();
    const auto start = Clock::now();
    engine.idle(idle_s);
    f.idle_cpu = (cpu_seconds() - cpu0) / seconds_since(start) * 100;
  }
  return f;
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
    h.on_connect_attempt = [this](const std::string&, Clock::time_point) {
      attempts.push_back(Clock::now());
    };
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
  // Idle as the daemon is: the loop sleeps until something is due; commit and drain once a second
  // (the daemon's housekeeping tick).
  void idle(double seconds) {
    const auto start = Clock::now();
    auto tick = start;
    while (seconds_since(start) < seconds) {
      sd_event_run(loop, 200000);
      if (Clock::now() - tick >= std::chrono::seconds(1)) {
        tick = Clock::now();
        if (outbox->has_pending()) outbox->commit();
        northbound->drain(20000);
      }
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
  const auto heap_before = test::heap_in_use();
  auto rig = std::make_unique<Rig>(broker->port(), rate, 30);
  for (std::size_t i = 0; i < n; ++i) {
    rig->northbound->add_device(test::anonymous_identity("dev-" + std::to_string(i)));
  }
  double cold = rig->until_online(n, 1.0, 600);
  long rss_after = rss_kib();
  const double heap_kib = static_cast<double>(test::heap_in_use() - heap_before) / 1024.0 / n;

  double cpu0 = cpu_seconds();
  auto idle_start = Clock::now();
  rig->idle(idle_seconds);
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
  rig.reset();
  const EngineFigures engine = engine_floor(*broker, n, idle_seconds);
  const std::string at = ", " + std::to_string(n) + " sessions";
  print_figure("heap per session (mallinfo2)" + at, heap_kib, engine.heap_kib, "KiB");
  print_figure("idle CPU, % of a core" + at, idle_cpu, engine.idle_cpu, "%");
  broker->stop();  // the server closes first: TIME_WAIT stays on its side, not on our ports
}

// How many sessions one process (and one broker) holds under an fd limit of `fds`: each side
// needs one descriptor per session, and a margin for its own.
std::size_t sessions_per_process(rlim_t fds) {
  return std::min<std::size_t>(fds > 2048 ? fds - 1024 : 1024, 25000);  // < ~28,000 ports each
}

// The engine alone at counts one process cannot hold (--engine 50000). With a hard fd limit below
// the count (containers: 20,000 without CAP_SYS_RESOURCE), the sessions are split over forked
// workers, each with its own mosquitto (which inherits the same limit), connecting and idling at
// the same time; heap, RSS and idle CPU are their sums.
void bench_engine(std::size_t n, double idle_seconds, rlim_t fds) {
  const std::size_t per = sessions_per_process(fds);
  const std::size_t workers = (n + per - 1) / per;
  const auto start = Clock::now();
  EngineFigures total;
  std::vector<std::pair<pid_t, int>> running;  // worker, the read end of its pipe
  for (std::size_t w = 0; w < workers; ++w) {
    const std::size_t share = n / workers + (w < n % workers ? 1 : 0);
    int p[2];
    if (pipe(p) != 0) return;
    const pid_t pid = fork();
    if (pid == 0) {
      close(p[0]);
      auto broker = start_broker();
      const EngineFigures f = engine_floor(*broker, share, idle_seconds);
      broker->stop();
      const EngineFigures sum{f.heap_kib * share, f.rss_kib * share, f.idle_cpu,
                              f.connect_s,        f.online,          f.failed};
      (void)!write(p[1], &sum, sizeof sum);
      _exit(0);
    }
    close(p[1]);
    running.emplace_back(pid, p[0]);
  }
  for (auto [pid, fd] : running) {
    EngineFigures f;
    if (read(fd, &f, sizeof f) == static_cast<ssize_t>(sizeof f)) {
      total.heap_kib += f.heap_kib;
      total.rss_kib += f.rss_kib;
      total.idle_cpu += f.idle_cpu;
      total.connect_s = std::max(total.connect_s, f.connect_s);
      total.online += f.online;
      total.failed += f.failed;
    }
    close(fd);
    waitpid(pid, nullptr, 0);
  }
  std::printf(
      "engine alone, %zu plain sessions in %zu process(es) (%zu online, %zu failed, all online "
      "after %.1f s, %.0f s in all): heap %.2f KiB/session, RSS %.2f KiB/session, idle CPU %.3f "
      "%% of a core\n",
      n, workers, total.online, total.failed, total.connect_s, seconds_since(start),
      total.heap_kib / n, total.rss_kib / n, total.idle_cpu);
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
  std::size_t engine_only = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--devices") counts = parse_list(v);
    if (a == "--rate") rate = std::stod(v);
    if (a == "--drain-devices") drain_devices = std::stoul(v);
    if (a == "--drain-records") drain_records = std::stoul(v);
    if (a == "--idle-seconds") idle_seconds = std::stod(v);
    if (a == "--engine") engine_only = std::stoul(v);
  }
  std::size_t most = 0;  // in one process (--engine splits over several)
  for (auto n : counts) most = std::max(most, std::max(n, drain_devices));
  if (engine_only > 0) most = std::min<std::size_t>(engine_only, 25000);
  const rlim_t fds = raise_nofile(most);
  if (engine_only == 0 && fds < most + 64) {
    std::printf(
        "%zu sessions need about %zu open files here and as many in the broker; the limit is %llu "
        "(raise it with `ulimit -Hn`, LimitNOFILE=, or run as root)\n",
        most, most + 1024, static_cast<unsigned long long>(fds));
    return 1;
  }
  if (engine_only > 0) {
    bench_engine(engine_only, idle_seconds, fds);
    return 0;
  }
  std::printf("%-44s | %13s | %13s | %5s\n", "figure", "ours", "peer (engine)", "ratio");
  for (auto n : counts) {
    if (n > 0) bench_sessions(n, rate, idle_seconds);
  }
  if (drain_records > 0) bench_drain(drain_devices, drain_records, rate);
  return 0;
}
