// A scripted broker (a small TCP server thread) that answers CONNECT with exact bytes: malformed
// packets, oversized packets, refusals, silence and hang-ups must each end the connection cleanly
// with the right Outcome, never a crash (this file also runs under ASan).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "loop_fixture.hpp"

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
  }

  std::string script_;
  bool hang_up_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> received_{0};
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
    o.connect_timeout = 500ms;
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
  // Announces a 100 MB PUBLISH: refused on the header, nothing of that size is buffered.
  auto outcome = run_against(kConnackOk + bytes({0x30, 0x80, 0x80, 0x80, 0x30}), false, 4096);
  EXPECT_EQ(outcome.reason, CloseReason::protocol_error);
  EXPECT_EQ(outcome.detail, "packet exceeds the size limit");
  // Just over the cap, sent in full.
  std::string big;
  encode_publish(big, "t", std::string(5000, 'x'), 0, false, false, 0);
  outcome = run_against(kConnackOk + big, false, 4096);
  EXPECT_EQ(outcome.detail, "packet exceeds the size limit");
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

}  // namespace
}  // namespace edgegw::mqtt::test
