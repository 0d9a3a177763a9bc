// [metrics] listen under the real binary: GET /metrics answers the metric names of the metrics
// file, /healthz says 200 while the store writes and 503 (with the reason) while the outbox cannot
// commit or its directory takes no new files, other methods are 405, other paths 404, IPv6
// loopback works, a port already taken stops the start with the address in the error, and a
// reload moves the endpoint (or keeps the old one when the new port is taken).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <set>
#include <sstream>

#include "ops_fixture.hpp"
#include "support/net.hpp"
#include "support/other_sqlite_connections.hpp"
#include "support/wait.hpp"

namespace edgegw::test {
namespace {

using namespace std::chrono_literals;

struct HttpResponse {
  int status = 0;  // 0: no answer
  std::string headers;
  std::string body;
};

// One request over a fresh connection (Connection: close), read to the end.
HttpResponse http(const std::string& ip, std::uint16_t port, const std::string& method,
                  const std::string& path, const std::string& body = "") {
  const bool v6 = ip.find(':') != std::string::npos;
  const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_storage address{};
  socklen_t size = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&address);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    ::inet_pton(AF_INET6, ip.c_str(), &a->sin6_addr);
    size = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&address);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    ::inet_pton(AF_INET, ip.c_str(), &a->sin_addr);
    size = sizeof *a;
  }
  HttpResponse out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), size) != 0) {
    ::close(fd);
    return out;
  }
  const std::string request =
      method + " " + path + " HTTP/1.1\r\nHost: " + ip +
      "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string raw;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) raw.append(buffer, n);
  ::close(fd);
  const auto end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) return out;
  out.status = std::stoi(raw.substr(9, 3));
  out.headers = raw.substr(0, end);
  out.body = raw.substr(end + 4);
  return out;
}

// The metric names of an exposition ("# TYPE name type" lines).
std::set<std::string> metric_names(const std::string& text) {
  std::set<std::string> names;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# TYPE ", 0) == 0) names.insert(line.substr(7, line.find(' ', 7) - 7));
  }
  return names;
}

class MetricsHttp : public OpsFixture {
 protected:
  void start_listening(const std::vector<std::string>& devices, const std::string& listen,
                       const std::string& store = "") {
    dir_.write("edgegw.toml",
               config_text(devices) + "[metrics]\nlisten = \"" + listen + "\"\n" + store);
    daemon_ = std::make_unique<Process>(
        std::vector<std::string>{EDGEGW_BINARY, "-c", config_file().string(), "run"});
  }
  bool wait_health(int status, std::chrono::milliseconds timeout = 20s) {
    return wait_until([&] { return http("127.0.0.1", port_, "GET", "/healthz").status == status; },
                      timeout, 50ms);
  }
  std::uint16_t port_ = free_tcp_port();
};

TEST_F(MetricsHttp, ServesTheMetricsOfTheFileAndHealth) {
  start_listening({"meter-1"}, "127.0.0.1:" + std::to_string(port_));
  ASSERT_TRUE(wait_online({"meter-1"})) << daemon_->output();
  publish_reading("meter-1", "{\"voltage\": 1}");
  const std::string acked = "edgegw_acknowledged_total{device=\"meter-1\"} 1\n";
  HttpResponse metrics;
  ASSERT_TRUE(wait_until(
      [&] {
        metrics = http("127.0.0.1", port_, "GET", "/metrics");
        return metrics.body.find(acked) != std::string::npos;
      },
      20s, 50ms))
      << metrics.body;
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.headers.find("Content-Type: text/plain; version=0.0.4"), std::string::npos)
      << metrics.headers;
  ASSERT_TRUE(wait_until([&] { return read_file(metrics_file()).find(acked) != std::string::npos; },
                         20s, 50ms));
  const auto names = metric_names(metrics.body);
  EXPECT_GT(names.size(), 20u);
  EXPECT_EQ(names, metric_names(read_file(metrics_file())));

  const HttpResponse health = http("127.0.0.1", port_, "GET", "/healthz");
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(health.body, "ok\n");
}

