// The I/O half of a connection: sockets, TLS and sd-event sources. Every function that may have
// reported to the handler returns bool; false means "the connection was closed, reset or destroyed
// under you — return now without touching members".
#include "mqtt/connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "loop/guarded.hpp"
#include "mqtt/output_batch.hpp"
#include "mqtt/ws_handshake.hpp"

namespace edgegw::mqtt {

namespace {

void set_port(Address& a, std::uint16_t port) {
  if (a.storage.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&a.storage)->sin_port = htons(port);
  } else if (a.storage.ss_family == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&a.storage)->sin6_port = htons(port);
  }
}

}  // namespace

// One read buffer for all connections on this thread: idle sessions own no read buffer.
char* Connection::scratch() {
  static thread_local char buffer[kReadChunk];
  return buffer;
}

// Held on the stack across handler callbacks: tells whether the callback destroyed the connection.
struct Connection::Guard {
  explicit Guard(Connection& c) : alive(c.alive_) {}
  bool gone() const { return !*alive; }
  std::shared_ptr<bool> alive;
};

const char* to_string(CloseReason reason) {
  switch (reason) {
    case CloseReason::refused:
      return "refused";
    case CloseReason::tls_failed:
      return "tls_failed";
    case CloseReason::timeout:
      return "timeout";
    case CloseReason::keepalive_timeout:
      return "keepalive_timeout";
    case CloseReason::peer_closed:
      return "peer_closed";
    case CloseReason::protocol_error:
      return "protocol_error";
    case CloseReason::dns_failed:
      return "dns_failed";
    case CloseReason::connect_failed:
      return "connect_failed";
    case CloseReason::local_disconnect:
      return "local_disconnect";
  }
  return "unknown";
}

Connection::Connection(sd_event* loop, Resolver& resolver, Handler& handler)
    : loop_(loop), resolver_(resolver), handler_(handler) {}

Connection::~Connection() {
  *alive_ = false;
  OutputBatch::forget(*this);
  teardown();
  timer_.reset();
}

ProtocolState::TimePoint Connection::now() const {
  std::uint64_t usec = 0;
  sd_event_now(loop_, CLOCK_MONOTONIC, &usec);
  return ProtocolState::TimePoint(std::chrono::microseconds(usec));
}

void Connection::teardown() {
  ++generation_;
  if (ticket_) resolver_.cancel(ticket_);
  ticket_ = 0;
  tls_.close(false);
  io_.reset();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  io_events_ = 0;
  tls_wants_write_ = false;
  std::string().swap(out_);
  out_pos_ = 0;
  decoder_.reset();
  pending_failure_.reset();
  std::string().swap(handshake_in_);
  std::string().swap(ws_key_);
  frames_.reset();
  ws_online_ = false;
  framed_ = 0;
  addresses_.clear();
  phase_ = Phase::idle;
  state_ = ProtocolState(options_.keepalive, options_.connect_timeout, options_.max_inflight);
  timer_.disarm();
}

bool Connection::close_with(Outcome outcome) {
  teardown();
  handler_.on_closed(outcome);
  return false;
}

bool Connection::connect(ConnectOptions options) {
  teardown();
  // The timer bounds every attempt (connect timeout) and reports queued failures; without it an
  // attempt could hang unseen, so it is made first and a failure is the caller's to handle.
  if (!timer_ && timer_.attach(loop_, &Connection::on_timer, this, "mqtt connection timer") < 0) {
    return false;
  }
  timer_.disarm();
  options_ = std::move(options);
  if (options_.server_name.empty()) options_.server_name = options_.host;
  if (options_.max_inflight == 0) options_.max_inflight = 1;
  decoder_ = Decoder(options_.max_incoming_packet);
  state_ = ProtocolState(options_.keepalive, options_.connect_timeout, options_.max_inflight);
  state_.start(now());
  phase_ = Phase::resolving;
  // Through a proxy only the proxy's name is resolved here; the proxy resolves the broker's.
  const auto& first_hop = options_.proxy ? options_.proxy->host : options_.host;
  ticket_ =
      resolver_.resolve(first_hop, [this](const ResolveResult& result) { on_resolved(result); });
  arm_timer();
  // A resolver that cannot deliver answers fails the lookup now (reported from the loop), so the
  // owner backs off instead of waiting for the connect timeout.
  if (ticket_ == 0) {
    queue_failure({CloseReason::dns_failed, 0, first_hop + ": " + resolver_.setup_error()});
  }
  return true;
}

