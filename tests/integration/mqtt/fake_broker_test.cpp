// A scripted broker (a small TCP server thread) that answers CONNECT with exact bytes: malformed
// packets, oversized packets, refusals, silence and hang-ups must each end the connection cleanly
// with the right Outcome, never a crash (this file also runs under ASan).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <thread>

#include "loop_fixture.hpp"
#include "mqtt/codec.hpp"
#include "support/net.hpp"

namespace edgegw::mqtt::test {
namespace {

using namespace std::chrono_literals;

std::string bytes(std::initializer_list<int> list) {
  std::string s;
  for (int b : list) s.push_back(static_cast<char>(b));
  return s;
}

const std::string kConnackOk = bytes({0x20, 2, 0, 0});

// Accepts one client, waits for its first bytes (the CONNECT), sends `script`, then keeps the
// socket open until the client closes it (or closes at once when hang_up is set).
class ScriptedBroker {
 public:
  explicit ScriptedBroker(std::string script, bool hang_up = false)
      : script_(std::move(script)), hang_up_(hang_up) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(listener_, 4);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedBroker() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }
  std::uint16_t port() const { return port_; }
  std::size_t received() const { return received_; }
  bool done() const { return done_; }  // the script was sent and the socket closed

 private:
  bool wait_readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    while (!stop_) {
      if (::poll(&p, 1, 20) > 0) return true;
    }
    return false;
  }
  void serve() {
    if (!wait_readable(listener_)) return;
    int fd = ::accept(listener_, nullptr, nullptr);
    char buf[4096];
    if (wait_readable(fd)) received_ += std::max<ssize_t>(0, ::recv(fd, buf, sizeof buf, 0));
    ::send(fd, script_.data(), script_.size(), MSG_NOSIGNAL);
    if (!hang_up_) {
      while (wait_readable(fd)) {
        auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        received_ += n;
      }
    }
    ::close(fd);
    done_ = true;
  }

  std::string script_;
  bool hang_up_;
  std::atomic<bool> done_{false};
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> received_{0};
  std::thread thread_;
};

// Issue 14: a broker that floods QoS 1 PUBLISHes and never reads what we send. Its receive buffer
// is tiny, so our PUBACKs back up in the client at once.
class FloodingBroker {
 public:
  FloodingBroker() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int small = 4096;
    ::setsockopt(listener_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(listener_, 4);
    thread_ = std::thread([this] { serve(); });
  }
  ~FloodingBroker() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }
  std::uint16_t port() const { return port_; }
  bool client_closed() const { return client_closed_; }

 private:
  void serve() {
    pollfd p{listener_, POLLIN, 0};
    while (!stop_ && ::poll(&p, 1, 20) <= 0) {
    }
    if (stop_) return;
    int fd = ::accept(listener_, nullptr, nullptr);
    char buf[512];
    ::recv(fd, buf, sizeof buf, 0);  // the CONNECT, then never read again
    ::send(fd, kConnackOk.data(), kConnackOk.size(), MSG_NOSIGNAL);
    std::string burst;
    for (int i = 1; i <= 200; ++i) {
      encode_publish(burst, "flood", "x", 1, false, false, static_cast<std::uint16_t>(i));
    }
    // Floods until the client closes or the test ends: a time limit of its own (it had 8 s) ran
    // out first on a loaded machine under ASan, and its close read as the client's failure.
    while (!stop_) {
      pollfd w{fd, POLLOUT, 0};
      if (::poll(&w, 1, 20) <= 0) continue;
      if (::send(fd, burst.data(), burst.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
          errno != EAGAIN) {
        client_closed_ = true;
        break;
      }
    }
    ::close(fd);
  }

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> client_closed_{false};
  std::thread thread_;
};

