// The northbound side as the daemon sees it: one Session per configured device, and what they share
// — the platform, the resolver thread (one lookup per host, not per session), the TLS contexts
// (one SSL_CTX per distinct TLS configuration) and the gateway-wide connect limiter.
//
// The daemon calls drain() after each outbox commit: it offers the newly committed records to the
// online sessions of the devices that got them, with a budget, so one device with a huge backlog
// never starves the others; and drain_all() once per housekeeping tick, over every device with a
// backlog in the outbox's round-robin order. Sessions also pump themselves on every PUBACK, so a
// busy device keeps its window full between commits. Everything runs on the loop thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loop/log_rate_limit.hpp"
#include "loop/log_sink.hpp"
#include "mqtt/resolver.hpp"
#include "mqtt/tls_context.hpp"
#include "northbound/cloud_options.hpp"
#include "northbound/connect_limiter.hpp"
#include "northbound/connect_slots.hpp"
#include "northbound/gateway_topology.hpp"
#include "northbound/platform.hpp"
#include "northbound/session.hpp"
#include "northbound/session_changes.hpp"
#include "northbound/session_status.hpp"
#include "store/outbox.hpp"

struct sd_event;

namespace edgegw::northbound {

struct NorthboundOptions {
  CloudOptions cloud;
  std::filesystem::path state_dir;  // aliyun registration results
  // The wall clock must be past this before a platform that signs with the time connects
  // (daemon::build_epoch()).
  std::chrono::system_clock::time_point build_epoch{};
  std::chrono::milliseconds clock_recheck{5000};
  std::chrono::milliseconds stable_after{60000};  // backoff resets after a link stayed up this long
  ConflictOptions conflict;
  unsigned connect_burst = 5;  // the limiter lets this many go at once after a quiet spell
  std::chrono::milliseconds connect_timeout{20000};
  std::uint64_t seed = 0;               // 0: random; else deterministic jitter (tests)
  loop::LogRateLimitOptions log_limit;  // per-message lines of all sessions (per device, kind)
};

struct NorthboundHandlers {
  CommandSink on_command;  // a decoded downlink command for a device
  loop::LogSink log;       // called on the loop; `device` is the session's device
  StorySink story;         // each step of a session's story; empty: they go to `log`
  WallClock wall_clock;    // empty: std::chrono::system_clock::now (tests fake the date)
  // Optional (tests, metrics): every connect attempt, with the limiter slot it was granted.
  std::function<void(const std::string& device, std::chrono::steady_clock::time_point granted)>
      on_connect_attempt;
};

class Northbound {
 public:
  // `outbox` outlives this. Throws std::invalid_argument for options make_platform() refuses
  // (startup only). `platform`: null means make_platform(options.cloud, options.state_dir).
  Northbound(sd_event* loop, store::Outbox& outbox, NorthboundOptions options,
             NorthboundHandlers handlers, std::unique_ptr<Platform> platform = nullptr);
  ~Northbound();
  Northbound(const Northbound&) = delete;
  Northbound& operator=(const Northbound&) = delete;

  // Adds a device and starts its session (connecting through the limiter). False if the name is
  // taken.
  bool add_device(DeviceIdentity identity);
  // The same with an identity the caller keeps too (shared, not copied).
  bool add_device(std::shared_ptr<const DeviceIdentity> identity);
  // The running session of identity->device holds `identity` from now on instead of its own
  // pointer, when both say the same (a reload that kept the device: the session then no longer
  // keeps the previous configuration alive). False, changing nothing, otherwise.
  bool share_identity(std::shared_ptr<const DeviceIdentity> identity);
  // Stops and removes a device's session (its records stay in the outbox). False if unknown.
  bool remove_device(const std::string& device);
  bool has_device(const std::string& device) const {
    return session_named(device) != nullptr || (topology_ && topology_->has(device));
  }
  std::size_t size() const { return sessions_.size() + (topology_ ? topology_->size() : 0); }
  // cloud.mode = "gateway": the sub-devices carried over the gateway session; null otherwise.
  const GatewayTopology* topology() const { return topology_.get(); }

  // Offers newly committed records to online sessions; returns publications sent. Call after
  // each Outbox::commit(). Visits only the devices whose committed records grew (and any the last
  // budget left out), so its cost follows the devices with new records, not the devices there
  // are: sessions pump themselves on every PUBACK, when writable, and when they come online.
  std::size_t drain(std::size_t budget = 10000);
  // The same for every device with a backlog, from a start one further at each call (the outbox's
  // round-robin): a safety net, once per housekeeping tick, for a session that missed its turn.
  std::size_t drain_all(std::size_t budget = 10000);
  // Devices the drains visited so far (tests and benchmarks: a drain costs about this per device).
  std::uint64_t drain_visits() const { return drain_visits_; }

