// One device's cloud link: an MQTT connection signed with that device's own credentials, its
// platform's topics, and its slice of the outbox. The decisions (when to connect, how long to back
// off, what an outcome means) are SessionCore's; this class is the I/O shell that carries them out
// on the event loop and moves records:
//
//   outbox.take() ─► encode_uplink ─► QoS 1 PUBLISH (≤ max_inflight in flight, ≤ publish_rate/s)
//   PUBACK ─► outbox.ack(seq)   (only then; a record split into several publications is acked
//                                when all of them are)
//   reconnect ─► outbox.release(device): whatever was unacknowledged goes again (at-least-once)
//   downlink ─► decode_downlink ─► the daemon's command callback;  reply() ─► encode_reply
//
// Credentials are signed anew for every connect (timestamps and expiries move on; Tencent's connid
// is fresh each time). Aliyun dynamic registration connects first with the registration parameters,
// stores what the pushed /ext/register or /ext/regnwl message carries, and then connects normally.
// Nothing throws; every outcome is logged through the sink with the device's name.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "loop/event_source.hpp"
#include "loop/log_rate_limit.hpp"
#include "loop/log_sink.hpp"
#include "mqtt/connection.hpp"
#include "northbound/cloud_options.hpp"
#include "northbound/fifo.hpp"
#include "northbound/platform.hpp"
#include "northbound/session_carrier.hpp"
#include "northbound/session_changes.hpp"
#include "northbound/session_core.hpp"
#include "northbound/session_publish_gate.hpp"
#include "northbound/session_status.hpp"
#include "northbound/session_story.hpp"
#include "store/outbox.hpp"

struct sd_event;
struct sd_event_source;

namespace edgegw::northbound {

using CommandSink = std::function<void(const std::string& device, const Command& command)>;
using WallClock = std::function<std::chrono::system_clock::time_point()>;

struct SessionOptions {
  loop::BackoffOptions backoff;
  ConflictOptions conflict;
  ClockGuardOptions clock;
  unsigned max_inflight = 16;
  double publish_rate = 30;
  std::chrono::milliseconds connect_timeout{20000};
  std::chrono::milliseconds registration_timeout{20000};  // waiting for /ext/register(nwl)
  std::size_t take_batch = 64;                            // records read from the outbox per query
  std::uint64_t seed = 0;                                 // backoff jitter
};

// What all sessions share; owned by Northbound and outliving every Session.
struct SessionEnvironment {
  sd_event* loop = nullptr;
  mqtt::Resolver* resolver = nullptr;
  mqtt::TlsContextCache* tls = nullptr;
  ConnectLimiter* limiter = nullptr;
  ConnectSlots* slots = nullptr;  // null: no cap on attempts in progress
  store::Outbox* outbox = nullptr;
  const Platform* platform = nullptr;
  const CloudOptions* cloud = nullptr;
  CommandSink on_command;
  loop::LogSink log;  // every line names the session's device as `device`
  // Each step of the link's story (northbound/session_story.hpp); when empty they go to `log`.
  StorySink story;
  // Per-message lines (malformed or oversized downlinks, refused messages) go through this, per
  // device and kind; null: they go straight to `log`.
  loop::LogRateLimit* log_limit = nullptr;
  // Marks of changed sessions and the count per state (status, STATUS=); null: not tracked.
  SessionChanges* changes = nullptr;
  WallClock wall_clock;
  // Called just before every connect attempt with the limiter slot it was granted (tests and
  // metrics); may be empty.
  std::function<void(const std::string& device, std::chrono::steady_clock::time_point granted)>
      on_connect_attempt;
};

class Session : private mqtt::Connection::Handler {
 public:
  Session(const SessionEnvironment& env, DeviceIdentity identity, SessionOptions options);
  // `identity` shared with its owner (the gateway's list of devices): one copy per device, not
  // one per holder.
  Session(const SessionEnvironment& env, std::shared_ptr<const DeviceIdentity> identity,
          SessionOptions options);
  ~Session() override;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start();
  void stop();  // closes the link (DISCONNECT) and stays stopped

  // Publishes up to `budget` queued records if online and the window and rate allow; returns how
  // many publications went out. Costs one indexed outbox query per take_batch records.
  std::size_t pump(std::size_t budget);
  // Online, with room in its window, nothing taken left to send and records in the outbox it has
  // not taken: what Northbound::drain() reads for (all such sessions in one outbox round).
  bool wants_records() const;
  // Records the caller took from the outbox for this session (Outbox::take_many), oldest first:
  // queued for pump() as refill() would have queued them.
  void offer(std::vector<store::Record> records);
  std::size_t take_batch() const { return options_.take_batch; }
  // Publishes the platform's answer to `command`; queued (bounded) while offline. False if the
  // queue is full and the reply was dropped.
  bool reply(const Command& command, const CommandResult& result);

