// Modbus benchmark: points/s that a ModbusBus polls from a local TCP slave against the raw
// libmodbus request rate on the same machine, the CPU the bus spends per 10,000 points/s
// (getrusage of this process; the slave runs in a forked child), and requests per poll cycle
// against the minimum. Prints figures; run by hand:  modbus_bench [seconds per phase, default 3]
#include <modbus/modbus.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "libmodbus_slave.hpp"
#include "southbound/block_planner.hpp"
#include "southbound/modbus_bus.hpp"
#include "southbound/point_codec.hpp"
#include "support/process_usage.hpp"

using namespace edgegw::southbound;
using Clock = std::chrono::steady_clock;
using edgegw::test::cpu_seconds;
using edgegw::test::seconds_since;

namespace {

// Forks a process that serves a libmodbus TCP slave until stdin of the pipe closes.
pid_t fork_slave(std::uint16_t& port) {
  int to_parent[2];
  int from_parent[2];
  if (pipe(to_parent) != 0 || pipe(from_parent) != 0) std::exit(1);
  const pid_t pid = fork();
  if (pid == 0) {
    close(to_parent[0]);
    close(from_parent[1]);
    auto slave = edgegw::test::LibmodbusSlave::tcp();
    std::vector<std::uint16_t> values(edgegw::test::LibmodbusSlave::kTableSize);
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<std::uint16_t>(i);
    slave->set_holding(0, values);
    const std::uint16_t p = slave->port();
    if (write(to_parent[1], &p, sizeof p) != sizeof p) _exit(1);
    char c;
    while (read(from_parent[0], &c, 1) > 0) {
    }
    slave.reset();
    _exit(0);
  }
  close(to_parent[1]);
  close(from_parent[0]);
  if (read(to_parent[0], &port, sizeof port) != sizeof port) std::exit(1);
  // from_parent[1] stays open for the child's lifetime (closed at exit).
  return pid;
}

struct Rate {
  double requests_per_s;
  double points_per_s;
  double cpu_per_s;  // CPU seconds per wall second
};

Rate raw_libmodbus(std::uint16_t port, double seconds, int registers) {
  modbus_t* ctx = modbus_new_tcp("127.0.0.1", port);
  if (modbus_connect(ctx) != 0) {
    std::fprintf(stderr, "raw connect failed\n");
    std::exit(1);
  }
  std::vector<std::uint16_t> buf(125);
  std::uint64_t n = 0;
  const double cpu0 = cpu_seconds();
  const auto t0 = Clock::now();
  while (seconds_since(t0) < seconds) {
    if (modbus_read_registers(ctx, 0, registers, buf.data()) == registers) ++n;
  }
  const double wall = seconds_since(t0);
  const double cpu = cpu_seconds() - cpu0;
  modbus_close(ctx);
  modbus_free(ctx);
  return {n / wall, n * static_cast<double>(registers) / wall, cpu / wall};
}

BusOptions bench_bus(std::uint16_t port);

// The peer: bare libmodbus doing the same work as a ModbusBus poll of `points`: the same reads
// (the same plan), back to back, each point decoded into a preallocated array of doubles. No
// queue, no filter, no record: what a hand-written polling loop costs.
Rate raw_same_work(std::uint16_t port, double seconds, const std::vector<PointSpec>& points) {
  modbus_t* ctx = modbus_new_tcp("127.0.0.1", port);
  if (modbus_connect(ctx) != 0) {
    std::fprintf(stderr, "raw connect failed\n");
    std::exit(1);
  }
  const auto blocks = plan_reads(points, ModbusDeviceOptions{}.max_gap);
  std::vector<std::uint16_t> regs(125);
  std::vector<double> values(points.size());
  std::uint64_t requests = 0;
  std::uint64_t decoded = 0;
  const double cpu0 = cpu_seconds();
  const auto t0 = Clock::now();
  while (seconds_since(t0) < seconds) {
    for (const auto& b : blocks) {
      if (modbus_read_registers(ctx, b.start, b.count, regs.data()) != b.count) continue;
      ++requests;
      for (std::size_t i : b.points) {
        const std::uint16_t* r = regs.data() + (points[i].address - b.start);
        switch (points[i].type) {
          case PointType::f32:
            values[i] = std::bit_cast<float>(static_cast<std::uint32_t>(r[0] << 16 | r[1]));
            break;
          case PointType::f64:
            values[i] =
                std::bit_cast<double>(std::uint64_t{r[0]} << 48 | std::uint64_t{r[1]} << 32 |
                                      std::uint64_t{r[2]} << 16 | r[3]);
            break;
          default:
            values[i] = r[0];
        }
        ++decoded;
      }
    }
  }
  const double wall = seconds_since(t0);
  const double cpu = cpu_seconds() - cpu0;
  modbus_close(ctx);
  modbus_free(ctx);
  return {requests / wall, decoded / wall, cpu / wall};
}

Rate bus_rate(std::uint16_t port, double seconds, std::vector<PointSpec> points) {
  const BusOptions bus = bench_bus(port);
  ModbusDevice d;
  d.name = "bench-meter";
  d.options.interval = std::chrono::milliseconds(0);  // poll back to back
  d.options.points = std::move(points);
  ModbusBus b(bus, {d});
  std::uint64_t fields = 0;
  b.start();
  // Warm up: the first poll connects.
  while (b.stats().polls < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const auto s0 = b.stats();
  const double cpu0 = cpu_seconds();
  const auto t0 = Clock::now();
  while (seconds_since(t0) < seconds) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the event loop's pace
    for (const auto& r : b.take_readings()) fields += r.fields.size();
  }
  const auto s1 = b.stats();
  const double wall = seconds_since(t0);
  const double cpu = cpu_seconds() - cpu0;
  b.stop();
  (void)fields;
  return {(s1.requests - s0.requests) / wall, (s1.points - s0.points) / wall, cpu / wall};
}

std::vector<PointSpec> contiguous(PointType type, int registers) {
  std::vector<PointSpec> points;
  const int width = static_cast<int>(register_count(type));
  for (int a = 0; a + width <= registers; a += width) {
    PointSpec p;
    p.name = "p" + std::to_string(a);
    p.address = static_cast<std::uint16_t>(a);
    p.type = type;
    points.push_back(p);
  }
  return points;
}

// A meter-like map: clusters, scattered singles, gaps of various sizes.
std::vector<PointSpec> scattered() {
  std::vector<PointSpec> points;
  auto add = [&](std::uint16_t a, PointType t) {
    PointSpec p;
    p.name = "s" + std::to_string(a);
    p.address = a;
    p.type = t;
    points.push_back(p);
  };
  for (std::uint16_t a = 0; a < 60; a += 2) add(a, PointType::f32);         // 30 f32
  for (std::uint16_t a = 100; a < 140; a += 5) add(a, PointType::u16);      // every 5th
  for (std::uint16_t a = 300; a < 700; a += 4) add(a, PointType::u64);      // 100 u64
  for (std::uint16_t a = 1000; a < 1900; a += 100) add(a, PointType::i32);  // far apart
  return points;
}

BusOptions bench_bus(std::uint16_t port) {
  BusOptions bus;
  bus.name = "bench";
  bus.transport = Transport::tcp;
  bus.host = "127.0.0.1";
  bus.port = port;
  return bus;
}

// The fewest reads covering `points` under the same rules (width limit per read, no unused run
// longer than max_gap), by dynamic programming over every way to cut each table's sorted points:
// an independent check that the greedy planner is minimal.
unsigned minimum_requests(const std::vector<PointSpec>& points, unsigned max_gap) {
  unsigned total = 0;
  for (Table t : {Table::coil, Table::discrete, Table::input, Table::holding}) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> spans;  // [start, end)
    for (const auto& p : points) {
      if (p.table == t) spans.emplace_back(p.address, p.address + point_width(p));
    }
    std::sort(spans.begin(), spans.end());
    const std::size_t n = spans.size();
    std::vector<unsigned> best(n + 1, 0);  // best[i]: reads for the first i points
    for (std::size_t i = 1; i <= n; ++i) {
      best[i] = ~0u;
      std::uint32_t end = 0;
      bool gaps_ok = true;
      for (std::size_t j = i; j-- > 0;) {  // block = points j..i-1
        end = std::max(end, spans[j].second);
        if (j + 1 < i) {
          // the run of unused addresses before the later points
          std::uint32_t covered = spans[j].second;
          for (std::size_t k = j; k + 1 < i && gaps_ok; ++k) {
            covered = std::max(covered, spans[k].second);
            if (spans[k + 1].first > covered && spans[k + 1].first - covered > max_gap) {
              gaps_ok = false;
            }
          }
        }
        if (!gaps_ok || end - spans[j].first > max_read_width(t)) break;
        best[i] = std::min(best[i], best[j] + 1);
      }
    }
    total += best[n];
  }
  return total;
}

