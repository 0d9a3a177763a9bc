#include "mqtt/ws_frame.hpp"

#include <algorithm>

namespace edgegw::mqtt::ws {

namespace {

bool is_control(Opcode op) {
  return (static_cast<std::uint8_t>(op) & 0x8) != 0;
}

}  // namespace

void encode_frame(std::string& out, Opcode opcode, std::string_view payload, std::uint32_t mask) {
  out.push_back(static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode)));
  const std::uint64_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xffff) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xff));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8)
      out.push_back(static_cast<char>((n >> shift) & 0xff));
  }
  const char key[4] = {static_cast<char>(mask >> 24), static_cast<char>(mask >> 16),
                       static_cast<char>(mask >> 8), static_cast<char>(mask)};
  out.append(key, 4);
  const std::size_t start = out.size();
  out.append(payload);
  for (std::size_t i = 0; i < payload.size(); ++i) out[start + i] ^= key[i & 3];
}

void encode_close(std::string& out, std::uint16_t code, std::uint32_t mask) {
  const char body[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
  encode_frame(out, Opcode::close, std::string_view(body, 2), mask);
}

FrameEvent FrameDecoder::fail(std::string_view why) {
  failed_ = true;
  return {FrameEvent::Kind::error, why, 0};
}

FrameEvent FrameDecoder::header_done() {
  const std::uint8_t b0 = header_[0], b1 = header_[1];
  if (b0 & 0x70) return fail("websocket frame with reserved bits set");
  if (b1 & 0x80) return fail("websocket frame from the server is masked");
  fin_ = (b0 & 0x80) != 0;
  opcode_ = static_cast<Opcode>(b0 & 0x0f);
  std::uint64_t length = b1 & 0x7f;
  if (length == 126) {
    length = (std::uint64_t{header_[2]} << 8) | header_[3];
  } else if (length == 127) {
    length = 0;
    for (int i = 2; i < 10; ++i) length = (length << 8) | header_[i];
    if (length >> 63) return fail("websocket frame length over 2^63");
  }
  remaining_ = length;
  in_payload_ = true;
  switch (opcode_) {
    case Opcode::binary:
      if (in_message_) return fail("websocket data frame inside a fragmented message");
      in_message_ = !fin_;
      return {FrameEvent::Kind::need_more, {}, 0};
    case Opcode::continuation:
      if (!in_message_) return fail("websocket continuation frame without a message");
      in_message_ = !fin_;
      return {FrameEvent::Kind::need_more, {}, 0};
    case Opcode::text:
      return fail("websocket text frame (MQTT needs binary frames)");
    case Opcode::close:
    case Opcode::ping:
    case Opcode::pong:
      if (!fin_) return fail("fragmented websocket control frame");
      if (length > 125) return fail("websocket control frame longer than 125 bytes");
      control_.clear();
      return {FrameEvent::Kind::need_more, {}, 0};
  }
  return fail("websocket frame with an unknown opcode");
}

FrameEvent FrameDecoder::control_done() {
  in_payload_ = false;
  header_have_ = 0;
  header_need_ = 2;
  switch (opcode_) {
    case Opcode::ping:
      return {FrameEvent::Kind::ping, control_, 0};
    case Opcode::pong:
      return {FrameEvent::Kind::pong, control_, 0};
    default: {
      if (control_.size() == 1) return fail("websocket close frame with a 1-byte body");
      std::uint16_t code = 1005;
      std::string_view reason;
      if (control_.size() >= 2) {
        code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(control_[0]) << 8) |
                                          static_cast<std::uint8_t>(control_[1]));
        reason = std::string_view(control_).substr(2);
      }
      failed_ = true;  // nothing may follow a close frame
      return {FrameEvent::Kind::close, reason, code};
    }
  }
}

FrameEvent FrameDecoder::next(std::string_view& input) {
  if (failed_) return {FrameEvent::Kind::error, "websocket stream already failed", 0};
  while (true) {
    if (!in_payload_) {
      while (header_have_ < header_need_) {
        if (input.empty()) return {};
        header_[header_have_++] = static_cast<std::uint8_t>(input.front());
        input.remove_prefix(1);
        if (header_have_ == 2) {
          const auto len7 = header_[1] & 0x7f;
          header_need_ = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
        }
      }
      auto event = header_done();
      if (event.kind == FrameEvent::Kind::error) return event;
    }
    if (is_control(opcode_)) {
      auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, input.size()));
      control_.append(input.substr(0, take));
      input.remove_prefix(take);
      remaining_ -= take;
      if (remaining_ > 0) return {};
      return control_done();
    }
    if (remaining_ == 0) {  // an empty data frame, or the end of one
      in_payload_ = false;
      header_have_ = 0;
      header_need_ = 2;
      continue;
    }
    if (input.empty()) return {};
    auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, input.size()));
    auto data = input.substr(0, take);
    input.remove_prefix(take);
    remaining_ -= take;
    return {FrameEvent::Kind::data, data, 0};
  }
}

}  // namespace edgegw::mqtt::ws