void Connection::on_resolved(const ResolveResult& result) {
  ticket_ = 0;
  if (result.addresses.empty()) {
    close_with(
        {CloseReason::dns_failed, 0,
         (options_.proxy ? "proxy " + options_.proxy->host : options_.host) + ": " + result.error});
    return;
  }
  addresses_ = result.addresses;
  address_index_ = 0;
  last_connect_error_.clear();
  try_next_address();
}

bool Connection::try_next_address() {
  while (address_index_ < addresses_.size()) {
    auto address = addresses_[address_index_++];
    set_port(address, options_.proxy ? options_.proxy->port : options_.port);
    int fd = ::socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      last_connect_error_ = std::string("socket: ") + std::strerror(errno);
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address.storage), address.length) != 0 &&
        errno != EINPROGRESS) {
      last_connect_error_ = std::string("connect: ") + std::strerror(errno);
      ::close(fd);
      continue;
    }
    if (sd_event_add_io(loop_, io_.out(), fd, EPOLLOUT, &Connection::on_io_event, this) < 0) {
      last_connect_error_ = "cannot watch the socket";
      ::close(fd);
      continue;
    }
    fd_ = fd;
    io_events_ = EPOLLOUT;
    phase_ = Phase::tcp_connecting;
    return true;
  }
  return close_with({CloseReason::connect_failed, 0,
                     std::string(options_.proxy ? "proxy " : "") +
                         (options_.proxy ? options_.proxy->host : options_.host) + ":" +
                         std::to_string(options_.proxy ? options_.proxy->port : options_.port) +
                         ": " +
                         (last_connect_error_.empty() ? "no address" : last_connect_error_)});
}

bool Connection::finish_tcp_connect() {
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    last_connect_error_ = std::string("connect: ") + std::strerror(err);
    io_.reset();
    ::close(fd_);
    fd_ = -1;
    return try_next_address();
  }
  addresses_.clear();
  addresses_.shrink_to_fit();
  if (options_.proxy) return start_proxy_handshake();
  return start_tls_or_websocket();
}

bool Connection::drive_handshake() {
  switch (tls_.handshake()) {
    case TlsLink::Io::done:
      return options_.ws_path ? start_websocket() : send_connect();
    case TlsLink::Io::want_read:
      tls_wants_write_ = false;
      update_io_events();
      return true;
    case TlsLink::Io::want_write:
      tls_wants_write_ = true;
      update_io_events();
      return true;
    case TlsLink::Io::closed:
      return close_with(
          {CloseReason::tls_failed, 0,
           tls_.failure().empty() ? "connection closed during TLS handshake" : tls_.failure()});
    case TlsLink::Io::failed:
      return close_with({CloseReason::tls_failed, 0, tls_.failure()});
  }
  return true;
}

bool Connection::send_connect() {
  tls_wants_write_ = false;
  ConnectFields fields;
  fields.client_id = options_.client_id;
  fields.username = options_.username.to_optional();
  fields.password = options_.password.to_optional();
  fields.clean_session = options_.clean_session;
  fields.keepalive_seconds =
      static_cast<std::uint16_t>(std::min<long>(options_.keepalive.count(), 65535));
  fields.will = options_.will.to_optional();
  encode_connect(out_, fields);
  phase_ = Phase::awaiting_connack;
  state_.packet_sent(now());
  return flush_or_close();
}