TEST_F(MetricsHttp, OnlyGetAndOnlyMetricsAndHealthz) {
  start_listening({"meter-1"}, std::to_string(port_));  // a port alone: 127.0.0.1
  ASSERT_TRUE(wait_health(200)) << daemon_->output();
  const HttpResponse post = http("127.0.0.1", port_, "POST", "/metrics", "a=1");
  EXPECT_EQ(post.status, 405) << post.headers;
  EXPECT_NE(post.headers.find("Allow: GET"), std::string::npos) << post.headers;
  EXPECT_EQ(http("127.0.0.1", port_, "DELETE", "/healthz").status, 405);
  EXPECT_EQ(http("127.0.0.1", port_, "GET", "/").status, 404);
  EXPECT_EQ(http("127.0.0.1", port_, "GET", "/status.json").status, 404);
  // Still serving after the refusals.
  EXPECT_EQ(http("127.0.0.1", port_, "GET", "/metrics").status, 200);
}

TEST_F(MetricsHttp, ListensOnIpv6Loopback) {
  start_listening({"meter-1"}, "[::1]:" + std::to_string(port_));
  HttpResponse health;
  const bool answered = wait_until(
      [&] {
        health = http("::1", port_, "GET", "/healthz");
        return health.status == 200;
      },
      20s, 50ms);
  if (!answered && daemon_->output().find("Cannot assign requested address") != std::string::npos)
    GTEST_SKIP() << "no IPv6 loopback here";
  ASSERT_TRUE(answered) << daemon_->output();
  EXPECT_EQ(http("::1", port_, "GET", "/metrics").status, 200);
  EXPECT_EQ(http("127.0.0.1", port_, "GET", "/metrics").status, 0);  // not on IPv4
}

TEST_F(MetricsHttp, APortInUseStopsTheStartNamingTheAddress) {
  const int taken = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port_);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(taken, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(taken, 1), 0);
  start_listening({"meter-1"}, "127.0.0.1:" + std::to_string(port_));
  const auto code = daemon_->wait(20s);
  ::close(taken);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 1);
  EXPECT_NE(daemon_->output().find("[metrics] cannot listen on 127.0.0.1:" + std::to_string(port_) +
                                   ": Address already in use"),
            std::string::npos)
      << daemon_->output();
  EXPECT_FALSE(std::filesystem::exists(dir_ / "state" / "outbox.db"));  // nothing else started
}

