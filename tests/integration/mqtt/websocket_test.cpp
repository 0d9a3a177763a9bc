// MQTT over WebSocket and through an HTTP CONNECT proxy at the Connection level. Against
// mosquitto's websockets listener: large messages both ways (16- and 64-bit frame lengths) and the
// incoming size cap (an oversized PUBLISH is skipped, the connection stays). Against a scripted
// server: a refused or forged upgrade, a CONNACK split over fragments with a ping between (answered
// with a masked pong), the server's close frame, and a proxy that never answers or talks too much.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "loop_fixture.hpp"
#include "mqtt/ws_handshake.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/net.hpp"

namespace edgegw::mqtt::test {
namespace {

using namespace std::chrono_literals;
using edgegw::test::MosquittoBroker;

std::string server_frame(std::uint8_t first, std::string_view payload) {
  std::string f(1, static_cast<char>(first));
  f.push_back(static_cast<char>(payload.size()));  // < 126 in these scripts
  return f + std::string(payload);
}

// Accepts one client, reads its HTTP request, answers with `answer(key)` and then `script`, and
// records what the client sends after, until the client closes or the test ends.
class ScriptedWsServer {
 public:
  using Answer = std::function<std::string(const std::string& key)>;
  ScriptedWsServer(Answer answer, std::string script)
      : answer_(std::move(answer)), script_(std::move(script)) {
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
  ~ScriptedWsServer() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }
  std::uint16_t port() const { return port_; }
  std::string received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  // Sends more bytes to the client (from the test thread).
  void send(const std::string& bytes) { ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }

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
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos && wait_readable(fd)) {
      auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      request.append(buf, static_cast<std::size_t>(n));
    }
    std::string key;
    if (auto at = request.find("Sec-WebSocket-Key: "); at != std::string::npos) {
      key = request.substr(at + 19, request.find("\r\n", at) - at - 19);
    }
    auto answer = answer_(key) + script_;
    ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
    fd_ = fd;
    while (wait_readable(fd)) {
      auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      std::lock_guard lock(mutex_);
      received_.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
  }