Connection::Flush Connection::flush() {
  frame_pending();
  while (out_pos_ < out_.size()) {
    std::size_t written = 0;
    if (tls_.active()) {
      auto io = tls_.write(out_.data() + out_pos_, out_.size() - out_pos_, &written);
      if (io == TlsLink::Io::want_read || io == TlsLink::Io::want_write) {
        tls_wants_write_ = io == TlsLink::Io::want_write;
        break;
      }
      if (io != TlsLink::Io::done) return Flush::failed;
    } else {
      auto n = ::send(fd_, out_.data() + out_pos_, out_.size() - out_pos_, MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) break;
      if (n < 0) return Flush::failed;
      written = static_cast<std::size_t>(n);
    }
    out_pos_ += written;
  }
  if (out_pos_ == out_.size()) {
    // Nothing pending: an idle connection keeps no output buffer.
    if (out_.capacity() > 256) std::string().swap(out_);
    out_.clear();
    out_pos_ = 0;
    framed_ = 0;
    update_io_events();
    return Flush::done;
  }
  update_io_events();
  return Flush::blocked;
}

bool Connection::flush_or_close() {
  if (flush() != Flush::failed) return true;
  return close_with(write_failure());
}

Outcome Connection::write_failure() {
  if (!tls_.active()) {
    return {CloseReason::peer_closed, 0, std::string("send: ") + std::strerror(errno)};
  }
  if (tls_.read_alert()) return {CloseReason::tls_failed, 0, tls_.failure()};
  return {CloseReason::peer_closed, 0, tls_.failure()};
}

void Connection::queue_failure(Outcome outcome) {
  // Reported from the timer on the next loop turn: API calls never call the handler.
  if (!pending_failure_) pending_failure_ = std::move(outcome);
  timer_.arm(1, 1);  // due at once: the next loop turn
}

void Connection::update_io_events() {
  if (!io_) return;
  std::uint32_t want = EPOLLIN;
  if (phase_ == Phase::tcp_connecting) want = EPOLLOUT;
  if (out_pos_ < out_.size() || tls_wants_write_) want |= EPOLLOUT;
  // Edge-triggered once MQTT flows over plain TCP: read_available() drains the socket on every
  // event, and a level-triggered socket that is ready but not yet dispatched is polled again by
  // every epoll_wait (sd-event polls once per dispatched source), which with many busy sessions
  // was a fifth of the daemon's CPU. Handshakes and TLS stay level-triggered: a TLS read that
  // wants to write stops before the socket is drained.
  if (edge_triggered()) want |= EPOLLET | EPOLLRDHUP;
  if (want != io_events_) {
    io_.set_io_events(want);
    io_events_ = want;
  }
}

void Connection::arm_timer() {
  auto deadline = state_.next_deadline();
  if (deadline == ProtocolState::TimePoint::max()) {
    timer_.disarm();
    return;
  }
  auto usec = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(deadline.time_since_epoch()).count());
  // Timer slack lets sd-event coalesce thousands of keepalive timers; keep it small against K.
  std::uint64_t accuracy =
      state_.is_online()
          ? static_cast<std::uint64_t>(
                std::chrono::duration_cast<std::chrono::microseconds>(options_.keepalive).count() /
                20)
          : 10000;
  if (accuracy == 0) accuracy = 1000;
  timer_.arm(usec, accuracy);  // a no-op before connect() attached it
}

void Connection::on_timer(void* self) {
  static_cast<Connection*>(self)->handle_timer();
}

void Connection::handle_timer() {
  if (pending_failure_) {
    auto outcome = std::move(*pending_failure_);
    close_with(std::move(outcome));
    return;
  }
  switch (state_.poll(now())) {
    case ProtocolState::Verdict::connect_timed_out:
      close_with({CloseReason::timeout, 0,
                  "no CONNACK within " + std::to_string(options_.connect_timeout.count()) +
                      " ms (while " + phase_name() + ")"});
      return;
    case ProtocolState::Verdict::keepalive_timed_out:
      close_with({CloseReason::keepalive_timeout, 0,
                  "nothing heard from the broker for " +
                      std::to_string(state_.dead_after().count()) + " ms"});
      return;
    case ProtocolState::Verdict::send_pingreq:
      encode_pingreq(out_);
      if (!flush_or_close()) return;
      break;
    case ProtocolState::Verdict::none:
      break;
  }
  arm_timer();
}

