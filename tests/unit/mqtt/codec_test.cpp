// The codec byte for byte against MQTT 3.1.1 examples, and the strict decoder's refusals.
#include "mqtt/codec.hpp"

#include <gtest/gtest.h>

namespace edgegw::mqtt {
namespace {

std::string bytes(std::initializer_list<int> list) {
  std::string s;
  for (int b : list) s.push_back(static_cast<char>(b));
  return s;
}

DecodeResult decode_all(const std::string& wire, std::uint32_t cap = 1u << 20) {
  Decoder d(cap);
  d.feed(wire);
  return d.next();
}

TEST(Codec, EncodesConnectWithAllFields) {
  std::string out;
  ConnectFields f;
  f.client_id = "c1";
  f.username = "u";
  f.password = "p";
  f.keepalive_seconds = 60;
  f.will = Will{"w", "x", 1, true};
  encode_connect(out, f);
  EXPECT_EQ(out, bytes({0x10, 26,  0, 4, 'M', 'Q', 'T', 'T', 4, 0xee, 0,   60, 0, 2,
                        'c',  '1', 0, 1, 'w', 0,   1,   'x', 0, 1,    'u', 0,  1, 'p'}));
}

TEST(Codec, EncodesMinimalConnect) {
  std::string out;
  ConnectFields f;
  f.client_id = "";
  f.clean_session = false;
  f.keepalive_seconds = 0;
  encode_connect(out, f);
  EXPECT_EQ(out, bytes({0x10, 12, 0, 4, 'M', 'Q', 'T', 'T', 4, 0, 0, 0, 0, 0}));
}

TEST(Codec, EncodesPublishSubscribeAndSmallPackets) {
  std::string out;
  encode_publish(out, "a/b", "hi", 1, true, false, 0x1234);
  EXPECT_EQ(out, bytes({0x33, 9, 0, 3, 'a', '/', 'b', 0x12, 0x34, 'h', 'i'}));
  out.clear();
  encode_publish(out, "t", "", 0, false, true, 7);  // dup and id ignored for qos 0
  EXPECT_EQ(out, bytes({0x30, 3, 0, 1, 't'}));
  out.clear();
  encode_subscribe(out, 10, {{"a/#", 1}, {"b", 0}});
  EXPECT_EQ(out, bytes({0x82, 12, 0, 10, 0, 3, 'a', '/', '#', 1, 0, 1, 'b', 0}));
  out.clear();
  encode_unsubscribe(out, 11, {"a/#"});
  EXPECT_EQ(out, bytes({0xa2, 7, 0, 11, 0, 3, 'a', '/', '#'}));
  out.clear();
  encode_puback(out, 0x0102);
  encode_pingreq(out);
  encode_disconnect(out);
  EXPECT_EQ(out, bytes({0x40, 2, 1, 2, 0xc0, 0, 0xe0, 0}));
}

TEST(Codec, EncodesMultiByteRemainingLength) {
  std::string out;
  encode_publish(out, "t", std::string(200, 'x'), 0, false, false, 0);
  // 2 + 1 + 200 = 203 = 0xcb -> 0xcb 0x01
  ASSERT_GE(out.size(), 3u);
  EXPECT_EQ(static_cast<unsigned char>(out[1]), 0xcb);
  EXPECT_EQ(static_cast<unsigned char>(out[2]), 0x01);
  auto r = decode_all(std::string(1, '\x30') + out.substr(1));
  ASSERT_TRUE(r.packet);
  EXPECT_EQ(std::get<Publish>(*r.packet).payload, std::string(200, 'x'));
}

TEST(Codec, DecodesBrokerPackets) {
  Decoder d;
  d.feed(bytes({0x20, 2, 1, 0, 0x40, 2, 0, 5, 0x90, 4, 0, 6, 1, 0x80, 0xb0, 2, 0, 7, 0xd0, 0}));
  d.feed(bytes({0x32, 8, 0, 3, 'x', '/', 'y', 0, 9, 'Z'}));
  EXPECT_EQ(*d.next().packet, Packet(Connack{true, 0}));
  EXPECT_EQ(*d.next().packet, Packet(Puback{5}));
  EXPECT_EQ(*d.next().packet, Packet(Suback{6, {1, 0x80}}));
  EXPECT_EQ(*d.next().packet, Packet(Unsuback{7}));
  EXPECT_EQ(*d.next().packet, Packet(Pingresp{}));
  EXPECT_EQ(*d.next().packet, Packet(Publish{"x/y", "Z", 1, false, false, 9}));
  auto r = d.next();
  EXPECT_FALSE(r.packet);
  EXPECT_EQ(r.error, DecodeError::none);
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(Codec, DecodesAcrossArbitrarySplits) {
  std::string wire;
  encode_publish(wire, "topic/1", std::string(300, 'p'), 1, false, false, 42);
  wire[0] = 0x32;
  for (std::size_t split = 0; split <= wire.size(); ++split) {
    Decoder d;
    d.feed(wire.substr(0, split));
    auto first = d.next();
    EXPECT_EQ(first.error, DecodeError::none);
    if (split < wire.size()) {
      EXPECT_FALSE(first.packet);
      d.feed(wire.substr(split));
      first = d.next();
    }
    ASSERT_TRUE(first.packet) << split;
    EXPECT_EQ(std::get<Publish>(*first.packet).packet_id, 42);
  }
}

TEST(Codec, RefusesMalformedPackets) {
  struct Case {
    std::string wire;
    DecodeError error;
  };
  const Case cases[] = {
      {bytes({0x30, 0xff, 0xff, 0xff, 0xff, 0x01}), DecodeError::bad_remaining_length},
      {bytes({0x10, 0}), DecodeError::unexpected_type},             // CONNECT from a broker
      {bytes({0x00, 0}), DecodeError::unexpected_type},             // reserved type 0
      {bytes({0xf0, 0}), DecodeError::unexpected_type},             // reserved type 15
      {bytes({0x50, 2, 0, 1}), DecodeError::unexpected_type},       // PUBREC: no QoS 2 here
      {bytes({0x21, 2, 0, 0}), DecodeError::bad_flags},             // CONNACK flags
      {bytes({0x36, 5, 0, 1, 't', 0, 1}), DecodeError::bad_flags},  // QoS 3
      {bytes({0x38, 3, 0, 1, 't'}), DecodeError::bad_flags},        // DUP on QoS 0
      {bytes({0x20, 3, 0, 0, 0}), DecodeError::bad_length},
      {bytes({0x40, 3, 0, 1, 0}), DecodeError::bad_length},
      {bytes({0xd0, 1, 0}), DecodeError::bad_length},
      {bytes({0x90, 2, 0, 1}), DecodeError::bad_length},      // SUBACK without codes
      {bytes({0x30, 3, 0, 5, 't'}), DecodeError::truncated},  // topic longer than packet
      {bytes({0x32, 3, 0, 1, 't'}), DecodeError::truncated},  // missing packet id
      {bytes({0x30, 2, 0, 0}), DecodeError::bad_utf8},        // empty topic
      {bytes({0x30, 4, 0, 2, 0xc3, 0x28}), DecodeError::bad_utf8},
      {bytes({0x30, 4, 0, 2, 'a', 0}), DecodeError::bad_utf8},            // U+0000
      {bytes({0x30, 5, 0, 3, 0xed, 0xa0, 0x80}), DecodeError::bad_utf8},  // surrogate
      {bytes({0x30, 4, 0, 2, 0xc0, 0x80}), DecodeError::bad_utf8},        // overlong NUL
      {bytes({0x30, 5, 0, 3, 'a', '/', '#'}), DecodeError::wildcard_topic},
      {bytes({0x32, 5, 0, 1, 't', 0, 0}), DecodeError::zero_packet_id},
      {bytes({0x40, 2, 0, 0}), DecodeError::zero_packet_id},
      {bytes({0x90, 3, 0, 1, 3}), DecodeError::bad_return_code},
      {bytes({0x20, 2, 2, 0}), DecodeError::bad_return_code},
  };
  for (const auto& c : cases) {
    auto r = decode_all(c.wire);
    EXPECT_FALSE(r.packet);
    EXPECT_EQ(r.error, c.error) << to_string(r.error) << " for case with first byte "
                                << static_cast<int>(static_cast<unsigned char>(c.wire[0]));
  }
}

TEST(Codec, EnforcesSizeCapOnTheHeaderAlone) {
  Decoder d(100);
  d.feed(bytes({0x90, 0xe8, 0x07}));  // a SUBACK announcing 1000 bytes; none of them sent yet
  EXPECT_EQ(d.next().error, DecodeError::too_large);
  d.feed("more");  // stays failed
  EXPECT_EQ(d.next().error, DecodeError::too_large);
  d.reset();
  d.feed(bytes({0xd0, 0}));
  EXPECT_TRUE(d.next().packet);
}

// Issue 16: an oversized PUBLISH is read past — topic and packet id decoded, payload skipped as
// it streams in, never buffered — so the owner can acknowledge it instead of reconnecting.
TEST(Codec, SkipsTheBodyOfAnOversizedPublish) {
  std::string big;
  encode_publish(big, "dev/a", std::string(400 * 1024, 'x'), 1, false, false, 7);
  std::string next;
  encode_publish(next, "dev/b", "21.5", 1, false, false, 8);
  const std::string wire = big + next;
  Decoder d(1024);
  std::size_t max_buffered = 0;
  std::vector<Publish> got;
  for (std::size_t at = 0; at < wire.size(); at += 1000) {
    d.feed(std::string_view(wire).substr(at, 1000));
    max_buffered = std::max(max_buffered, d.buffered());
    while (true) {
      auto r = d.next();
      ASSERT_EQ(r.error, DecodeError::none) << to_string(r.error);
      if (!r.packet) break;
      got.push_back(std::get<Publish>(*r.packet));
    }
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].topic, "dev/a");
  EXPECT_EQ(got[0].packet_id, 7);
  EXPECT_TRUE(got[0].payload.empty());
  EXPECT_EQ(got[0].dropped_payload, 400u * 1024);
  EXPECT_EQ(got[1].topic, "dev/b");
  EXPECT_EQ(got[1].payload, "21.5");
  EXPECT_EQ(got[1].dropped_payload, 0u);
  EXPECT_LE(max_buffered, 2000u);
  EXPECT_EQ(d.skipping(), 0u);
}

TEST(Codec, OversizedPublishWithABadTopicStillFails) {
  Decoder d(16);
  d.feed(bytes({0x30, 0xe8, 0x07, 0, 2, 0xc3, 0x28}));
  EXPECT_EQ(d.next().error, DecodeError::bad_utf8);
  Decoder short_header(16);
  short_header.feed(bytes({0x32, 0x7f, 0x00, 0x7e}));  // topic longer than the packet
  EXPECT_EQ(short_header.next().error, DecodeError::truncated);
}

TEST(Codec, AcceptsValidUtf8Topics) {
  EXPECT_TRUE(valid_mqtt_utf8("a/b/c"));
  EXPECT_TRUE(valid_mqtt_utf8("\xe6\xb8\xa9\xe5\xba\xa6"));  // 温度
  EXPECT_TRUE(valid_mqtt_utf8("\xf0\x9f\x98\x80"));          // U+1F600
  EXPECT_FALSE(valid_mqtt_utf8("\xf4\x90\x80\x80"));         // > U+10FFFF
  EXPECT_FALSE(valid_mqtt_utf8("\xe6\xb8"));                 // truncated sequence
  EXPECT_FALSE(valid_mqtt_utf8("\x80"));
}

}  // namespace
}  // namespace edgegw::mqtt
