// Encoding appends into the caller's buffer (no temporaries on the publish path); decoding reads
// through a bounds-checked cursor so no field can read past the packet.
#include "mqtt/codec.hpp"

#include <algorithm>

namespace edgegw::mqtt {

namespace {

void put_u16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

void put_string(std::string& out, std::string_view s) {
  put_u16(out, static_cast<std::uint16_t>(s.size()));
  out.append(s);
}

void put_header(std::string& out, std::uint8_t first, std::size_t remaining) {
  out.push_back(static_cast<char>(first));
  do {
    std::uint8_t byte = remaining % 128;
    remaining /= 128;
    if (remaining > 0) byte |= 0x80;
    out.push_back(static_cast<char>(byte));
  } while (remaining > 0);
}

// A read cursor over one packet body: every take fails instead of reading past the end.
class Cursor {
 public:
  explicit Cursor(std::string_view body) : body_(body) {}
  bool u8(std::uint8_t& v) {
    if (left() < 1) return false;
    v = static_cast<std::uint8_t>(body_[pos_++]);
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (left() < 2) return false;
    v = static_cast<std::uint16_t>((static_cast<std::uint8_t>(body_[pos_]) << 8) |
                                   static_cast<std::uint8_t>(body_[pos_ + 1]));
    pos_ += 2;
    return true;
  }
  bool string(std::string_view& s) {
    std::uint16_t n = 0;
    if (!u16(n) || left() < n) return false;
    s = body_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  std::string_view rest() {
    auto r = body_.substr(pos_);
    pos_ = body_.size();
    return r;
  }
  std::size_t left() const { return body_.size() - pos_; }

 private:
  std::string_view body_;
  std::size_t pos_ = 0;
};

// Fixed-header flag rules of §2.2.2, checked on the first byte alone.
DecodeError check_first_byte(std::uint8_t first) {
  auto type = first >> 4;
  auto flags = first & 0x0f;
  switch (static_cast<PacketType>(type)) {
    case PacketType::publish:
      if (((flags >> 1) & 3) == 3) return DecodeError::bad_flags;
      if (((flags >> 1) & 3) == 0 && (flags & 0x08)) return DecodeError::bad_flags;  // dup on qos 0
      return DecodeError::none;
    case PacketType::connack:
    case PacketType::puback:
    case PacketType::suback:
    case PacketType::unsuback:
    case PacketType::pingresp:
      return flags == 0 ? DecodeError::none : DecodeError::bad_flags;
    default:
      return DecodeError::unexpected_type;
  }
}

DecodeResult fail(DecodeError e) {
  return DecodeResult{std::nullopt, e};
}

DecodeResult decode_publish(std::uint8_t first, std::string_view body) {
  Cursor c(body);
  Publish p;
  p.qos = (first >> 1) & 3;
  p.retain = first & 1;
  p.dup = first & 0x08;
  std::string_view topic;
  if (!c.string(topic)) return fail(DecodeError::truncated);
  if (topic.empty() || !valid_mqtt_utf8(topic)) return fail(DecodeError::bad_utf8);
  if (topic.find_first_of("+#") != std::string_view::npos) {
    return fail(DecodeError::wildcard_topic);
  }
  if (p.qos > 0) {
    if (!c.u16(p.packet_id)) return fail(DecodeError::truncated);
    if (p.packet_id == 0) return fail(DecodeError::zero_packet_id);
  }
  p.topic.assign(topic);
  p.payload.assign(c.rest());
  return DecodeResult{Packet{std::move(p)}, DecodeError::none};
}

DecodeResult decode_id_only(PacketType type, std::string_view body) {
  if (body.size() != 2) return fail(DecodeError::bad_length);
  Cursor c(body);
  std::uint16_t id = 0;
  c.u16(id);
  if (id == 0) return fail(DecodeError::zero_packet_id);
  if (type == PacketType::puback) return DecodeResult{Packet{Puback{id}}, DecodeError::none};
  return DecodeResult{Packet{Unsuback{id}}, DecodeError::none};
}

}  // namespace

void encode_connect(std::string& out, const ConnectFields& f) {
  std::size_t len = 10 + 2 + f.client_id.size();
  if (f.will) len += 4 + f.will->topic.size() + f.will->payload.size();
  if (f.username) len += 2 + f.username->size();
  if (f.password) len += 2 + f.password->size();
  put_header(out, 0x10, len);
  put_string(out, "MQTT");
  out.push_back(4);  // protocol level 3.1.1
  std::uint8_t flags = 0;
  if (f.clean_session) flags |= 0x02;
  if (f.will) {
    flags |= 0x04 | static_cast<std::uint8_t>((f.will->qos & 3) << 3);
    if (f.will->retain) flags |= 0x20;
  }
  if (f.password) flags |= 0x40;
  if (f.username) flags |= 0x80;
  out.push_back(static_cast<char>(flags));
  put_u16(out, f.keepalive_seconds);
  put_string(out, f.client_id);
  if (f.will) {
    put_string(out, f.will->topic);
    put_string(out, f.will->payload);
  }
  if (f.username) put_string(out, *f.username);
  if (f.password) put_string(out, *f.password);
}

void encode_publish(std::string& out, std::string_view topic, std::string_view payload, int qos,
                    bool retain, bool dup, std::uint16_t packet_id) {
  std::uint8_t first = 0x30 | static_cast<std::uint8_t>((qos & 3) << 1);
  if (retain) first |= 0x01;
  if (dup && qos > 0) first |= 0x08;
  put_header(out, first, 2 + topic.size() + (qos > 0 ? 2 : 0) + payload.size());
  put_string(out, topic);
  if (qos > 0) put_u16(out, packet_id);
  out.append(payload);
}

void encode_puback(std::string& out, std::uint16_t packet_id) {
  out.push_back(0x40);
  out.push_back(2);
  put_u16(out, packet_id);
}

void encode_subscribe(std::string& out, std::uint16_t packet_id,
                      const std::vector<std::pair<std::string, int>>& filters) {
  std::size_t len = 2;
  for (const auto& [filter, qos] : filters) len += 3 + filter.size();
  put_header(out, 0x82, len);
  put_u16(out, packet_id);
  for (const auto& [filter, qos] : filters) {
    put_string(out, filter);
    out.push_back(static_cast<char>(qos & 3));
  }
}

void encode_unsubscribe(std::string& out, std::uint16_t packet_id,
                        const std::vector<std::string>& filters) {
  std::size_t len = 2;
  for (const auto& filter : filters) len += 2 + filter.size();
  put_header(out, 0xa2, len);
  put_u16(out, packet_id);
  for (const auto& filter : filters) put_string(out, filter);
}

void encode_pingreq(std::string& out) {
  out.push_back(static_cast<char>(0xc0));
  out.push_back(0);
}

void encode_disconnect(std::string& out) {
  out.push_back(static_cast<char>(0xe0));
  out.push_back(0);
}

const char* to_string(DecodeError error) {
  switch (error) {
    case DecodeError::none:
      return "no error";
    case DecodeError::bad_remaining_length:
      return "malformed remaining length";
    case DecodeError::unexpected_type:
      return "unexpected packet type";
    case DecodeError::bad_flags:
      return "invalid fixed-header flags";
    case DecodeError::bad_length:
      return "invalid remaining length for packet type";
    case DecodeError::truncated:
      return "truncated packet field";
    case DecodeError::bad_utf8:
      return "topic is not valid MQTT UTF-8";
    case DecodeError::wildcard_topic:
      return "wildcard in PUBLISH topic";
    case DecodeError::zero_packet_id:
      return "packet identifier 0";
    case DecodeError::bad_return_code:
      return "invalid return code";
    case DecodeError::too_large:
      return "packet exceeds the size limit";
  }
  return "unknown decode error";
}

bool valid_mqtt_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<std::uint8_t>(s[i]);
    if (b == 0) return false;
    if (b < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if ((b & 0xe0) == 0xc0) {
      n = 1;
      cp = b & 0x1f;
    } else if ((b & 0xf0) == 0xe0) {
      n = 2;
      cp = b & 0x0f;
    } else if ((b & 0xf8) == 0xf0) {
      n = 3;
      cp = b & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      auto c = static_cast<std::uint8_t>(s[i + k]);
      if ((c & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

DecodeResult decode_packet(std::uint8_t first, std::string_view body) {
  if (auto e = check_first_byte(first); e != DecodeError::none) return fail(e);
  auto type = static_cast<PacketType>(first >> 4);
  switch (type) {
    case PacketType::connack: {
      if (body.size() != 2) return fail(DecodeError::bad_length);
      auto ack_flags = static_cast<std::uint8_t>(body[0]);
      if (ack_flags & 0xfe) return fail(DecodeError::bad_return_code);
      Connack c{(ack_flags & 1) != 0, static_cast<std::uint8_t>(body[1])};
      return DecodeResult{Packet{c}, DecodeError::none};
    }
    case PacketType::publish:
      return decode_publish(first, body);
    case PacketType::puback:
    case PacketType::unsuback:
      return decode_id_only(type, body);
    case PacketType::suback: {
      if (body.size() < 3) return fail(DecodeError::bad_length);
      Cursor c(body);
      Suback s;
      c.u16(s.packet_id);
      if (s.packet_id == 0) return fail(DecodeError::zero_packet_id);
      for (char ch : c.rest()) {
        auto code = static_cast<std::uint8_t>(ch);
        if (code > 2 && code != 0x80) return fail(DecodeError::bad_return_code);
        s.return_codes.push_back(code);
      }
      return DecodeResult{Packet{std::move(s)}, DecodeError::none};
    }
    case PacketType::pingresp:
      if (!body.empty()) return fail(DecodeError::bad_length);
      return DecodeResult{Packet{Pingresp{}}, DecodeError::none};
    default:
      return fail(DecodeError::unexpected_type);
  }
}

void Decoder::feed(std::string_view bytes) {
  if (failed_ != DecodeError::none) return;
  // The rest of an oversized PUBLISH's payload goes nowhere.
  const auto skipped = std::min(skip_, bytes.size());
  skip_ -= skipped;
  bytes.remove_prefix(skipped);
  if (bytes.empty()) return;
  // Compact before growing, so a long-lived connection's buffer holds at most one packet plus one
  // read's worth.
  if (pos_ > 0 && pos_ == buffer_.size()) {
    buffer_.clear();
    pos_ = 0;
  } else if (pos_ > 4096 && pos_ > buffer_.size() / 2) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  buffer_.append(bytes);
}

DecodeResult Decoder::next() {
  if (failed_ != DecodeError::none) return fail(failed_);
  std::string_view avail(buffer_.data() + pos_, buffer_.size() - pos_);
  if (avail.empty()) {
    // Idle connections keep no buffer memory.
    if (buffer_.capacity() > 256) std::string().swap(buffer_);
    buffer_.clear();
    pos_ = 0;
    return {};
  }
  auto first = static_cast<std::uint8_t>(avail[0]);
  if (auto e = check_first_byte(first); e != DecodeError::none) {
    failed_ = e;
    return fail(e);
  }
  std::size_t remaining = 0;
  std::size_t header = 1;
  for (int shift = 0;; shift += 7) {
    if (header >= avail.size()) return {};  // need more bytes for the length
    auto b = static_cast<std::uint8_t>(avail[header++]);
    remaining |= static_cast<std::size_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
    if (header == 5) {
      failed_ = DecodeError::bad_remaining_length;
      return fail(failed_);
    }
  }
  if (header + remaining > max_packet_) {
    if ((first >> 4) == static_cast<int>(PacketType::publish)) {
      return oversized_publish(first, avail, header, remaining);
    }
    failed_ = DecodeError::too_large;
    return fail(failed_);
  }
  if (avail.size() < header + remaining) return {};
  auto result = decode_packet(first, avail.substr(header, remaining));
  pos_ += header + remaining;
  if (result.error != DecodeError::none) failed_ = result.error;
  return result;
}

// Waits only for the variable header (topic and packet id, at most 65,539 bytes), decodes it
// with an empty payload, then skips the payload: what is buffered now is dropped, the rest is
// dropped by feed() as it arrives.
DecodeResult Decoder::oversized_publish(std::uint8_t first, std::string_view avail,
                                        std::size_t header, std::size_t remaining) {
  const std::string_view body = avail.substr(header);
  if (body.size() < 2) return {};
  const std::size_t topic_length =
      (static_cast<std::uint8_t>(body[0]) << 8) | static_cast<std::uint8_t>(body[1]);
  const std::size_t variable_header = 2 + topic_length + (((first >> 1) & 3) > 0 ? 2 : 0);
  if (variable_header > remaining) {
    failed_ = DecodeError::truncated;
    return fail(failed_);
  }
  if (body.size() < variable_header) return {};
  auto result = decode_packet(first, body.substr(0, variable_header));
  if (result.error != DecodeError::none) {
    failed_ = result.error;
    return result;
  }
  std::get<Publish>(*result.packet).dropped_payload = remaining - variable_header;
  const std::size_t here = std::min(body.size(), remaining);
  pos_ += header + here;
  skip_ = remaining - here;
  return result;
}

void Decoder::reset() {
  std::string().swap(buffer_);
  pos_ = 0;
  skip_ = 0;
  failed_ = DecodeError::none;
}

}  // namespace edgegw::mqtt