  // Publishes the platform's reply to a command of `device`. False for an unknown device or a full
  // reply queue.
  bool reply(const std::string& device, const Command& command, const CommandResult& result);

  // The gateway's own identity ([gateway.cloud]): one more Session, supervised like the devices'
  // (backoff, keepalive, the connect limiter, the story), whose records are the gateway's health
  // and events and whose commands are the remote operations. It is kept apart from the devices so
  // that status() and summary() count devices only, and so that a later layer (sub-devices
  // carried over the gateway's connection) can find it: gateway_session(). Replaces a gateway
  // session already running. False if the name is a device's.
  bool start_gateway(DeviceIdentity identity);
  void stop_gateway();
  Session* gateway_session() { return gateway_.get(); }
  const Session* gateway_session() const { return gateway_.get(); }
  // The gateway session's status; nullopt without a gateway identity.
  std::optional<SessionStatus> gateway_status() const;
  // Stops and starts one session again (a remote "restart session"): the link closes and the
  // session connects anew through the limiter. False for an unknown name.
  bool restart(const std::string& device);

  std::vector<SessionStatus> status() const;  // sorted by device name
  std::optional<SessionStatus> status(const std::string& device) const;
  // Counts per state, for the one-line STATUS= summary ("online 9998, backoff 2, ..."). Kept as
  // the sessions change: costs the number of states, not of sessions.
  std::string summary() const;

  // The status of each session that changed since the last call (all of them at the first),
  // in no particular order; clears their marks. For a single reader (the daemon's status file):
  // with nothing changed it costs nothing, whatever the number of sessions.
  std::vector<SessionStatus> take_changed();
  // Counts every change a session marked, and every device added or removed: equal between two
  // calls means nothing any status() reports changed (apart from retry_at's wall-clock reading).
  std::uint64_t changes() const {
    return changes_.marks() + membership_ + (topology_ ? topology_->marks() : 0);
  }
  // Counts devices added and removed (a reader of take_changed() rebuilds when this moved).
  std::uint64_t membership() const { return membership_; }

  void stop();  // DISCONNECT every session (shutdown)

  const Platform& platform() const { return *platform_; }
  const ConnectLimiter& limiter() const { return limiter_; }
  const mqtt::Resolver& resolver() const { return resolver_; }
  std::size_t tls_contexts() const { return tls_.size(); }

 private:
  // What drain() knows of an outbox device (by the outbox's index): found by name once, until
  // the devices change (forget_targets()).
  struct DrainTarget {
    Session* session = nullptr;  // its own session or the gateway's; null: none
    bool sub_device = false;     // carried by the gateway session (topology_)
    bool known = false;          // looked up since the devices last changed
    bool listed = false;         // in to_visit_
  };
  SessionOptions session_options(const DeviceIdentity& identity) const;
  DrainTarget& target(std::uint32_t device);
  void forget_targets();
  void list(std::uint32_t device);
  std::size_t visit_listed(std::size_t budget);
  void refill_ready(std::size_t budget);

  NorthboundOptions options_;
  store::Outbox& outbox_;
  std::unique_ptr<Platform> platform_;
  mqtt::Resolver resolver_;
  mqtt::TlsContextCache tls_;
  ConnectLimiter limiter_;
  ConnectSlots slots_;
  SessionEnvironment env_;
  std::unique_ptr<loop::LogRateLimit> log_limit_;  // outlives sessions_ (declared before it)
  std::uint64_t seed_;
  SessionChanges changes_;  // outlives sessions_ (each session leaves it on destruction)
  std::uint64_t membership_ = 0;
  // Sorted by device name; a session knows its name. Not a std::map: its node (~80 bytes with
  // the key's copy) was a tenth of a session's own size, for 10,000 sessions.
  std::vector<std::unique_ptr<Session>> sessions_;
  std::unique_ptr<Session> gateway_;     // [gateway.cloud]; null without one
  std::vector<DrainTarget> targets_;     // by outbox device index
  std::vector<std::uint32_t> to_visit_;  // devices the next drain visits, in order
  std::vector<std::uint32_t> ready_;     // refill_ready()'s working room, kept from drain to drain
  std::vector<Session*> ready_sessions_;
  std::uint64_t drain_visits_ = 0;
  // cloud.mode = "gateway": the devices as sub-devices of gateway_ (declared after it: it
  // detaches from the gateway session when it goes).
  std::unique_ptr<TopologyProtocol> topology_protocol_;
  std::unique_ptr<GatewayTopology> topology_;
  Session* find(const std::string& name) const;
  // Where `device` is in sessions_, or would be inserted.
  std::size_t place_of(std::string_view device) const;
  Session* session_named(std::string_view device) const;
};

}  // namespace edgegw::northbound
