// The MQTT engine's cost budget (issue 3), measured against a local mosquitto with TLS:
//   fds per session, user-space memory per idle TLS session (mallinfo2 delta / N), client CPU per
//   full and per resumed handshake, N sessions online at once and the idle CPU at keepalive 60 s,
//   QoS 1 messages/s through 1 session and through 100 sessions.
// Then the heap per idle session over MQTT over WebSocket (wss) next to plain TLS.
// Usage: mqtt_bench [sessions=10000] [idle_seconds=20]. Prints figures; asserts nothing.
#include <dirent.h>
#include <malloc.h>
#include <openssl/crypto.h>
#include <sys/resource.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "mqtt/connection.hpp"
#include "mqtt/resolver.hpp"
#include "mqtt/tls_context.hpp"
#include "support/loop_runner.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/net.hpp"
#include "support/process_usage.hpp"
#include "support/test_pki.hpp"

using namespace edgegw::mqtt;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using edgegw::test::cpu_seconds;
using edgegw::test::process_cpu_seconds;

namespace {

// The mosquitto child: the process whose command line names its config under `dir`.
pid_t pid_with_argument_under(const std::string& dir) {
  if (DIR* d = opendir("/proc")) {
    while (auto* e = readdir(d)) {
      pid_t pid = std::atoi(e->d_name);
      if (pid <= 0) continue;
      std::ifstream in(std::string("/proc/") + e->d_name + "/cmdline");
      std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (cmdline.find(dir) != std::string::npos) {
        closedir(d);
        return pid;
      }
    }
    closedir(d);
  }
  return -1;
}

int open_fds() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d)) ++n;
    closedir(d);
  }
  return n - 3;  // ., .., the dir's own fd
}

std::size_t heap_in_use() {
  return mallinfo2().uordblks;
}

// Bytes OpenSSL holds right now, counted through CRYPTO_set_mem_functions, so the per-session
// figure splits into what OpenSSL keeps (SSL object, session, peer certificates) and what is ours.
std::atomic<long> openssl_live{0};
void* counting_malloc(std::size_t n, const char*, int) {
  void* p = std::malloc(n);
  if (p) openssl_live += static_cast<long>(malloc_usable_size(p));
  return p;
}
void* counting_realloc(void* old, std::size_t n, const char*, int) {
  long before = old ? static_cast<long>(malloc_usable_size(old)) : 0;
  void* p = std::realloc(old, n);
  if (p)
    openssl_live += static_cast<long>(malloc_usable_size(p)) - before;
  else if (n == 0)
    openssl_live -= before;
  return p;
}
void counting_free(void* p, const char*, int) {
  if (p) openssl_live -= static_cast<long>(malloc_usable_size(p));
  std::free(p);
}

struct Session : Connection::Handler {
  Session(sd_event* loop, Resolver& resolver) : connection(loop, resolver, *this) {}
  void on_connected(bool) override { online = true; }
  void on_closed(const Outcome& o) override {
    online = false;
    failed = true;
    why = o.detail;
  }
  void on_message(const Message&) override {}
  void on_puback(std::uint16_t) override {
    ++acked;
    if (pump) refill();
  }
  void on_suback(std::uint16_t, std::vector<int>) override {}
  void refill() {
    while (sent < target && connection.publish("bench/q", payload, 1)) ++sent;
  }
  Connection connection;
  bool online = false;
  bool failed = false;
  bool pump = false;
  std::string why;
  std::string payload = std::string(64, 'x');
  long sent = 0, acked = 0, target = 0;
};

struct Bench {
  sd_event* loop = nullptr;
  std::unique_ptr<Resolver> resolver;
  Bench() {
    sd_event_new(&loop);
    resolver = std::make_unique<Resolver>(loop);
  }
  ~Bench() {
    resolver.reset();
    sd_event_unref(loop);
  }
  bool run_until(const std::function<bool()>& cond, std::chrono::seconds timeout) {
    return edgegw::test::run_loop_until(loop, cond, timeout, std::chrono::milliseconds(100));
  }
  // A measuring window (idle CPU, buffers settling): the length is what is measured.
  void run_for(std::chrono::milliseconds d) {
    edgegw::test::run_loop_while(
        loop, [] { return true; }, d, std::chrono::milliseconds(100));
  }
};