class FakeBrokerTest : public LoopFixture {
 protected:
  Outcome run_against(const std::string& script, bool hang_up = false,
                      std::uint32_t max_packet = 1u << 20) {
    ScriptedBroker broker(script, hang_up);
    RecordingHandler h;
    Connection c(loop_, *resolver_, h);
    auto o = plain_options(broker.port(), "fake");
    // Long enough that a stalled broker thread on a busy machine is not taken for a silent broker
    // (the one case below that expects the timeout waits it out).
    o.connect_timeout = 2s;
    o.max_incoming_packet = max_packet;
    c.connect(o);
    EXPECT_TRUE(run_until([&] { return !h.closed.empty(); }, 5s));
    EXPECT_FALSE(c.connected());
    EXPECT_EQ(c.fd(), -1);  // the socket is closed
    return h.closed.empty() ? Outcome{} : h.closed[0];
  }
};

TEST_F(FakeBrokerTest, MalformedPacketsAreProtocolErrors) {
  struct Case {
    std::string script;
    const char* detail;
  };
  const Case cases[] = {
      {kConnackOk + bytes({0x30, 0xff, 0xff, 0xff, 0xff, 0x7f}), "malformed remaining length"},
      {kConnackOk + bytes({0x36, 5, 0, 1, 't', 0, 1}), "invalid fixed-header flags"},
      {kConnackOk + bytes({0x30, 4, 0, 2, 0xc3, 0x28}), "topic is not valid MQTT UTF-8"},
      {kConnackOk + bytes({0x30, 3, 0, 9, 't'}), "truncated packet field"},
      {kConnackOk + bytes({0x10, 0}), "unexpected packet type"},
      {bytes({0x40, 2, 0, 1}), "packet before CONNACK"},
      {kConnackOk + kConnackOk, "unexpected CONNACK"},
      {kConnackOk + bytes({0x34, 5, 0, 1, 't', 0, 1}), "QoS 2 PUBLISH is not supported"},
  };
  for (const auto& c : cases) {
    auto outcome = run_against(c.script);
    EXPECT_EQ(outcome.reason, CloseReason::protocol_error) << c.detail;
    EXPECT_EQ(outcome.detail, c.detail);
  }
}

TEST_F(FakeBrokerTest, OversizedPacketIsRefusedFromItsHeader) {
  // Announces a 100 MB SUBACK: refused on the header, nothing of that size is buffered.
  auto outcome = run_against(kConnackOk + bytes({0x90, 0x80, 0x80, 0x80, 0x30}), false, 4096);
  EXPECT_EQ(outcome.reason, CloseReason::protocol_error);
  EXPECT_EQ(outcome.detail, "packet exceeds the size limit");
}

TEST_F(FakeBrokerTest, BrokerThatFloodsAndNeverReadsIsClosedWithBoundedOutput) {
  FloodingBroker broker;
  RecordingHandler h;
  Connection c(loop_, *resolver_, h);
  auto o = plain_options(broker.port(), "flooded");
  o.max_queued_bytes = 64 * 1024;
  std::size_t most_queued = 0;
  std::size_t messages = 0;
  h.after_message = [&](const Message& m) {
    ++messages;
    c.ack(m.packet_id);
    most_queued = std::max(most_queued, c.queued_bytes());
  };
  ASSERT_TRUE(c.connect(o));
  ASSERT_TRUE(run_until([&] { return !h.closed.empty(); }, 60s))
      << "still open after " << messages << " messages, " << c.queued_bytes() << " bytes queued";
  EXPECT_EQ(h.closed[0].reason, CloseReason::protocol_error);
  EXPECT_NE(h.closed[0].detail.find("does not read our acknowledgements"), std::string::npos)
      << h.closed[0].detail;
  EXPECT_LE(most_queued, o.max_queued_bytes);
  EXPECT_EQ(c.fd(), -1);
  EXPECT_TRUE(run_until([&] { return broker.client_closed(); }, 10s));
}

