// The decisions of one device's cloud session, apart from any I/O (coreMQTT style): given the
// current state, an event and `now`, what happens next — connect now, wake me at T, close the
// link, log this once. Session (the I/O shell) feeds it events from the MQTT connection and the
// event loop's timers and carries out what it returns. Because time and the random seed are
// parameters, backoff, the connect limiter, identity-conflict detection and the clock guard are
// tested here without sleeping or a network.
//
// Transitions:
//   start/timer ─► clock_wait (clock before build date, re-checked every `recheck`)
//               ─► waiting (for a connect slot, then the limiter's time) ─► connecting |
//               registering
//   connecting ─connected─► online ─closed─► waiting (full-jitter backoff)
//                                       └─► identity_conflict (kicked quickly N times; long wait)
//   connecting ─failed(transient)─► waiting;  ─failed(rejected|misconfigured)─► auth_failed (long)
//   registering ─registered─► (disconnect) waiting for a slot ─► connecting
//   any ─stop─► stopped
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "loop/backoff.hpp"
#include "northbound/clock_guard.hpp"
#include "northbound/connect_limiter.hpp"
#include "northbound/connect_slots.hpp"
#include "northbound/session_conflict_detector.hpp"
#include "northbound/session_status.hpp"

namespace edgegw::northbound {

// How a connect attempt failed, as the platform classified it (or transient for network errors).
enum class ConnectFailure {
  transient,     // server unavailable, network, timeout: normal backoff
  rejected,      // bad credentials, not authorized: long backoff, log once
  misconfigured  // something only the user can fix (e.g. keepalive out of range): likewise
};

// Something the owner should log (once per occurrence of the condition, not per attempt).
enum class SessionNotice {
  none,
  clock_wait,         // "clock is before the build date; waiting"
  clock_ok,           // "clock is set; connecting"
  auth_failed,        // "credentials refused: <hint>"
  misconfigured,      // "configuration refused by the platform: <hint>"
  identity_conflict,  // "another client is using this identity"
  recovered,          // back online after an auth failure or a conflict
};

struct SessionCoreOptions {
  loop::BackoffOptions backoff;
  ConflictOptions conflict;
  ClockGuardOptions clock;
  bool signs_with_time = false;
  bool needs_registration = false;  // aliyun register / register_nwl without stored credentials
  std::uint64_t seed = 0;           // for the backoff's jitter
};

struct SessionDecision {
  SessionState state = SessionState::waiting;
  bool connect = false;     // open a connection now (registration parameters in `registering`)
  bool disconnect = false;  // close the current connection
  std::optional<std::chrono::steady_clock::time_point> wake_at;  // call timer() at this time
  SessionNotice notice = SessionNotice::none;
};

class SessionCore {
 public:
  using Clock = std::chrono::steady_clock;
  using Wall = std::chrono::system_clock;

  // `limiter` and `slots` are the gateway-wide ones and outlive the core. With `slots`, an attempt
  // first waits for a free connect slot (no timer meanwhile); `wake` is called when one becomes
  // this session's, and the owner then calls timer() from its loop.
  SessionCore(SessionCoreOptions options, ConnectLimiter& limiter, ConnectSlots* slots = nullptr,
              std::function<void()> wake = {});
  ~SessionCore();
  SessionCore(const SessionCore&) = delete;
  SessionCore& operator=(const SessionCore&) = delete;

  SessionDecision start(Clock::time_point now, Wall::time_point wall);
  // The wake_at of an earlier decision arrived (early or repeated calls are harmless).
  SessionDecision timer(Clock::time_point now, Wall::time_point wall);
  // The server accepted the connection (CONNACK 0).
  SessionDecision connected(Clock::time_point now);
  // The connect attempt ended without an accepted CONNACK.
  SessionDecision connect_failed(Clock::time_point now, ConnectFailure failure, std::string detail);
  // An accepted connection ended; `by_server` when the server closed it.
  SessionDecision closed(Clock::time_point now, bool by_server, std::string detail);
  // Registration stored the obtained credentials; connect normally next.
  SessionDecision registered(Clock::time_point now);
  SessionDecision stop();

  SessionState state() const { return state_; }
  // The time the session waits for in clock_wait/waiting/auth_failed/identity_conflict.
  std::optional<Clock::time_point> until() const;
  const std::string& last_error() const { return last_error_; }
  std::uint64_t connect_attempts() const { return connect_attempts_; }
  // The limiter's slot for the latest attempt: the time it was allowed to go. The attempt itself
  // may start later (a busy loop runs the timer late), never earlier.
  Clock::time_point granted_at() const { return granted_at_; }
  const loop::Backoff& backoff() const { return backoff_; }
  bool registration_pending() const { return needs_registration_; }
  // Waiting in line for a connect slot (cloud.max_connecting).
  bool waiting_for_slot() const { return queued_; }

 private:
  SessionDecision decide(SessionNotice notice = SessionNotice::none) const;
  SessionDecision wait_until(Clock::time_point now, SessionState state, Clock::duration delay,
                             SessionNotice notice);
  SessionDecision try_connect(Clock::time_point now, Wall::time_point wall);
  bool take_connect_slot();
  void give_back_connect_slot();

  ConnectLimiter& limiter_;
  ConnectSlots* slots_;
  std::function<void()> wake_;
  ConnectSlots::Ticket ticket_ = 0;
  bool holds_slot_ = false;  // an attempt of ours is (about to be) in progress
  bool queued_ = false;      // in line for a slot; the grant sets holds_slot_ and wakes us
  loop::Backoff backoff_;
  SessionConflictDetector conflict_;
  ClockGuard clock_;
  SessionState state_ = SessionState::waiting;
  Clock::time_point until_{};
  bool slot_reserved_ = false;  // slot_ is reserved: connect when it arrives
  Clock::time_point slot_{};    // the reserved limiter slot (until_ may move on meanwhile)
  Clock::time_point granted_at_{};
  bool needs_registration_;
  bool reported_auth_ = false;
  bool reported_conflict_ = false;
  std::string last_error_;
  std::uint64_t connect_attempts_ = 0;
};

}  // namespace edgegw::northbound