int Connection::on_io_event(sd_event_source* source, int, std::uint32_t events, void* userdata) {
  return loop::guarded(source, "mqtt connection socket",
                       [&] { static_cast<Connection*>(userdata)->handle_io(events); });
}

void Connection::handle_io(std::uint32_t events) {
  // What the handler sends in answer to this read (a publish per PUBACK, an ack per message, on
  // this connection or others) goes out with one write per connection.
  OutputBatch batch;
  Guard guard(*this);
  switch (phase_) {
    case Phase::tcp_connecting:
      finish_tcp_connect();
      return;
    case Phase::tls_handshaking:
      drive_handshake();
      return;
    case Phase::proxy_handshaking:
    case Phase::ws_upgrading: {
      auto generation = generation_;
      if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        if (!read_handshake() || guard.gone() || generation != generation_) return;
      }
      if (out_pos_ < out_.size() || tls_wants_write_) flush_or_close();
      return;
    }
    case Phase::awaiting_connack:
    case Phase::online: {
      auto generation = generation_;
      // With EPOLLRDHUP in the mask a FIN comes with the event (or raises a new one): without
      // it a short recv() ends the read, one recv() per wakeup, not two.
      const bool drains = edge_triggered() && (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) == 0;
      if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) &&
          (!read_available(drains) || guard.gone() || generation != generation_)) {
        return;
      }
      if (out_pos_ < out_.size()) flush_or_close();
      return;
    }
    default:
      return;
  }
}

bool Connection::read_available(bool short_read_drains) {
  while (true) {
    std::size_t got = 0;
    switch (read_some(&got)) {
      case Read::again:
        ++empty_reads_;
        return true;
      case Read::closed:
        return false;
      case Read::data:
        break;
    }
    state_.bytes_received(now());
    std::string_view bytes(scratch(), got);
    if (!(ws_online_ ? feed_frames(bytes) : feed_mqtt(bytes))) return false;
    // Else on to EAGAIN: a FIN that came with the last data stops recv() short, raising no edge.
    if (short_read_drains && got < kReadChunk && !tls_.active() && edge_triggered()) return true;
  }
}

bool Connection::feed_mqtt(std::string_view bytes) {
  Guard guard(*this);
  auto generation = generation_;
  decoder_.feed(bytes);
  while (true) {
    auto result = decoder_.next();
    if (result.error != DecodeError::none) {
      return close_with({CloseReason::protocol_error, 0, to_string(result.error)});
    }
    if (!result.packet) return true;
    if (!dispatch(*result.packet) || guard.gone() || generation != generation_) return false;
    // A failure the handler caused (ack() over the output bound) ends reading now: a broker
    // that floods us must not keep this loop busy.
    if (pending_failure_) {
      auto outcome = std::move(*pending_failure_);
      return close_with(std::move(outcome));
    }
  }
}

bool Connection::dispatch(Packet& packet) {
  if (auto* connack = std::get_if<Connack>(&packet)) {
    if (phase_ != Phase::awaiting_connack) {
      return close_with({CloseReason::protocol_error, 0, "unexpected CONNACK"});
    }
    if (connack->return_code != 0) {
      return close_with({CloseReason::refused, connack->return_code,
                         "CONNACK return code " + std::to_string(connack->return_code)});
    }
    phase_ = Phase::online;
    // Only CONNECT and the TLS handshake needed these, and the next connect() brings its own: an
    // online connection keeps no credentials (~0.2 KB a session signed the Aliyun way, 2 MB at
    // 10,000 sessions; and the secrets leave memory sooner).
    for (auto* spent : {&options_.client_id, &options_.psk_identity, &options_.psk_key}) {
      std::string().swap(*spent);
    }
    options_.username.reset();
    options_.password.reset();
    state_.online(now());
    arm_timer();
    handler_.on_connected(connack->session_present);
    return true;
  }
  if (phase_ != Phase::online) {
    return close_with({CloseReason::protocol_error, 0, "packet before CONNACK"});
  }
  if (auto* publish = std::get_if<Publish>(&packet)) return dispatch_publish(*publish);
  if (auto* puback = std::get_if<Puback>(&packet)) {
    bool was_full = state_.window_full();
    if (!state_.release_publish_id(puback->packet_id)) return true;  // stale id: ignore
    Guard guard(*this);
    auto generation = generation_;
    handler_.on_puback(puback->packet_id);
    if (guard.gone() || generation != generation_) return false;
    if (was_full && !state_.window_full()) handler_.on_writable();
    return true;
  }
  if (auto* suback = std::get_if<Suback>(&packet)) {
    if (!state_.release_other_id(suback->packet_id)) return true;
    handler_.on_suback(suback->packet_id,
                       std::vector<int>(suback->return_codes.begin(), suback->return_codes.end()));
    return true;
  }
  if (auto* unsuback = std::get_if<Unsuback>(&packet)) {
    if (state_.release_other_id(unsuback->packet_id)) handler_.on_unsuback(unsuback->packet_id);
    return true;
  }
  state_.pingresp_received();
  return true;
}

