// The byte stream under MQTT: reading the socket (through TLS when active), and the optional layers
// between TCP and MQTT: an HTTP CONNECT proxy's tunnel, TLS, and the WebSocket upgrade and framing.
// Same rules as connection.cpp: a false return means the connection was closed, reset or destroyed
// under you.
#include <sys/socket.h>
#include <systemd/sd-event.h>

#include <cerrno>
#include <cstring>

#include "mqtt/connection.hpp"
#include "mqtt/http_head.hpp"
#include "mqtt/ws_handshake.hpp"

namespace edgegw::mqtt {

namespace {

// The most a proxy or WebSocket server may say before its blank line. Real answers are a few
// hundred bytes; a peer that talks on is not the one we asked.
constexpr std::size_t kMaxHttpHead = 8192;

}  // namespace

const char* Connection::phase_name() const {
  switch (phase_) {
    case Phase::idle:
      return "idle";
    case Phase::resolving:
      return "resolving";
    case Phase::tcp_connecting:
      return options_.proxy ? "connecting TCP to the proxy" : "connecting TCP";
    case Phase::proxy_handshaking:
      return "waiting for the proxy to open the tunnel";
    case Phase::tls_handshaking:
      return "in the TLS handshake";
    case Phase::ws_upgrading:
      return "in the WebSocket upgrade";
    case Phase::awaiting_connack:
      return "waiting for CONNACK";
    case Phase::online:
      return "online";
  }
  return "unknown";
}

const char* Connection::peer_name() const {
  return phase_ == Phase::proxy_handshaking ? "proxy" : "broker";
}

// One read from the socket (through TLS when active). `closed`: close_with() was called.
Connection::Read Connection::read_some(std::size_t* got) {
  *got = 0;
  if (!tls_.active()) {
    auto n = ::recv(fd_, scratch(), kReadChunk, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return Read::again;
    if (n < 0) {
      close_with({CloseReason::peer_closed, 0, std::string("recv: ") + std::strerror(errno)});
      return Read::closed;
    }
    if (n == 0) {
      close_with(
          {CloseReason::peer_closed, 0, std::string(peer_name()) + " closed the connection"});
      return Read::closed;
    }
    *got = static_cast<std::size_t>(n);
    return Read::data;
  }
  auto io = tls_.read(scratch(), kReadChunk, got);
  if (io == TlsLink::Io::want_read) return Read::again;
  if (io == TlsLink::Io::want_write) {
    tls_wants_write_ = true;
    update_io_events();
    return Read::again;
  }
  if (io == TlsLink::Io::closed) {
    close_with({CloseReason::peer_closed, 0,
                tls_.failure().empty() ? "broker closed the TLS connection" : tls_.failure()});
    return Read::closed;
  }
  if (io == TlsLink::Io::failed) {
    close_with({CloseReason::tls_failed, 0, tls_.failure()});
    return Read::closed;
  }
  if (tls_wants_write_) {
    tls_wants_write_ = false;
    update_io_events();
  }
  return Read::data;
}

bool Connection::start_proxy_handshake() {
  out_ = connect_request(*options_.proxy, options_.host, options_.port);
  out_pos_ = 0;
  phase_ = Phase::proxy_handshaking;
  return flush_or_close();
}

bool Connection::start_tls_or_websocket() {
  if (!options_.tls) return options_.ws_path ? start_websocket() : send_connect();
  std::string error;
  if (!tls_.start(*options_.tls, fd_, options_.server_name, options_.psk_identity, options_.psk_key,
                  &error)) {
    return close_with({CloseReason::tls_failed, 0, error});
  }
  phase_ = Phase::tls_handshaking;
  return drive_handshake();
}

bool Connection::start_websocket() {
  tls_wants_write_ = false;
  ws_key_ = ws::make_key();
  out_ += ws::upgrade_request(options_.host, options_.port, options_.tls != nullptr,
                              *options_.ws_path, ws_key_);
  phase_ = Phase::ws_upgrading;
  return flush_or_close();
}

// Reads the proxy's or the WebSocket server's answer until its head is complete.
bool Connection::read_handshake() {
  while (true) {
    std::size_t got = 0;
    switch (read_some(&got)) {
      case Read::again:
        return true;
      case Read::closed:
        return false;
      case Read::data:
        break;
    }
    handshake_in_.append(scratch(), got);
    auto parsed = parse_http_head(handshake_in_, kMaxHttpHead);
    if (parsed.state == HeadParse::State::need_more) continue;
    const bool proxy = phase_ == Phase::proxy_handshaking;
    if (parsed.state == HeadParse::State::error) {
      return close_with(
          {proxy ? CloseReason::connect_failed : CloseReason::protocol_error, 0,
           std::string(proxy ? "proxy answer: " : "WebSocket upgrade answer: ") + parsed.error});
    }
    std::string rest = handshake_in_.substr(parsed.consumed);
    std::string().swap(handshake_in_);
    if (proxy) {
      if (auto problem = check_connect_response(parsed.head, *options_.proxy)) {
        return close_with({CloseReason::connect_failed, 0, *problem});
      }
      // The broker speaks only after our TLS hello or MQTT CONNECT: anything more is not ours.
      if (!rest.empty()) {
        return close_with(
            {CloseReason::protocol_error, 0, "the proxy sent data after opening the tunnel"});
      }
      return start_tls_or_websocket();
    }
    if (auto problem = ws::check_upgrade_response(parsed.head, ws_key_)) {
      return close_with({CloseReason::protocol_error, 0, "WebSocket upgrade: " + *problem});
    }
    std::string().swap(ws_key_);
    ws_online_ = true;
    framed_ = out_.size();
    if (!send_connect()) return false;
    if (!rest.empty() && !feed_frames(rest)) return false;
    // What came after the 101 in the same read (or is buffered in TLS) is the broker's already.
    return read_available();
  }
}

// Wraps the MQTT bytes queued since the last frame into one binary frame.
void Connection::frame_pending() {
  if (!ws_online_ || framed_ >= out_.size()) return;
  std::string payload = out_.substr(framed_);
  out_.resize(framed_);
  ws::encode_frame(out_, ws::Opcode::binary, payload, ws::random_mask());
  framed_ = out_.size();
}

bool Connection::feed_frames(std::string_view bytes) {
  while (true) {
    auto event = frames_.next(bytes);
    switch (event.kind) {
      case ws::FrameEvent::Kind::need_more:
        return true;
      case ws::FrameEvent::Kind::data:
        if (!feed_mqtt(event.bytes)) return false;
        break;
      case ws::FrameEvent::Kind::ping:
        // Answered after what is queued; handle_io flushes it.
        frame_pending();
        ws::encode_frame(out_, ws::Opcode::pong, event.bytes, ws::random_mask());
        framed_ = out_.size();
        update_io_events();
        break;
      case ws::FrameEvent::Kind::pong:
        break;
      case ws::FrameEvent::Kind::close:
        return close_with({CloseReason::peer_closed, 0,
                           "the broker closed the WebSocket (code " +
                               std::to_string(event.close_code) +
                               (event.bytes.empty() ? "" : ": " + std::string(event.bytes)) + ")"});
      case ws::FrameEvent::Kind::error:
        return close_with({CloseReason::protocol_error, 0, std::string(event.bytes)});
    }
  }
}

}  // namespace edgegw::mqtt