  SessionStatus status() const;
  // status(), and clears this session's mark in env.changes (the reader took it).
  SessionStatus take_status();
  SessionState state() const { return core_.state(); }
  bool online() const { return core_.state() == SessionState::online; }
  const std::string& device() const { return identity_->device; }
  const DeviceIdentity& identity() const { return *identity_; }
  // Holds `same` instead of its identity when they are equal (the caller's newer copy, so the old
  // one can go); false, keeping its own, otherwise.
  bool share_identity(std::shared_ptr<const DeviceIdentity> same) {
    if (!same || !(*same == *identity_)) return false;
    identity_ = std::move(same);
    return true;
  }

  // A layer sharing this session's connection (gateway mode); null detaches. It must outlive
  // the session or detach first.
  void set_carrier(SessionCarrier* carrier) { carrier_ = carrier; }
  // Publishes and subscribes for the carrier on this session's link: the packet id (0 for QoS
  // 0), or nullopt when offline or the window / output queue is full.
  std::optional<std::uint16_t> carry(const Publication& publication);
  std::optional<std::uint16_t> carry_subscribe(const std::string& filter);
  unsigned link_inflight() const { return connection_ ? connection_->inflight() : 0; }

 private:
  struct Pending {
    std::uint64_t seq;
    Publication publication;
  };

  // mqtt::Connection::Handler
  void on_connected(bool session_present) override;
  void on_closed(const mqtt::Outcome& outcome) override;
  void on_message(const mqtt::Message& message) override;
  void on_puback(std::uint16_t packet_id) override;
  void on_suback(std::uint16_t packet_id, std::vector<int> return_codes) override;
  void on_writable() override;

  void apply(const SessionDecision& decision);
  // Something status() reports may have changed: marks this session in env.changes.
  void changed();
  void open_connection();
  bool apply_route(mqtt::ConnectOptions& o);
  void went_online();
  void handle_downlink(const mqtt::Message& message);
  void handle_registration(const Registration& registration);
  void notice(SessionNotice notice);
  void tell(StoryLine line) const;
  void tell_closed(SessionState was, SessionNotice notice, const std::string& detail);
  std::string retry_text() const;
  void refill();
  void flush_replies();
  void forget_inflight();
  void arm_timer(std::chrono::steady_clock::time_point at);
  void on_timer();
  static int timer_trampoline(sd_event_source* source, std::uint64_t usec, void* self);
  void log(loop::LogLevel level, const std::string& message) const;
  void log_per_message(std::string_view kind, const std::string& message) const;
  std::chrono::system_clock::time_point wall() const;

  const SessionEnvironment& env_;
  std::shared_ptr<const DeviceIdentity> identity_;  // never null
  // What the session reads of its options after construction (the rest went into core_ and
  // gate_): not the whole SessionOptions again, 10,000 times.
  struct KeptOptions {
    std::chrono::milliseconds connect_timeout;
    std::chrono::milliseconds registration_timeout;
    std::size_t take_batch;
    unsigned max_inflight;
  } options_;
  SessionCore core_;
  SessionPublishGate gate_;
  std::unique_ptr<mqtt::Connection> connection_;
  loop::EventSource timer_;
  SessionStory story_;

  Fifo<Pending> pending_;                                      // taken, not yet published
  std::unordered_map<std::uint16_t, std::uint64_t> inflight_;  // packet id → record seq
  std::unordered_map<std::uint64_t, unsigned> parts_left_;     // seq → publications not yet acked
  std::uint64_t held_ = 0;  // records taken from the outbox and not yet acked
  static constexpr std::size_t kMaxQueuedReplies = 256;  // command answers waiting for the link
  Fifo<Publication> replies_;

  std::chrono::system_clock::time_point online_since_{};
  std::uint64_t published_ = 0;
  std::uint64_t acknowledged_ = 0;
  std::uint64_t commands_ = 0;
  std::uint64_t dropped_ = 0;  // records the platform cannot encode (logged, acked away)
  bool suback_refusal_logged_ = false;
  bool marked_ = false;         // in env.changes until the reader takes it
  SessionState counted_state_;  // the state env.changes counts this session in
  SessionCarrier* carrier_ = nullptr;
};

}  // namespace edgegw::northbound
