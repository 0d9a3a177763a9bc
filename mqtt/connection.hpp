// One MQTT 3.1.1 client session over one non-blocking socket (plain TCP or TLS, optionally through
// an HTTP CONNECT proxy and optionally as MQTT over WebSocket), driven by an sd-event loop. This is
// what every cloud Session and the local-broker source are built on.
//
// Shape: the caller owns the Connection and a Handler; connect() is asynchronous (resolve on the
// Resolver's thread, non-blocking TCP connect, proxy CONNECT, TLS handshake, WebSocket upgrade,
// CONNECT/CONNACK; the layers in that order, each optional but TCP and MQTT) and every outcome
// comes back as a value through Handler::on_closed — the owner decides about retries and backoff.
// Protocol decisions (connect timeout, keepalive, in-flight window) live in ProtocolState; this
// class applies them with one timer. Cost per session: 1 fd, one io source, one entry of the loop's
// timer group (loop/timer_group.hpp), the SSL (buffers released when idle), small freed buffers.
//
// Re-entrancy: handler callbacks may call any method, including connect() and disconnect(), and
// may destroy the Connection; the Connection touches nothing of itself after such a callback.
// No method calls the handler synchronously: failures noticed inside publish() etc. are reported
// from the loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loop/event_source.hpp"
#include "loop/heap_optional.hpp"
#include "loop/timer_group.hpp"
#include "mqtt/codec.hpp"
#include "mqtt/http_proxy.hpp"
#include "mqtt/protocol_state.hpp"
#include "mqtt/resolver.hpp"
#include "mqtt/tls_context.hpp"
#include "mqtt/tls_link.hpp"
#include "mqtt/ws_frame.hpp"

struct sd_event;
struct sd_event_source;

namespace edgegw::mqtt {

struct ConnectOptions {
  std::string host;
  std::uint16_t port = 1883;
  std::shared_ptr<TlsContext> tls;  // null = plain TCP
  std::string server_name;          // SNI and certificate name check; empty = host
  std::string psk_identity;         // TLS-PSK contexts only
  std::string psk_key;              // raw key bytes (not hex)
  std::string client_id;
  // On the heap, as will, proxy and ws_path below: dropped after CONNACK, so an online
  // connection holds 8 bytes for each instead of an empty std::optional<std::string> (40).
  loop::HeapOptional<std::string> username;
  loop::HeapOptional<std::string> password;
  loop::HeapOptional<Will> will;  // on the heap: most connections have none
  bool clean_session = true;
  std::chrono::seconds keepalive{60};  // 0 disables keepalive
  std::chrono::milliseconds connect_timeout{10000};
  std::uint32_t max_incoming_packet = 1u << 20;
  unsigned max_inflight = 16;
  // The bound on unsent output: publish() and subscribe() refuse beyond it; a broker that makes
  // our acknowledgements pile up past it (floods QoS 1 and never reads) is closed as abusive.
  std::size_t max_queued_bytes = 1u << 20;
  // Through an HTTP CONNECT proxy: TCP goes to the proxy, which opens a tunnel to host:port (the
  // broker's name is then resolved by the proxy, not here). The proxy's answer is bounded in size
  // and, like every step, by connect_timeout.
  loop::HeapOptional<ProxyOptions> proxy;  // on the heap: most connections have none
  // Set: MQTT over WebSocket (subprotocol "mqtt") at this path, over TLS when `tls` is set.
  loop::HeapOptional<std::string> ws_path;
};

struct Message {
  std::string topic;
  std::string payload;
  int qos = 0;
  std::uint16_t packet_id = 0;
  bool retain = false;
  bool dup = false;
  // Over max_incoming_packet: `payload` is empty, this many bytes were skipped unread. The owner
  // still acks it (QoS 1), or the broker sends it again on every reconnect.
  std::size_t dropped_payload = 0;
};

enum class CloseReason {
  refused,            // CONNACK return code != 0 (Outcome::connack_code)
  tls_failed,         // handshake or record layer failure; detail says why
  timeout,            // connect (resolve + TCP + TLS + CONNACK) took longer than connect_timeout
  keepalive_timeout,  // nothing heard from the broker for 1.4 x keepalive
  peer_closed,        // the broker closed the connection
  protocol_error,     // malformed or unexpected packet; detail says which
  dns_failed,         // the host did not resolve
  connect_failed,     // TCP connect refused / unreachable / socket error
  local_disconnect,   // not reported through on_closed; used for reasons only
};
const char* to_string(CloseReason reason);

struct Outcome {
  CloseReason reason = CloseReason::peer_closed;
  int connack_code = 0;
  std::string detail;
};

class OutputBatch;

class Connection {
 public:
  struct Handler {
    virtual ~Handler() = default;
    virtual void on_connected(bool session_present) = 0;
    virtual void on_closed(const Outcome& outcome) = 0;
    // QoS 1: the broker gets PUBACK only when the owner calls ack(message.packet_id).
    virtual void on_message(const Message& message) = 0;
    virtual void on_puback(std::uint16_t packet_id) = 0;
    virtual void on_suback(std::uint16_t packet_id, std::vector<int> return_codes) = 0;
    virtual void on_unsuback(std::uint16_t /*packet_id*/) {}
    // The in-flight window was full and has room again.
    virtual void on_writable() {}
  };

  enum class Phase {
    idle,
    resolving,
    tcp_connecting,
    proxy_handshaking,
    tls_handshaking,
    ws_upgrading,
    awaiting_connack,
    online
  };