// Connects every session with at most `parallel` handshakes in progress; returns how many are
// online at the end.
std::size_t connect_all(Bench& b, std::vector<std::unique_ptr<Session>>& sessions,
                        const ConnectOptions& base, std::size_t parallel) {
  std::size_t next = 0, settled = 0;
  auto in_progress = [&] { return next - settled; };
  std::vector<bool> counted(sessions.size(), false);
  while (settled < sessions.size()) {
    while (next < sessions.size() && in_progress() < parallel) {
      auto o = base;
      o.client_id = "bench-" + std::to_string(next);
      sessions[next]->failed = false;
      sessions[next]->connection.connect(o);
      ++next;
    }
    sd_event_run(b.loop, 100000);
    for (std::size_t i = settled; i < next; ++i) {
      if (!counted[i] && (sessions[i]->online || sessions[i]->failed)) counted[i] = true;
    }
    while (settled < next && counted[settled]) ++settled;
  }
  std::size_t online = 0;
  for (auto& s : sessions) online += s->online;
  return online;
}

void throughput(Bench& b, std::vector<std::unique_ptr<Session>>& sessions, std::size_t count,
                long per_session) {
  for (std::size_t i = 0; i < count; ++i) {
    sessions[i]->sent = sessions[i]->acked = 0;
    sessions[i]->target = per_session;
    sessions[i]->pump = true;
  }
  auto start = Clock::now();
  for (std::size_t i = 0; i < count; ++i) sessions[i]->refill();
  b.run_until(
      [&] {
        for (std::size_t i = 0; i < count; ++i) {
          if (sessions[i]->acked < per_session && sessions[i]->online) return false;
        }
        return true;
      },
      120s);
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  long total = 0;
  for (std::size_t i = 0; i < count; ++i) {
    total += sessions[i]->acked;
    sessions[i]->pump = false;
  }
  std::printf(
      "QoS 1 through %zu session(s): %ld msgs in %.2f s = %.0f msgs/s (64-byte payload, "
      "window 16)\n",
      count, total, secs, total / secs);
}

}  // namespace

// Heap per idle session for `n` fresh sessions made from `base` (connected, settled, trimmed).
double idle_heap_per_session(Bench& b, const ConnectOptions& base, std::size_t n,
                             std::size_t* online) {
  malloc_trim(0);
  auto before = heap_in_use();
  std::vector<std::unique_ptr<Session>> sessions;
  for (std::size_t i = 0; i < n; ++i)
    sessions.push_back(std::make_unique<Session>(b.loop, *b.resolver));
  *online = connect_all(b, sessions, base, 64);
  b.run_for(1s);
  malloc_trim(0);
  auto after = heap_in_use();
  for (auto& s : sessions) s->connection.disconnect();
  sessions.clear();
  b.run_for(500ms);
  return double(after - before) / double(n);
}

// MQTT over WebSocket (issue 19): the same idle sessions over wss next to plain TLS, both fresh
// here so the two figures are measured alike.
void websocket_memory(Bench& b, const ConnectOptions& tls_base, std::uint16_t wss_port,
                      std::size_t n) {
  std::size_t tls_online = 0, wss_online = 0;
  auto tls = idle_heap_per_session(b, tls_base, n, &tls_online);
  auto wss_base = tls_base;
  wss_base.port = wss_port;
  wss_base.ws_path = "/mqtt";
  auto wss = idle_heap_per_session(b, wss_base, n, &wss_online);
  std::printf("memory per idle session (%zu sessions; online tls %zu, wss %zu)\n", n, tls_online,
              wss_online);
  std::printf("figure | ours | peer | ratio\n");
  std::printf("heap per idle session, wss vs TLS | %.0f B | %.0f B | %.2f\n", wss, tls, wss / tls);
}