// A reload moves the endpoint to a changed [metrics] listen; a new port that is taken keeps the
// old one serving, and says why; [metrics] removed stops it.
TEST_F(MetricsHttp, AReloadMovesTheEndpointOrKeepsTheOldOneWhenTheNewPortIsTaken) {
  start_listening({"meter-1"}, "127.0.0.1:" + std::to_string(port_));
  ASSERT_TRUE(wait_health(200)) << daemon_->output();
  const auto reload_to = [&](const std::string& metrics, std::uint64_t reloads) {
    dir_.write("edgegw.toml", config_text({"meter-1"}) + metrics);
    daemon_->signal(SIGHUP);
    return wait_status([&](const daemon::StatusReport& r) { return r.reloads == reloads; });
  };
  // Moved: the new port answers, the old one no longer does.
  const std::uint16_t moved = free_tcp_port();
  ASSERT_TRUE(reload_to("[metrics]\nlisten = \"127.0.0.1:" + std::to_string(moved) + "\"\n", 1))
      << daemon_->output();
  EXPECT_TRUE(wait_until([&] { return http("127.0.0.1", moved, "GET", "/healthz").status == 200; },
                         10s, 50ms))
      << daemon_->output();
  EXPECT_EQ(http("127.0.0.1", port_, "GET", "/healthz").status, 0);
  EXPECT_NE(daemon_->output().find("(was http://127.0.0.1:" + std::to_string(port_) + ")"),
            std::string::npos)
      << daemon_->output();

  // A port someone else holds: the old endpoint keeps serving, and the log says why.
  const std::uint16_t held_port = free_tcp_port();
  const int held = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(held_port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(held, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(held, 1), 0);
  ASSERT_TRUE(reload_to("[metrics]\nlisten = \"127.0.0.1:" + std::to_string(held_port) + "\"\n", 2))
      << daemon_->output();
  ::close(held);
  EXPECT_TRUE(wait_until(
      [&] {
        return daemon_->output().find("cannot listen on 127.0.0.1:" + std::to_string(held_port) +
                                      ": Address already in use; still serving /metrics on "
                                      "http://127.0.0.1:" +
                                      std::to_string(moved)) != std::string::npos;
      },
      10s))
      << daemon_->output();
  EXPECT_EQ(http("127.0.0.1", moved, "GET", "/healthz").status, 200);

  // Now free: the same file reloaded again takes it.
  daemon_->signal(SIGHUP);
  EXPECT_TRUE(wait_until(
      [&] { return http("127.0.0.1", held_port, "GET", "/healthz").status == 200; }, 10s, 50ms))
      << daemon_->output();
  EXPECT_EQ(http("127.0.0.1", moved, "GET", "/healthz").status, 0);

  // The same port on every address: it conflicts only with the old socket, which makes way.
  ASSERT_TRUE(reload_to("[metrics]\nlisten = \"0.0.0.0:" + std::to_string(held_port) + "\"\n", 4))
      << daemon_->output();
  EXPECT_TRUE(wait_until(
      [&] {
        return daemon_->output().find("on http://0.0.0.0:" + std::to_string(held_port) +
                                      " (was http://127.0.0.1:" + std::to_string(held_port) +
                                      ")") != std::string::npos;
      },
      10s))
      << daemon_->output();
  EXPECT_EQ(http("127.0.0.1", held_port, "GET", "/healthz").status, 200);

  // [metrics] gone: nothing listens.
  ASSERT_TRUE(reload_to("", 5)) << daemon_->output();
  EXPECT_TRUE(wait_until(
      [&] { return http("127.0.0.1", held_port, "GET", "/healthz").status == 0; }, 10s, 50ms));
  daemon_->signal(SIGTERM);
  EXPECT_EQ(daemon_->wait(20s), std::optional<int>(0)) << daemon_->output();
}

TEST_F(MetricsHttp, HealthFailsWhileTheOutboxCannotCommitAndRecovers) {
  start_listening({"meter-1"}, "127.0.0.1:" + std::to_string(port_));
  ASSERT_TRUE(wait_online({"meter-1"})) << daemon_->output();
  ASSERT_TRUE(wait_health(200)) << daemon_->output();

  WriteLock lock((dir_ / "state" / "outbox.db").string());
  ASSERT_TRUE(lock.held());
  publish_reading("meter-1", "{\"voltage\": 2}");
  HttpResponse health;
  ASSERT_TRUE(wait_until(
      [&] {
        health = http("127.0.0.1", port_, "GET", "/healthz");
        return health.status == 503;
      },
      20s, 50ms))
      << health.status << " " << health.body << daemon_->output();
  EXPECT_NE(health.body.find("the outbox cannot commit (database is locked)"), std::string::npos)
      << health.body;
  EXPECT_EQ(http("127.0.0.1", port_, "GET", "/metrics").status, 200);  // metrics still answer

  lock.release();
  ASSERT_TRUE(wait_health(200)) << daemon_->output();
  const std::string acked = "edgegw_acknowledged_total{device=\"meter-1\"} 1\n";
  EXPECT_TRUE(wait_until(
      [&] {
        return http("127.0.0.1", port_, "GET", "/metrics").body.find(acked) != std::string::npos;
      },
      20s, 50ms));
}

// While the outbox cannot commit, a local broker keeps delivering QoS 0 messages: the daemon
// keeps what waits in memory within store.max_queued, dropping the oldest, counts them in the
// metrics and says so in the journal; once the lock goes, what it kept is stored and delivered.
// Before, every reading waited in memory for as long as the commits failed.
TEST_F(MetricsHttp, ReadingsWaitingWhileTheOutboxCannotCommitStayWithinMaxQueued) {
  // The cloud's per-device quota (30 a second by default) would take 100 s for the 3,000 readings
  // that may all arrive once the lock is gone, on a loaded machine.
  std::string config = config_text({"meter-1"});
  config.replace(config.find("[cloud]\n"), 8, "[cloud]\npublish_rate = 100000\n");
  dir_.write("edgegw.toml", config + "[metrics]\nlisten = \"127.0.0.1:" + std::to_string(port_) +
                                "\"\n[store]\nmax_queued = \"64KiB\"\n");
  daemon_ = std::make_unique<Process>(
      std::vector<std::string>{EDGEGW_BINARY, "-c", config_file().string(), "run"});
  ASSERT_TRUE(wait_online({"meter-1"})) << daemon_->output();
  ASSERT_TRUE(wait_health(200)) << daemon_->output();
  WriteLock lock((dir_ / "state" / "outbox.db").string());
  ASSERT_TRUE(lock.held());

  constexpr int kMessages = 3000;  // ~600 bytes each: ~1.8 MB of readings against 64 KiB
  std::string lines;
  for (int i = 0; i < kMessages; ++i) {
    lines +=
        "{\"voltage\": " + std::to_string(i) + ", \"note\": \"" + std::string(500, 'n') + "\"}\n";
  }
  publish_lines("meter-1", lines, 0);

  auto metric = [&](const std::string& line_start) -> std::uint64_t {
    const std::string body = http("127.0.0.1", port_, "GET", "/metrics").body;
    const auto at = body.find("\n" + line_start + " ");
    return at == std::string::npos ? 0 : std::stoull(body.substr(at + line_start.size() + 2));
  };
  std::uint64_t dropped = 0;
  EXPECT_TRUE(wait_until(
      [&] {
        dropped = metric("edgegw_outbox_dropped_queued_total");
        return dropped > kMessages / 2;
      },
      20s, 50ms))
      << "dropped " << dropped << daemon_->output();
  EXPECT_NE(daemon_->output().find("passed store.max_queued: dropped the oldest"),
            std::string::npos)
      << daemon_->output();

  lock.release();
  ASSERT_TRUE(wait_health(200)) << daemon_->output();
  std::uint64_t acked = 0;
  EXPECT_TRUE(wait_until(
      [&] {
        dropped = metric("edgegw_outbox_dropped_queued_total");
        acked = metric("edgegw_acknowledged_total{device=\"meter-1\"}");
        return acked + dropped == kMessages;
      },
      20s, 50ms))
      << "acknowledged " << acked << ", dropped " << dropped << daemon_->output();
  EXPECT_GT(acked, 0u);
}

// The state directory stops taking new files (here a read-only bind mount over it, as a file
// system remounted read-only after I/O errors looks to the paths; the daemon's open files are
// untouched, so only the probe can tell). Skipped where this process may not mount.
TEST_F(MetricsHttp, HealthFailsWhenTheStateDirectoryTakesNoFiles) {
  start_listening({"meter-1"}, "127.0.0.1:" + std::to_string(port_));
  ASSERT_TRUE(wait_online({"meter-1"})) << daemon_->output();
  ASSERT_TRUE(wait_health(200)) << daemon_->output();
  const auto state = dir_ / "state";
  if (::mount(state.c_str(), state.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    GTEST_SKIP() << "cannot bind-mount here: " << std::strerror(errno);
  }
  struct Unmount {
    std::filesystem::path at;
    bool mounted = true;
    void now() {
      if (mounted) ::umount2(at.c_str(), MNT_DETACH);
      mounted = false;
    }
    ~Unmount() { now(); }
  } unmount{state};
  ASSERT_EQ(::mount(nullptr, state.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr), 0)
      << std::strerror(errno);

  HttpResponse health;
  ASSERT_TRUE(wait_until(
      [&] {
        health = http("127.0.0.1", port_, "GET", "/healthz");
        return health.status == 503;
      },
      20s, 50ms))
      << health.status << " " << health.body;
  EXPECT_EQ(health.body, "cannot create files in " + state.string() + ": Read-only file system\n");
  unmount.now();
  EXPECT_TRUE(wait_health(200)) << daemon_->output();
}

}  // namespace
}  // namespace edgegw::test
