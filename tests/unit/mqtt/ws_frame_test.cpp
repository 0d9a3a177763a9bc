// WebSocket framing and the opening handshake (RFC 6455), as MQTT over WebSocket uses them: the
// RFC's own examples, fragmentation, control frames between fragments, and what a broker must not
// send (masked frames, text frames, oversized control frames).
#include "mqtt/ws_frame.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mqtt/http_head.hpp"
#include "mqtt/ws_handshake.hpp"

namespace edgegw::mqtt::ws {
namespace {

using Kind = FrameEvent::Kind;

struct Collected {
  std::string data;
  std::vector<std::pair<Kind, std::string>> controls;
  std::string error;
  std::uint16_t close_code = 0;
};

// Feeds `wire` in pieces of `chunk` bytes and collects what comes out.
Collected decode(const std::string& wire, std::size_t chunk) {
  FrameDecoder decoder;
  Collected c;
  for (std::size_t at = 0; at < wire.size(); at += chunk) {
    std::string piece = wire.substr(at, chunk);
    std::string_view input(piece);
    while (true) {
      auto event = decoder.next(input);
      if (event.kind == Kind::need_more) break;
      if (event.kind == Kind::data) {
        c.data.append(event.bytes);
      } else if (event.kind == Kind::error) {
        c.error = std::string(event.bytes);
        return c;
      } else {
        if (event.kind == Kind::close) c.close_code = event.close_code;
        c.controls.emplace_back(event.kind, std::string(event.bytes));
      }
    }
  }
  return c;
}

std::string server_frame(std::uint8_t first, std::string_view payload) {
  std::string f(1, static_cast<char>(first));
  if (payload.size() < 126) {
    f.push_back(static_cast<char>(payload.size()));
  } else if (payload.size() <= 0xffff) {
    f.push_back(126);
    f.push_back(static_cast<char>(payload.size() >> 8));
    f.push_back(static_cast<char>(payload.size() & 0xff));
  } else {
    f.push_back(127);
    for (int s = 56; s >= 0; s -= 8) f.push_back(static_cast<char>((payload.size() >> s) & 0xff));
  }
  return f + std::string(payload);
}

TEST(WsFrame, EncodesTheRfcMaskedHelloExample) {
  // RFC 6455 §5.7: a masked "Hello" (text) with key 37 fa 21 3d.
  std::string out;
  encode_frame(out, Opcode::text, "Hello", 0x37fa213d);
  EXPECT_EQ(out, std::string("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11));
}

TEST(WsFrame, EncodesSixteenAndSixtyFourBitLengths) {
  std::string medium, large;
  encode_frame(medium, Opcode::binary, std::string(300, 'x'), 0);
  EXPECT_EQ(static_cast<unsigned char>(medium[1]), 0x80 | 126);
  EXPECT_EQ(medium.size(), 2u + 2 + 4 + 300);
  encode_frame(large, Opcode::binary, std::string(70000, 'x'), 0);
  EXPECT_EQ(static_cast<unsigned char>(large[1]), 0x80 | 127);
  EXPECT_EQ(large.size(), 2u + 8 + 4 + 70000);
}

TEST(WsFrame, DecodesDataSplitAtEveryByte) {
  std::string wire = server_frame(0x82, "abc") + server_frame(0x82, std::string(300, 'm')) +
                     server_frame(0x82, std::string(70000, 'L'));
  for (std::size_t chunk : {1u, 2u, 7u, 4096u, 100000u}) {
    auto c = decode(wire, chunk);
    EXPECT_EQ(c.error, "") << chunk;
    EXPECT_EQ(c.data, "abc" + std::string(300, 'm') + std::string(70000, 'L')) << chunk;
  }
}

TEST(WsFrame, JoinsFragmentsWithAPingBetween) {
  std::string wire = server_frame(0x02, "he") + server_frame(0x89, "p1") +
                     server_frame(0x00, "ll") + server_frame(0x80, "o") + server_frame(0x8a, "") +
                     server_frame(0x82, "");
  auto c = decode(wire, 3);
  EXPECT_EQ(c.error, "");
  EXPECT_EQ(c.data, "hello");
  ASSERT_EQ(c.controls.size(), 2u);
  EXPECT_EQ(c.controls[0], std::make_pair(Kind::ping, std::string("p1")));
  EXPECT_EQ(c.controls[1].first, Kind::pong);
}

TEST(WsFrame, ReportsCloseWithCodeAndReason) {
  auto c = decode(server_frame(0x88, std::string("\x03\xe9going away", 12)), 1);
  ASSERT_EQ(c.controls.size(), 1u);
  EXPECT_EQ(c.close_code, 1001);
  EXPECT_EQ(c.controls[0].second, "going away");
  EXPECT_EQ(decode(server_frame(0x88, ""), 5).close_code, 1005);
}

TEST(WsFrame, RefusesWhatABrokerMustNotSend) {
  EXPECT_NE(decode(std::string("\x82\x81\x01\x02\x03\x04x", 7), 9).error, "");  // masked
  EXPECT_NE(decode(server_frame(0x81, "text"), 9).error, "");                   // text frame
  EXPECT_NE(decode(server_frame(0xc2, "x"), 9).error, "");                      // RSV1
  EXPECT_NE(decode(server_frame(0x89, std::string(126, 'p')), 9).error, "");    // long ping
  EXPECT_NE(decode(server_frame(0x09, "p"), 9).error, "");                      // fragmented ping
  EXPECT_NE(decode(server_frame(0x80, "x"), 9).error, "");  // continuation without start
  EXPECT_NE(decode(server_frame(0x02, "a") + server_frame(0x82, "b"), 9).error, "");
  EXPECT_NE(decode(server_frame(0x83, "x"), 9).error, "");  // reserved opcode
  EXPECT_NE(decode(server_frame(0x88, "x"), 9).error, "");  // 1-byte close body
}

TEST(WsHandshake, AcceptsTheRfcExampleKey) {
  // RFC 6455 §1.3.
  EXPECT_EQ(accept_for("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  auto key = make_key();
  EXPECT_EQ(key.size(), 24u);
  EXPECT_NE(key, make_key());
}

TEST(WsHandshake, RequestNamesPathHostAndSubprotocol) {
  auto r = upgrade_request("iot.example.com", 443, true, "/mqtt", "KEY");
  EXPECT_EQ(r.rfind("GET /mqtt HTTP/1.1\r\nHost: iot.example.com\r\n", 0), 0u);
  EXPECT_NE(r.find("Sec-WebSocket-Protocol: mqtt\r\n"), std::string::npos);
  EXPECT_NE(r.find("Sec-WebSocket-Key: KEY\r\n"), std::string::npos);
  EXPECT_NE(upgrade_request("::1", 8443, true, "/", "K").find("Host: [::1]:8443\r\n"),
            std::string::npos);
}

TEST(WsHandshake, ChecksTheServersAnswer) {
  const std::string key = "dGhlIHNhbXBsZSBub25jZQ==";
  auto parse = [](const std::string& text) { return parse_http_head(text, 8192).head; };
  const std::string good =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n";
  EXPECT_EQ(check_upgrade_response(parse(good), key), std::nullopt);
  auto wrong_key = check_upgrade_response(parse(good), "AAAAAAAAAAAAAAAAAAAAAA==");
  ASSERT_TRUE(wrong_key);
  EXPECT_NE(wrong_key->find("Accept"), std::string::npos);
  auto not_found = check_upgrade_response(parse("HTTP/1.1 404 Not Found\r\n\r\n"), key);
  ASSERT_TRUE(not_found);
  EXPECT_NE(not_found->find("404 Not Found"), std::string::npos);
  std::string no_protocol = good;
  no_protocol.erase(no_protocol.find("Sec-WebSocket-Protocol"), 32);
  EXPECT_TRUE(check_upgrade_response(parse(no_protocol), key));
}

}  // namespace
}  // namespace edgegw::mqtt::ws
