// The MQTT 3.1.1 packet codec, client side: encoders for what a client sends and a strict,
// incremental decoder for what a broker sends. Pure (bytes in, packets out, no I/O, no clock), so
// it is unit-tested byte for byte and fuzzed (tests/fuzz/mqtt).
//
// Why strict: every byte comes from the network. A malformed packet (bad remaining length, wrong
// fixed-header flags, truncated fields, a topic that is not well-formed UTF-8 per §1.5.3, a packet
// id of 0, a packet over the caller's size cap) is a DecodeError value, never a crash or an
// over-read; the connection then closes with protocol_error. The size cap is checked on the fixed
// header, before the body is buffered, so a peer cannot make us allocate more than the cap.
// A PUBLISH over the cap is not an error: its topic and packet id are decoded, its payload is
// skipped as it streams in (never buffered) and it comes out with `dropped_payload` set, so the
// owner can acknowledge it — a broker would otherwise redeliver it on every reconnect.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace edgegw::mqtt {

enum class PacketType : std::uint8_t {
  connect = 1,
  connack = 2,
  publish = 3,
  puback = 4,
  pubrec = 5,
  pubrel = 6,
  pubcomp = 7,
  subscribe = 8,
  suback = 9,
  unsubscribe = 10,
  unsuback = 11,
  pingreq = 12,
  pingresp = 13,
  disconnect = 14,
};

// ---- encoding (client -> broker). Each appends one whole packet to `out`. ----

struct Will {
  std::string topic;
  std::string payload;
  int qos = 0;
  bool retain = false;
  bool operator==(const Will&) const = default;
};

struct ConnectFields {
  std::string client_id;
  std::optional<std::string> username;
  std::optional<std::string> password;
  bool clean_session = true;
  std::uint16_t keepalive_seconds = 60;
  std::optional<Will> will;
  bool operator==(const ConnectFields&) const = default;
};

void encode_connect(std::string& out, const ConnectFields& fields);
// qos 0 or 1 (2 is not supported by this engine); packet_id is ignored for qos 0.
void encode_publish(std::string& out, std::string_view topic, std::string_view payload, int qos,
                    bool retain, bool dup, std::uint16_t packet_id);
void encode_puback(std::string& out, std::uint16_t packet_id);
void encode_subscribe(std::string& out, std::uint16_t packet_id,
                      const std::vector<std::pair<std::string, int>>& filters);
void encode_unsubscribe(std::string& out, std::uint16_t packet_id,
                        const std::vector<std::string>& filters);
void encode_pingreq(std::string& out);
void encode_disconnect(std::string& out);

// ---- decoding (broker -> client) ----

struct Connack {
  bool session_present = false;
  std::uint8_t return_code = 0;  // 0 accepted, 1..5 refused (§3.2.2.3)
  bool operator==(const Connack&) const = default;
};
struct Publish {
  std::string topic;
  std::string payload;
  int qos = 0;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0;  // 0 for qos 0
  // Over the decoder's cap: `payload` is empty and this many payload bytes were skipped.
  std::size_t dropped_payload = 0;
  bool operator==(const Publish&) const = default;
};
struct Puback {
  std::uint16_t packet_id = 0;
  bool operator==(const Puback&) const = default;
};
struct Suback {
  std::uint16_t packet_id = 0;
  std::vector<std::uint8_t> return_codes;  // 0, 1, 2 granted qos; 0x80 failure
  bool operator==(const Suback&) const = default;
};
struct Unsuback {
  std::uint16_t packet_id = 0;
  bool operator==(const Unsuback&) const = default;
};
struct Pingresp {
  bool operator==(const Pingresp&) const = default;
};

using Packet = std::variant<Connack, Publish, Puback, Suback, Unsuback, Pingresp>;

enum class DecodeError : std::uint8_t {
  none,
  bad_remaining_length,  // more than 4 length bytes
  unexpected_type,  // reserved type or one a broker never sends a client (CONNECT, QoS 2 flow, ...)
  bad_flags,        // fixed-header flags not as §2.2.2 requires, or PUBLISH with qos 3
  bad_length,       // remaining length wrong for the packet type
  truncated,        // a field runs past the end of the packet
  bad_utf8,         // topic not well-formed UTF-8, contains U+0000, or is empty
  wildcard_topic,   // a PUBLISH topic with + or # (§3.3.2)
  zero_packet_id,   // packet identifier 0 where one is required (§2.3.1)
  bad_return_code,  // SUBACK code not in {0,1,2,0x80}; CONNACK reserved bits set
  too_large,        // over the decoder's size cap (a PUBLISH over it is skipped instead)
};
const char* to_string(DecodeError error);

// Decodes one packet given its first byte and its body (the remaining-length bytes).
struct DecodeResult {
  std::optional<Packet> packet;  // set when a packet was decoded
  DecodeError error = DecodeError::none;
};
DecodeResult decode_packet(std::uint8_t first_byte, std::string_view body);

// Well-formed UTF-8 as MQTT 3.1.1 §1.5.3 requires (no surrogates, no overlongs, <= U+10FFFF, no
// U+0000).
bool valid_mqtt_utf8(std::string_view text);

// Incremental: feed() bytes as they arrive, then call next() until it returns neither a packet
// nor an error (it needs more bytes). After an error the decoder stays failed.
class Decoder {
 public:
  // max_packet caps the whole packet (fixed header + body).
  explicit Decoder(std::uint32_t max_packet = 1u << 20) : max_packet_(max_packet) {}

  void feed(std::string_view bytes);
  DecodeResult next();
  void reset();                                                   // drop buffered bytes and errors
  std::size_t buffered() const { return buffer_.size() - pos_; }  // bytes not yet decoded
  std::size_t skipping() const { return skip_; }  // payload bytes of an oversized PUBLISH to come

 private:
  DecodeResult oversized_publish(std::uint8_t first, std::string_view avail, std::size_t header,
                                 std::size_t remaining);

  std::uint32_t max_packet_;
  std::string buffer_;
  std::size_t pos_ = 0;
  std::size_t skip_ = 0;
  DecodeError failed_ = DecodeError::none;
};

}  // namespace edgegw::mqtt
