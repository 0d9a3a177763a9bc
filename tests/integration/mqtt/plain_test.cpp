// The connection over plain TCP against a real mosquitto: connect, QoS 1 both ways with PUBACK
// order and PUBACK under the caller's control, the in-flight window, refusals, keepalive against a
// frozen broker, and handlers that destroy or reconnect the connection from inside a callback.
#include <gtest/gtest.h>

#include "loop_fixture.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/net.hpp"

namespace edgegw::mqtt::test {
namespace {

using namespace std::chrono_literals;
using edgegw::test::MosquittoBroker;

class PlainTest : public LoopFixture {
 protected:
  static void SetUpTestSuite() { broker_ = MosquittoBroker::plain().release(); }
  static void TearDownTestSuite() {
    delete broker_;
    broker_ = nullptr;
  }
  static MosquittoBroker* broker_;

  bool connect(Connection& c, RecordingHandler& h, const std::string& id, bool clean = true) {
    auto o = plain_options(broker_->port(), id);
    o.clean_session = clean;
    int before = h.connected;
    c.connect(o);
    return run_until([&] { return h.connected > before || !h.closed.empty(); }) &&
           h.connected > before;
  }
};
MosquittoBroker* PlainTest::broker_ = nullptr;

TEST_F(PlainTest, Qos1BothWaysWithPubackOrder) {
  RecordingHandler h;
  Connection c(loop_, *resolver_, h);
  ASSERT_TRUE(connect(c, h, "plain-qos1"));
  EXPECT_TRUE(c.connected());
  auto sub = c.subscribe({{"edgegw/plain/#", 1}});
  ASSERT_TRUE(sub);
  ASSERT_TRUE(run_until([&] { return h.subacks.size() == 1; }));
  EXPECT_EQ(h.subacks[0].first, *sub);
  EXPECT_EQ(h.subacks[0].second, std::vector<int>{1});

  std::vector<std::uint16_t> sent;
  for (int i = 0; i < 10; ++i) {
    auto id = c.publish("edgegw/plain/" + std::to_string(i), "m" + std::to_string(i), 1);
    ASSERT_TRUE(id);
    sent.push_back(*id);
  }
  ASSERT_TRUE(run_until([&] { return h.pubacks.size() == 10 && h.messages.size() == 10; }));
  EXPECT_EQ(h.pubacks, sent);  // PUBACKs come back in the order the messages went out
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(h.messages[i].topic, "edgegw/plain/" + std::to_string(i));
    EXPECT_EQ(h.messages[i].payload, "m" + std::to_string(i));
    EXPECT_EQ(h.messages[i].qos, 1);
    EXPECT_NE(h.messages[i].packet_id, 0);
    c.ack(h.messages[i].packet_id);
  }
  EXPECT_EQ(c.inflight(), 0u);
  c.disconnect();
  EXPECT_FALSE(c.connected());
  EXPECT_TRUE(h.closed.empty());  // a local disconnect is not reported
}

TEST_F(PlainTest, UnackedQos1MessageIsRedeliveredAfterReconnect) {
  RecordingHandler sub_h, pub_h;
  Connection subscriber(loop_, *resolver_, sub_h), publisher(loop_, *resolver_, pub_h);
  ASSERT_TRUE(connect(subscriber, sub_h, "plain-durable", false));
  subscriber.subscribe({{"edgegw/durable", 1}});
  ASSERT_TRUE(run_until([&] { return sub_h.subacks.size() == 1; }));
  ASSERT_TRUE(connect(publisher, pub_h, "plain-durable-pub"));
  publisher.publish("edgegw/durable", "keep me", 1);
  ASSERT_TRUE(run_until([&] { return sub_h.messages.size() == 1; }));
  // The owner never stored it, so never acked it: the broker must send it again.
  subscriber.disconnect();
  ASSERT_TRUE(connect(subscriber, sub_h, "plain-durable", false));
  EXPECT_TRUE(sub_h.session_present);
  ASSERT_TRUE(run_until([&] { return sub_h.messages.size() == 2; }));
  EXPECT_EQ(sub_h.messages[1].payload, "keep me");
  EXPECT_TRUE(sub_h.messages[1].dup);
  subscriber.ack(sub_h.messages[1].packet_id);
  subscriber.disconnect();
  ASSERT_TRUE(connect(subscriber, sub_h, "plain-durable", false));
  // mosquitto resends what is unacknowledged right after CONNACK, before it reads anything else:
  // once a SUBACK is back, a redelivery would have arrived.
  subscriber.subscribe({{"edgegw/durable-barrier", 0}});
  ASSERT_TRUE(run_until([&] { return sub_h.subacks.size() == 2; }));
  EXPECT_EQ(sub_h.messages.size(), 2u);  // acked now: not sent a third time
  subscriber.disconnect();
  ASSERT_TRUE(connect(subscriber, sub_h, "plain-durable", true));  // clean up the session
}

TEST_F(PlainTest, InflightWindowRefusesAndSignalsWritable) {
  RecordingHandler h;
  Connection c(loop_, *resolver_, h);
  auto o = plain_options(broker_->port(), "plain-window");
  o.max_inflight = 2;
  c.connect(o);
  ASSERT_TRUE(run_until([&] { return h.connected == 1; }));
  EXPECT_TRUE(c.publish("edgegw/w", "1", 1));
  EXPECT_TRUE(c.publish("edgegw/w", "2", 1));
  EXPECT_FALSE(c.publish("edgegw/w", "3", 1));  // window full
  EXPECT_TRUE(c.publish("edgegw/w", "qos0 is not windowed", 0));
  ASSERT_TRUE(run_until([&] { return h.pubacks.size() == 2; }));
  EXPECT_EQ(h.writable, 1);
  EXPECT_TRUE(c.publish("edgegw/w", "3", 1));
}

TEST_F(PlainTest, NotConnectedRefusesPublish) {
  RecordingHandler h;
  Connection c(loop_, *resolver_, h);
  EXPECT_FALSE(c.publish("t", "x", 0));
  EXPECT_FALSE(c.subscribe({{"t", 0}}));
}

TEST_F(PlainTest, RefusedConnectFailedAndDnsFailedAreReported) {
  auto port = edgegw::test::free_tcp_port();
  MosquittoBroker closed("listener " + std::to_string(port) + " 127.0.0.1\nallow_anonymous false\n",
                         {port});
  closed.start();
  RecordingHandler h;
  Connection c(loop_, *resolver_, h);
  c.connect(plain_options(port, "refused"));
  ASSERT_TRUE(run_until([&] { return h.closed.size() == 1; }));
  EXPECT_EQ(h.closed[0].reason, CloseReason::refused);
  EXPECT_EQ(h.closed[0].connack_code, 5);

  c.connect(plain_options(edgegw::test::free_tcp_port(), "nobody-listens"));
  ASSERT_TRUE(run_until([&] { return h.closed.size() == 2; }));
  EXPECT_EQ(h.closed[1].reason, CloseReason::connect_failed);
  EXPECT_NE(h.closed[1].detail.find("refused"), std::string::npos) << h.closed[1].detail;

  auto o = plain_options(broker_->port(), "no-dns");
  o.host = "no-such-host.invalid";
  c.connect(o);
  ASSERT_TRUE(run_until([&] { return h.closed.size() == 3; }));
  EXPECT_EQ(h.closed[2].reason, CloseReason::dns_failed);
  EXPECT_EQ(h.connected, 0);
}

TEST_F(PlainTest, ResolvesLocalhostOnceForManyConnections) {
  std::vector<std::unique_ptr<RecordingHandler>> handlers;
  std::vector<std::unique_ptr<Connection>> connections;
  for (int i = 0; i < 20; ++i) {
    handlers.push_back(std::make_unique<RecordingHandler>());
    connections.push_back(std::make_unique<Connection>(loop_, *resolver_, *handlers.back()));
    auto o = plain_options(broker_->port(), "dns-" + std::to_string(i));
    o.host = "localhost";  // ::1 may come first and be refused: the next address is tried
    connections.back()->connect(o);
  }
  ASSERT_TRUE(run_until([&] {
    for (auto& h : handlers) {
      if (h->connected == 0) return false;
    }
    return true;
  }));
  EXPECT_EQ(resolver_->lookups(), 1u);
}

// Issue 18: an idle connection's keepalive is one entry of its loop's timer group, not an
// sd_event_source of its own (~0.3 KB each at 10,000 connections).
TEST_F(PlainTest, ConnectionsOfOneLoopShareOneTimeSource) {
  const std::size_t groups_before = loop::TimerGroup::groups();
  std::vector<std::unique_ptr<RecordingHandler>> handlers;
  std::vector<std::unique_ptr<Connection>> connections;
  for (int i = 0; i < 20; ++i) {
    handlers.push_back(std::make_unique<RecordingHandler>());
    connections.push_back(std::make_unique<Connection>(loop_, *resolver_, *handlers.back()));
    auto o = plain_options(broker_->port(), "group-" + std::to_string(i));
    connections.back()->connect(o);
  }
  EXPECT_EQ(loop::TimerGroup::groups(), groups_before + 1);
  ASSERT_TRUE(run_until([&] {
    for (auto& h : handlers) {
      if (h->connected == 0) return false;
    }
    return true;
  }));
  // (Keepalive over the group's timer: KeepaliveTest below, against a frozen broker.)
  for (auto& h : handlers) EXPECT_TRUE(h->closed.empty());
  connections.clear();
  EXPECT_EQ(loop::TimerGroup::groups(), groups_before);
}

// What an idle connection carries for options it rarely has (proxy, will, WebSocket path, the
// credentials it drops after CONNACK): a pointer each, not an empty std::optional.
TEST(ConnectionLayout, RarelyUsedOptionsArePointers) {
  EXPECT_EQ(sizeof(ConnectOptions::proxy), sizeof(void*));
  EXPECT_EQ(sizeof(ConnectOptions::will), sizeof(void*));
  EXPECT_EQ(sizeof(ConnectOptions::ws_path), sizeof(void*));
  EXPECT_EQ(sizeof(ConnectOptions::username), sizeof(void*));
  EXPECT_EQ(sizeof(ConnectOptions::password), sizeof(void*));
  EXPECT_LE(sizeof(ConnectOptions), 280u);  // 536 before issue 18's third round
  EXPECT_LE(sizeof(Connection), 1040u);     // 1,280 before
}

TEST_F(PlainTest, HandlerMayDestroyOrReconnectFromCallbacks) {
  RecordingHandler h;
  auto c = std::make_unique<Connection>(loop_, *resolver_, h);
  h.after_connected = [&] { c.reset(); };  // destroyed inside on_connected
  c->connect(plain_options(broker_->port(), "reentrant-1"));
  ASSERT_TRUE(run_until([&] { return !c; }));

  // Reconnect from inside on_closed: a refused port first, then the broker.
  RecordingHandler h2;
  Connection c2(loop_, *resolver_, h2);
  h2.after_closed = [&](const Outcome&) {
    if (h2.closed.size() == 1) c2.connect(plain_options(broker_->port(), "reentrant-2"));
  };
  c2.connect(plain_options(edgegw::test::free_tcp_port(), "reentrant-2"));
  ASSERT_TRUE(run_until([&] { return h2.connected == 1; }));

  // Destroyed inside on_message while more packets are in the same read.
  RecordingHandler h3;
  auto c3 = std::make_unique<Connection>(loop_, *resolver_, h3);
  c3->connect(plain_options(broker_->port(), "reentrant-3"));
  ASSERT_TRUE(run_until([&] { return h3.connected == 1; }));
  c3->subscribe({{"edgegw/reentrant", 0}});
  ASSERT_TRUE(run_until([&] { return h3.subacks.size() == 1; }));
  for (int i = 0; i < 5; ++i) c2.publish("edgegw/reentrant", "x", 0);
  h3.after_message = [&](const Message&) { c3.reset(); };
  ASSERT_TRUE(run_until([&] { return !c3; }));
  EXPECT_EQ(h3.messages.size(), 1u);

  // disconnect() and connect() from inside on_message.
  RecordingHandler h4;
  Connection c4(loop_, *resolver_, h4);
  c4.connect(plain_options(broker_->port(), "reentrant-4"));
  ASSERT_TRUE(run_until([&] { return h4.connected == 1; }));
  c4.subscribe({{"edgegw/reentrant", 0}});
  ASSERT_TRUE(run_until([&] { return h4.subacks.size() == 1; }));
  h4.after_message = [&](const Message&) {
    c4.disconnect();
    c4.connect(plain_options(broker_->port(), "reentrant-4"));
  };
  for (int i = 0; i < 5; ++i) c2.publish("edgegw/reentrant", "x", 0);
  ASSERT_TRUE(run_until([&] { return h4.connected == 2; }));
}

using KeepaliveTest = LoopFixture;

TEST_F(KeepaliveTest, DetectsFrozenBrokerAndRecoversAfterResume) {
  auto broker = MosquittoBroker::plain();
  RecordingHandler h;
  Connection c(loop_, *resolver_, h);
  auto o = plain_options(broker->port(), "keepalive");
  o.keepalive = 1s;
  c.connect(o);
  ASSERT_TRUE(run_until([&] { return h.connected == 1; }));
  // Alive broker: several keepalive periods pass without a close.
  edgegw::test::run_loop_while(
      loop_, [&] { return h.closed.empty(); }, 2500ms);
  EXPECT_TRUE(h.closed.empty());
  broker->pause();
  auto frozen_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until([&] { return !h.closed.empty(); }, 5s));
  auto detected_after = std::chrono::steady_clock::now() - frozen_at;
  EXPECT_EQ(h.closed[0].reason, CloseReason::keepalive_timeout) << h.closed[0].detail;
  RecordProperty(
      "detected_after_ms",
      std::to_string(
          std::chrono::duration_cast<std::chrono::milliseconds>(detected_after).count()));
  broker->resume();
  c.connect(o);
  ASSERT_TRUE(run_until([&] { return h.connected == 2; }));
}

}  // namespace
}  // namespace edgegw::mqtt::test