int main(int argc, char** argv) {
  CRYPTO_set_mem_functions(counting_malloc, counting_realloc, counting_free);
  std::size_t n = argc > 1 ? std::stoul(argv[1]) : 10000;
  int idle_seconds = argc > 2 ? std::stoi(argv[2]) : 20;
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);  // mosquitto, started below, inherits it too
  std::printf("sessions=%zu RLIMIT_NOFILE=%lu\n", n, static_cast<unsigned long>(lim.rlim_cur));

  edgegw::test::TestPki pki;
  auto port = edgegw::test::free_tcp_port();
  auto wss_port = edgegw::test::free_tcp_port();
  const std::string certs = "cafile " + pki.ca_cert().string() + "\ncertfile " +
                            pki.server().cert.string() + "\nkeyfile " + pki.server().key.string() +
                            "\n";
  edgegw::test::MosquittoBroker broker(
      "listener " + std::to_string(port) +
          " 127.0.0.1\nallow_anonymous true\nmax_connections -1\n" + certs + "listener " +
          std::to_string(wss_port) + " 127.0.0.1\nprotocol websockets\n" + certs,
      {port, wss_port});
  broker.start();

  Bench b;
  TlsContextCache cache;
  TlsConfig config;
  config.ca_file = pki.ca_cert().string();
  std::string error;
  ConnectOptions base;
  base.host = "127.0.0.1";
  base.port = port;
  base.tls = cache.get(config, &error);
  base.keepalive = 60s;
  base.connect_timeout = 60s;
  if (!base.tls) {
    std::printf("TLS context: %s\n", error.c_str());
    return 1;
  }

  int fds_before = open_fds();
  auto heap_before = heap_in_use();
  long openssl_before = openssl_live;
  std::vector<std::unique_ptr<Session>> sessions;
  for (std::size_t i = 0; i < n; ++i)
    sessions.push_back(std::make_unique<Session>(b.loop, *b.resolver));

  auto cpu0 = cpu_seconds();
  auto t0 = Clock::now();
  auto online = connect_all(b, sessions, base, 64);
  auto full_cpu = cpu_seconds() - cpu0;
  auto full_wall = std::chrono::duration<double>(Clock::now() - t0).count();
  b.run_for(1s);  // let TLS 1.3 tickets and stray bytes arrive; buffers get released
  malloc_trim(0);
  int fds_after = open_fds();
  auto heap_after = heap_in_use();
  long openssl_after = openssl_live;
  std::printf("online: %zu of %zu TLS sessions (connect wall time %.1f s)\n", online, n, full_wall);
  for (auto& s : sessions) {
    if (!s->online) {
      std::printf("  first failure: %s\n", s->why.c_str());
      break;
    }
  }
  std::printf("fds per session: %.2f\n", double(fds_after - fds_before) / n);
  std::printf(
      "user-space heap per idle TLS session: %.0f bytes (mallinfo2 delta %zu / %zu, incl. "
      "Connection object and its stored TLS session)\n",
      double(heap_after - heap_before) / n, heap_after - heap_before, n);
  std::printf("  of which OpenSSL holds: %.0f bytes per session\n",
              double(openssl_after - openssl_before) / n);
  std::printf("client CPU per full TLS handshake (+ MQTT CONNECT): %.0f us\n", full_cpu / n * 1e6);

  // Idle: all online at keepalive 60 s.
  auto idle_cpu0 = cpu_seconds();
  auto broker_pid = pid_with_argument_under(broker.dir().string());
  auto broker_cpu0 = broker_pid > 0 ? process_cpu_seconds(broker_pid) : 0;
  b.run_for(std::chrono::seconds(idle_seconds));
  auto idle_cpu = cpu_seconds() - idle_cpu0;
  auto broker_idle_cpu = broker_pid > 0 ? process_cpu_seconds(broker_pid) - broker_cpu0 : -1;
  std::size_t still = 0;
  for (auto& s : sessions) still += s->online;
  std::printf(
      "idle %d s with %zu online at keepalive 60 s: client CPU %.2f%% of one core, "
      "mosquitto %.2f%%; still online %zu\n",
      idle_seconds, online, idle_cpu / idle_seconds * 100, broker_idle_cpu / idle_seconds * 100,
      still);

  // Resumed handshakes: disconnect a sample and reconnect it.
  std::size_t sample = std::min<std::size_t>(n, 2000);
  std::vector<std::unique_ptr<Session>> part;
  for (std::size_t i = 0; i < sample; ++i) {
    sessions[i]->connection.disconnect();
    sessions[i]->online = false;
    part.push_back(std::move(sessions[i]));
  }
  cpu0 = cpu_seconds();
  connect_all(b, part, base, 64);
  auto resumed_cpu = cpu_seconds() - cpu0;
  std::size_t resumed = 0;
  for (auto& s : part) resumed += s->connection.session_resumed();
  std::printf(
      "client CPU per resumed TLS handshake (+ MQTT CONNECT): %.0f us (%zu of %zu "
      "resumed)\n",
      resumed_cpu / sample * 1e6, resumed, sample);
  for (std::size_t i = 0; i < sample; ++i) sessions[i] = std::move(part[i]);

  throughput(b, sessions, 1, 50000);
  throughput(b, sessions, std::min<std::size_t>(100, n), 2000);

  for (auto& s : sessions) s->connection.disconnect();
  sessions.clear();
  b.run_for(500ms);
  websocket_memory(b, base, wss_port, std::min<std::size_t>(n, 2000));
  return 0;
}
