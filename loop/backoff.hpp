// Backoff: the one retry-delay policy of the tree — session reconnects, the local broker, Modbus
// buses and the outbox's commit retry all use it.
//
// The delay before attempt n is drawn from [floor, min(max, min * 2^n)]:
//   - Jitter::full (the default) draws uniformly over the whole window ("full jitter"): thousands
//     of sessions that lost the cloud at the same instant come back spread over the whole window
//     instead of in synchronized waves;
//   - Jitter::equal draws from the upper half of the window (never retries almost at once);
//   - Jitter::none returns the ceiling itself (one local resource, no herd to spread).
// `floor` is a lower bound on every delay (a platform that allows one connect per N seconds).
// The attempt count is reset only after a link stayed up `stable_after`, like mosquitto's bridge,
// so a server that accepts and then drops us at once does not get a reconnect per `min`. Time is a
// parameter; the random source is seeded by the caller so tests are deterministic.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace edgegw::loop {

enum class Jitter { full, equal, none };

struct BackoffOptions {
  std::chrono::milliseconds min{1000};
  std::chrono::milliseconds max{300000};
  std::chrono::milliseconds stable_after{60000};  // up this long → the next failure starts afresh
  Jitter jitter = Jitter::full;
  std::chrono::milliseconds floor{0};  // no delay is shorter than this
  bool operator==(const BackoffOptions&) const = default;
};

// SplitMix64 (Steele, Lea, Flood 2014): a UniformRandomBitGenerator of 8 bytes. Every session
// holds a Backoff, and std::mt19937_64 is 2.5 KB of state — most of a Session at 10,000 devices —
// for jitter that only needs to spread reconnects, not to be cryptographic.
class SplitMix64 {
 public:
  using result_type = std::uint64_t;
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }
  result_type operator()() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
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
  // resets the attempt count; going down sooner keeps it, so a peer that accepts and drops us
  // at once backs off like one that refuses.
  void link_up(Clock::time_point now);
  void link_down(Clock::time_point now);

  unsigned attempts() const { return attempts_; }
  void reset() { attempts_ = 0; }
  const BackoffOptions& options() const { return options_; }

 private:
  std::chrono::milliseconds uniform(std::chrono::milliseconds lo, std::chrono::milliseconds hi);

  BackoffOptions options_;
  SplitMix64 rng_;
  unsigned attempts_ = 0;
  Clock::time_point up_since_{};
  bool up_ = false;
};

}  // namespace edgegw::loop
