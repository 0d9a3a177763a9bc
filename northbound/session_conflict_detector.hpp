// Recognizes "another client is using this identity": MQTT servers (and the IoT platforms) close
// the older connection when a second one arrives with the same client id, so two gateways — or
// a gateway and a forgotten test script — configured with one device knock each other off a few
// seconds after every connect. One such drop is ordinary; `threshold` in a row, each within
// `window` of a successful connect, is a conflict. A connection that outlives the window clears
// the count. Pure: time is a parameter.
#pragma once

#include <chrono>

namespace edgegw::northbound {

struct ConflictOptions {
  std::chrono::milliseconds window{10000};
  unsigned threshold = 3;
  bool operator==(const ConflictOptions&) const = default;
};

class SessionConflictDetector {
 public:
  using Clock = std::chrono::steady_clock;

  explicit SessionConflictDetector(ConflictOptions options) : options_(options) {}

  void connected(Clock::time_point now) {
    connected_at_ = now;
    up_ = true;
  }

  // The link went down at `now`; `by_server` when the server closed it (not our keepalive, not a
  // local error). Returns true when this drop makes the pattern a conflict.
  bool closed(Clock::time_point now, bool by_server) {
    if (!up_) return false;
    up_ = false;
    bool quick = now - connected_at_ < options_.window;
    if (!quick) {
      short_drops_ = 0;
      return false;
    }
    if (!by_server) return false;
    ++short_drops_;
    return short_drops_ >= options_.threshold;
  }

  // Whether a connection that is up at `now` has shown it is not being kicked.
  bool stable(Clock::time_point now) const { return up_ && now - connected_at_ >= options_.window; }
  void clear() { short_drops_ = 0; }
  unsigned short_drops() const { return short_drops_; }

 private:
  ConflictOptions options_;
  Clock::time_point connected_at_{};
  bool up_ = false;
  unsigned short_drops_ = 0;
};

}  // namespace edgegw::northbound
