// What a session is doing, in the user's words: the states `edgegw status` and STATUS= show, and
// the per-device status record the daemon reads.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace edgegw::northbound {

enum class SessionState {
  clock_wait,         // the platform signs with the time and the clock is before the build date
  waiting,            // backing off, or waiting for a slot from the gateway-wide connect limiter
  connecting,         // TCP/TLS/MQTT connect under way
  registering,        // aliyun dynamic registration: connected with the product secret
  online,             // connected; publishing the outbox
  auth_failed,        // the platform refused the credentials; retrying after a long backoff
  identity_conflict,  // another client is using this identity; retrying after a long backoff
  stopped,            // removed or shutting down
};

constexpr std::string_view to_string(SessionState state) {
  switch (state) {
    case SessionState::clock_wait:
      return "clock_wait";
    case SessionState::waiting:
      return "backoff";
    case SessionState::connecting:
      return "connecting";
    case SessionState::registering:
      return "registering";
    case SessionState::online:
      return "online";
    case SessionState::auth_failed:
      return "auth_failed";
    case SessionState::identity_conflict:
      return "identity_conflict";
    case SessionState::stopped:
      return "stopped";
  }
  return "?";
}

struct SessionStatus {
  std::string device;
  SessionState state = SessionState::waiting;
  // When the session will try again (waiting, auth_failed, identity_conflict, clock_wait).
  std::optional<std::chrono::system_clock::time_point> retry_at;
  std::optional<std::chrono::system_clock::time_point> online_since;
  std::uint64_t backlog = 0;       // records in the outbox not yet acknowledged by the cloud
  std::uint64_t inflight = 0;      // published, PUBACK not yet received
  std::uint64_t published = 0;     // publishes sent since start (resends included)
  std::uint64_t acknowledged = 0;  // PUBACKs received since start
  std::uint64_t commands = 0;      // downlink commands handed to the daemon
  std::uint64_t connect_attempts = 0;
  std::string last_error;  // empty when there was none
  bool operator==(const SessionStatus&) const = default;
};

}  // namespace edgegw::northbound
