// Full-jitter exponential backoff for one session's reconnects.
//
// The delay before attempt n is uniform in [0, min(max, min * 2^n)] ("full jitter"): thousands of
// sessions that lost the cloud at the same instant come back spread over the whole window instead
// of in synchronized waves. The attempt count is reset only after a link stayed up `stable_after`,
// like mosquitto's bridge, so a server that accepts and then drops us at once does not get a
// reconnect per backoff_min. Time is a parameter; the random source is seeded by the caller so
// tests are deterministic.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace edgegw::northbound {

struct BackoffOptions {
  std::chrono::milliseconds min{1000};
  std::chrono::milliseconds max{300000};
  std::chrono::milliseconds stable_after{60000};  // up this long → the next failure starts afresh
  bool operator==(const BackoffOptions&) const = default;
};

class Backoff {
 public:
  using Clock = std::chrono::steady_clock;

  Backoff(BackoffOptions options, std::uint64_t seed);

  // The delay before the next attempt; counts the attempt. Cheap (a few arithmetic operations).
  std::chrono::milliseconds next_delay();

  // The ceiling of the window the next next_delay() draws from (for status and tests).
  std::chrono::milliseconds ceiling() const;

  // A long, still jittered, wait for failures that retrying soon cannot fix (bad credentials,
  // another client with our identity): uniform in [max/2, max], so those sessions do not all
  // return together either.
  std::chrono::milliseconds long_delay();

  // The link came up at `now` / went down at `now`. Going down after at least stable_after
  // resets the attempt count.
  void link_up(Clock::time_point now);
  void link_down(Clock::time_point now);

  unsigned attempts() const { return attempts_; }
  void reset() { attempts_ = 0; }
  const BackoffOptions& options() const { return options_; }

 private:
  std::chrono::milliseconds uniform(std::chrono::milliseconds lo, std::chrono::milliseconds hi);

  BackoffOptions options_;
  std::mt19937_64 rng_;
  unsigned attempts_ = 0;
  Clock::time_point up_since_{};
  bool up_ = false;
};

}  // namespace edgegw::northbound
