// A broker that accepts the local source and drops it right after CONNACK (an ACL or plugin that
// kicks the client, a broker at its connection limit) must see the source back off like one that
// refuses: the reconnect interval grows. Resetting the backoff on every CONNACK made such a
// source reconnect about twice a second forever.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "mqtt/resolver.hpp"
#include "southbound/local_mqtt_source.hpp"
#include "support/loop_runner.hpp"

namespace edgegw::southbound {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A TCP server on a loopback port that answers each connection's first bytes (the CONNECT) with
// CONNACK "accepted" and closes it at once; it notes when each connection came.
class ConnackThenClose {
 public:
  ConnackThenClose() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      throw std::runtime_error("cannot listen on loopback");
    }
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~ConnackThenClose() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }
  std::uint16_t port() const { return port_; }
  std::vector<Clock::time_point> connections() const {
    std::lock_guard lock(mutex_);
    return connections_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      {
        std::lock_guard lock(mutex_);
        connections_.push_back(Clock::now());
      }
      pollfd c{fd, POLLIN, 0};
      char connect[256];
      if (::poll(&c, 1, 2000) > 0 && ::recv(fd, connect, sizeof connect, 0) > 0) {
        const unsigned char connack[] = {0x20, 0x02, 0x00, 0x00};
        [[maybe_unused]] auto n = ::send(fd, connack, sizeof connack, MSG_NOSIGNAL);
      }
      ::close(fd);
    }
  }

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<Clock::time_point> connections_;
  std::thread thread_;
};

TEST(LocalMqttBackoff, ABrokerThatDropsUsAfterConnackGetsGrowingReconnectIntervals) {
  ConnackThenClose broker;
  sd_event* loop = nullptr;
  ASSERT_GE(sd_event_new(&loop), 0);
  {
    mqtt::Resolver resolver(loop);
    LocalMqttOptions o;
    o.host = "127.0.0.1";
    o.port = broker.port();
    o.client_id = "edgegw-backoff";
    MqttDeviceOptions room_options;
    room_options.topic = "sensors/room1";
    LocalMqttDevice room("room1", room_options);
    LocalMqttSource source(loop, resolver, o, {room}, [](store::Record, std::function<void()>) {});
    source.start();
    // Backoff windows 0.5 s, 1 s, 2 s, 4 s (equal jitter: each delay in the upper half).
    ASSERT_TRUE(test::run_loop_until(
        loop, [&] { return broker.connections().size() >= 5; }, 20s));
    EXPECT_GE(source.counters().connects, 4u);  // each attempt did get its CONNACK
    const auto at = broker.connections();
    const auto gap = [&](std::size_t i) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(at[i + 1] - at[i]);
    };
    EXPECT_LE(gap(0), 1500ms);  // 250-500 ms, with room for a busy machine
    EXPECT_GE(gap(3), 1900ms) << "the 4th reconnect came " << gap(3).count() << " ms after the 3rd";
    EXPECT_GT(gap(3), gap(0));
  }
  sd_event_unref(loop);
}

}  // namespace
}  // namespace edgegw::southbound
