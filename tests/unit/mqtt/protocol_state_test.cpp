// Connect timeout, keepalive and the in-flight window, with time as a parameter (no sleeping).
#include "mqtt/protocol_state.hpp"

#include <gtest/gtest.h>

namespace edgegw::mqtt {
namespace {

using namespace std::chrono_literals;
using V = ProtocolState::Verdict;
const ProtocolState::TimePoint t0{std::chrono::hours(1)};

// A connection whose CONNACK arrived at t0 (connect timeout 5 s, 4 packet ids in flight).
ProtocolState online_at_t0(std::chrono::seconds keepalive) {
  ProtocolState s(keepalive, 5000ms, 4);
  s.start(t0);
  s.online(t0);
  return s;
}

TEST(ProtocolState, ConnectTimesOutUnlessConnackArrives) {
  ProtocolState s(60s, 5000ms, 4);
  s.start(t0);
  EXPECT_EQ(s.next_deadline(), t0 + 5s);
  EXPECT_EQ(s.poll(t0 + 4999ms), V::none);
  EXPECT_EQ(s.poll(t0 + 5s), V::connect_timed_out);
  s.start(t0);
  s.online(t0 + 1s);
  EXPECT_EQ(s.poll(t0 + 5s), V::none);
}

TEST(ProtocolState, PingsWhenIdleAndDeclaresSilentBrokerDead) {
  auto s = online_at_t0(10s);
  EXPECT_EQ(s.next_deadline(), t0 + 10s);
  EXPECT_EQ(s.poll(t0 + 9s), V::none);
  EXPECT_EQ(s.poll(t0 + 10s), V::send_pingreq);
  EXPECT_EQ(s.poll(t0 + 11s), V::none);  // one ping outstanding at a time
  EXPECT_EQ(s.next_deadline(), t0 + 14s);
  EXPECT_EQ(s.poll(t0 + 13999ms), V::none);
  EXPECT_EQ(s.poll(t0 + 14s), V::keepalive_timed_out);  // 1.4 x keepalive of silence
}

TEST(ProtocolState, PingrespKeepsTheSessionAlive) {
  auto s = online_at_t0(10s);
  ASSERT_EQ(s.poll(t0 + 10s), V::send_pingreq);
  s.bytes_received(t0 + 10s + 5ms);
  s.pingresp_received();
  EXPECT_EQ(s.poll(t0 + 14s), V::none);
  EXPECT_EQ(s.next_deadline(), t0 + 20s);
  EXPECT_EQ(s.poll(t0 + 20s), V::send_pingreq);
}

TEST(ProtocolState, PingsAfterReceiveSilenceEvenWhileSending) {
  // A client that only sends QoS 0 still has to hear from the broker.
  auto s = online_at_t0(10s);
  s.packet_sent(t0 + 9s);
  EXPECT_EQ(s.poll(t0 + 10s), V::send_pingreq);
}

TEST(ProtocolState, SendingPostponesThePing) {
  auto s = online_at_t0(10s);
  s.packet_sent(t0 + 8s);
  s.bytes_received(t0 + 8s);
  EXPECT_EQ(s.poll(t0 + 10s), V::none);
  EXPECT_EQ(s.next_deadline(), t0 + 18s);
}

TEST(ProtocolState, KeepaliveZeroDisablesPings) {
  auto s = online_at_t0(0s);
  EXPECT_EQ(s.poll(t0 + 1000s), V::none);
  EXPECT_EQ(s.next_deadline(), ProtocolState::TimePoint::max());
}

TEST(ProtocolState, InflightWindowAndPacketIds) {
  ProtocolState s(10s, 5000ms, 2);
  s.start(t0);
  auto a = s.allocate_publish_id();
  auto b = s.allocate_publish_id();
  EXPECT_NE(a, 0);
  EXPECT_NE(b, 0);
  EXPECT_NE(a, b);
  EXPECT_TRUE(s.window_full());
  EXPECT_EQ(s.allocate_publish_id(), 0);
  auto sub = s.allocate_other_id();  // SUBSCRIBE does not count against the window
  EXPECT_NE(sub, 0);
  EXPECT_FALSE(s.release_publish_id(sub));
  EXPECT_TRUE(s.release_other_id(sub));
  EXPECT_FALSE(s.release_publish_id(999));
  EXPECT_TRUE(s.release_publish_id(a));
  EXPECT_EQ(s.inflight(), 1u);
  auto c = s.allocate_publish_id();
  EXPECT_NE(c, b);
}

TEST(ProtocolState, PacketIdsWrapAndSkipZeroAndInUse) {
  ProtocolState s(10s, 5000ms, 1);
  s.start(t0);
  auto held = s.allocate_other_id();  // 1
  std::uint16_t last = 0;
  for (int i = 0; i < 70000; ++i) {
    last = s.allocate_publish_id();
    ASSERT_NE(last, 0);
    ASSERT_NE(last, held);
    ASSERT_TRUE(s.release_publish_id(last));
  }
}

}  // namespace
}  // namespace edgegw::mqtt
