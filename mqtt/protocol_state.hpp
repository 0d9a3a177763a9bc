// The protocol decisions of one MQTT connection, apart from any I/O: connect timeout, keepalive
// (when to send PINGREQ, when the broker counts as dead), the QoS 1 in-flight window and packet
// identifiers. Every call takes `now`, so the rules are unit-tested without sleeping; Connection
// applies the verdicts with one sd-event timer armed at next_deadline().
//
// Keepalive rule (K = keepalive): send PINGREQ when nothing was sent for K, or nothing was received
// for K (so a client that only publishes QoS 0 still hears from the broker); the broker is dead
// when nothing at all was received for 1.4 K — 1.5 K minus room for timer slack. A live broker
// answers a PINGREQ within one round trip, so the longest silence from a live broker is K + RTT.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace edgegw::mqtt {

class ProtocolState {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  enum class Verdict { none, send_pingreq, connect_timed_out, keepalive_timed_out };

  ProtocolState(std::chrono::seconds keepalive, std::chrono::milliseconds connect_timeout,
                unsigned max_inflight);

  // Connect attempt starts (resolve + TCP + TLS + CONNECT/CONNACK must finish by the timeout).
  void start(TimePoint now);
  // CONNACK accepted: the session is online; keepalive starts.
  void online(TimePoint now);
  bool is_online() const { return online_; }

  void bytes_received(TimePoint now) { last_rx_ = now; }
  void packet_sent(TimePoint now) { last_tx_ = now; }
  void pingresp_received() { ping_outstanding_ = false; }

  // What to do at `now`. send_pingreq marks the ping as sent (the caller must send it).
  Verdict poll(TimePoint now);
  // The next time poll() may return something other than none.
  TimePoint next_deadline() const;
  // Silence after which the broker counts as dead (1.4 x keepalive).
  std::chrono::milliseconds dead_after() const { return keepalive_ * 7 / 5; }

  // QoS 1 / SUBSCRIBE packet identifiers. allocate() returns 0 when the in-flight window is full.
  std::uint16_t allocate_publish_id();
  std::uint16_t allocate_other_id();  // SUBSCRIBE/UNSUBSCRIBE: not counted in the window
  // Frees an identifier; returns whether it was in use (a PUBACK for an unknown id is ignored).
  bool release_publish_id(std::uint16_t id);
  bool release_other_id(std::uint16_t id);
  unsigned inflight() const { return static_cast<unsigned>(publish_ids_.size()); }
  bool window_full() const { return publish_ids_.size() >= max_inflight_; }
  unsigned max_inflight() const { return max_inflight_; }

 private:
  std::uint16_t next_free_id();
  bool in_use(std::uint16_t id) const;

  std::chrono::milliseconds keepalive_;
  std::chrono::milliseconds connect_timeout_;
  unsigned max_inflight_;
  bool started_ = false;
  bool online_ = false;
  bool ping_outstanding_ = false;
  TimePoint connect_deadline_{};
  TimePoint last_rx_{};
  TimePoint last_tx_{};
  std::uint16_t last_id_ = 0;
  std::vector<std::uint16_t> publish_ids_;
  std::vector<std::uint16_t> other_ids_;
};

}  // namespace edgegw::mqtt