bool Connection::dispatch_publish(Publish& publish) {
  if (publish.qos > 1) {
    return close_with({CloseReason::protocol_error, 0, "QoS 2 PUBLISH is not supported"});
  }
  Message message{std::move(publish.topic),
                  std::move(publish.payload),
                  publish.qos,
                  publish.packet_id,
                  publish.retain,
                  publish.dup,
                  publish.dropped_payload};
  handler_.on_message(message);
  return true;
}

std::optional<std::uint16_t> Connection::publish(std::string_view topic, std::string_view payload,
                                                 int qos, bool retain) {
  if (phase_ != Phase::online || pending_failure_ || qos < 0 || qos > 1) return std::nullopt;
  if (queued_bytes() > options_.max_queued_bytes) return std::nullopt;
  std::uint16_t id = 0;
  if (qos == 1) {
    id = state_.allocate_publish_id();
    if (id == 0) return std::nullopt;
  }
  encode_publish(out_, topic, payload, qos, retain, false, id);
  state_.packet_sent(now());
  flush_soon();
  return id;
}

std::optional<std::uint16_t> Connection::subscribe(
    const std::vector<std::pair<std::string, int>>& filters) {
  if (phase_ != Phase::online || pending_failure_ || filters.empty()) return std::nullopt;
  if (output_full(0)) return std::nullopt;
  auto id = state_.allocate_other_id();
  if (id == 0) return std::nullopt;
  encode_subscribe(out_, id, filters);
  state_.packet_sent(now());
  flush_soon();
  return id;
}

std::optional<std::uint16_t> Connection::unsubscribe(const std::vector<std::string>& filters) {
  if (phase_ != Phase::online || pending_failure_ || filters.empty()) return std::nullopt;
  if (output_full(0)) return std::nullopt;
  auto id = state_.allocate_other_id();
  if (id == 0) return std::nullopt;
  encode_unsubscribe(out_, id, filters);
  state_.packet_sent(now());
  flush_soon();
  return id;
}

void Connection::ack(std::uint16_t packet_id) {
  if (phase_ != Phase::online || pending_failure_ || packet_id == 0) return;
  constexpr std::size_t kPubackSize = 4;
  // Output held back by an OutputBatch is ours, not the broker's doing: write it before judging.
  if (output_full(kPubackSize) && output_deferred_ && flush() == Flush::failed) {
    queue_failure(write_failure());
    return;
  }
  if (output_full(kPubackSize)) {
    queue_failure({CloseReason::protocol_error, 0,
                   "the broker sends QoS 1 messages but does not read our acknowledgements (" +
                       std::to_string(queued_bytes()) + " bytes queued, limit " +
                       std::to_string(options_.max_queued_bytes) + ")"});
    return;
  }
  encode_puback(out_, packet_id);
  state_.packet_sent(now());
  flush_soon();
}

void Connection::disconnect() {
  if (phase_ == Phase::online && !pending_failure_) {
    encode_disconnect(out_);
    if (ws_online_) {
      frame_pending();
      ws::encode_close(out_, 1000, ws::random_mask());
      framed_ = out_.size();
    }
    flush();  // best effort: a healthy socket takes these few bytes at once
    tls_.close(true);
  }
  teardown();
}

}  // namespace edgegw::mqtt