TEST_F(FakeBrokerTest, ConnectWithoutATimerFailsVisibly) {
  // A finished loop refuses new event sources: connect() must say so rather than start an attempt
  // that nothing would ever time out.
  sd_event_exit(loop_, 0);
  sd_event_loop(loop_);
  RecordingHandler h;
  Connection c(loop_, *resolver_, h);
  EXPECT_FALSE(c.connect(plain_options(edgegw::test::free_tcp_port(), "no-timer")));
  EXPECT_EQ(c.phase(), Connection::Phase::idle);
}

TEST_F(FakeBrokerTest, RefusalHangUpAndSilence) {
  auto refused = run_against(bytes({0x20, 2, 0, 4}));
  EXPECT_EQ(refused.reason, CloseReason::refused);
  EXPECT_EQ(refused.connack_code, 4);
  auto hung_up = run_against("", true);
  EXPECT_EQ(hung_up.reason, CloseReason::peer_closed);
  auto silent = run_against("");  // never sends CONNACK
  EXPECT_EQ(silent.reason, CloseReason::timeout);
  EXPECT_NE(silent.detail.find("waiting for CONNACK"), std::string::npos) << silent.detail;
}

TEST_F(FakeBrokerTest, PartialPacketsAcrossReadsAreReassembled) {
  // A CONNACK and a PUBLISH arriving in one segment with a packet split in the middle is covered
  // by the decoder tests; here: a valid session that then hangs up is peer_closed after online.
  ScriptedBroker broker(kConnackOk + bytes({0x30, 5, 0, 1, 't', 'h', 'i'}), true);
  RecordingHandler h;
  Connection c(loop_, *resolver_, h);
  c.connect(plain_options(broker.port(), "fake-ok"));
  ASSERT_TRUE(run_until([&] { return !h.closed.empty(); }));
  EXPECT_EQ(h.connected, 1);
  ASSERT_EQ(h.messages.size(), 1u);
  EXPECT_EQ(h.messages[0].payload, "hi");
  EXPECT_EQ(h.closed[0].reason, CloseReason::peer_closed);
}

TEST_F(FakeBrokerTest, HangUpThatArrivesWithTheLastPacketIsSeen) {
  // The CONNACK, a PUBLISH and the FIN all reach the socket before the loop polls it again: one
  // readiness edge for all three, and recv() stops short before the FIN. The read must go on
  // until the socket answers EAGAIN or end of file, or an edge-triggered socket never reports
  // the hang-up (the session would sit "online" until its keepalive ran out).
  ScriptedBroker broker(kConnackOk + bytes({0x30, 5, 0, 1, 't', 'h', 'i'}), true);
  RecordingHandler h;
  Connection c(loop_, *resolver_, h);
  c.connect(plain_options(broker.port(), "fake-fin"));
  ASSERT_TRUE(run_until([&] { return c.phase() == Connection::Phase::awaiting_connack; }));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!broker.done() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  ASSERT_TRUE(broker.done());
  ASSERT_TRUE(run_until([&] { return !h.closed.empty(); }, 5s));
  EXPECT_EQ(h.connected, 1);
  ASSERT_EQ(h.messages.size(), 1u);
  EXPECT_EQ(h.closed[0].reason, CloseReason::peer_closed);
}

TEST_F(FakeBrokerTest, AShortReadEndsTheReadWhenNoHangUpCameWithIt) {
  // CONNACK and a PUBLISH, the connection left open: each wakeup's recv() comes back short and
  // ends the read (EPOLLRDHUP would have said if a FIN came too), with no recv() that finds
  // nothing (EAGAIN) after it.
  ScriptedBroker broker(kConnackOk + bytes({0x30, 5, 0, 1, 't', 'h', 'i'}));
  RecordingHandler h;
  Connection c(loop_, *resolver_, h);
  c.connect(plain_options(broker.port(), "fake-short"));
  ASSERT_TRUE(run_until([&] { return h.messages.size() == 1; }, 5s));
  EXPECT_EQ(h.connected, 1);
  EXPECT_TRUE(h.closed.empty());
  EXPECT_EQ(c.empty_reads(), 0u);
}

}  // namespace
}  // namespace edgegw::mqtt::test
