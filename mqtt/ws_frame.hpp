// WebSocket framing (RFC 6455 §5) for MQTT over WebSocket, client side: what we send is one masked
// binary frame per write; what the broker sends is parsed incrementally from the bytes as they
// arrive. Pure (no I/O), fuzzed (tests/fuzz/mqtt/ws_frame_fuzz.cpp).
//
// Data frames are streamed, not buffered: MQTT over WebSocket is a byte stream (MQTT-6.0.0-2, a
// packet may span frames and a frame may hold several packets), so the payload goes straight to
// the MQTT decoder, which keeps its own incoming size cap and skips an oversized PUBLISH instead of
// closing. Capping frames at that cap would turn the one skipped message into a reconnect loop (the
// broker resends it on every reconnect). Only control frames (≤ 125 bytes by the RFC) are held.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace edgegw::mqtt::ws {

enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xa
};

// Appends one final frame with `payload` masked with `mask` (client frames must be masked).
void encode_frame(std::string& out, Opcode opcode, std::string_view payload, std::uint32_t mask);
// A close frame with a status code (1000 normal) and no reason.
void encode_close(std::string& out, std::uint16_t code, std::uint32_t mask);

struct FrameEvent {
  enum class Kind { need_more, data, ping, pong, close, error } kind = Kind::need_more;
  // data: part of a binary message (a view into the input); ping/pong: the payload; close: the
  // reason text; error: what the peer did wrong.
  std::string_view bytes;
  std::uint16_t close_code = 0;  // close: the status code; 1005 when the frame had none
};

class FrameDecoder {
 public:
  // Returns the next event, consuming bytes from the front of `input`. need_more when `input` is
  // used up. After an error the decoder stays failed. Views returned stay valid until the next
  // call or until `input`'s storage changes.
  FrameEvent next(std::string_view& input);
  void reset() { *this = FrameDecoder(); }
  bool failed() const { return failed_; }

 private:
  FrameEvent fail(std::string_view why);
  FrameEvent header_done();
  FrameEvent control_done();

  std::uint8_t header_[14] = {};
  std::size_t header_have_ = 0;
  std::size_t header_need_ = 2;
  bool in_payload_ = false;
  Opcode opcode_ = Opcode::binary;
  bool fin_ = true;
  bool in_message_ = false;  // a fragmented binary message has started and not finished
  std::uint64_t remaining_ = 0;
  std::string control_;  // the payload of the control frame being read (≤ 125 bytes)
  bool failed_ = false;
};

}  // namespace edgegw::mqtt::ws