  Answer answer_;
  std::string script_;
  int listener_ = -1;
  std::atomic<int> fd_{-1};
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::string received_;
  std::thread thread_;
};

std::string accept_answer(const std::string& key) {
  return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Accept: " +
         ws::accept_for(key) + "\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n";
}

// Client frames from `wire`, unmasked: (opcode, payload).
std::vector<std::pair<int, std::string>> client_frames(const std::string& wire) {
  std::vector<std::pair<int, std::string>> frames;
  std::size_t at = 0;
  while (at + 6 <= wire.size()) {
    int opcode = wire[at] & 0x0f;
    std::size_t length = wire[at + 1] & 0x7f, header = 2;
    if (length == 126) {
      length =
          (static_cast<std::uint8_t>(wire[at + 2]) << 8) | static_cast<std::uint8_t>(wire[at + 3]);
      header = 4;
    }
    if (at + header + 4 + length > wire.size()) break;
    std::string payload = wire.substr(at + header + 4, length);
    for (std::size_t i = 0; i < length; ++i) payload[i] ^= wire[at + header + (i & 3)];
    frames.emplace_back(opcode, payload);
    at += header + 4 + length;
  }
  return frames;
}

class WebSocketTest : public LoopFixture {
 protected:
  ConnectOptions ws_options(std::uint16_t port, const std::string& id) {
    auto o = plain_options(port, id);
    o.ws_path = "/mqtt";
    return o;
  }
};

TEST_F(WebSocketTest, LargeMessagesBothWaysAndTheIncomingCapOverMosquitto) {
  // A TCP listener too: mosquitto 2.0.11 may exit with "Unable to start any listening sockets"
  // when its only listener is a websockets one.
  auto tcp_port = edgegw::test::free_tcp_port();
  auto port = edgegw::test::free_tcp_port();
  MosquittoBroker broker("listener " + std::to_string(tcp_port) +
                             " 127.0.0.1\nallow_anonymous true\nlistener " + std::to_string(port) +
                             " 127.0.0.1\nprotocol websockets\n",
                         {tcp_port, port});
  broker.start();
  RecordingHandler h;
  Connection c(loop_, *resolver_, h);
  auto o = ws_options(port, "ws-big");
  o.max_incoming_packet = 100000;
  c.connect(o);
  ASSERT_TRUE(run_until([&] { return h.connected == 1 || !h.closed.empty(); }));
  ASSERT_EQ(h.connected, 1) << h.closed[0].detail << broker.log();
  ASSERT_TRUE(c.subscribe({{"ws/#", 1}}));
  ASSERT_TRUE(run_until([&] { return h.subacks.size() == 1; }));
  const std::string medium(300, 'm'), large(70000, 'L'), too_large(150000, 'X');
  ASSERT_TRUE(c.publish("ws/medium", medium, 1));
  ASSERT_TRUE(c.publish("ws/large", large, 1));
  ASSERT_TRUE(c.publish("ws/too-large", too_large, 1))
      << (h.closed.empty() ? "" : h.closed[0].detail) << c.queued_bytes() << broker.log();
  ASSERT_TRUE(c.publish("ws/after", "small", 1));
  ASSERT_TRUE(run_until([&] { return h.messages.size() == 4; }, 10s))
      << (h.closed.empty() ? "" : h.closed[0].detail);
  EXPECT_EQ(h.messages[0].payload, medium);
  EXPECT_EQ(h.messages[1].payload, large);
  EXPECT_EQ(h.messages[2].payload, "");
  EXPECT_EQ(h.messages[2].dropped_payload, too_large.size());
  EXPECT_EQ(h.messages[3].payload, "small");
  EXPECT_TRUE(c.connected());
  EXPECT_EQ(c.fd() >= 0, true);
  c.disconnect();
}

TEST_F(WebSocketTest, AnUpgradeRefusedOrForgedIsAProtocolError) {
  for (auto answer : std::vector<ScriptedWsServer::Answer>{
           [](const std::string&) { return std::string("HTTP/1.1 404 Not Found\r\n\r\n"); },
           [](const std::string&) { return accept_answer("AAAAAAAAAAAAAAAAAAAAAA=="); }}) {
    ScriptedWsServer server(answer, "");
    RecordingHandler h;
    Connection c(loop_, *resolver_, h);
    c.connect(ws_options(server.port(), "ws-refused"));
    ASSERT_TRUE(run_until([&] { return !h.closed.empty(); }));
    EXPECT_EQ(h.closed[0].reason, CloseReason::protocol_error);
    EXPECT_NE(h.closed[0].detail.find("WebSocket upgrade"), std::string::npos)
        << h.closed[0].detail;
  }
}

TEST_F(WebSocketTest, FragmentedConnackPingAnsweredAndServerClose) {
  // CONNACK 20 02 00 00 split over a fragment and a continuation, a ping between them.
  const std::string script = server_frame(0x02, std::string("\x20\x02", 2)) +
                             server_frame(0x89, "hb") +
                             server_frame(0x80, std::string("\x00\x00", 2));
  ScriptedWsServer server(accept_answer, script);
  RecordingHandler h;
  Connection c(loop_, *resolver_, h);
  c.connect(ws_options(server.port(), "ws-frag"));
  ASSERT_TRUE(run_until([&] { return h.connected == 1 || !h.closed.empty(); }))
      << (h.closed.empty() ? "" : h.closed[0].detail);
  ASSERT_TRUE(run_until([&] {
    auto frames = client_frames(server.received());
    return frames.size() >= 2;
  }));
  auto frames = client_frames(server.received());
  EXPECT_EQ(frames[0].first, 0x2);  // CONNECT, masked binary
  EXPECT_EQ(static_cast<std::uint8_t>(frames[0].second[0]), 0x10);
  EXPECT_EQ(frames[1], std::make_pair(0xa, std::string("hb")));  // the pong echoes the ping
  server.send(server_frame(0x88, std::string("\x03\xe9") + "bye"));
  ASSERT_TRUE(run_until([&] { return !h.closed.empty(); }));
  EXPECT_EQ(h.closed[0].reason, CloseReason::peer_closed);
  EXPECT_NE(h.closed[0].detail.find("code 1001: bye"), std::string::npos) << h.closed[0].detail;
}

TEST_F(WebSocketTest, AProxyThatNeverAnswersTimesOutAndOneThatTalksOnIsCutOff) {
  {
    ScriptedWsServer silent([](const std::string&) { return std::string(); }, "");
    RecordingHandler h;
    Connection c(loop_, *resolver_, h);
    auto o = plain_options(1883, "via-silent");
    o.proxy = ProxyOptions{"127.0.0.1", silent.port(), "", ""};
    o.connect_timeout = 500ms;
    c.connect(o);
    ASSERT_TRUE(run_until([&] { return !h.closed.empty(); }));
    EXPECT_EQ(h.closed[0].reason, CloseReason::timeout);
    EXPECT_NE(h.closed[0].detail.find("waiting for the proxy"), std::string::npos)
        << h.closed[0].detail;
  }
  ScriptedWsServer chatty(
      [](const std::string&) { return "HTTP/1.1 200 OK\r\nX: " + std::string(20000, 'a'); }, "");
  RecordingHandler h;
  Connection c(loop_, *resolver_, h);
  auto o = plain_options(1883, "via-chatty");
  o.proxy = ProxyOptions{"127.0.0.1", chatty.port(), "", ""};
  c.connect(o);
  ASSERT_TRUE(run_until([&] { return !h.closed.empty(); }));
  EXPECT_EQ(h.closed[0].reason, CloseReason::connect_failed);
  EXPECT_NE(h.closed[0].detail.find("longer than 8192"), std::string::npos) << h.closed[0].detail;
}

}  // namespace
}  // namespace edgegw::mqtt::test