  Connection(sd_event* loop, Resolver& resolver, Handler& handler);
  ~Connection();  // closes silently (no DISCONNECT, no on_closed)
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts a connect attempt, dropping any current connection silently. Outcome via the handler.
  // False (and nothing will be reported) only when the loop cannot give us the timer that bounds
  // the attempt (no memory, a finished loop): the owner treats that as a failed attempt.
  bool connect(ConnectOptions options);
  // Queues a PUBLISH and writes it (at the close of the open OutputBatch, if any). Returns the
  // packet id (0 for QoS 0), or nullopt when not online, the in-flight window is full (QoS 1) or
  // too much output is queued.
  std::optional<std::uint16_t> publish(std::string_view topic, std::string_view payload, int qos,
                                       bool retain = false);
  std::optional<std::uint16_t> subscribe(const std::vector<std::pair<std::string, int>>& filters);
  std::optional<std::uint16_t> unsubscribe(const std::vector<std::string>& filters);
  // Sends PUBACK for an incoming QoS 1 message now, or at the close of the open OutputBatch
  // (after the owner stored it). When the broker
  // does not read and max_queued_bytes of output are waiting, the connection is closed instead
  // (protocol_error, reported from the loop): the broker is flooding us.
  void ack(std::uint16_t packet_id);
  // Sends DISCONNECT (when online) and close_notify, then closes. No on_closed follows.
  void disconnect();

  Phase phase() const { return phase_; }
  bool connected() const { return phase_ == Phase::online; }
  bool session_resumed() const { return tls_.resumed(); }  // the last TLS handshake resumed
  unsigned inflight() const { return state_.inflight(); }
  std::size_t queued_bytes() const { return out_.size() - out_pos_; }
  int fd() const { return fd_; }
  // recv() calls that found nothing (EAGAIN): one per wakeup is what reading to EAGAIN costs;
  // a short read on an edge-triggered socket saves it (read_available). For tests.
  std::uint64_t empty_reads() const { return empty_reads_; }

 private:
  struct Guard;
  friend class OutputBatch;
  enum class Flush { done, blocked, failed };
  enum class Read { data, again, closed };

  static constexpr std::size_t kReadChunk = 16384;
  static char* scratch();
  static int on_io_event(sd_event_source* source, int fd, std::uint32_t events, void* userdata);
  static void on_timer(void* self);  // through the loop's timer group (loop/timer_group.hpp)
  void handle_io(std::uint32_t events);
  void handle_timer();

  void on_resolved(const ResolveResult& result);
  bool try_next_address();
  bool finish_tcp_connect();
  // connection_layers.cpp: the steps between TCP and MQTT (proxy, TLS, WebSocket).
  bool start_proxy_handshake();
  bool start_tls_or_websocket();
  bool start_websocket();
  bool read_handshake();
  bool handshake_answered(std::string_view head_bytes);
  bool feed_frames(std::string_view bytes);
  void frame_pending();
  const char* phase_name() const;
  const char* peer_name() const;
  bool drive_handshake();
  bool send_connect();
  Read read_some(std::size_t* got);
  bool edge_triggered() const {
    return (phase_ == Phase::awaiting_connack || phase_ == Phase::online) && !tls_.active();
  }
  // Reads and dispatches what the socket holds. `short_read_drains`: an edge-triggered plain
  // socket whose event carried no hang-up; a recv() shorter than asked then proves it empty.
  bool read_available(bool short_read_drains = false);
  bool feed_mqtt(std::string_view bytes);
  bool dispatch(Packet& packet);
  bool dispatch_publish(Publish& publish);
  Flush flush();
  bool flush_or_close();
  // After queuing a packet: flush now, or when the open OutputBatch closes (output_batch.cpp).
  void flush_soon();
  void flush_deferred();  // the batch closed
  Outcome write_failure();
  void queue_failure(Outcome outcome);
  void update_io_events();
  void arm_timer();
  bool output_full(std::size_t adding) const {
    return queued_bytes() + adding > options_.max_queued_bytes;
  }
  ProtocolState::TimePoint now() const;

  // Tears down the socket and state, then reports. Returns false: callers must return at once.
  bool close_with(Outcome outcome);
  void teardown();

  sd_event* loop_;
  Resolver& resolver_;
  Handler& handler_;
  ConnectOptions options_;
  ProtocolState state_{std::chrono::seconds(60), std::chrono::seconds(10), 16};
  Decoder decoder_;
  TlsLink tls_;
  Phase phase_ = Phase::idle;
  int fd_ = -1;
  loop::EventSource io_;
  // Connect timeout, keepalive and queued failures: one timer of the loop's shared group, not an
  // sd_event_source of its own (~0.3 KB per connection).
  loop::GroupTimer timer_;
  std::uint32_t io_events_ = 0;
  std::uint64_t empty_reads_ = 0;
  bool tls_wants_write_ = false;
  Resolver::Ticket ticket_ = 0;
  std::vector<Address> addresses_;
  std::size_t address_index_ = 0;
  std::string last_connect_error_;
  std::string out_;
  std::size_t out_pos_ = 0;
  bool output_deferred_ = false;                 // in the open OutputBatch's list
  loop::HeapOptional<Outcome> pending_failure_;  // nearly always empty: a pointer, not 48 bytes
  std::string handshake_in_;  // the proxy's or WebSocket server's HTTP answer, until complete
  std::string ws_key_;        // our Sec-WebSocket-Key while the upgrade is under way
  ws::FrameDecoder frames_;
  bool ws_online_ = false;  // upgraded: out_ beyond framed_ is MQTT bytes still to be framed
  std::size_t framed_ = 0;
  std::uint64_t generation_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace edgegw::mqtt