void print_rate(const char* what, const Rate& r) {
  std::printf("%-44s %9.0f req/s %11.0f points/s  CPU %5.1f%% of a core", what, r.requests_per_s,
              r.points_per_s, 100.0 * r.cpu_per_s);
  if (r.points_per_s > 0) {
    std::printf("  = %5.2f%% per 10k points/s", 100.0 * r.cpu_per_s / (r.points_per_s / 10000.0));
  }
  std::printf("\n");
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// ModbusBus against the peer on the same slave, alternating so both see the same machine load.
void against_raw(std::uint16_t port, double seconds, const char* what,
                 const std::vector<PointSpec>& points) {
  std::vector<double> ours_req, ours_cpu, raw_req, raw_cpu;
  // CPU microseconds per point decoded and delivered.
  const auto per_point = [](const Rate& r) { return 1e6 * r.cpu_per_s / r.points_per_s; };
  for (int round = 0; round < 3; ++round) {
    const Rate ours = bus_rate(port, seconds, points);
    const Rate raw = raw_same_work(port, seconds, points);
    ours_req.push_back(ours.requests_per_s);
    ours_cpu.push_back(per_point(ours));
    raw_req.push_back(raw.requests_per_s);
    raw_cpu.push_back(per_point(raw));
  }
  const double oq = median(ours_req), rq = median(raw_req);
  const double oc = median(ours_cpu), rc = median(raw_cpu);
  std::printf("%s points, requests/s | %.0f | %.0f | %.2f\n", what, oq, rq, oq / rq);
  std::printf("%s points, CPU us per point | %.3f | %.3f | %.2f\n", what, oc, rc, oc / rc);
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  signal(SIGPIPE, SIG_IGN);
  std::uint16_t port = 0;
  const pid_t slave = fork_slave(port);
  std::printf(
      "modbus bench: local libmodbus TCP slave (separate process) on port %u, %.1f s per phase\n",
      port, seconds);

  print_rate("raw libmodbus, 125-register reads", raw_libmodbus(port, seconds, 125));
  print_rate("raw libmodbus, 1-register reads", raw_libmodbus(port, seconds, 1));
  std::printf(
      "\nfigure | ours (ModbusBus) | peer (bare libmodbus, same reads and decode) | ratio\n");
  std::printf("(median of 3 alternating runs of %.1f s each)\n", seconds);
  against_raw(port, seconds, "1000 u16", contiguous(PointType::u16, 1000));
  against_raw(port, seconds, "500 f32", contiguous(PointType::f32, 1000));
  against_raw(port, seconds, "250 f64", contiguous(PointType::f64, 1000));

  const auto map = scattered();
  std::printf("\nrequests per poll cycle, meter-like map of %zu points (%s):\n", map.size(),
              "f32 cluster, every-5th u16, 100 u64, far-apart i32");
  for (unsigned gap : {0u, 8u, 32u, 200u}) {
    const auto plan = plan_reads(map, gap);
    ModbusDevice d;
    d.name = "m";
    d.options.interval = std::chrono::hours(1);  // exactly one poll
    d.options.max_gap = gap;
    d.options.points = map;
    ModbusBus b(bench_bus(port), {d});
    b.start();
    while (b.stats().polls < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const auto s = b.stats();
    b.stop();
    std::printf(
        "  max_gap %3u: planned %3zu, sent in one poll %3llu, minimum (exhaustive DP) %3u, "
        "one request per point %zu\n",
        gap, plan.size(), static_cast<unsigned long long>(s.requests), minimum_requests(map, gap),
        map.size());
  }
  kill(slave, SIGTERM);
  waitpid(slave, nullptr, 0);
  return 0;
}
